package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"poscare"
	"poscare/demo"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestResponsesMatchOpenAPI calls every GET route and a sample of writes
// and errors as ops, and checks each real response body against the
// schema the served OpenAPI document declares for it.
func TestResponsesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			doc := servedDoc(t, e)
			if doc.OpenAPI != "3.0.3" {
				t.Fatalf("openapi version %v", doc.OpenAPI)
			}
			checked := 0
			check := func(method, pattern, path string, res response) {
				t.Helper()
				if checkResponse(t, doc, method, pattern, path, res) {
					checked++
				}
			}
			tok := e.token(e.w.Users[poscare.RoleOps])
			for _, rt := range e.api.Routes() {
				if rt.Method != "GET" || rt.Response == nil {
					continue
				}
				c := e.plan(rt)
				if c.before != nil {
					c.before()
				}
				path := c.path()
				res := e.do("GET", path, tok, nil)
				if res.status != 200 && res.status != 403 {
					t.Fatalf("GET %s: %d %s", rt.Pattern, res.status, res.body)
				}
				check("GET", rt.Pattern, path, res)
			}
			// Every documented query parameter, with each of its values,
			// is accepted and the answer still matches the schema.
			for _, rt := range e.api.Routes() {
				seen := map[string]bool{}
				for _, ref := range doc.operation(t, rt.Method, rt.Pattern).Parameters {
					p := ref.Value
					if p.In != "query" {
						continue
					}
					name := p.Name
					if seen[name] || p.Description == "" || p.Schema == nil || p.Schema.Value == nil {
						t.Fatalf("%s %s: query parameter %q repeated, undescribed or without a schema: %+v", rt.Method, rt.Pattern, name, p)
					}
					seen[name] = true
					schema := p.Schema.Value
					samples := enumStrings(schema.Enum)
					if schema.Format == "date-time" {
						samples = []string{"2026-11-01T00:00:00+08:00", "2026-11-01T00:00:00Z"}
					}
					if len(samples) == 0 && schema.Type != nil && len(*schema.Type) == 1 {
						samples = map[string][]string{"string": {"x"}, "integer": {"1"}, "boolean": {"true", "false"}}[(*schema.Type)[0]]
					}
					if len(samples) == 0 {
						t.Fatalf("%s %s: query parameter %q of unknown type %v", rt.Method, rt.Pattern, name, schema.Type)
					}
					if rt.Method != "GET" {
						continue // only reads are safe to repeat here
					}
					for _, v := range samples {
						c := e.plan(rt)
						if c.before != nil {
							c.before()
						}
						path := c.path() + "?" + url.Values{name: {v}}.Encode()
						res := e.do("GET", path, tok, nil)
						if res.status != 200 {
							t.Fatalf("GET %s?%s=%s: %d %s", rt.Pattern, name, v, res.status, res.body)
						}
						check("GET", rt.Pattern, path, res)
					}
				}
			}
			// A create, an update and the error shapes.
			res := e.do("POST", "/api/v1/merchants", tok, fixture.NewMerchant(e.w.Team1.ID, e.w.Users[poscare.RoleAgent].ID, nil))
			if res.status != 201 {
				t.Fatalf("create merchant: %d %s", res.status, res.body)
			}
			check("POST", "/api/v1/merchants", "/api/v1/merchants", res)
			bad := fixture.NewMerchant(e.w.Team1.ID, e.w.Users[poscare.RoleAgent].ID, nil)
			bad.USCC = "91110105000000000X"
			res = e.do("POST", "/api/v1/merchants", tok, bad)
			if res.status != 422 {
				t.Fatalf("bad merchant: %d", res.status)
			}
			check("POST", "/api/v1/merchants", "/api/v1/merchants", res)
			res = e.do("POST", "/api/v1/auth/token", "", httpapi.TokenRequest{Login: "ops", Password: fixture.Password})
			if res.status != 200 {
				t.Fatalf("login: %d %s", res.status, res.body)
			}
			check("POST", "/api/v1/auth/token", "/api/v1/auth/token", res)
			if checked < 20 {
				t.Fatalf("only %d responses checked", checked)
			}
		})
	}
}

