package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// apiDoc is the served OpenAPI document as kin-openapi loads and
// validates it, with a router that finds each request's operation in it.
type apiDoc struct {
	*openapi3.T
	router routers.Router
}

// servedDoc fetches the OpenAPI document the server serves, and fails the
// test when kin-openapi does not find it a valid OpenAPI 3.0 document.
func servedDoc(t *testing.T, e *env) *apiDoc {
	t.Helper()
	res := e.do("GET", "/api/openapi.json", "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("openapi.json: %d", res.status)
	}
	return loadDoc(t, res.body)
}

func loadDoc(t *testing.T, data []byte) *apiDoc {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("routing the document: %v", err)
	}
	return &apiDoc{T: doc, router: router}
}

// operation returns the document's operation for a route.
func (d *apiDoc) operation(t *testing.T, method, pattern string) *openapi3.Operation {
	t.Helper()
	item := d.Paths.Value(pattern)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("%s %s is not in the document", method, pattern)
	}
	return item.GetOperation(method)
}

// validateResponse checks a real answer to method path with kin-openapi's
// openapi3filter: the path must lead to the operation of pattern, the
// status must be one the operation documents (only a 5xx may fall to the
// default answer), and the headers and body must match what it documents
// for that status. A GET's request, query parameters included, is checked
// against the operation too.
func (d *apiDoc) validateResponse(method, pattern, path string, status int, header http.Header, body []byte) error {
	req := httptest.NewRequest(method, path, nil)
	route, params, err := d.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s: no operation in the document: %v", method, path, err)
	}
	if route.Path != pattern {
		return fmt.Errorf("%s %s: the document routes it to %s, not %s", method, path, route.Path, pattern)
	}
	if status < 500 && route.Operation.Responses.Status(status) == nil {
		return fmt.Errorf("%s %s: status %d is not documented", method, pattern, status)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	ctx := context.Background()
	if method == http.MethodGet {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			return fmt.Errorf("%s %s: the request does not match the document: %v", method, path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: opts}
	if err := openapi3filter.ValidateResponse(ctx, out.SetBodyBytes(body)); err != nil {
		return fmt.Errorf("%s %s (%d): %v\n%s", method, pattern, status, err, body)
	}
	return nil
}

// checkResponse validates a real response (see validateResponse). It
// reports whether there was a JSON schema to check the body against.
func checkResponse(t *testing.T, d *apiDoc, method, pattern, path string, res response) bool {
	t.Helper()
	if err := d.validateResponse(method, pattern, path, res.status, res.header, res.body); err != nil {
		t.Error(err)
		return false
	}
	r := d.operation(t, method, pattern).Responses.Status(res.status)
	return r != nil && r.Value.Content.Get("application/json") != nil &&
		strings.HasPrefix(res.header.Get("Content-Type"), "application/json")
}

// writer picks the role that performs a route in the test: ops where the
// permission table lets it, else the first role that may.
func writer(rt httpapi.Route) (poscare.Role, bool) {
	for _, r := range append([]poscare.Role{poscare.RoleOps}, poscare.Roles...) {
		if rt.Entity == "" || (poscare.Actor{Role: r}).Can(rt.Entity, rt.Action) {
			return r, true
		}
	}
	return "", false
}

// TestWriteResponsesMatchOpenAPI performs every route that is not a read,
// as a role allowed to, on targets that make it succeed (plan), and checks
// the answer against the schema the document declares for that status:
// creates, updates, archives, restores, status changes, the playbook,
// incident actions, passwords, logout. Each is then tried on a record that
// does not exist, and the error answer checked too.
func TestWriteResponsesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			doc := servedDoc(t, e)
			var unchecked []string
			for _, rt := range e.api.Routes() {
				if rt.Method == "GET" {
					continue // TestResponsesMatchOpenAPI
				}
				t.Run(routeKey(rt), func(t *testing.T) {
					e.t = t
					role, ok := writer(rt)
					if !ok {
						t.Fatalf("no role may call it, so its answer cannot be checked")
					}
					tok := ""
					if !rt.Public {
						tok = e.token(e.w.Users[role])
					}
					c := e.plan(rt)
					if rt.Pattern == "/api/v1/auth/token" {
						c.body = func() any { return httpapi.TokenRequest{Login: "ops", Password: fixture.Password} }
					}
					if c.before != nil {
						c.before()
					}
					path := c.path()
					res := e.do(rt.Method, path, tok, c.body())
					if c.after != nil {
						c.after()
					}
					if res.status != c.success {
						t.Fatalf("as %s: %d, want %d: %s", role, res.status, c.success, res.body)
					}
					if !checkResponse(t, doc, rt.Method, rt.Pattern, path, res) || res.status >= 300 {
						unchecked = append(unchecked, routeKey(rt))
					}
					if !strings.Contains(rt.Pattern, "{") {
						return
					}
					p := strings.NewReplacer("{id}", "987654321", "{channel}", "987654321").Replace(rt.Pattern)
					res = e.do(rt.Method, p, e.token(e.w.Users[role]), c.body())
					if res.status != http.StatusNotFound {
						t.Fatalf("as %s on a missing record: %d, want 404: %s", role, res.status, res.body)
					}
					if !checkResponse(t, doc, rt.Method, rt.Pattern, p, res) {
						t.Errorf("the 404 answer has no JSON schema in the document")
					}
				})
			}
			// Only routes whose plan expects a refusal may go without a
			// checked success answer.
			for _, key := range unchecked {
				if key != "POST /api/v1/tasks/{id}/done" {
					t.Errorf("%s: no successful JSON answer was checked against the document", key)
				}
			}
		})
	}
}

