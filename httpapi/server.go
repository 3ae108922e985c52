// Package httpapi is poscare's JSON API under /api/v1. Every handler has
// one shape: decode the request, call the store with the acting user (the
// store and the domain decide what that user may do and see), encode the
// result or the error. Errors map to HTTP status codes in one table.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"poscare"
	"poscare/clientip"
	"poscare/observe"
	"poscare/sqlstore"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 1 << 20

// Server serves the API.
type Server struct {
	Store  *sqlstore.Store
	Logger *slog.Logger
	// Version is reported by /api/v1/version.
	Version string
	// ClientIP finds the client's address (for throttling and the audit
	// trail), believing forwarding headers only from trusted proxies.
	ClientIP clientip.Resolver

	mux *http.ServeMux
	// queryRead, when set, hears every query parameter a handler reads,
	// with its route ("GET /api/v1/merchants"). Only the tests set it, to
	// check each route declares what its handler reads.
	queryRead func(route, name string)
}

// New builds the API server and its routes.
func New(store *sqlstore.Store, logger *slog.Logger, version string) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{Store: store, Logger: logger, Version: version}
	s.mux = http.NewServeMux()
	for _, rt := range s.Routes() {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /api/openapi.json", s.openapi)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, poscare.Errorf(poscare.ENotFound, "没有这个接口", "no such API route"))
	})
	return s
}

// ServeHTTP adds the security headers every response carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.Ping(r.Context()); err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// Route is one API operation. Entity and Action name what the route does in
// the terms of poscare.Permissions; the role-by-route test walks every
// route with every role against that table.
type Route struct {
	Method  string
	Pattern string
	Entity  string
	Action  poscare.Action
	Public  bool // needs no token; Entity "" needs a token but no permission
	Summary string
	// Body and Response are example values whose types describe the request
	// and response bodies in the OpenAPI document.
	Body     any
	Response any
	// Query declares every query parameter the handler reads, for the
	// OpenAPI document; the route tests fail when a handler reads one that
	// is not declared, or a declared one is never read.
	Query  []Param
	Handle func(*Request) (any, error)
}

// Param is one query parameter of a route.
type Param struct {
	Name string
	// Type is the OpenAPI type: "string", "integer" or "boolean".
	Type        string
	Description string
	// Enum lists the accepted values when they are fixed, such as statuses.
	Enum []string
	// Format is the OpenAPI format of a string, such as "date-time".
	Format string
}

// Request is what a handler gets: the HTTP request and the acting user.
type Request struct {
	*http.Request
	Actor poscare.Actor
	W     http.ResponseWriter

	queryRead func(name string) // see Server.queryRead
	token     string            // the bearer token that authenticated the request
}

// ID returns the {id} path value as a positive integer.
func (r *Request) ID(name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, poscare.NotFound(poscare.EntityRecord)
	}
	return id, nil
}

// badJSON says what is wrong with a body the decoder refused, whole in
// each language: the decoder's own English text is never passed on.
func badJSON(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return poscare.Errorf(poscare.EBadRequest, "请求体为空，应为JSON对象", "the request body is empty; a JSON object is expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return poscare.Errorf(poscare.EBadRequest, "请求体不完整，不是有效的JSON", "the request body ends too early; it is not valid JSON")
	case errors.As(err, &syntax):
		return poscare.Errorf(poscare.EBadRequest, "请求体不是有效的JSON（第%d字节附近）", "the request body is not valid JSON (near byte %d)", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		e := poscare.Errorf(poscare.EBadRequest, "请求体中有字段的类型不对", "a field of the request body has the wrong type")
		e.Fields = map[string]poscare.Text{typ.Field: {Zh: "类型不对", En: "has the wrong type"}}
		return e
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		e := poscare.Errorf(poscare.EBadRequest, "请求体含有未知字段", "the request body has an unknown field")
		e.Fields = map[string]poscare.Text{name: {Zh: "未知字段", En: "unknown field"}}
		return e
	}
	return poscare.Errorf(poscare.EBadRequest, "请求体不是有效的JSON", "the request body is not valid JSON")
}

// Decode reads a JSON body into v, refusing unknown fields, trailing data
// and bodies over MaxBodyBytes.
func (r *Request) Decode(v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(r.W, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return poscare.Errorf(poscare.ETooLarge, "请求体过大（上限1 MiB）", "request body too large (limit 1 MiB)")
		}
		return badJSON(err)
	}
	if dec.More() {
		return poscare.Errorf(poscare.EBadRequest, "请求体含有多余数据", "unexpected data after the JSON body")
	}
	return nil
}

// statusOf is the one place error codes become HTTP status codes.
var statusOf = map[string]int{
	poscare.EInvalid:         http.StatusUnprocessableEntity,
	poscare.EBadRequest:      http.StatusBadRequest,
	poscare.EUnauthenticated: http.StatusUnauthorized,
	poscare.EForbidden:       http.StatusForbidden,
	poscare.ENotFound:        http.StatusNotFound,
	poscare.EConflict:        http.StatusConflict,
	poscare.ETooManyRequests: http.StatusTooManyRequests,
	poscare.ETooLarge:        http.StatusRequestEntityTooLarge,
	poscare.EInternal:        http.StatusInternalServerError,
}

