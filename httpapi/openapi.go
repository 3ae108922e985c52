package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The OpenAPI 3 document is generated from the route table and the Go
// types of the bodies, so it cannot drift from what the server does; the
// tests check real responses against it.

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

type schemaBuilder struct {
	defs map[string]any
}

// schema returns the JSON Schema of t, registering named structs as
// components. Every object schema forbids unknown properties so the
// response check in the tests is strict.
func (b *schemaBuilder) schema(t reflect.Type) map[string]any {
	if t == reflect.TypeOf(time.Time{}) {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if t == reflect.TypeOf(json.RawMessage{}) {
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := b.schema(t.Elem())
		if ref, ok := s["$ref"]; ok {
			// In OpenAPI 3.0 a $ref's siblings are ignored, and nullable
			// means something only beside a type: so the pointer is an
			// object that may be null and is all of the referenced one.
			// Only structs get a $ref, so the type is always object.
			return map[string]any{"type": "object", "nullable": true, "allOf": []any{map[string]any{"$ref": ref}}}
		}
		out := map[string]any{"nullable": true}
		for k, v := range s {
			out[k] = v
		}
		return out
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint8:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		// The items of a list are records, never null, even when the Go
		// slice holds pointers to them.
		return map[string]any{"type": "array", "items": b.schema(deref(t.Elem())), "nullable": true}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": b.schema(t.Elem())}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := b.defs[name]; !ok {
			b.defs[name] = nil // break cycles
			props := map[string]any{}
			var required []string
			b.fields(t, props, &required)
			obj := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
			if len(required) > 0 {
				obj["required"] = required
			}
			b.defs[name] = obj
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// deref is t without its pointers: a body or a list item is a value, never
// null, even when the Go code passes it by pointer.
func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func (b *schemaBuilder) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			b.fields(f.Type, props, required)
			continue
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		props[name] = b.schema(f.Type)
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}

func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 { // generic: List[*poscare.Merchant]
		inner := n[i+1 : len(n)-1]
		inner = inner[strings.LastIndexAny(inner, ".*")+1:]
		n = n[:i] + "Of" + inner
	}
	return n
}

// OpenAPI returns the OpenAPI 3.0 document of the API.
func (s *Server) OpenAPI() map[string]any {
	b := &schemaBuilder{defs: map[string]any{}}
	errRef := b.schema(reflect.TypeOf(ErrorBody{}))
	paths := map[string]any{}
	for _, rt := range s.Routes() {
		item, _ := paths[rt.Pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Pattern] = item
		}
		responses := map[string]any{"default": map[string]any{"$ref": "#/components/responses/" + errorResponses[0].name}}
		for _, status := range errorStatuses(rt) {
			responses[strconv.Itoa(status)] = map[string]any{"$ref": "#/components/responses/" + errorResponse(status).name}
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
			"responses":   responses,
		}
		if rt.Entity != "" {
			op["tags"] = []string{rt.Entity}
		}
		ok := map[string]any{"description": "success"}
		if rt.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": b.schema(deref(reflect.TypeOf(rt.Response)))}}
		} else {
			ok["content"] = map[string]any{"text/csv": map[string]any{"schema": map[string]any{"type": "string"}}}
		}
		status := "200"
		if rt.Method == "POST" && rt.Action == "create" {
			status = "201"
		}
		op["responses"].(map[string]any)[status] = ok
		if rt.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": b.schema(deref(reflect.TypeOf(rt.Body)))}}}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "integer"}})
		}
		for _, p := range rt.Query {
			schema := map[string]any{"type": p.Type}
			if p.Format != "" {
				schema["format"] = p.Format
			}
			if len(p.Enum) > 0 {
				schema["enum"] = p.Enum
			}
			params = append(params, map[string]any{"name": p.Name, "in": "query", "description": p.Description, "schema": schema})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Public {
			op["security"] = []any{}
		}
		item[strings.ToLower(rt.Method)] = op
	}
	errorComponents := map[string]any{}
	for _, e := range errorResponses {
		errorComponents[e.name] = map[string]any{"description": e.description,
			"content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "poscare API", "version": s.Version,
			"description": "Records of a POS payment service provider. Errors: {\"error\":{\"code\",\"message\",\"fields\"}}; messages in zh-CN or English by Accept-Language."},
		"servers":    []any{map[string]any{"url": "/"}},
		"security":   []any{map[string]any{"bearer": []any{}}},
		"paths":      paths,
		"components": map[string]any{"schemas": b.defs, "responses": errorComponents, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
	}
}