// TestResponseCheckIsStrict: the response check (kin-openapi's) refuses a
// value outside a schema's enum (directly, behind a $ref, in an array), a
// wrong type, an undeclared property, a missing required one, a null
// where the schema does not allow it, and an undocumented status; and it
// takes a null for a nullable reference written as the document writes a
// Go pointer (type object, nullable, allOf the $ref: OpenAPI 3.0 ignores
// nullable beside a bare $ref). Then the same on the served document,
// with a real answer of GET /api/v1/me changed.
func TestResponseCheckIsStrict(t *testing.T) {
	t.Parallel()
	small := loadDoc(t, []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},
		"paths":{"/thing":{"get":{"responses":{"200":{"description":"ok",
			"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Thing"}}}}}}}},
		"components":{"schemas":{
			"Status":{"type":"string","enum":["active","suspended"]},
			"Owner":{"type":"object","additionalProperties":false,"properties":{"name":{"type":"string"}}},
			"Thing":{"type":"object","additionalProperties":false,"required":["status"],"properties":{
				"status":{"$ref":"#/components/schemas/Status"},
				"owner":{"type":"object","nullable":true,"allOf":[{"$ref":"#/components/schemas/Owner"}]},
				"tags":{"type":"array","items":{"type":"string","enum":["a","b"]}}}}}}}`))
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for _, c := range []struct {
		name   string
		status int
		value  string
		ok     bool
	}{
		{"DeclaredValue", 200, `{"status":"active","tags":["a","b"],"owner":{"name":"x"}}`, true},
		{"NullForNullableRef", 200, `{"status":"active","owner":null}`, true},
		{"UndeclaredValue", 200, `{"status":"actve"}`, false},
		{"UndeclaredItem", 200, `{"status":"active","tags":["a","c"]}`, false},
		{"WrongType", 200, `{"status":1}`, false},
		{"UndeclaredProperty", 200, `{"status":"active","extra":1}`, false},
		{"UndeclaredPropertyBehindNullableRef", 200, `{"status":"active","owner":{"name":"x","extra":1}}`, false},
		{"MissingRequired", 200, `{"tags":["a"]}`, false},
		{"NullForRef", 200, `{"status":null}`, false},
		{"UndocumentedStatus", 404, `{"status":"active"}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := small.validateResponse("GET", "/thing", "/thing", c.status, jsonHeader, []byte(c.value))
			if (err == nil) != c.ok {
				t.Fatalf("%s: error %v, want ok=%v", c.value, err, c.ok)
			}
		})
	}
	e := newEnv(t, testenv.Stores(t)["sqlite"])
	doc := servedDoc(t, e)
	res := e.do("GET", "/api/v1/me", e.token(e.w.Users[poscare.RoleOps]), nil)
	if err := doc.validateResponse("GET", "/api/v1/me", "/api/v1/me", res.status, res.header, res.body); err != nil {
		t.Fatalf("the real answer: %v", err)
	}
	for _, c := range []struct {
		name   string
		change func(me map[string]any)
		ok     bool
	}{
		{"UserNull", func(me map[string]any) { me["user"] = nil }, true},
		{"PermissionsNull", func(me map[string]any) { me["permissions"] = nil }, false},
		{"UndeclaredProperty", func(me map[string]any) { me["user"].(map[string]any)["is_root"] = true }, false},
		{"IDNotAnInteger", func(me map[string]any) { me["user"].(map[string]any)["id"] = 1.5 }, false},
	} {
		t.Run("Me"+c.name, func(t *testing.T) {
			var me map[string]any
			if err := json.Unmarshal(res.body, &me); err != nil {
				t.Fatal(err)
			}
			c.change(me)
			body, _ := json.Marshal(me)
			err := doc.validateResponse("GET", "/api/v1/me", "/api/v1/me", res.status, res.header, body)
			if (err == nil) != c.ok {
				t.Fatalf("%s: error %v, want ok=%v", body, err, c.ok)
			}
		})
	}
}

