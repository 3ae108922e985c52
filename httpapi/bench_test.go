package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"poscare/httpapi"
	"poscare/internal/benchdb"
)

// BenchmarkExportMerchants1M exports every merchant of the
// 1,000,000-merchant database as CSV through the real handler, as ops.
// One op is one whole export; paging by key keeps the last page as cheap
// as the first.
func BenchmarkExportMerchants1M(b *testing.B) {
	if testing.Short() {
		b.Skip("needs the 1,000,000-merchant database")
	}
	s, ops := benchdb.Million(b)
	token, err := s.IssueToken(context.Background(), ops.UserID)
	if err != nil {
		b.Fatal(err)
	}
	api := httpapi.New(s, nil, "bench")
	for b.Loop() {
		req := httptest.NewRequest("GET", "/api/v1/merchants.csv", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := &lineCounter{header: http.Header{}}
		api.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("export: %d", w.code)
		}
		if rows := w.lines - 1; rows < 1_000_000 {
			b.Fatalf("exported %d rows, want at least 1,000,000", rows)
		}
	}
}

// lineCounter is a response writer that streams the body away, counting
// lines, as a client reading the download would: a recorder holding the
// whole 200 MB body would measure its own buffer growth.
type lineCounter struct {
	header http.Header
	code   int
	lines  int
}

func (w *lineCounter) Header() http.Header { return w.header }

func (w *lineCounter) WriteHeader(code int) { w.code = code }

func (w *lineCounter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.lines += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

// BenchmarkContinuity1M reads the continuity dashboard of the
// 1,000,000-merchant database through the API, as ops: one op is one GET
// /api/v1/continuity. The coverage is read from the merchant holdings the
// writes keep, so the first view costs what every other does.
func BenchmarkContinuity1M(b *testing.B) {
	if testing.Short() {
		b.Skip("needs the 1,000,000-merchant database")
	}
	s, ops := benchdb.Million(b)
	token, err := s.IssueToken(context.Background(), ops.UserID)
	if err != nil {
		b.Fatal(err)
	}
	api := httpapi.New(s, nil, "bench")
	for b.Loop() {
		req := httptest.NewRequest("GET", "/api/v1/continuity", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"merchants_without_backup"`)) {
			b.Fatalf("continuity: %d %.200s", rec.Code, rec.Body.String())
		}
	}
}
