package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/requestid"
	"github.com/phystack/managed-tenants-api/internal/sqlcount"
)

// reqInfo collects, for the request log and metrics, what inner layers
// learn: the viewer and the GraphQL operation.
type reqInfo struct {
	mu        sync.Mutex
	viewerID  int
	operation string
}

type reqInfoKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	if i == nil {
		return &reqInfo{}
	}
	return i
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id, logs it and records metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestid.New()
		w.Header().Set("X-Request-Id", id)
		ctx := requestid.NewContext(r.Context(), id)
		ctx, stmts := sqlcount.NewContext(ctx)
		info := &reqInfo{}
		ctx = context.WithValue(ctx, reqInfoKey{}, info)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		route := r.URL.Path
		switch route {
		case "/", "/query", InvoiceCSVPath, "/healthz", "/readyz", "/metrics":
		default:
			route = "other"
		}
		d := time.Since(start)
		status := strconv.Itoa(sw.status)
		// A client that disconnected is counted apart (not by the status
		// nobody received) and logged once, at info level, by this line.
		canceled := errors.Is(r.Context().Err(), context.Canceled)
		if canceled {
			status = "canceled"
		}
		s.metrics.requests.WithLabelValues(route, status).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(d.Seconds())
		info.mu.Lock()
		op, viewerID := info.operation, info.viewerID
		info.mu.Unlock()
		attrs := []slog.Attr{
			slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		}
		if canceled {
			attrs = append(attrs, slog.Bool("canceled", true))
		}
		if route == "/query" {
			s.metrics.sqlStmts.Observe(float64(stmts.Load()))
			label := operationLabel(op)
			s.metrics.ops.WithLabelValues(label).Inc()
			s.metrics.opTime.WithLabelValues(label).Observe(d.Seconds())
			attrs = append(attrs, slog.String("operation", op), slog.Int64("sql_statements", stmts.Load()))
		}
		if viewerID != 0 {
			attrs = append(attrs, slog.String("viewer_id", gid.Encode(viewerID)))
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	})
}

// observeResponse is the GraphQL side of observe: it tells the request log
// the operation, counts errors by code and, with Debug, adds the SQL
// statement count to the response's extensions.
func (s *Server) observeResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	res := next(ctx)
	// Requests that fail before parsing (bad JSON) have no operation.
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		info := infoFrom(ctx)
		info.mu.Lock()
		info.operation = oc.OperationName
		info.mu.Unlock()
	}
	if res == nil {
		return res
	}
	// The errors of a canceled request are the client's leaving, not
	// failures: observe counts the request as canceled instead.
	for _, e := range res.Errors {
		if errors.Is(ctx.Err(), context.Canceled) {
			break
		}
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			code = "OTHER"
		}
		s.metrics.errs.WithLabelValues(code).Inc()
	}
	if c := sqlcount.FromContext(ctx); s.Debug && c != nil {
		if res.Extensions == nil {
			res.Extensions = map[string]any{}
		}
		res.Extensions["sqlStatements"] = c.Load()
	}
	return res
}

// whenReady answers 503 at once while the database has not been reached.
func (s *Server) whenReady(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			w.Header().Set("Retry-After", "1")
			writeError(r.Context(), w, http.StatusServiceUnavailable, apperr.Internal, "the service is starting; try again shortly")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies over MaxBodyBytes (413) and bounds the request's
// time, database included.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.Config.MaxBodyBytes {
			writeError(r.Context(), w, http.StatusRequestEntityTooLarge, apperr.BadUserInput,
				fmt.Sprintf("the request body is over %d bytes", s.Config.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.Config.MaxBodyBytes)
		if s.Config.RequestTimeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), s.Config.RequestTimeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

func writeError(ctx context.Context, w http.ResponseWriter, status int, code apperr.Code, msg string) {
	if wantsRESTErrors(ctx) {
		writeRESTError(w, status, code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message":    msg,
		"extensions": map[string]any{"code": string(code), "requestId": requestid.FromContext(ctx)},
	}}})
}

// gzipFast compresses GraphQL responses at the fastest level: a dashboard's
// JSON (~350 kB, very repetitive) still shrinks about 40x, at a fraction of
// the CPU of the default level (measured: ~18 ms less per dashboard).
var gzipFast = func() func(http.Handler) http.HandlerFunc {
	w, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(gzip.BestSpeed))
	if err != nil {
		panic(err) // only for invalid options
	}
	return w
}()
