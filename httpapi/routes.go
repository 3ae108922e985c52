package httpapi

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/sqlstore"
)

// List is the shape of every list response. NextOffset is set when there
// is a further page.
type List[T any] struct {
	Items      []T  `json:"items"`
	NextOffset *int `json:"next_offset"`
}

func page[T any](items []T, p poscare.Page) List[T] {
	out := List[T]{Items: items}
	if len(items) > p.Limit {
		out.Items = items[:p.Limit]
		n := p.Offset + p.Limit
		out.NextOffset = &n
	}
	return out
}

// ReasonBody is the body of archive and restore.
type ReasonBody struct {
	Reason string `json:"reason"`
}

// TokenRequest is the body of POST /api/v1/auth/token.
type TokenRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// TokenResponse carries a bearer token.
type TokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// UserCreate is the body of POST /api/v1/users.
type UserCreate struct {
	poscare.User
	Password string `json:"password"`
}

// PasswordBody is the body of POST /api/v1/users/{id}/password.
type PasswordBody struct {
	Password string `json:"password"`
}

// Me describes the caller.
type Me struct {
	User        *poscare.User               `json:"user"`
	Permissions map[string][]poscare.Action `json:"permissions"`
}

// query reads list parameters, reporting bad numbers as field errors.
type query struct {
	v url.Values
	p poscare.Problems
}

func newQuery(r *Request) *query { return &query{v: r.URL.Query(), p: poscare.Problems{}} }

func (q *query) str(name string) string { return strings.TrimSpace(q.v.Get(name)) }

func (q *query) boolean(name string) bool { return q.v.Get(name) == "true" || q.v.Get(name) == "1" }

func (q *query) intPtr(name string) *int64 {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		q.p.Add(name, "应为正整数", "must be a positive integer")
		return nil
	}
	return &n
}

func (q *query) page() poscare.Page {
	var p poscare.Page
	for name, dst := range map[string]*int{"limit": &p.Limit, "offset": &p.Offset} {
		if s := q.v.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || (name == "limit" && (n < 1 || n > 500)) {
				q.p.Add(name, "超出范围（每页1-500条）", "out of range (limit 1-500, offset ≥ 0)")
				continue
			}
			*dst = n
		}
	}
	p.Normalize()
	return p
}

// resource describes one kind of record for the generic routes: list,
// get, create, update, archive, restore and history.
type resource[T any] struct {
	entity string
	path   string
	get    func(ctx context.Context, a poscare.Actor, id int64) (*T, error)
	list   func(r *Request, q *query, p poscare.Page) ([]*T, error)
	create func(ctx context.Context, a poscare.Actor, v *T) error
	update func(ctx context.Context, a poscare.Actor, v *T) error
	setID  func(v *T, id int64)
}

func (res resource[T]) routes(s *Server) []Route {
	var zero T
	base := "/api/v1/" + res.path
	name := poscare.EntityName(res.entity).En
	rts := []Route{
		{Method: "GET", Pattern: base, Entity: res.entity, Action: poscare.ActRead, Summary: "List and search " + name + "s",
			Response: List[*T]{Items: []*T{&zero}},
			Handle: func(r *Request) (any, error) {
				q := newQuery(r)
				p := q.page()
				if err := q.p.Err(); err != nil {
					return nil, err
				}
				items, err := res.list(r, q, p)
				if err != nil {
					return nil, err
				}
				if err := q.p.Err(); err != nil {
					return nil, err
				}
				return page(items, p), nil
			}},
		{Method: "GET", Pattern: base + "/{id}", Entity: res.entity, Action: poscare.ActRead, Summary: "Get a " + name, Response: &zero,
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				return res.get(r.Context(), r.Actor, id)
			}},
		{Method: "GET", Pattern: base + "/{id}/history", Entity: res.entity, Action: poscare.ActRead, Summary: "The " + name + "'s history from the audit trail",
			Response: List[poscare.AuditEntry]{Items: []poscare.AuditEntry{{}}},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				if _, err := res.get(r.Context(), r.Actor, id); err != nil {
					return nil, err
				}
				q := newQuery(r)
				p := q.page()
				if err := q.p.Err(); err != nil {
					return nil, err
				}
				entries, err := s.Store.AuditEntries(r.Context(), poscare.AuditFilter{Entity: res.entity, EntityID: id, Page: poscare.Page{Limit: p.Limit + 1, Offset: p.Offset}})
				if err != nil {
					return nil, err
				}
				return page(entries, p), nil
			}},
		{Method: "POST", Pattern: base + "/{id}/archive", Entity: res.entity, Action: poscare.ActArchive, Summary: "Archive a " + name + " (never a hard delete)",
			Body: ReasonBody{}, Response: &zero, Handle: res.archiver(s, true)},
		{Method: "POST", Pattern: base + "/{id}/restore", Entity: res.entity, Action: poscare.ActRestore, Summary: "Restore an archived " + name,
			Body: ReasonBody{}, Response: &zero, Handle: res.archiver(s, false)},
	}
	if res.create != nil {
		rts = append(rts, Route{Method: "POST", Pattern: base, Entity: res.entity, Action: poscare.ActCreate, Summary: "Create a " + name,
			Body: &zero, Response: &zero,
			Handle: func(r *Request) (any, error) {
				v := new(T)
				if err := r.Decode(v); err != nil {
					return nil, err
				}
				res.setID(v, 0)
				if err := res.create(r.Context(), r.Actor, v); err != nil {
					return nil, err
				}
				return v, nil
			}})
	}
	if res.update != nil {
		rts = append(rts, Route{Method: "PUT", Pattern: base + "/{id}", Entity: res.entity, Action: poscare.ActUpdate, Summary: "Update a " + name,
			Body: &zero, Response: &zero,
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				v := new(T)
				if err := r.Decode(v); err != nil {
					return nil, err
				}
				res.setID(v, id)
				if err := res.update(r.Context(), r.Actor, v); err != nil {
					return nil, err
				}
				return res.get(r.Context(), r.Actor, id)
			}})
	}
	return rts
}

