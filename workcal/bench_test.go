package workcal_test

import (
	"testing"
	"time"

	"poscare/workcal"
)

// BenchmarkRecomputeDeadlines is the SLA re-computation's calendar work:
// three deadlines (first response 2 h, update 8 h, resolution 40 working
// hours) for each of 1,000,000 open tickets opened over the last year, on
// China's calendar.
func BenchmarkRecomputeDeadlines(b *testing.B) {
	hours, _ := workcal.ParseWindows("09:00-12:00,13:30-18:00")
	cal, err := workcal.New(workcal.Config{Zone: shanghai, Hours: hours, Holidays: workcal.China()})
	if err != nil {
		b.Fatal(err)
	}
	const tickets = 1_000_000
	opened := make([]time.Time, tickets)
	base := at("2025-12-01 00:00")
	for i := range opened {
		opened[i] = base.Add(time.Duration(i) * (365 * 24 * time.Hour / tickets))
	}
	b.ResetTimer()
	for range b.N {
		for _, o := range opened {
			_ = cal.Add(o, 2*time.Hour)
			_ = cal.Add(o, 8*time.Hour)
			_ = cal.Add(o, 40*time.Hour)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/1M-tickets")
}
