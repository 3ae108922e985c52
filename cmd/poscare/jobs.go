package main

import (
	"context"
	"log/slog"
	"time"

	"poscare/console"
	"poscare/jobs"
	"poscare/mailin"
	"poscare/notify"
	"poscare/observe"
	"poscare/sqlstore"
)

// outboxEvery is how often the outbox is looked at besides the jobs its
// messages queue: for the retries of failed sends (due 30 s and more
// after), for the claims of an instance that died (due after their
// lease), and for messages queued by a command-line tool, which runs no
// job engine.
const outboxEvery = 5 * time.Second

// jobDeps are what serve's jobs work with.
type jobDeps struct {
	store     *sqlstore.Store
	worker    *notify.Worker // nil without a channel: messages wait queued
	web       *console.Console
	logger    *slog.Logger
	metrics   *observe.Metrics
	every     time.Duration // --sweep-every
	mailbox   *mailin.IMAP  // --imap-url; nil: no mail in
	mailEvery time.Duration // --imap-every
}

// fetchMail is the job that takes the service desk's mailbox in.
type fetchMail struct{}

func (fetchMail) Kind() string { return "mail.fetch" }

// warmDashboard counts the console's widest dashboard scope into this
// process's cache (console.WarmDashboard): a local job, run where it was
// queued, at start.
type warmDashboard struct{}

func (warmDashboard) Kind() string { return "dashboard.warm" }