// TestDocumentEnums holds the server to the enums the document declares.
// The document declares them on query parameters only: the response and
// request schemas, built from Go types, carry none (a status is a plain
// string there). So each enum parameter must refuse a value outside it
// with 422 naming the parameter, and where a list's items have a property
// of the parameter's name, every item's value must be in the enum.
func TestDocumentEnums(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.Stores(t)["sqlite"])
	doc := servedDoc(t, e)
	tok := e.token(e.w.Users[poscare.RoleOps])
	enums, items := 0, 0
	for _, rt := range e.api.Routes() {
		for _, p := range doc.operation(t, rt.Method, rt.Pattern).Parameters {
			enum := enumStrings(p.Value.Schema.Value.Enum)
			if len(enum) == 0 {
				continue
			}
			name := p.Value.Name
			enums++
			t.Run(routeKey(rt)+"?"+name, func(t *testing.T) {
				e.t = t
				c := e.plan(rt)
				if c.before != nil {
					c.before()
				}
				res := e.do(rt.Method, c.path()+"?"+url.Values{name: {"no-such-value"}}.Encode(), tok, nil)
				var body httpapi.ErrorBody
				res.decode(t, &body)
				if res.status != http.StatusUnprocessableEntity || body.Error.Fields[name] == "" {
					t.Fatalf("value outside the enum: %d %s, want 422 naming %q", res.status, res.body, name)
				}
				res = e.do(rt.Method, c.path(), tok, nil)
				if res.status != http.StatusOK {
					t.Fatalf("%d %s", res.status, res.body)
				}
				for id, v := range valuesOf(t, res, name) {
					items++
					if !slices.Contains(enum, v) {
						t.Errorf("item %s has %s %q, which the parameter's enum %v does not list", id, name, v, enum)
					}
				}
			})
		}
	}
	if enums < 5 || items == 0 {
		t.Fatalf("%d enum parameters, %d item values checked: the document or the fixture lost them", enums, items)
	}
}

