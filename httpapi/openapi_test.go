package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// servedDoc fetches the OpenAPI document the server serves.
func servedDoc(t *testing.T, e *env) map[string]any {
	t.Helper()
	res := e.do("GET", "/api/openapi.json", "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("openapi.json: %d", res.status)
	}
	var doc map[string]any
	res.decode(t, &doc)
	return doc
}

// checkResponse validates a real response body against the schema the
// document declares for its route and status (or the default response).
// It reports whether there was a JSON schema to check against.
func checkResponse(t *testing.T, doc map[string]any, method, pattern string, res response) bool {
	t.Helper()
	item, ok := doc["paths"].(map[string]any)[pattern].(map[string]any)
	if !ok {
		t.Fatalf("%s is not in the document", pattern)
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Fatalf("%s %s is not in the document", method, pattern)
	}
	responses := op["responses"].(map[string]any)
	r, ok := responses[fmt.Sprint(res.status)].(map[string]any)
	if !ok {
		r = responses["default"].(map[string]any)
	}
	content := r["content"].(map[string]any)
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		return false
	}
	var v any
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatalf("%s %s: body is not JSON: %s", method, pattern, res.body)
	}
	if err := validate(doc, media["schema"].(map[string]any), v, "$"); err != nil {
		t.Errorf("%s %s (%d): %v\n%s", method, pattern, res.status, err, res.body)
	}
	return true
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
					res := e.do(rt.Method, c.path(), tok, c.body())
					if c.after != nil {
						c.after()
					}
					if res.status != c.success {
						t.Fatalf("as %s: %d, want %d: %s", role, res.status, c.success, res.body)
					}
					if !checkResponse(t, doc, rt.Method, rt.Pattern, res) || res.status >= 300 {
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
					if !checkResponse(t, doc, rt.Method, rt.Pattern, res) {
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

// TestValidateChecksEnums: the response check refuses a value outside a
// schema's enum, directly, behind a $ref, in an array and in a property.
func TestValidateChecksEnums(t *testing.T) {
	doc := map[string]any{"components": map[string]any{"schemas": map[string]any{
		"Status": map[string]any{"type": "string", "enum": []any{"active", "suspended"}},
		"Thing": map[string]any{"type": "object", "additionalProperties": false, "required": []any{"status"},
			"properties": map[string]any{"status": map[string]any{"$ref": "#/components/schemas/Status"},
				"tags": map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []any{"a", "b"}}}}},
	}}}
	ref := map[string]any{"$ref": "#/components/schemas/Thing"}
	for _, c := range []struct {
		name  string
		value string
		ok    bool
	}{
		{"DeclaredValue", `{"status":"active","tags":["a","b"]}`, true},
		{"UndeclaredValue", `{"status":"actve"}`, false},
		{"UndeclaredItem", `{"status":"active","tags":["a","c"]}`, false},
		{"WrongType", `{"status":1}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(c.value), &v); err != nil {
				t.Fatal(err)
			}
			if err := validate(doc, ref, v, "$"); (err == nil) != c.ok {
				t.Fatalf("%s: error %v, want ok=%v", c.value, err, c.ok)
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
	e := newEnv(t, testenv.Stores(t)["sqlite"])
	doc := servedDoc(t, e)
	tok := e.token(e.w.Users[poscare.RoleOps])
	enums, items := 0, 0
	for _, rt := range e.api.Routes() {
		op := doc["paths"].(map[string]any)[rt.Pattern].(map[string]any)[strings.ToLower(rt.Method)].(map[string]any)
		params, _ := op["parameters"].([]any)
		for _, x := range params {
			p := x.(map[string]any)
			schema, _ := p["schema"].(map[string]any)
			enum := asStrings(schema["enum"])
			if len(enum) == 0 {
				continue
			}
			name := p["name"].(string)
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