func (res resource[T]) archiver(s *Server, archive bool) func(*Request) (any, error) {
	return func(r *Request) (any, error) {
		id, err := r.ID("id")
		if err != nil {
			return nil, err
		}
		var body ReasonBody
		if err := r.Decode(&body); err != nil {
			return nil, err
		}
		if archive {
			err = s.Store.Archive(r.Context(), r.Actor, res.entity, id, body.Reason)
		} else {
			err = s.Store.Restore(r.Context(), r.Actor, res.entity, id, body.Reason)
		}
		if err != nil {
			return nil, err
		}
		return res.get(r.Context(), r.Actor, id)
	}
}

// Routes returns every API route; New registers them and the OpenAPI
// document and the role-by-route test are generated from them.
func (s *Server) Routes() []Route {
	st := s.Store
	var rts []Route
	rts = append(rts, s.authRoutes()...)
	rts = append(rts, resource[poscare.Merchant]{
		entity: poscare.EntityMerchant, path: "merchants",
		get: st.GetMerchant, create: st.CreateMerchant, update: st.UpdateMerchant,
		setID: func(v *poscare.Merchant, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Merchant, error) {
			return st.ListMerchants(r.Context(), r.Actor, poscare.MerchantFilter{
				Q: q.str("q"), Status: poscare.MerchantStatus(q.str("status")), Type: poscare.MerchantType(q.str("type")),
				TeamID: q.intPtr("team_id"), AccountManagerID: q.intPtr("account_manager_id"), Archived: q.boolean("archived"), Page: p})
		},
	}.routes(s)...)
	rts = append(rts, resource[poscare.Contact]{
		entity: poscare.EntityContact, path: "contacts",
		get: st.GetContact, create: st.CreateContact, update: st.UpdateContact,
		setID: func(v *poscare.Contact, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Contact, error) {
			return st.ListContacts(r.Context(), r.Actor, sqlstore.ContactFilter{MerchantID: q.intPtr("merchant_id"), Q: q.str("q"), Archived: q.boolean("archived"), Page: p})
		},
	}.routes(s)...)
	rts = append(rts, resource[poscare.Terminal]{
		entity: poscare.EntityTerminal, path: "terminals",
		get: st.GetTerminal, create: st.CreateTerminal, update: st.UpdateTerminal,
		setID: func(v *poscare.Terminal, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Terminal, error) {
			return st.ListTerminals(r.Context(), r.Actor, poscare.TerminalFilter{Q: q.str("q"), Status: poscare.TerminalStatus(q.str("status")),
				MerchantID: q.intPtr("merchant_id"), Archived: q.boolean("archived"), Page: p})
		},
	}.routes(s)...)
	rts = append(rts, resource[poscare.Application]{
		entity: poscare.EntityApplication, path: "applications",
		get: st.GetApplication, create: st.CreateApplication, update: st.UpdateApplication,
		setID: func(v *poscare.Application, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Application, error) {
			return st.ListApplications(r.Context(), r.Actor, poscare.ApplicationFilter{MerchantID: q.intPtr("merchant_id"),
				Stage: poscare.Stage(q.str("stage")), Overdue: q.boolean("overdue"), ResponsibleID: q.intPtr("responsible_id"),
				Archived: q.boolean("archived"), Page: p})
		},
	}.routes(s)...)
	rts = append(rts, resource[poscare.Contract]{
		entity: poscare.EntityContract, path: "contracts",
		get: st.GetContract, create: st.CreateContract, update: st.UpdateContract,
		setID: func(v *poscare.Contract, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Contract, error) {
			return st.ListContracts(r.Context(), r.Actor, poscare.ContractFilter{MerchantID: q.intPtr("merchant_id"), Archived: q.boolean("archived"), Page: p})
		},
	}.routes(s)...)
	rts = append(rts, resource[poscare.Team]{
		entity: poscare.EntityTeam, path: "teams",
		get: st.GetTeam, create: st.CreateTeam, update: st.UpdateTeam,
		setID: func(v *poscare.Team, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Team, error) {
			return st.ListTeams(r.Context(), r.Actor, q.boolean("archived"), poscare.Page{Limit: p.Limit + 1, Offset: p.Offset})
		},
	}.routes(s)...)
	users := resource[poscare.User]{
		entity: poscare.EntityUser, path: "users",
		get: st.GetUser, update: st.UpdateUser,
		setID: func(v *poscare.User, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.User, error) {
			return st.ListUsers(r.Context(), r.Actor, sqlstore.UserFilter{Q: q.str("q"), Role: poscare.Role(q.str("role")),
				TeamID: q.intPtr("team_id"), Archived: q.boolean("archived"), Page: poscare.Page{Limit: p.Limit + 1, Offset: p.Offset}})
		},
	}.routes(s)
	rts = append(rts, users...)
	rts = append(rts, s.extraRoutes()...)
	return rts
}
