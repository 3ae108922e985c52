package httpapi

import (
	"slices"
	"sync"
)

// QueryReads records, for each route ("GET /api/v1/merchants"), the query
// parameters its handler read, so that the route tests can hold them
// against the route's declared Query.
type QueryReads struct {
	mu   sync.Mutex
	seen map[string]map[string]bool
}

// RecordQueryReads makes s report every query parameter its handlers read.
// Call it before s serves a request.
func RecordQueryReads(s *Server) *QueryReads {
	qr := &QueryReads{seen: map[string]map[string]bool{}}
	s.queryRead = func(route, name string) {
		qr.mu.Lock()
		defer qr.mu.Unlock()
		if qr.seen[route] == nil {
			qr.seen[route] = map[string]bool{}
		}
		qr.seen[route][name] = true
	}
	return qr
}

// Read returns the names read so far by the handler of route, sorted.
func (qr *QueryReads) Read(route string) []string {
	qr.mu.Lock()
	defer qr.mu.Unlock()
	var names []string
	for n := range qr.seen[route] {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Routes returns the routes whose handlers read any query parameter.
func (qr *QueryReads) Routes() []string {
	qr.mu.Lock()
	defer qr.mu.Unlock()
	var routes []string
	for r := range qr.seen {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	return routes
}

// ExportPage lets tests make the merchant export read small pages.
var ExportPage = &exportPage
