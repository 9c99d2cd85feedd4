package server

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the collectors behind /metrics, on a registry of the server's
// own (tests run many servers in one process).
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	sqlStmts prometheus.Histogram
	ops      *prometheus.CounterVec
	opTime   *prometheus.HistogramVec
	errs     *prometheus.CounterVec
	roots    *prometheus.CounterVec
}

func newMetrics(db *sql.DB) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phystack_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "phystack_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		sqlStmts: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "phystack_sql_statements_per_request",
			Help:    "SQL statements sent to the database per GraphQL request.",
			Buckets: []float64{0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 50, 100},
		}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phystack_graphql_operations_total", Help: "GraphQL operations by operation name.",
		}, []string{"operation"}),
		opTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "phystack_graphql_operation_duration_seconds", Help: "GraphQL request latency by operation name.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phystack_graphql_errors_total", Help: "GraphQL errors by extensions.code.",
		}, []string{"code"}),
		roots: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phystack_graphql_root_fields_total",
			Help: "Query root fields by who answered: compiled (the compiled read path), unsupported or fallback (gqlgen's executor).",
		}, []string{"path"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.sqlStmts, m.ops, m.opTime, m.errs, m.roots,
		collectors.NewDBStatsCollector(db, "phystack"),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// operationLabel bounds the label's values: names clients send are free
// text, so only plain identifiers of modest length are kept.
func operationLabel(name string) string {
	if name == "" {
		return "anonymous"
	}
	if len(name) > 64 {
		return "other"
	}
	for _, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "other"
		}
	}
	return name
}