// registerJobs adds the kinds of serve's capabilities to the engine: the
// outbox delivery, the playbook's resume and "merchants informed" check,
// the silence and freshness sweeps, the service desk's escalations, the
// dashboard warm-up. A capability
// that needs background work adds its kinds here, with jobs.Add.
func registerJobs(e *jobs.Engine, d jobDeps) error {
	ctxFor := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 10*time.Second)
	}
	enqueue := func(args sqlstore.JobArgs) {
		ctx, cancel := ctxFor()
		defer cancel()
		if err := e.Enqueue(ctx, args); err != nil {
			d.logger.Error("queue job", "kind", args.Kind(), "err", err)
		}
	}
	if w := d.worker; w != nil {
		// A full batch may leave more due: the next batch is queued as
		// soon as this one is claimed, for another instance (or this one,
		// once free) to send meanwhile.
		w.OnClaim = func(claimed int, full bool) {
			if full {
				enqueue(sqlstore.DeliverOutbox{})
			}
		}
		if err := jobs.Add(e, jobs.Kind[sqlstore.DeliverOutbox]{
			Label: "outbox", Queue: jobs.QueueOutbox, Every: outboxEvery, MaxAttempts: 10,
			// A batch ends within its lease, and a shutdown's grace after.
			Timeout: d.store.SendLeaseOf() + w.Grace + time.Minute,
			Work: func(ctx context.Context, _ sqlstore.DeliverOutbox) error {
				sent, failed, full, err := w.RunBatch(ctx)
				d.metrics.Delivered(sent, failed)
				if err == nil && !full && sent > 0 && ctx.Err() == nil {
					// The queue ran dry after deliveries: an incident whose
					// merchants have all been told gets its item ticked.
					enqueue(sqlstore.MarkInformed{})
				}
				return err
			},
		}); err != nil {
			return err
		}
	} else if err := jobs.Add(e, jobs.Kind[sqlstore.DeliverOutbox]{
		// Without a channel the kind still exists, so that what queues a
		// message (a playbook, an alert) commits; the messages wait queued
		// until a channel is configured and serve starts again.
		Label: "outbox", Queue: jobs.QueueOutbox, MaxAttempts: 1,
		Work: func(context.Context, sqlstore.DeliverOutbox) error { return nil },
	}); err != nil {
		return err
	}
	if err := jobs.Add(e, jobs.Kind[sqlstore.MarkInformed]{
		Label: "incidents_informed", Every: d.every, MaxAttempts: 5,
		Work: func(ctx context.Context, _ sqlstore.MarkInformed) error {
			_, err := d.store.MarkIncidentsInformed(ctx)
			return err
		},
	}); err != nil {
		return err
	}
	if err := jobs.Add(e, jobs.Kind[sqlstore.ResumePlaybook]{
		Label: "playbook_resume", Unique: true, Every: d.every, Delay: time.Minute, MaxAttempts: 5, Timeout: -1,
		Work: func(ctx context.Context, _ sqlstore.ResumePlaybook) error {
			n, err := d.store.ResumePlaybooks(ctx)
			if n > 0 {
				d.logger.Warn("interrupted playbook runs finished", "count", n)
			}
			return err
		},
	}); err != nil {
		return err
	}
	if err := jobs.Add(e, jobs.Kind[sqlstore.SweepStaleContacts]{
		Label: "stale_contacts_sweep", Every: d.every, MaxAttempts: 3, Timeout: 10 * time.Minute,
		Work: func(ctx context.Context, _ sqlstore.SweepStaleContacts) error {
			n, err := d.store.SweepStaleContacts(ctx)
			if n > 0 {
				d.logger.Info("contact verification tasks created", "count", n)
			}
			return err
		},
	}); err != nil {
		return err
	}
	if err := jobs.Add(e, jobs.Kind[sqlstore.SweepSilence]{
		Label: "silence_sweep", Every: d.every, MaxAttempts: 3, Timeout: 10 * time.Minute,
		Work: func(ctx context.Context, _ sqlstore.SweepSilence) error {
			marked, err := d.store.SweepSilence(ctx)
			if len(marked) > 0 {
				d.logger.Warn("staff suspected unreachable", "count", len(marked))
			}
			return err
		},
	}); err != nil {
		return err
	}
	if err := jobs.Add(e, jobs.Kind[sqlstore.TicketSweep]{
		Label: "ticket_sweep", Every: sqlstore.TicketSweepEvery, MaxAttempts: 3, Timeout: 5 * time.Minute,
		Work: func(ctx context.Context, _ sqlstore.TicketSweep) error {
			// A full batch leaves more due: sweep again at once.
			for {
				n, err := d.store.SweepTickets(ctx, 500)
				if n > 0 {
					d.logger.Info("ticket escalations fired", "count", n)
				}
				if err != nil || n < 500 {
					return err
				}
			}
		},
	}); err != nil {
		return err
	}
	if d.mailbox != nil {
		box := *d.mailbox
		if err := jobs.Add(e, jobs.Kind[fetchMail]{
			Label: "mail_fetch", Every: d.mailEvery, MaxAttempts: 1, Timeout: 2 * time.Minute,
			Work: func(ctx context.Context, _ fetchMail) error {
				n, err := box.Fetch(ctx, d.store)
				if n > 0 {
					d.logger.Info("service desk mail taken in", "count", n)
				}
				return err
			},
		}); err != nil {
			return err
		}
	}
	return jobs.Add(e, jobs.Kind[warmDashboard]{
		Label: "dashboard_warm", Local: true, Unique: true, MaxAttempts: 3,
		Work: func(ctx context.Context, _ warmDashboard) error {
			d.web.WarmDashboard()
			return nil
		},
	})
}

// jobStats adapts the engine's queue counts to the metrics.
func jobStats(e *jobs.Engine) func(context.Context) ([]observe.JobQueueStat, error) {
	return func(ctx context.Context) ([]observe.JobQueueStat, error) {
		st, err := e.Stats(ctx)
		out := make([]observe.JobQueueStat, len(st))
		for i, s := range st {
			out[i] = observe.JobQueueStat{Kind: s.Kind, State: s.State, Count: s.Count, Oldest: s.Oldest}
		}
		return out, err
	}
}

// beatWhileRunning beats the heartbeats every second while the engine
// works jobs, until ctx ends: the loops they stood for are jobs now, run
// by whichever instance fetches them, so this instance is ready while its
// job runner is up.
func beatWhileRunning(ctx context.Context, e *jobs.Engine, beats ...*observe.Heartbeat) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	defer func() {
		for _, b := range beats {
			b.Stop()
		}
	}()
	for {
		if e.Running() {
			for _, b := range beats {
				b.Beat()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