// TestBadInput: every kind of bad request gets its status, the one error
// shape, the field names and messages in the asked language, and writes
// nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	stores := testenv.Stores(t)
	e := newEnv(t, stores["sqlite"])
	tok := e.token(e.w.Users[poscare.RoleOps])
	agent := e.w.Users[poscare.RoleAgent].ID
	count := func() int {
		res := e.do("GET", "/api/v1/merchants?limit=500", tok, nil)
		var l struct{ Items []any }
		res.decode(t, &l)
		return len(l.Items)
	}
	before := count()
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		fields []string
	}{
		{"BadUSCCCheckCharacter", func() any {
			// Another check character than the right one, which may be 0.
			m := fixture.NewMerchant(e.w.Team1.ID, agent, nil)
			m.USCC = m.USCC[:17] + map[bool]string{true: "1", false: "0"}[m.USCC[17] == '0']
			return m
		}(), 422, "invalid", []string{"uscc"}},
		{"BadIDCheckDigit", func() any {
			m := fixture.NewMerchant(e.w.Team1.ID, agent, nil)
			m.PrincipalIDNumber = m.PrincipalIDNumber[:17] + map[bool]string{true: "1", false: "2"}[m.PrincipalIDNumber[17] != '1']
			return m
		}(), 422, "invalid", []string{"principal_id_number"}},
		{"BadLuhnCard", func() any {
			m := fixture.NewMerchant(e.w.Team1.ID, agent, nil)
			last := m.SettlementAccount[len(m.SettlementAccount)-1]
			m.SettlementAccount = m.SettlementAccount[:len(m.SettlementAccount)-1] + string('0'+(last-'0'+1)%10)
			return m
		}(), 422, "invalid", []string{"settlement_account"}},
		{"ManyBadFieldsAtOnce", func() any {
			m := fixture.NewMerchant(e.w.Team1.ID, agent, nil)
			m.MCC, m.Latitude, m.LegalName, m.MID = "12", 95, "", "123"
			return m
		}(), 422, "invalid", []string{"mcc", "latitude", "legal_name", "mid"}},
		{"UnknownField", `{"legal_name":"x","hard_delete":true}`, 400, "bad_request", nil},
		{"NotJSON", `{"legal_name":`, 400, "bad_request", nil},
		{"TrailingData", `{} {}`, 400, "bad_request", nil},
		{"OversizedBody", `{"legal_name":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`, 413, "too_large", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, lang := range []string{"zh-CN,zh;q=0.9", "en-US,en;q=0.8"} {
				res := e.do("POST", "/api/v1/merchants", tok, c.body, "Accept-Language", lang)
				if res.status != c.status {
					t.Fatalf("status %d, want %d: %s", res.status, c.status, res.body)
				}
				var body httpapi.ErrorBody
				res.decode(t, &body)
				if body.Error.Code != c.code {
					t.Fatalf("code %q, want %q", body.Error.Code, c.code)
				}
				for _, f := range c.fields {
					msg, ok := body.Error.Fields[f]
					if !ok {
						t.Fatalf("field %q not named in %v", f, body.Error.Fields)
					}
					label := poscare.FieldLabel(f)
					want := label.Zh
					if strings.HasPrefix(lang, "en") {
						want = label.En
					}
					if !strings.Contains(msg, want) {
						t.Errorf("field %q message %q does not name the field as %q", f, msg, want)
					}
				}
				if len(c.fields) > 0 && len(body.Error.Fields) != len(c.fields) {
					t.Errorf("fields %v, want exactly %v", body.Error.Fields, c.fields)
				}
			}
		})
	}
	if after := count(); after != before {
		t.Fatalf("bad input wrote merchants: %d → %d", before, after)
	}
	t.Run("BadQueryParameter", func(t *testing.T) {
		res := e.do("GET", "/api/v1/merchants?limit=0", tok, nil)
		if res.status != 422 || !strings.Contains(string(res.body), `"limit"`) {
			t.Fatalf("limit=0: %d %s", res.status, res.body)
		}
		// A filter value that cannot exist is an error, not an empty list.
		for q, field := range map[string]string{"/api/v1/merchants?status=actve": "status", "/api/v1/merchants?archived=yes": "archived",
			"/api/v1/terminals?status=broken-ish": "status", "/api/v1/users?role=boss": "role",
			fmt.Sprintf("/api/v1/users/%d/removals?since=yesterday", agent): "since"} {
			for _, lang := range []string{"zh-CN", "en"} {
				res := e.do("GET", q, tok, nil, "Accept-Language", lang)
				var body httpapi.ErrorBody
				res.decode(t, &body)
				label := poscare.FieldLabel(field).Zh
				if lang == "en" {
					label = poscare.FieldLabel(field).En
				}
				if res.status != 422 || !strings.Contains(body.Error.Fields[field], label) {
					t.Errorf("%s (%s): %d %s, want 422 naming %q", q, lang, res.status, res.body, label)
				}
			}
		}
	})
	t.Run("RemovingContactDetailsNeedsAReason", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/contacts/%d", e.w.Contact.ID)
		var c poscare.Contact
		e.do("GET", path, tok, nil).decode(t, &c)
		live := len(c.Channels)
		c.Channels = c.Channels[:live-1]
		for _, lang := range []string{"zh-CN", "en"} {
			res := e.do("PUT", path, tok, c, "Accept-Language", lang)
			var body httpapi.ErrorBody
			res.decode(t, &body)
			label := map[string]string{"zh-CN": "原因", "en": "reason"}[lang]
			if res.status != 422 || len(body.Error.Fields) != 1 || !strings.Contains(body.Error.Fields["reason"], label) {
				t.Fatalf("%s: %d %s, want 422 naming the reason", lang, res.status, res.body)
			}
		}
		var got poscare.Contact
		e.do("GET", path, tok, nil).decode(t, &got)
		if len(got.Channels) != live {
			t.Fatalf("refused removal removed: %d of %d channels left", len(got.Channels), live)
		}
		c.Reason = "客户要求删除旧号码"
		res := e.do("PUT", path, tok, c)
		if res.status != 200 {
			t.Fatalf("with a reason: %d %s", res.status, res.body)
		}
		res.decode(t, &got)
		if len(got.RemovedChannels) != 1 || got.RemovedChannels[0].RemovedReason != c.Reason || got.Reason != "" {
			t.Fatalf("removed channels %+v, reason echoed %q", got.RemovedChannels, got.Reason)
		}
	})
	t.Run("NoTokenIs401", func(t *testing.T) {
		res := e.do("GET", "/api/v1/merchants", "", nil)
		if res.status != 401 {
			t.Fatalf("status %d", res.status)
		}
		res = e.do("GET", "/api/v1/merchants", "pc_forged", nil)
		if res.status != 401 {
			t.Fatalf("forged token: status %d", res.status)
		}
	})
}

