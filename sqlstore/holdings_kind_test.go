package sqlstore_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

var _ = poscare.Register(map[string]poscare.Text{
	"handover.test_tickets": {Zh: "已移交 {n} 张工单", En: "{n} tickets handed over"},
})

// ticketKind is a kind of holding the program does not have: the tickets
// a person holds, kept here in memory, each tied to a merchant or to
// none. It uses only what sqlstore offers every kind.
type ticketKind struct {
	holder  string          // the login whose tickets these are
	tickets map[int64]int64 // ticket → merchant (0: none)
	mu      sync.Mutex      // guards to and asked
	to      map[int64]int64 // ticket → who took it
	asked   []int64         // the teams whose load was asked
}

func (k *ticketKind) Kind() string { return "ticket" }

// Load: a ticket counts one toward its holder's load; these are all the
// holder's, who is not among those who take them.
func (k *ticketKind) Load(_ context.Context, _ *sqlstore.Tx, team int64) (map[int64]int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.asked = append(k.asked, team)
	return nil, nil
}

func (k *ticketKind) Line(n int, _ *sqlstore.Handover) poscare.Msg {
	return poscare.M("handover.test_tickets", "n", n)
}

func (k *ticketKind) Hand(ctx context.Context, t *sqlstore.Tx, h *sqlstore.Handover) (int, error) {
	if h.Run.Person.Login != k.holder {
		return 0, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for id := int64(1); id <= int64(len(k.tickets)); id++ {
		to, err := h.TakerFor(ctx, t, k.tickets[id])
		if err != nil {
			return 0, err
		}
		if to == 0 {
			h.Left()
			continue
		}
		k.to[id] = to
		h.Handed(t, "ticket", id, "", &to)
		n++
	}
	return n, nil
}

// TestNewHoldingKindNeedsNoEdit: a kind registered from outside (here, a
// test) is handed over by the playbook, by the rule every kind follows
// (an item goes with its merchant: to the merchant's new account manager,
// else its current one, else the person's backup), counted in the
// incident's summary under its name and written in the timeline and the
// handovers, with no change to the playbook, the summary or the other
// kinds. Not parallel: the kind is registered only while it runs.
func TestNewHoldingKindNeedsNoEdit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	s := testenv.Open(t, path)
	w := fx.Build(t, s)
	sys := poscare.SystemActor("t")
	agent := w.Users[poscare.RoleAgent]
	agent.BackupID = &w.Spare.ID
	must(t, s.UpdateUser(ctx, sys, agent))

	k := &ticketKind{holder: agent.Login, to: map[int64]int64{},
		tickets: map[int64]int64{1: w.Merchant.ID, 2: w.OtherMerchant.ID, 3: 0}}
	sqlstore.RegisterHolding(50, k)
	t.Cleanup(func() { sqlstore.UnregisterHolding("ticket") })

	x, err := s.DeclareIncident(ctx, sys, agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上", Strategy: poscare.StrategyBackup})
	must(t, err)
	if x.Handed.Other["ticket"] != 3 || x.Handed.Merchants == 0 {
		t.Fatalf("summary %+v, want 3 tickets counted beside the merchants", x.Handed)
	}
	b, _ := json.Marshal(x.Handed)
	if !strings.Contains(string(b), `"other":{"ticket":3}`) || !strings.Contains(string(b), `"merchants":`) {
		t.Errorf("summary as JSON: %s", b)
	}
	// The merchant's ticket goes with it to the backup, the other
	// merchant's stays with its manager, the loose one goes to the backup.
	want := map[int64]int64{1: w.Spare.ID, 2: w.AgentB.ID, 3: w.Spare.ID}
	for id, to := range want {
		if k.to[id] != to {
			t.Errorf("ticket %d went to %d, want %d", id, k.to[id], to)
		}
	}
	said := false
	for _, e := range x.Timeline {
		said = said || e.Text.En == "3 tickets handed over" && e.Text.Zh == "已移交 3 张工单"
	}
	if !said {
		t.Errorf("the timeline does not tell of the tickets: %+v", x.Timeline)
	}
	if n := count(t, s, path, "SELECT COUNT(*) FROM handovers WHERE kind = 'ticket' AND incident_id = ?", x.ID); n != 3 {
		t.Errorf("%d ticket handovers recorded, want 3", n)
	}
	if len(k.asked) == 0 || k.asked[0] != w.Team1.ID {
		t.Errorf("the load of the tickets was asked for teams %v, want the person's", k.asked)
	}
	// Another person's run knows nothing of tickets.
	y, err := s.DeclareIncident(ctx, sys, w.AgentB.ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "离职", Strategy: poscare.StrategySpread})
	if err == nil && y.Handed.Other != nil {
		t.Errorf("a run without tickets counts %v", y.Handed.Other)
	}
}
