package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/observe"
)

// TestErrorsCarryTheRequestID: behind observe.Instrument every error body
// names the request's id, the one in its X-Request-Id header, whatever
// failed (decoding, authentication, the store); served bare, the body
// has no request_id at all.
func TestErrorsCarryTheRequestID(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			w := fixture.Build(t, s)
			token, err := s.IssueToken(context.Background(), w.Users[poscare.RoleOps].ID)
			if err != nil {
				t.Fatal(err)
			}
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			api := httpapi.New(s, logger, "test")
			wrapped := httptest.NewServer(observe.New("test").Instrument(logger, api))
			t.Cleanup(wrapped.Close)
			bare := httptest.NewServer(api)
			t.Cleanup(bare.Close)
			for _, tc := range []struct {
				name, method, path, auth, body, code string
			}{
				{"BadJSON", "POST", "/api/v1/merchants", "Bearer " + token, "{", poscare.EBadRequest},
				{"NoToken", "GET", "/api/v1/merchants", "", "", poscare.EUnauthenticated},
				{"Missing", "GET", "/api/v1/merchants/999999", "Bearer " + token, "", poscare.ENotFound},
				{"NoRoute", "GET", "/api/v1/nothing-here", "Bearer " + token, "", poscare.ENotFound},
			} {
				t.Run(tc.name, func(t *testing.T) {
					for _, srv := range []*httptest.Server{wrapped, bare} {
						req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
						if tc.auth != "" {
							req.Header.Set("Authorization", tc.auth)
						}
						res, err := http.DefaultClient.Do(req)
						if err != nil {
							t.Fatal(err)
						}
						b, _ := io.ReadAll(res.Body)
						res.Body.Close()
						var e httpapi.ErrorBody
						if err := json.Unmarshal(b, &e); err != nil || e.Error.Code != tc.code {
							t.Fatalf("%s: %s, want code %s", tc.path, b, tc.code)
						}
						id := res.Header.Get(observe.RequestIDHeader)
						if srv == bare {
							if id != "" || bytes.Contains(b, []byte("request_id")) {
								t.Errorf("bare server: id %q, body %s", id, b)
							}
							continue
						}
						if id == "" || e.Error.RequestID != id {
							t.Errorf("request_id %q in the body, %q in the header", e.Error.RequestID, id)
						}
					}
				})
			}
		})
	}
}

// TestRestrictFollowsPermissions walks every role against the metrics
// guard: those poscare.Permissions lets read metrics (admin, ops) pass,
// the others are refused, and a caller without a valid token is asked to
// authenticate.
func TestRestrictFollowsPermissions(t *testing.T) {
	t.Parallel()
	s := testenv.Open(t, t.TempDir()+"/restrict.db")
	w := fixture.Build(t, s)
	api := httpapi.New(s, nil, "test")
	srv := httptest.NewServer(api.Restrict(poscare.EntityMetrics, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("metrics"))
	})))
	t.Cleanup(srv.Close)
	get := func(auth string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, role := range poscare.Roles {
		token, err := s.IssueToken(context.Background(), w.Users[role].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := http.StatusForbidden
		if role == poscare.RoleAdmin || role == poscare.RoleOps {
			want = http.StatusOK
		}
		if code, body := get("Bearer " + token); code != want || (code == 200) != (body == "metrics") {
			t.Errorf("%s: %d %q, want %d", role, code, body, want)
		}
	}
	for _, auth := range []string{"", "Bearer not-a-token", "Basic YWRtaW46eA=="} {
		if code, _ := get(auth); code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
}
