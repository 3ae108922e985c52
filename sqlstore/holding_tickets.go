package sqlstore

import (
	"context"

	"poscare"
	"poscare/servicedesk"
)

// ticketHoldings are the open tickets assigned to a person: when they go,
// each follows its merchant to whoever takes it (Handover.TakerFor), so
// that no ticket falls below the radar with the person who held it.
type ticketHoldings struct{}

var _ = RegisterHolding(45, ticketHoldings{})

func (ticketHoldings) Kind() string { return servicedesk.HoldingTicket }

// Load counts each one's open tickets.
func (ticketHoldings) Load(ctx context.Context, t *Tx, team int64) (map[int64]int, error) {
	return t.countsBy(ctx, "SELECT k.assignee_id, COUNT(*) FROM tickets k JOIN users u ON u.id = k.assignee_id WHERE u.team_id = ? AND k.status NOT IN ('resolved', 'closed') GROUP BY k.assignee_id", team)
}

func (ticketHoldings) Line(n int, _ *Handover) poscare.Msg { return servicedesk.HandoverLine(n) }

func (ticketHoldings) Hand(ctx context.Context, t *Tx, h *Handover) (int, error) {
	rows, err := t.query(ctx, "SELECT id, merchant_id FROM tickets WHERE assignee_id = ? AND status NOT IN ('resolved', 'closed') ORDER BY id", h.Run.Person.ID)
	if err != nil {
		return 0, err
	}
	type held struct{ id, merchant int64 }
	var tickets []held
	for rows.Next() {
		var x held
		if err := rows.Scan(&x.id, &x.merchant); err != nil {
			rows.Close()
			return 0, err
		}
		tickets = append(tickets, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	merchants := make([]int64, 0, len(tickets))
	for _, x := range tickets {
		merchants = append(merchants, x.merchant)
	}
	if err := h.readManagers(ctx, t, merchants); err != nil {
		return 0, err
	}
	n := 0
	system := poscare.SystemActor("playbook")
	for _, x := range tickets {
		to, err := h.TakerFor(ctx, t, x.merchant)
		if err != nil {
			return 0, err
		}
		var who string
		if to == 0 {
			// Nobody to take it: back to the team's queue, where the
			// whole team and its lead see it.
			h.Left()
			if _, err := t.exec(ctx, "UPDATE tickets SET assignee_id = NULL, updated_at = ? WHERE id = ?", micros(t.now), x.id); err != nil {
				return 0, err
			}
		} else {
			if _, err := t.exec(ctx, "UPDATE tickets SET assignee_id = ?, updated_at = ? WHERE id = ?", to, micros(t.now), x.id); err != nil {
				return 0, err
			}
			u, err := t.getUser(ctx, to)
			if err != nil {
				return 0, err
			}
			who = u.Name
			h.Handed(t, servicedesk.HoldingTicket, x.id, "", &to)
			n++
		}
		msg := poscare.M("sd.event.unassigned")
		if who != "" {
			msg = poscare.M("sd.event.handed", "name", who)
		}
		if _, err := t.ticketEvent(ctx, system, x.id, servicedesk.EventAssigned, "", "", false, "", msg, ""); err != nil {
			return 0, err
		}
		if _, err := t.settleTicket(ctx, x.id); err != nil {
			return 0, err
		}
	}
	return n, nil
}