// ErrorBody is the one error shape of the API.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the body of an error: its code, a message in the
// caller's language, for invalid input what is wrong with each field, and
// the request's id, which its access-log line carries too.
type ErrorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// Lang picks zh-CN (the default) or English from Accept-Language.
func Lang(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.Split(part, ";")[0]))
		if strings.HasPrefix(tag, "en") {
			return "en"
		}
		if strings.HasPrefix(tag, "zh") {
			return "zh"
		}
	}
	return "zh"
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *poscare.Error
	if !errors.As(err, &e) {
		e = poscare.Internal(err)
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", observe.RequestID(r.Context()), "err", err)
	}
	lang := Lang(r)
	body := ErrorBody{Error: ErrorDetail{Code: e.Code, Message: e.Message.In(lang), RequestID: observe.RequestID(r.Context())}}
	if len(e.Fields) > 0 {
		body.Error.Fields = map[string]string{}
		for k, v := range e.Fields {
			body.Error.Fields[k] = v.In(lang)
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="poscare"`)
	}
	var wait sqlstore.RetryAfter
	if errors.As(err, &wait) {
		w.Header().Set("Retry-After", wait.Seconds())
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// noBody marks a handler that wrote its own response (CSV export).
type noBody struct{}

func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{Request: r, W: w}
		if s.queryRead != nil {
			route := rt.Method + " " + rt.Pattern
			req.queryRead = func(name string) { s.queryRead(route, name) }
		}
		source := s.ClientIP.Of(r)
		if !rt.Public {
			actor, token, err := s.authenticate(r.Context(), r, source)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			req.Actor, req.token = actor, token
			observe.SetUser(r.Context(), actor.UserID)
			if rt.Entity != "" && !actor.Can(rt.Entity, rt.Action) {
				s.writeError(w, r, poscare.Forbidden())
				return
			}
		} else {
			req.Actor = poscare.Actor{Source: source}
		}
		if err := checkQuery(rt.Query, r.URL.Query()); err != nil {
			s.writeError(w, r, err)
			return
		}
		out, err := rt.Handle(req)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if _, ok := out.(noBody); ok {
			return
		}
		status := http.StatusOK
		if rt.Method == http.MethodPost && rt.Action == poscare.ActCreate {
			status = http.StatusCreated
		}
		writeJSON(w, status, out)
	})
}

// checkQuery refuses values a route's declared parameters cannot take: a
// status that does not exist, a boolean that is neither true nor false.
// Without it a typo in a filter would answer with an empty list.
func checkQuery(params []Param, v url.Values) error {
	p := poscare.Problems{}
	for _, param := range params {
		got := strings.TrimSpace(v.Get(param.Name))
		if got == "" {
			continue
		}
		switch {
		case len(param.Enum) > 0 && !slices.Contains(param.Enum, got):
			p.Add(param.Name, "应为 "+strings.Join(param.Enum, "、")+" 之一", "must be one of "+strings.Join(param.Enum, ", "))
		case param.Type == "boolean" && !slices.Contains([]string{"true", "false", "1", "0"}, got):
			p.Add(param.Name, "应为 true 或 false", "must be true or false")
		}
	}
	return p.Err()
}

func (s *Server) authenticate(ctx context.Context, r *http.Request, source string) (poscare.Actor, string, error) {
	token, ok := bearerToken(r.Header.Values("Authorization"))
	if !ok {
		return poscare.Actor{}, "", poscare.Errorf(poscare.EUnauthenticated, "请先登录", "authentication required")
	}
	a, err := s.Store.ActorForToken(ctx, token, source)
	return a, token, err
}

// bearerToken reads the one Authorization header as exactly "Bearer" (any
// case), one space and a token68 (RFC 6750). Anything looser — two spaces,
// a tab, a second header, padding — is refused rather than trimmed, so the
// token that authenticates is byte for byte the one a logout revokes.
func bearerToken(headers []string) (string, bool) {
	if len(headers) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(headers[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~+/", c) >= 0:
		case c == '=' && i > 0 && strings.Trim(token[i:], "=") == "":
		default:
			return "", false
		}
	}
	return token, true
}

// Restrict serves h only to a bearer token whose role may read entity
// (poscare.Permissions): /metrics, for admin and ops. Anyone else gets the
// API's own 401 or 403.
func (s *Server) Restrict(entity string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		actor, _, err := s.authenticate(r.Context(), r, s.ClientIP.Of(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		observe.SetUser(r.Context(), actor.UserID)
		if !actor.Can(entity, poscare.ActRead) {
			s.writeError(w, r, poscare.Forbidden())
			return
		}
		h.ServeHTTP(w, r)
	})
}
