package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"poscare"
	"poscare/console"
	"poscare/httpapi"
	"poscare/observe"
)

// observeOptions are serve's settings for logs and metrics.
var observeOptions = []string{"log-format", "metrics-listen"}

// rootHandler is what the main address serves: the API, the console,
// /healthz, /readyz, and /metrics for admin and ops tokens, every request
// with its request id, counted and logged once.
func rootHandler(api *httpapi.Server, web *console.Console, m *observe.Metrics, ready *observe.Readiness, logger *slog.Logger) http.Handler {
	root := http.NewServeMux()
	root.Handle("/api/", api)
	root.Handle("/healthz", api)
	root.Handle("GET /readyz", ready)
	root.Handle("GET /metrics", api.Restrict(poscare.EntityMetrics, m.Handler()))
	root.Handle("/", web)
	return m.Instrument(logger, root)
}

// serveMetrics serves /metrics and /readyz without a token on addr, when
// one is set, until the returned stop is called.
func serveMetrics(addr string, m *observe.Metrics, ready *observe.Readiness, logger *slog.Logger, stdout io.Writer) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("GET /readyz", ready)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
	fmt.Fprintf(stdout, "poscare metrics on http://%s/metrics\n", ln.Addr())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// listenAddress accepts host:port (the host may be empty: every
// interface) with a port number.
func listenAddress(v string) error {
	if v == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		return errors.New("must be host:port, such as 127.0.0.1:9090 or :9090")
	}
	return nil
}
