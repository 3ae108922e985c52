package observe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// RequestIDHeader carries a request's id, in and out.
const RequestIDHeader = "X-Request-Id"

// requestInfo is what the middleware learns about a request as it is
// served: its id, and who it turned out to be from.
type requestInfo struct {
	id   string
	user atomic.Int64
}

type infoKey struct{}

// RequestID returns the id of the request ctx belongs to, or "" outside
// of Instrument.
func RequestID(ctx context.Context) string {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

// SetUser tells the access log which user a request authenticated as.
// The handler that authenticates calls it; outside of Instrument it does
// nothing.
func SetUser(ctx context.Context, userID int64) {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		info.user.Store(userID)
	}
}

// maxRequestIDLen is the longest incoming request id taken as it is.
const maxRequestIDLen = 64

// requestID is the caller's id when it is short and made of letters,
// digits, '-', '_' and '.' only (a proxy's or a client's, for following a
// request across systems), else a fresh random one. Nothing else reaches
// the logs or the response.
func requestID(incoming string) string {
	if n := len(incoming); n > 0 && n <= maxRequestIDLen {
		ok := true
		for i := 0; i < n && ok; i++ {
			c := incoming[i]
			ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
		}
		if ok {
			return incoming
		}
	}
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Instrument serves next with a request id (in the context and the
// X-Request-Id response header), counts the request by the pattern of the
// route that served it and its status, and writes one access-log line.
//
// The route is the innermost ServeMux pattern that matched
// ("GET /api/v1/merchants/{id}"), never the path, so the series stay as
// many as the routes; a request no pattern took is "unmatched". The line
// holds the method, route, status, bytes, duration, request id and, once
// authenticated, the user id: never the path's query, a header, a token
// or a body.
func (m *Metrics) Instrument(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: requestID(r.Header.Get(RequestIDHeader))}
		w.Header().Set(RequestIDHeader, info.id)
		// The muxes below set the pattern on this very request.
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		rec := &recorder{ResponseWriter: w}
		finished := false
		defer func() {
			status := rec.status
			switch {
			case !finished:
				status = http.StatusInternalServerError // the handler panicked
			case status == 0:
				status = http.StatusOK
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			took := time.Since(start)
			m.requests.WithLabelValues(route, statusLabel(status)).Inc()
			m.requestDuration.WithLabelValues(route).Observe(took.Seconds())
			if !logger.Enabled(r.Context(), slog.LevelInfo) {
				return // the line would be dropped: do not build it
			}
			attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", route), slog.Int("status", status),
				slog.Int64("bytes", rec.bytes), slog.Float64("duration_ms", float64(took.Microseconds())/1000), slog.String("request_id", info.id)}
			if u := info.user.Load(); u != 0 {
				attrs = append(attrs, slog.Int64("user_id", u))
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
		finished = true
	})
}

// recorder notes the status and the size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush passes a flush on (streamed exports).
func (w *recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
