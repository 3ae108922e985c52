package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestBearerHeaderIsParsedStrictly sends the token in the loose forms an
// attacker probed: each is refused, so no request can authenticate with a
// token other than the one a logout would revoke.
func TestBearerHeaderIsParsedStrictly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.Stores(t)["sqlite"])
	tok := e.token(e.w.Users[poscare.RoleAgent])
	// (Whitespace around the whole value is not part of it: HTTP drops it.)
	for _, h := range []string{"Bearer  " + tok, "Bearer\t" + tok, "Bearer \t" + tok, "Bearer " + tok + " extra", "Bearer " + tok + "\t\tx",
		"Token " + tok, "Bearer", "Bearer ", "Bearer " + tok + ",Bearer " + tok} {
		if r := e.do("GET", "/api/v1/me", "", nil, "Authorization", h); r.status != 401 {
			t.Errorf("Authorization %q: %d, want 401", h, r.status)
		}
	}
	if r := e.do("GET", "/api/v1/me", "", nil, "Authorization", "bearer "+tok); r.status != 200 {
		t.Errorf("the scheme is case-insensitive (RFC 7235), got %d", r.status)
	}
}

// TestLogoutRevokesTheTokenThatAuthenticated logs out and checks the token
// is dead; a second logout with it ended nothing and is not "ok".
func TestLogoutRevokesTheTokenThatAuthenticated(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.Stores(t)["sqlite"])
	tok := e.token(e.w.Users[poscare.RoleAgent])
	other := e.token(e.w.Users[poscare.RoleAgent])
	for _, h := range []string{"Bearer  " + tok, "Bearer\t" + tok} {
		r := e.do("POST", "/api/v1/auth/logout", "", nil, "Authorization", h)
		if me := e.do("GET", "/api/v1/me", tok, nil); r.status == 200 && me.status == 200 {
			t.Fatalf("logout with %q answered ok but the token still works", h)
		}
	}
	if r := e.do("POST", "/api/v1/auth/logout", tok, nil); r.status != 200 {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/me", tok, nil); r.status != 401 {
		t.Fatalf("token alive after logout: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/auth/logout", tok, nil); r.status != 401 {
		t.Fatalf("second logout with a revoked token: %d, want 401", r.status)
	}
	if r := e.do("GET", "/api/v1/me", other, nil); r.status != 200 {
		t.Fatalf("logout ended another token of the same user: %d", r.status)
	}
}

// TestOwnPasswordChange changes one's own password through the API: the
// current password is needed, the new one must pass the rules, and every
// other token of the user ends while the one used stays.
func TestOwnPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.Stores(t)["sqlite"])
	u := e.w.Users[poscare.RoleAgent]
	tok, other := e.token(u), e.token(u)
	change := func(current, next string) response {
		return e.do("PUT", "/api/v1/me/password", tok, httpapi.OwnPasswordBody{CurrentPassword: current, NewPassword: next}, "Accept-Language", "en")
	}
	if r := change("not-my-password", "my-own-fresh-secret-9"); r.status != 422 || !strings.Contains(string(r.body), `"current_password"`) {
		t.Fatalf("wrong current password: %d %s", r.status, r.body)
	}
	for _, bad := range []string{"aaaaaaaaaa", "1234567890", "          ", u.Login, fixture.Password} {
		r := change(fixture.Password, bad)
		if r.status != 422 || !strings.Contains(string(r.body), `"new_password"`) {
			t.Fatalf("new password %q: %d %s", bad, r.status, r.body)
		}
	}
	if r := change(fixture.Password, "my-own-fresh-secret-9"); r.status != 200 {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/me", tok, nil); r.status != 200 {
		t.Fatalf("the token used for the change was ended: %d", r.status)
	}
	if r := e.do("GET", "/api/v1/me", other, nil); r.status != 401 {
		t.Fatalf("another token of the user survived the change: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/auth/token", "", httpapi.TokenRequest{Login: u.Login, Password: "my-own-fresh-secret-9"}); r.status != 200 {
		t.Fatalf("login with the new password: %d %s", r.status, r.body)
	}
	entries, err := e.s.AuditEntries(context.Background(), poscare.AuditFilter{Entity: poscare.EntityUser, EntityID: u.ID, Page: poscare.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, en := range entries {
		if en.Action == "change_password" {
			found = true
			if all := string(en.Before) + string(en.After); strings.Contains(all, "my-own-fresh-secret-9") || strings.Contains(all, fixture.Password) {
				t.Fatalf("a password is in the audit trail: %+v", en)
			}
		}
	}
	if !found {
		t.Fatal("the change is not in the audit trail")
	}
}
