// Package observe is how operators see poscare run: Prometheus metrics
// (requests, background jobs, the outbox, playbook runs, login failures,
// the database pools), one access-log line per request with its request
// id, and the readiness check behind /readyz.
//
// Metrics live in a registry of their own, not the process-wide default,
// so that every test (and every server in one process) counts only what
// it did.
package observe

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"poscare"
	"poscare/sqlstore"
)

// Metrics owns the registry and the collectors poscare updates. Label
// values are always from a fixed set (route patterns, status codes, job
// kinds, outcomes, reasons), never a path, a login or an id, so the
// number of series stays bounded whatever the traffic.
type Metrics struct {
	// Registry holds every collector; Handler serves it.
	Registry *prometheus.Registry

	requests         *prometheus.CounterVec
	requestDuration  *prometheus.HistogramVec
	jobs             *prometheus.CounterVec
	jobDuration      *prometheus.HistogramVec
	deliveries       *prometheus.CounterVec
	playbookRuns     *prometheus.CounterVec
	playbookDuration *prometheus.HistogramVec
	loginFailures    *prometheus.CounterVec
}

// New builds the metrics in a fresh registry, with the Go runtime's and
// the process's own collectors beside poscare's.
func New(version string) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poscare_http_requests_total",
		Help: "HTTP requests answered, by route pattern and status code.",
	}, []string{"route", "status"})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "poscare_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poscare_jobs_total",
		Help: "Runs of background work (outbox batches, sweeps, playbook resumes, audit checkpoints, backups), by kind and outcome (ok, error).",
	}, []string{"kind", "outcome"})
	m.jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "poscare_job_duration_seconds",
		Help:    "Time one run of background work took, by kind.",
		Buckets: prometheus.ExponentialBuckets(0.005, 4, 9), // 5 ms … 5.5 min
	}, []string{"kind"})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poscare_outbox_deliveries_total",
		Help: "Notifications this instance's outbox worker sent or failed to send (one attempt each).",
	}, []string{"outcome"})
	m.playbookRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poscare_playbook_runs_total",
		Help: "Emergency playbook runs, by trigger (declared, resumed) and outcome (done, refused, error).",
	}, []string{"trigger", "outcome"})
	m.playbookDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "poscare_playbook_run_duration_seconds",
		Help:    "Time one emergency playbook run took, by trigger.",
		Buckets: prometheus.ExponentialBuckets(0.01, 3, 10), // 10 ms … 3.3 min
	}, []string{"trigger"})
	m.loginFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poscare_login_failures_total",
		Help: "Failed password checks (logins and password changes), by reason.",
	}, []string{"reason"})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "poscare_build_info",
		Help: "Always 1; the version label names the running binary.",
	}, []string{"version"})
	build.WithLabelValues(version).Set(1)
	m.Registry.MustRegister(m.requests, m.requestDuration, m.jobs, m.jobDuration, m.deliveries,
		m.playbookRuns, m.playbookDuration, m.loginFailures, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The outcomes and reasons exist from the start at zero, so that a
	// rate or an alert on them needs no first failure to have a series.
	for _, o := range []string{"sent", "failed"} {
		m.deliveries.WithLabelValues(o)
	}
	for _, r := range loginReasons {
		m.loginFailures.WithLabelValues(r)
	}
	return m
}

// Handler serves the registry in the Prometheus exposition format. A
// collector that fails (the database did not answer in time) is left out
// of that scrape and the rest is served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Registry: m.Registry})
}

// WatchStore adds the store's outbox and its connection pools to the
// registry, and makes the metrics the store's observer (playbook runs,
// login failures).
func (m *Metrics) WatchStore(s *sqlstore.Store) {
	m.Registry.MustRegister(&outboxCollector{store: s, timeout: ScrapeTimeout})
	for name, db := range s.Pools() {
		m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
	s.Observer = m
}

// Job counts one run of background work of a kind that began at start.
// A run cut short by shutdown is not a failure and is not counted; nil
// Metrics count nothing.
func (m *Metrics) Job(kind string, start time.Time, err error) {
	if m == nil || errors.Is(err, context.Canceled) {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.jobs.WithLabelValues(kind, outcome).Inc()
	m.jobDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
}

// Delivered counts the outcomes of one outbox batch.
func (m *Metrics) Delivered(sent, failed int) {
	m.deliveries.WithLabelValues("sent").Add(float64(sent))
	m.deliveries.WithLabelValues("failed").Add(float64(failed))
}

// PlaybookRun counts one run of the emergency playbook (sqlstore.Observer).
func (m *Metrics) PlaybookRun(resumed bool, took time.Duration, err error) {
	trigger := "declared"
	if resumed {
		trigger = "resumed"
	}
	outcome := "done"
	switch {
	case err == nil:
	case poscare.ErrorCode(err) == poscare.EInternal:
		outcome = "error"
	default:
		outcome = "refused"
	}
	m.playbookRuns.WithLabelValues(trigger, outcome).Inc()
	m.playbookDuration.WithLabelValues(trigger).Observe(took.Seconds())
}

// loginReasons are the values of the reason label of login failures.
var loginReasons = []string{sqlstore.LoginWrongPassword, sqlstore.LoginUnknown, sqlstore.LoginInactive,
	sqlstore.LoginThrottled, sqlstore.LoginBusy}

// LoginFailed counts one failed password check (sqlstore.Observer).
func (m *Metrics) LoginFailed(reason string) {
	m.loginFailures.WithLabelValues(reason).Inc()
}

// statusLabel is a status code as a label value.
func statusLabel(code int) string { return strconv.Itoa(code) }