// TestLogin covers tokens, logout, throttling and the audit of each.
func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.Stores(t)["sqlite"])
	login := func(l, p string) response {
		return e.do("POST", "/api/v1/auth/token", "", httpapi.TokenRequest{Login: l, Password: p})
	}
	t.Run("TokenWorksUntilLogout", func(t *testing.T) {
		res := login("agenta", fixture.Password)
		var tr httpapi.TokenResponse
		res.decode(t, &tr)
		if res.status != 200 || tr.Token == "" {
			t.Fatalf("login: %d %s", res.status, res.body)
		}
		if r := e.do("GET", "/api/v1/me", tr.Token, nil); r.status != 200 || !strings.Contains(string(r.body), `"agenta"`) {
			t.Fatalf("me: %d %s", r.status, r.body)
		}
		if r := e.do("POST", "/api/v1/auth/logout", tr.Token, nil); r.status != 200 {
			t.Fatalf("logout: %d", r.status)
		}
		if r := e.do("GET", "/api/v1/me", tr.Token, nil); r.status != 401 {
			t.Fatalf("token alive after logout: %d", r.status)
		}
	})
	t.Run("FailuresFromOneAddressDoNotShutOutColleagues", func(t *testing.T) {
		// An office behind one NAT: many failures from the address, then a
		// colleague logs in from it with the right password.
		for i := 0; i < 25; i++ {
			if res := login(fmt.Sprintf("nobody%d", i), "wrong-password"); res.status != 401 {
				t.Fatalf("attempt %d: %d", i, res.status)
			}
		}
		if res := login("tech", fixture.Password); res.status != 200 {
			t.Fatalf("a colleague's right password after others' failures: %d %s", res.status, res.body)
		}
	})
	t.Run("GuessingIsThrottledAlikeForEveryLogin", func(t *testing.T) {
		var first string
		for _, l := range []string{"lead1", "no.such.login"} {
			login(l, "wrong-password")
			login(l, "wrong-password")
			wrong, right := login(l, "wrong-password"), login(l, fixture.Password)
			got := fmt.Sprintf("%d %s | %d %s %s", wrong.status, wrong.body, right.status, right.header.Get("Retry-After"), right.body)
			if right.status != 429 || right.header.Get("Retry-After") == "" {
				t.Fatalf("%s: the right password at once after a wrong one: %s", l, got)
			}
			if first == "" {
				first = got
			} else if got != first {
				t.Fatalf("an unknown login answers\n%s\nunlike an existing one\n%s", got, first)
			}
		}
	})
	t.Run("FailuresAreAudited", func(t *testing.T) {
		tok := e.token(e.w.Users[poscare.RoleAuditor])
		res := e.do("GET", fmt.Sprintf("/api/v1/audit?entity=user&entity_id=%d", e.w.Users[poscare.RoleLead].ID), tok, nil)
		if !strings.Contains(string(res.body), `"login_failed"`) {
			t.Fatalf("no login_failed entry: %s", res.body)
		}
	})
}

