package httpapi

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"poscare"
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

// OwnPasswordBody is the body of PUT /api/v1/me/password.
type OwnPasswordBody struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// Me describes the caller.
type Me struct {
	User        *poscare.User               `json:"user"`
	Permissions map[string][]poscare.Action `json:"permissions"`
}

// query reads a request's query parameters, reporting bad numbers as
// field errors. Handlers read query parameters only through it, so that
// the tests can see which names each route reads.
type query struct {
	v    url.Values
	p    poscare.Problems
	note func(name string)
}

func newQuery(r *Request) *query {
	return &query{v: r.URL.Query(), p: poscare.Problems{}, note: r.queryRead}
}

func (q *query) get(name string) string {
	if q.note != nil {
		q.note(name)
	}
	return q.v.Get(name)
}

func (q *query) str(name string) string { return strings.TrimSpace(q.get(name)) }

func (q *query) boolean(name string) bool {
	v := q.get(name)
	return v == "true" || v == "1"
}

func (q *query) intPtr(name string) *int64 {
	s := q.get(name)
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

// since reads an RFC 3339 time, or gives def when the parameter is absent.
func (q *query) since(name string, def time.Time) time.Time {
	s := strings.TrimSpace(q.get(name))
	if s == "" {
		return def
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.p.Add(name, "应为 RFC 3339 时间，如 2026-11-23T08:00:00+08:00", "must be an RFC 3339 time such as 2026-11-23T08:00:00+08:00")
	}
	return t
}

// merchantFilter reads merchantFilters and archived.
func merchantFilter(q *query) poscare.MerchantFilter {
	return poscare.MerchantFilter{Q: q.str("q"), Status: poscare.MerchantStatus(q.str("status")), Type: poscare.MerchantType(q.str("type")),
		TeamID: q.intPtr("team_id"), AccountManagerID: q.intPtr("account_manager_id"), Archived: q.boolean("archived")}
}

func (q *query) page() poscare.Page {
	var p poscare.Page
	for name, dst := range map[string]*int{"limit": &p.Limit, "offset": &p.Offset} {
		if s := q.get(name); s != "" {
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

// strParam, intParam, timeParam and boolParam declare a route's query
// parameters in the types query.str, query.intPtr, query.since and
// query.boolean read them as.
func strParam(name, description string, enum ...string) Param {
	return Param{Name: name, Type: "string", Description: description, Enum: enum}
}

func intParam(name, description string) Param {
	return Param{Name: name, Type: "integer", Description: description}
}

func timeParam(name, description string) Param {
	return Param{Name: name, Type: "string", Format: "date-time", Description: description + " (RFC 3339)"}
}

func boolParam(name, description string) Param {
	return Param{Name: name, Type: "boolean", Description: description + " (true/1 or false/0)"}
}

// values turns domain constants into an enum, so that a renamed constant
// fails to compile rather than leave the document behind.
func values[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// pageParams are read by every paged list, through query.page.
var pageParams = []Param{
	intParam("limit", "Page size, 1-500; default 50"),
	intParam("offset", "Number of items to skip; default 0"),
}

// Query parameters that more than one route reads. The domain keeps no
// list of merchant types, merchant statuses or terminal statuses, so those
// enums are spelled out here from its constants.
var (
	merchantQ      = strParam("q", "Search by name fragment (Chinese bigram index), phone (whole or leading digits), USCC, MID or ID number")
	merchantStatus = strParam("status", "Only merchants in this status",
		values(poscare.MerchantStatuses...)...)
	merchantTeam = intParam("team_id", "Only merchants of this team")
	// merchantFilters are the filters of the merchant list and export;
	// merchantFilter reads them.
	merchantFilters = []Param{merchantQ, merchantStatus,
		strParam("type", "Only merchants of this type", values(poscare.MerchantTypes...)...),
		merchantTeam, intParam("account_manager_id", "Only merchants this user manages")}
	merchantParam = intParam("merchant_id", "Only records of this merchant")
)

// resource describes one kind of record for the generic routes: list,
// get, create, update, archive, restore and history.
type resource[T any] struct {
	entity string
	path   string
	get    func(ctx context.Context, a poscare.Actor, id int64) (*T, error)
	list   func(r *Request, q *query, p poscare.Page) ([]*T, error)
	// filters declares the query parameters list reads besides archived,
	// limit and offset, which routes adds for every list.
	filters []Param
	create  func(ctx context.Context, a poscare.Actor, v *T) error
	update  func(ctx context.Context, a poscare.Actor, v *T) error
	setID   func(v *T, id int64)
}

func (res resource[T]) routes(s *Server) []Route {
	var zero T
	base := "/api/v1/" + res.path
	name := poscare.EntityName(res.entity).En
	listParams := slices.Concat(res.filters, []Param{boolParam("archived", "List archived "+name+"s instead of live ones")}, pageParams)
	rts := []Route{
		{Method: "GET", Pattern: base, Entity: res.entity, Action: poscare.ActRead, Summary: "List and search " + name + "s",
			Response: List[*T]{Items: []*T{&zero}}, Query: listParams,
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
		{Method: "GET", Pattern: base + "/{id}/history", Entity: res.entity, Action: poscare.ActRead,
			Summary:  "The " + name + "'s history from the audit trail (staff only: merchant users read GET /api/v1/merchants/{id}/activity)",
			Response: List[poscare.AuditEntry]{Items: []poscare.AuditEntry{{}}}, Query: pageParams,
			Handle: func(r *Request) (any, error) {
				if !r.Actor.SeesAuditTrail() {
					return nil, merchantHistoryElsewhere()
				}
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
				entries, err := s.Store.AuditEntries(r.Context(), poscare.AuditFilter{Entity: res.entity, EntityID: id, Page: poscare.Page{Limit: p.Limit, Offset: p.Offset, More: true}})
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
// document and the role-by-route test are generated from them. The
// sign-in routes come first, then the records' (staff and merchants),
// then each further capability's, in the order of their names
// (registerRoutes).
func (s *Server) Routes() []Route {
	rts := append(s.authRoutes(), s.recordsRoutes()...)
	for _, set := range routeSets {
		rts = append(rts, set.routes(s)...)
	}
	return rts
}

// A routeSet is one capability's routes.
type routeSet struct {
	name   string
	routes func(*Server) []Route
}

// routeSets are the capabilities' routes, sorted by name.
var routeSets []routeSet

// registerRoutes adds a capability's routes to the API. A capability's
// routes file registers its own (var _ = registerRoutes(…)), so that a new
// capability is a new file and no edit of the route core. It returns true
// for use as a variable declaration and panics on a name taken twice.
func registerRoutes(name string, routes func(*Server) []Route) bool {
	i, found := slices.BinarySearchFunc(routeSets, name, func(r routeSet, n string) int { return strings.Compare(r.name, n) })
	if found {
		panic("httpapi: routes registered twice: " + name)
	}
	routeSets = slices.Insert(routeSets, i, routeSet{name, routes})
	return true
}
