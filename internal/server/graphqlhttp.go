package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// requestErrors brings gqlgen's answers to request errors (parse, validation
// and variable coercion failures, which it sends as 422 or 400 with
// "data": null)
// in line with the GraphQL-over-HTTP spec: 200 under application/json, 400
// without a data entry under application/graphql-response+json. Other
// responses pass through unbuffered.
func requestErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &requestErrorWriter{ResponseWriter: w}
		next.ServeHTTP(rw, r)
		rw.finish()
	})
}

type requestErrorWriter struct {
	http.ResponseWriter
	intercepted bool
	status      int
	buf         bytes.Buffer
}

func (w *requestErrorWriter) WriteHeader(code int) {
	if code == http.StatusUnprocessableEntity || code == http.StatusBadRequest {
		w.intercepted, w.status = true, code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *requestErrorWriter) Write(b []byte) (int, error) {
	if w.intercepted {
		return w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *requestErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *requestErrorWriter) finish() {
	if !w.intercepted {
		return
	}
	body := w.buf.Bytes()
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/graphql-response+json") {
		status := w.status
		if status == http.StatusUnprocessableEntity {
			status = http.StatusOK
		}
		w.ResponseWriter.WriteHeader(status)
		_, _ = w.ResponseWriter.Write(body)
		return
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(body, &res); err == nil {
		if d, ok := res["data"]; ok && string(bytes.TrimSpace(d)) == "null" {
			delete(res, "data")
			if b, err := json.Marshal(res); err == nil {
				body = b
			}
		}
	}
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(http.StatusBadRequest)
	_, _ = w.ResponseWriter.Write(body)
}
