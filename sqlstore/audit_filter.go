package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"poscare"
)

// AuditQuery selects a stretch of the audit trail for the people who read
// it: by who acted (login), what they did, the kind and id of the record,
// and a time range [From, To). Zero fields do not filter.
type AuditQuery struct {
	ActorLogin string
	Action     string
	Entity     string
	EntityID   int64
	From, To   time.Time
	// OfMerchant selects the entries of a merchant and of its contacts,
	// contracts, terminals and onboarding applications: its whole history.
	OfMerchant int64
	// OfIncident selects an incident's entries and those of the changes
	// the playbook made for it (the declaration, the handovers), which
	// name it in their after view.
	OfIncident int64
	Limit      int
	Offset     int
}

// ofMerchant is the condition of AuditQuery.OfMerchant.
const ofMerchant = `((entity = 'merchant' AND entity_id = ?)
 OR (entity = 'contact' AND entity_id IN (SELECT id FROM contacts WHERE merchant_id = ?))
 OR (entity = 'contract' AND entity_id IN (SELECT id FROM contracts WHERE merchant_id = ?))
 OR (entity = 'terminal' AND entity_id IN (SELECT id FROM terminals WHERE merchant_id = ?))
 OR (entity = 'application' AND entity_id IN (SELECT id FROM applications WHERE merchant_id = ?)))`

// maxAuditRows bounds one read of the trail (a page, or one chunk of an
// export).
const maxAuditRows = 1000

func (q AuditQuery) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if q.ActorLogin != "" {
		add("actor_login = ?", q.ActorLogin)
	}
	if q.Action != "" {
		add("action = ?", q.Action)
	}
	if q.Entity != "" {
		add("entity = ?", q.Entity)
	}
	if q.EntityID != 0 {
		add("entity_id = ?", q.EntityID)
	}
	if q.OfMerchant != 0 {
		conds = append(conds, ofMerchant)
		for range 5 {
			args = append(args, q.OfMerchant)
		}
	}
	if q.OfIncident != 0 {
		id := strconv.FormatInt(q.OfIncident, 10)
		conds = append(conds, "((entity = 'incident' AND entity_id = ?) OR after_json LIKE ? OR after_json LIKE ?)")
		args = append(args, q.OfIncident, `%"incident_id":`+id+`,%`, `%"incident_id":`+id+`}%`)
	}
	if !q.From.IsZero() {
		add("at >= ?", micros(q.From))
	}
	if !q.To.IsZero() {
		add("at < ?", micros(q.To))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// SearchAudit lists the entries q selects, newest first, and how many it
// selects in all. The caller checks that the actor may read the trail.
func (s *Store) SearchAudit(ctx context.Context, q AuditQuery) ([]poscare.AuditEntry, int, error) {
	if q.Limit <= 0 || q.Limit > maxAuditRows {
		q.Limit = maxAuditRows
	}
	q.Offset = max(q.Offset, 0)
	where, args := q.where()
	var total int
	if err := s.read.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM audit_log"+where), args...).Scan(&total); err != nil {
		return nil, 0, s.translate(err)
	}
	rows, err := s.read.QueryContext(ctx, s.rebind("SELECT "+auditCols+" FROM audit_log"+where+" ORDER BY seq DESC LIMIT ? OFFSET ?"),
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, s.translate(err)
	}
	defer rows.Close()
	out := []poscare.AuditEntry{}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, 0, s.translate(err)
		}
		out = append(out, e)
	}
	return out, total, s.translate(rows.Err())
}

// recordNames is, per kind of record, the statement that names records by
// id: a merchant by its legal name, a contract or an application by its
// merchant's, an incident by the person it is about, a terminal by its
// serial number.
var recordNames = map[string]string{
	poscare.EntityUser:        "SELECT id, name FROM users WHERE id IN (%s)",
	poscare.EntityTeam:        "SELECT id, name FROM teams WHERE id IN (%s)",
	poscare.EntityMerchant:    "SELECT id, legal_name FROM merchants WHERE id IN (%s)",
	poscare.EntityContact:     "SELECT id, name FROM contacts WHERE id IN (%s)",
	poscare.EntityTerminal:    "SELECT id, serial FROM terminals WHERE id IN (%s)",
	poscare.EntityContract:    "SELECT c.id, m.legal_name FROM contracts c JOIN merchants m ON m.id = c.merchant_id WHERE c.id IN (%s)",
	poscare.EntityApplication: "SELECT a.id, m.legal_name FROM applications a JOIN merchants m ON m.id = a.merchant_id WHERE a.id IN (%s)",
	poscare.EntityIncident:    "SELECT i.id, u.name FROM incidents i JOIN users u ON u.id = i.user_id WHERE i.id IN (%s)",
}

// RecordNames names the records of one kind, archived ones too, in one
// statement per chunk of ids: for the audit trail and histories, whose
// readers may read every record they name. Kinds without names answer an
// empty map.
func (s *Store) RecordNames(ctx context.Context, kind string, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	stmt, ok := recordNames[kind]
	if !ok {
		return out, nil
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		marks := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
		rows, err := s.read.QueryContext(ctx, s.rebind(strings.Replace(stmt, "%s", marks, 1)), args...)
		if err != nil {
			return nil, s.translate(err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, s.translate(err)
			}
			out[id] = name
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.translate(err)
		}
	}
	return out, nil
}
