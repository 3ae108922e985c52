package observe

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	jobsQueuedDesc = prometheus.NewDesc("poscare_job_queue_jobs",
		"Background jobs in the job engine's queue, shared by every instance, by kind and state: available (may run now), scheduled (later), retryable (failed, waiting for a retry), running.",
		[]string{"kind", "state"}, nil)
	jobsOldestDesc = prometheus.NewDesc("poscare_job_queue_oldest_available_age_seconds",
		"How long the job of a kind available longest has waited past its time; absent when none is available.",
		[]string{"kind"}, nil)
)

// JobQueueStat is how many jobs of a kind are in a state, and for those
// available how long the oldest has waited.
type JobQueueStat struct {
	Kind, State string
	Count       int
	Oldest      time.Duration
}

// WatchJobs adds the job engine's queue (depth by kind and state, the age
// of the oldest available job) to the registry, counted from the database
// at each scrape.
func (m *Metrics) WatchJobs(stats func(context.Context) ([]JobQueueStat, error)) {
	m.Registry.MustRegister(&jobsCollector{stats: stats, timeout: ScrapeTimeout})
}

type jobsCollector struct {
	stats   func(context.Context) ([]JobQueueStat, error)
	timeout time.Duration
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsQueuedDesc
	ch <- jobsOldestDesc
}

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	stats, err := c.stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsQueuedDesc, err)
		return
	}
	// Kinds a newer binary queued are all "other": one series each.
	count := map[[2]string]int{}
	oldest := map[string]time.Duration{}
	for _, s := range stats {
		count[[2]string{s.Kind, s.State}] += s.Count
		if s.State == "available" {
			oldest[s.Kind] = max(oldest[s.Kind], s.Oldest)
		}
	}
	for k, n := range count {
		ch <- prometheus.MustNewConstMetric(jobsQueuedDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	for k, d := range oldest {
		ch <- prometheus.MustNewConstMetric(jobsOldestDesc, prometheus.GaugeValue, d.Seconds(), k)
	}
}