// TestAgentCannotReachOtherPortfolio tries every read route of a merchant
// outside agent A's portfolio: each must answer 404, as for a missing one.
func TestAgentCannotReachOtherPortfolio(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			tok := e.token(e.w.Users[poscare.RoleAgent])
			other := e.w.OtherMerchant.ID
			for _, p := range []string{"/api/v1/merchants/%d", "/api/v1/merchants/%d/history", "/api/v1/merchants/%d/sensitive"} {
				if res := e.do("GET", fmt.Sprintf(p, other), tok, nil); res.status != 404 {
					t.Errorf("GET %s: %d %s", fmt.Sprintf(p, other), res.status, res.body)
				}
			}
			m := fixture.NewMerchant(e.w.Team2.ID, e.w.AgentB.ID, nil)
			m.ID = other
			if res := e.do("PUT", fmt.Sprintf("/api/v1/merchants/%d", other), tok, m); res.status != 404 {
				t.Errorf("PUT other merchant: %d", res.status)
			}
			if res := e.do("POST", fmt.Sprintf("/api/v1/merchants/%d/archive", other), tok, httpapi.ReasonBody{Reason: "删掉"}); res.status != 404 {
				t.Errorf("archive other merchant: %d", res.status)
			}
			for _, p := range []string{"contacts", "terminals", "applications", "contracts"} {
				res := e.do("GET", fmt.Sprintf("/api/v1/%s?merchant_id=%d", p, other), tok, nil)
				if res.status != 200 || !strings.Contains(string(res.body), `"items":[]`) {
					t.Errorf("list %s of other merchant: %d %s", p, res.status, res.body)
				}
			}
			res := e.do("GET", "/api/v1/merchants?limit=500", tok, nil)
			if strings.Contains(string(res.body), fmt.Sprintf(`"id":%d,`, other)) {
				t.Errorf("other merchant in agent's list")
			}
			res = e.do("GET", "/api/v1/merchants.csv", tok, nil)
			if res.status != 403 {
				t.Errorf("agent export: %d", res.status)
			}
		})
	}
}

// TestFullPageHasNextOffset: a page of the largest size still tells that
// another page follows (the store reads one row beyond the capped limit).
func TestFullPageHasNextOffset(t *testing.T) {
	t.Parallel()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "p.db"))
	e := newEnv(t, s)
	sys := poscare.SystemActor("t")
	for i := range 500 {
		if err := s.CreateTeam(context.Background(), sys, &poscare.Team{Name: fmt.Sprintf("拓展%03d组", i)}); err != nil {
			t.Fatal(err)
		}
	}
	tok := e.token(e.w.Users[poscare.RoleAdmin])
	var first, last httpapi.List[poscare.Team]
	e.do("GET", "/api/v1/teams?limit=500", tok, nil).decode(t, &first)
	if len(first.Items) != 500 || first.NextOffset == nil || *first.NextOffset != 500 {
		t.Fatalf("first page: %d items, next %v; want 500 and 500", len(first.Items), first.NextOffset)
	}
	e.do("GET", "/api/v1/teams?limit=500&offset=500", tok, nil).decode(t, &last)
	if len(last.Items) != 3 || last.NextOffset != nil {
		t.Fatalf("last page: %d items, next %v; want the fixture's 3 teams and no next", len(last.Items), last.NextOffset)
	}
}