// errorResponses are the error answers an operation may document, all in
// the one error shape; the first is the default (any other status: a 5xx).
var errorResponses = []errorAnswer{
	{0, "Error", "Unexpected error (5xx)"},
	{http.StatusBadRequest, "BadRequest", "The body is not JSON of the documented shape: unknown field, wrong type, trailing data (code bad_request)"},
	{http.StatusUnauthorized, "Unauthorized", "No valid bearer token, or wrong login or password (code unauthenticated)"},
	{http.StatusForbidden, "Forbidden", "The caller's role or position may not do this (code forbidden)"},
	{http.StatusNotFound, "NotFound", "No such record, or one the caller may not see (code not_found)"},
	{http.StatusConflict, "Conflict", "The records' state forbids it now, e.g. archived or nobody to take over (code conflict)"},
	{http.StatusRequestEntityTooLarge, "TooLarge", "The body exceeds 1 MiB (code too_large)"},
	{http.StatusUnprocessableEntity, "Invalid", "Invalid input; error.fields names each bad field (code invalid)"},
	{http.StatusTooManyRequests, "TooManyRequests", "Too many password attempts, or every password check busy; wait Retry-After seconds (code too_many_requests)"},
}

type errorAnswer struct {
	status      int
	name        string // of its entry in components.responses
	description string
}

func errorResponse(status int) errorAnswer {
	for _, e := range errorResponses {
		if e.status == status {
			return e
		}
	}
	panic("no error response for status " + strconv.Itoa(status))
}

// errorStatuses are the 4xx answers a route can give, from what it is: a
// token is checked (401), a permission (403: the role table, and the row
// rules of the store), a record named in the path (404), a body decoded
// (400, 413), input or a change validated (422), a write checked against
// the records' state (409), a password checked or hashed in a bounded pool
// (429).
func errorStatuses(rt Route) []int {
	var out []int
	write := rt.Method != http.MethodGet
	if rt.Body != nil {
		out = append(out, http.StatusBadRequest)
	}
	if !rt.Public || carriesPassword(reflect.TypeOf(rt.Body)) {
		out = append(out, http.StatusUnauthorized)
	}
	if rt.Entity != "" {
		out = append(out, http.StatusForbidden)
	}
	if strings.Contains(rt.Pattern, "{") {
		out = append(out, http.StatusNotFound)
	}
	if write && rt.Entity != "" {
		out = append(out, http.StatusConflict)
	}
	if rt.Body != nil {
		out = append(out, http.StatusRequestEntityTooLarge)
	}
	if write || len(rt.Query) > 0 {
		out = append(out, http.StatusUnprocessableEntity)
	}
	if carriesPassword(reflect.TypeOf(rt.Body)) {
		out = append(out, http.StatusTooManyRequests)
	}
	return out
}

// carriesPassword tells whether a body has a password to check or hash.
func carriesPassword(t reflect.Type) bool {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if strings.HasSuffix(name, "password") || (f.Anonymous && carriesPassword(f.Type)) {
			return true
		}
	}
	return false
}

func operationID(rt Route) string {
	p := strings.TrimPrefix(rt.Pattern, "/api/v1/")
	p = pathParam.ReplaceAllString(p, "by_$1")
	p = strings.NewReplacer("/", "_", ".", "_").Replace(p)
	return strings.ToLower(rt.Method) + "_" + p
}

var openapiOnce sync.Once
var openapiJSON []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	openapiOnce.Do(func() { openapiJSON, _ = json.MarshalIndent(s.OpenAPI(), "", "  ") })
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openapiJSON)
}