// enumStrings returns a schema's enum of strings.
func enumStrings(enum []any) []string {
	var out []string
	for _, v := range enum {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// valuesOf returns, by item id, the string property name of each item of a
// list answer, or the column name of each row of a CSV one.
func valuesOf(t *testing.T, res response, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		rows, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
		if err != nil || len(rows) == 0 {
			t.Fatalf("not CSV: %v", err)
		}
		col := slices.Index(rows[0], name)
		for _, r := range rows[1:] {
			if col >= 0 {
				out[r[0]] = r[col]
			}
		}
		return out
	}
	var l struct{ Items []map[string]any }
	res.decode(t, &l)
	for _, it := range l.Items {
		if v, ok := it[name].(string); ok {
			out[fmt.Sprint(it["id"])] = v
		}
	}
	return out
}

// TestErrorAnswersMatchOpenAPI gives every route the errors that its kind
// makes certain, and checks each answer against the document: no token
// (401) on every route that needs one, a role the permission table refuses
// (403) on every route with a permission, a body that is not JSON (400)
// on every route that takes one. None of them writes anything.
func TestErrorAnswersMatchOpenAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.Stores(t)["sqlite"])
	doc := servedDoc(t, e)
	counts := map[int]int{}
	for _, rt := range e.api.Routes() {
		t.Run(routeKey(rt), func(t *testing.T) {
			e.t = t
			// The plan's path, without its preparation: none of these
			// errors needs the target in a given state.
			c := e.plan(rt)
			path := c.path()
			expect := func(want int, res response, or ...int) {
				t.Helper()
				if res.status != want && !slices.Contains(or, res.status) {
					t.Fatalf("%d, want %d: %s", res.status, want, res.body)
				}
				want = res.status
				var body httpapi.ErrorBody
				res.decode(t, &body)
				if body.Error.Code == "" || body.Error.Message == "" {
					t.Fatalf("not the error shape: %s", res.body)
				}
				if !checkResponse(t, doc, rt.Method, rt.Pattern, path, res) {
					t.Fatalf("the %d answer has no JSON schema in the document", want)
				}
				counts[want]++
			}
			if !rt.Public {
				expect(http.StatusUnauthorized, e.do(rt.Method, path, "", c.body()))
			}
			if rt.Entity != "" {
				for _, r := range poscare.Roles {
					if !(poscare.Actor{Role: r}).Can(rt.Entity, rt.Action) {
						expect(http.StatusForbidden, e.do(rt.Method, path, e.token(e.w.Users[r]), c.body()))
						break
					}
				}
			}
			if rt.Body != nil {
				tok := ""
				if role, ok := writer(rt); ok && !rt.Public {
					tok = e.token(e.w.Users[role])
				}
				// A handler that looks its target up before reading the
				// body answers 404 where the plan would have prepared it.
				var unprepared []int
				if c.before != nil {
					unprepared = []int{http.StatusNotFound}
				}
				expect(http.StatusBadRequest, e.do(rt.Method, path, tok, `{"not json`), unprepared...)
			}
		})
	}
	// The public login's refusal, and a body over the limit.
	e.t = t
	res := e.do("POST", "/api/v1/auth/token", "", httpapi.TokenRequest{Login: "ops", Password: "wrong-password"})
	if res.status != http.StatusUnauthorized || !checkResponse(t, doc, "POST", "/api/v1/auth/token", "/api/v1/auth/token", res) {
		t.Errorf("a wrong password: %d %s", res.status, res.body)
	}
	res = e.do("POST", "/api/v1/merchants", e.token(e.w.Users[poscare.RoleOps]), `{"legal_name":"`+strings.Repeat("a", httpapi.MaxBodyBytes)+`"}`)
	if res.status != http.StatusRequestEntityTooLarge || !checkResponse(t, doc, "POST", "/api/v1/merchants", "/api/v1/merchants", res) {
		t.Errorf("a body over the limit: %d %s", res.status, res.body)
	}
	if counts[401] < 40 || counts[403] < 30 || counts[400] < 20 {
		t.Fatalf("answers checked by status: %v; the routes or their plans lost them", counts)
	}
	t.Logf("answers checked by status: %v", counts)
}
