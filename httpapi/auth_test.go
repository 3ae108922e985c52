package httpapi_test

import (
	"testing"

	"poscare"
	"poscare/internal/testenv"
)

// TestBearerHeaderIsParsedStrictly sends the token in the loose forms an
// attacker probed: each is refused, so no request can authenticate with a
// token other than the one a logout would revoke.
func TestBearerHeaderIsParsedStrictly(t *testing.T) {
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
