package httpapi

import (
	"poscare"
)

// The audit trail's routes: reading it and verifying its chain.
var _ = registerRoutes("audit", (*Server).auditRoutes)

func (s *Server) auditRoutes() []Route {
	st := s.Store
	return []Route{
		{Method: "GET", Pattern: "/api/v1/audit", Entity: poscare.EntityAudit, Action: poscare.ActRead,
			Summary: "The audit trail, newest first", Response: List[poscare.AuditEntry]{Items: []poscare.AuditEntry{{}}},
			Query: append([]Param{
				strParam("entity", "Only entries about this kind of record: merchant, contact, terminal, application, contract, team, user, incident, vault …"),
				intParam("entity_id", "Only entries about the record with this id"),
				intParam("actor_id", "Only entries made by this user")}, pageParams...),
			Handle: func(r *Request) (any, error) {
				q := newQuery(r)
				p := q.page()
				f := poscare.AuditFilter{Entity: q.str("entity"), Page: poscare.Page{Limit: p.Limit, Offset: p.Offset, More: true}}
				if id := q.intPtr("entity_id"); id != nil {
					f.EntityID = *id
				}
				if id := q.intPtr("actor_id"); id != nil {
					f.ActorID = *id
				}
				if err := q.p.Err(); err != nil {
					return nil, err
				}
				entries, err := st.AuditEntries(r.Context(), f)
				if err != nil {
					return nil, err
				}
				return page(entries, p), nil
			}},
		{Method: "GET", Pattern: "/api/v1/audit/verify", Entity: poscare.EntityAudit, Action: poscare.ActRead,
			Summary: "Check the audit trail's hash chain", Response: AuditVerify{},
			Handle: func(r *Request) (any, error) {
				brk, n, err := st.VerifyAudit(r.Context())
				if err != nil {
					return nil, err
				}
				return AuditVerify{OK: brk == nil, Checked: n, Break: brk}, nil
			}},
	}
}

// AuditVerify is the answer of the chain check.
type AuditVerify struct {
	OK      bool                `json:"ok"`
	Checked int64               `json:"checked"`
	Break   *poscare.ChainBreak `json:"break,omitempty"`
}
