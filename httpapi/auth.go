package httpapi

import (
	"time"

	"poscare"
	"poscare/sqlstore"
)

func (s *Server) authRoutes() []Route {
	st := s.Store
	return []Route{
		{Method: "POST", Pattern: "/api/v1/auth/token", Public: true, Summary: "Log in with login and password; returns a bearer token",
			Body: TokenRequest{}, Response: TokenResponse{},
			Handle: func(r *Request) (any, error) {
				var body TokenRequest
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				now := time.Now()
				u, err := st.Authenticate(r.Context(), body.Login, body.Password, r.Actor.Source)
				if err != nil {
					return nil, err
				}
				token, err := st.IssueToken(r.Context(), u.ID)
				if err != nil {
					return nil, err
				}
				return TokenResponse{Token: token, ExpiresAt: now.Add(sqlstore.TokenTTL).UTC()}, nil
			}},
		{Method: "POST", Pattern: "/api/v1/auth/logout", Summary: "Revoke the bearer token",
			Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				if err := st.RevokeToken(r.Context(), r.token); err != nil {
					return nil, err
				}
				return map[string]bool{"ok": true}, nil
			}},
		{Method: "PUT", Pattern: "/api/v1/me/password", Summary: "Change one's own password: needs the current one (checked and throttled as a login); ends every other token and session of the caller",
			Body: OwnPasswordBody{}, Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				var body OwnPasswordBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				if err := st.ChangeOwnPassword(r.Context(), r.Actor, body.CurrentPassword, body.NewPassword, r.token); err != nil {
					return nil, err
				}
				return map[string]bool{"ok": true}, nil
			}},
		{Method: "GET", Pattern: "/api/v1/me", Summary: "The caller and what their role may do",
			Response: Me{User: &poscare.User{}},
			Handle: func(r *Request) (any, error) {
				u, err := st.GetUser(r.Context(), r.Actor, r.Actor.UserID)
				if err != nil {
					return nil, err
				}
				perms := map[string][]poscare.Action{}
				for entity, acts := range poscare.Permissions[r.Actor.Role] {
					perms[entity] = append([]poscare.Action(nil), acts...)
				}
				return Me{User: u, Permissions: perms}, nil
			}},
	}
}
