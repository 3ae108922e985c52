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
	"handover.test_parcels": {Zh: "已移交 {n} 个包裹", En: "{n} parcels handed over"},
})

// parcelKind is a kind of holding the program does not have: the parcels
// a person holds, kept here in memory, each tied to a merchant or to
// none. It uses only what sqlstore offers every kind.
type parcelKind struct {
	holder  string          // the login whose parcels these are
	parcels map[int64]int64 // parcel → merchant (0: none)
	mu      sync.Mutex      // guards to and asked
	to      map[int64]int64 // parcel → who took it
	asked   []int64         // the teams whose load was asked
}

func (k *parcelKind) Kind() string { return "parcel" }

// Load: a parcel counts one toward its holder's load; these are all the
// holder's, who is not among those who take them.
func (k *parcelKind) Load(_ context.Context, _ *sqlstore.Tx, team int64) (map[int64]int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.asked = append(k.asked, team)
	return nil, nil
}

func (k *parcelKind) Line(n int, _ *sqlstore.Handover) poscare.Msg {
	return poscare.M("handover.test_parcels", "n", n)
}

func (k *parcelKind) Hand(ctx context.Context, t *sqlstore.Tx, h *sqlstore.Handover) (int, error) {
	if h.Run.Person.Login != k.holder {
		return 0, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for id := int64(1); id <= int64(len(k.parcels)); id++ {
		to, err := h.TakerFor(ctx, t, k.parcels[id])
		if err != nil {
			return 0, err
		}
		if to == 0 {
			h.Left()
			continue
		}
		k.to[id] = to
		h.Handed(t, "parcel", id, "", &to)
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

	k := &parcelKind{holder: agent.Login, to: map[int64]int64{},
		parcels: map[int64]int64{1: w.Merchant.ID, 2: w.OtherMerchant.ID, 3: 0}}
	sqlstore.RegisterHolding(50, k)
	t.Cleanup(func() { sqlstore.UnregisterHolding("parcel") })

	x, err := s.DeclareIncident(ctx, sys, agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上", Strategy: poscare.StrategyBackup})
	must(t, err)
	if x.Handed.Other["parcel"] != 3 || x.Handed.Merchants == 0 {
		t.Fatalf("summary %+v, want 3 parcels counted beside the merchants", x.Handed)
	}
	b, _ := json.Marshal(x.Handed)
	if !strings.Contains(string(b), `"other":{"parcel":3}`) || !strings.Contains(string(b), `"merchants":`) {
		t.Errorf("summary as JSON: %s", b)
	}
	// The merchant's parcel goes with it to the backup, the other
	// merchant's stays with its manager, the loose one goes to the backup.
	want := map[int64]int64{1: w.Spare.ID, 2: w.AgentB.ID, 3: w.Spare.ID}
	for id, to := range want {
		if k.to[id] != to {
			t.Errorf("parcel %d went to %d, want %d", id, k.to[id], to)
		}
	}
	said := false
	for _, e := range x.Timeline {
		said = said || e.Text.En == "3 parcels handed over" && e.Text.Zh == "已移交 3 个包裹"
	}
	if !said {
		t.Errorf("the timeline does not tell of the parcels: %+v", x.Timeline)
	}
	if n := count(t, s, path, "SELECT COUNT(*) FROM handovers WHERE kind = 'parcel' AND incident_id = ?", x.ID); n != 3 {
		t.Errorf("%d parcel handovers recorded, want 3", n)
	}
	if len(k.asked) == 0 || k.asked[0] != w.Team1.ID {
		t.Errorf("the load of the parcels was asked for teams %v, want the person's", k.asked)
	}
	// Another person's run knows nothing of parcels.
	y, err := s.DeclareIncident(ctx, sys, w.AgentB.ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "离职", Strategy: poscare.StrategySpread})
	if err == nil && y.Handed.Other != nil {
		t.Errorf("a run without parcels counts %v", y.Handed.Other)
	}
}
