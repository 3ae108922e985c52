package observe

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// TestPanicIsLoggedAs500: a handler that panics still gets its access
// line and its count, as the 500 net/http answers with, and the panic
// goes on up to net/http.
func TestPanicIsLoggedAs500(t *testing.T) {
	var log bytes.Buffer
	m := New("test")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom/{id}", func(http.ResponseWriter, *http.Request) { panic("boom") })
	h := m.Instrument(slog.New(slog.NewTextHandler(&log, nil)), mux)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/boom/3", nil))
	}()
	if !strings.Contains(log.String(), `route="GET /boom/{id}" status=500`) {
		t.Errorf("access line: %s", log.String())
	}
	var d dto.Metric
	if err := m.requests.WithLabelValues("GET /boom/{id}", "500").Write(&d); err != nil || d.GetCounter().GetValue() != 1 {
		t.Errorf("counted %v (%v)", d.GetCounter().GetValue(), err)
	}
}

// TestFlushReachesTheConnection: a handler streaming through
// http.ResponseController still flushes behind the recorder.
func TestFlushReachesTheConnection(t *testing.T) {
	m := New("test")
	rec := httptest.NewRecorder()
	m.Instrument(slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("part"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Error(err)
		}
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !rec.Flushed {
		t.Error("not flushed")
	}
}