// TestMerchantExport: the CSV export pages by key through more merchants
// than one page, writes each once, newest first, takes the list's
// filters, and records the export with its filter in the audit trail.
func TestMerchantExport(t *testing.T) {
	t.Parallel()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "x.db"))
	e := newEnv(t, s)
	ctx := context.Background()
	ops := e.w.Users[poscare.RoleOps]
	items := demo.NewGenerator(rand.New(rand.NewPCG(3, 3))).Merchants(1203, func(int) (int64, int64, *int64) {
		return e.w.Team1.ID, e.w.Users[poscare.RoleAgent].ID, nil
	})
	if err := s.CreateMerchants(ctx, fixture.Actor(ops), items); err != nil {
		t.Fatal(err)
	}
	tok := e.token(ops)
	// Pages of 50, so that every export below spans many of them.
	defer func(old int) { *httpapi.ExportPage = old }(*httpapi.ExportPage)
	*httpapi.ExportPage = 50
	export := func(query string) [][]string {
		t.Helper()
		res := e.do("GET", "/api/v1/merchants.csv"+query, tok, nil)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export%s: %d %s", query, res.status, res.body)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.body, []byte("\uFEFF")))).ReadAll()
		if err != nil || len(rows) == 0 || rows[0][0] != "id" {
			t.Fatalf("export%s is not CSV with a header: %v", query, err)
		}
		return rows[1:]
	}
	count := func(f poscare.MerchantFilter) int {
		n := 0
		for f.Limit, f.Offset = 500, 0; ; f.Offset += 500 {
			ms, err := s.ListMerchants(ctx, fixture.Actor(ops), f)
			if err != nil {
				t.Fatal(err)
			}
			n += min(len(ms), 500)
			if len(ms) <= 500 {
				return n
			}
		}
	}
	t.Run("EveryMerchantOnceNewestFirst", func(t *testing.T) {
		rows := export("")
		if want := count(poscare.MerchantFilter{}); len(rows) != want || want < 1203 {
			t.Fatalf("%d rows, want %d", len(rows), want)
		}
		last := int64(math.MaxInt64)
		for _, r := range rows {
			id, _ := strconv.ParseInt(r[0], 10, 64)
			if id >= last {
				t.Fatalf("id %d after %d: repeated or out of order", id, last)
			}
			last = id
		}
	})
	t.Run("TakesTheListFilters", func(t *testing.T) {
		rows := export("?type=micro&team_id=" + strconv.FormatInt(e.w.Team1.ID, 10))
		want := count(poscare.MerchantFilter{Type: poscare.MerchantMicro, TeamID: &e.w.Team1.ID})
		if len(rows) != want || want == 0 {
			t.Fatalf("%d micro rows, want %d", len(rows), want)
		}
		for _, r := range rows {
			if r[1] != string(poscare.MerchantMicro) || r[11] != strconv.FormatInt(e.w.Team1.ID, 10) {
				t.Fatalf("row outside the filter: %v", r)
			}
		}
		if res := e.do("GET", "/api/v1/merchants.csv?type=shop", tok, nil); res.status != 422 {
			t.Fatalf("bad type: %d %s", res.status, res.body)
		}
	})
	t.Run("SearchPagesByKeyToo", func(t *testing.T) {
		// The most common two-character fragment of the names, so that
		// the search spans pages.
		freq := map[string]int{}
		for _, it := range items {
			r := []rune(it.Merchant.LegalName)
			for i := 0; i+1 < len(r); i++ {
				freq[string(r[i:i+2])]++
			}
		}
		best := ""
		for k, n := range freq {
			if n > freq[best] || (n == freq[best] && k < best) {
				best = k
			}
		}
		rows := export("?q=" + url.QueryEscape(best))
		want := count(poscare.MerchantFilter{Q: best})
		if len(rows) != want || want < 2 {
			t.Fatalf("q=%s: %d rows, want %d", best, len(rows), want)
		}
		last := int64(math.MaxInt64)
		for _, r := range rows {
			id, _ := strconv.ParseInt(r[0], 10, 64)
			if id >= last || !strings.Contains(r[2]+r[4], best) {
				t.Fatalf("q=%s: row %v after id %d", best, r, last)
			}
			last = id
		}
		t.Logf("q=%s: %d rows", best, len(rows))
	})
	t.Run("RecordedWithItsFilter", func(t *testing.T) {
		es, err := s.AuditEntries(ctx, poscare.AuditFilter{Entity: poscare.EntityMerchant, EntityID: 0})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, en := range es {
			found = found || (en.Action == poscare.AuditExport && strings.Contains(string(en.After), `"type":"micro"`))
		}
		if !found {
			t.Fatal("no export entry naming its type filter")
		}
	})
}
