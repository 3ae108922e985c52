package observe

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"poscare/sqlstore"
)

// ScrapeTimeout bounds the outbox's queries at each scrape: a database
// that does not answer in time costs the scrape those series, not the
// scrape itself.
var ScrapeTimeout = 2 * time.Second

var (
	outboxMessagesDesc = prometheus.NewDesc("poscare_outbox_messages",
		"Outbox messages by status: queued (waiting), sending (leased to a worker), failed (given up). Sent ones are counted by poscare_outbox_deliveries_total.",
		[]string{"status"}, nil)
	outboxDueDesc = prometheus.NewDesc("poscare_outbox_due_messages",
		"Outbox messages that may be sent now: the queue's depth.", nil, nil)
	outboxOldestDesc = prometheus.NewDesc("poscare_outbox_oldest_due_age_seconds",
		"How long the outbox message due longest has waited past its time; 0 when none is due.", nil, nil)
)

// outboxCollector counts the outbox when scraped, so the numbers are the
// database's, shared by every instance, not one process's view.
type outboxCollector struct {
	store interface {
		CountOutbox(context.Context) (sqlstore.OutboxCounts, error)
	}
	timeout time.Duration
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxMessagesDesc
	ch <- outboxDueDesc
	ch <- outboxOldestDesc
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	n, err := c.store.CountOutbox(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxMessagesDesc, err)
		return
	}
	for _, st := range sqlstore.OutboxStatuses {
		ch <- prometheus.MustNewConstMetric(outboxMessagesDesc, prometheus.GaugeValue, float64(n.ByStatus[st]), st)
	}
	ch <- prometheus.MustNewConstMetric(outboxDueDesc, prometheus.GaugeValue, float64(n.Due))
	ch <- prometheus.MustNewConstMetric(outboxOldestDesc, prometheus.GaugeValue, n.OldestDue.Seconds())
}
