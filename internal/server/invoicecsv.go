package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/billing"
	"github.com/phystack/managed-tenants-api/internal/requestid"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// InvoiceCSVPath is the invoice export (SPEC 11).
const InvoiceCSVPath = "/invoices.csv"

// invoiceCSV answers GET /invoices.csv?partnerId=<id>&period=YYYY-MM with
// the partner's invoice as CSV: the same billing.Service.PartnerInvoice as
// the GraphQL partnerInvoice (so the same access, order and amounts),
// written by billing.WriteCSV. Failures answer {"error": {code, message}}
// with the codes graph.Classify gives the GraphQL answer.
func (s *Server) invoiceCSV(invoices *billing.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeRESTError(w, http.StatusMethodNotAllowed, apperr.BadUserInput, "only GET is allowed here")
			return
		}
		if viewer.FromContext(ctx) == nil {
			s.answerError(ctx, w, apperr.ErrUnauthenticated)
			return
		}
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			writeRESTError(w, http.StatusBadRequest, apperr.BadUserInput, "the query string is malformed")
			return
		}
		partner, period := q["partnerId"], q["period"]
		switch {
		case len(partner) != 1 || partner[0] == "":
			writeRESTError(w, http.StatusBadRequest, apperr.BadUserInput, "give partnerId exactly once")
			return
		case len(period) != 1:
			writeRESTError(w, http.StatusBadRequest, apperr.BadUserInput, "give period exactly once, as YYYY-MM")
			return
		}
		// A malformed id decodes to gid.Invalid and is then NOT_FOUND, like
		// an id that names nothing; access is decided before the period
		// is read, as for partnerInvoice.
		inv, err := invoices.PartnerInvoice(ctx, gid.Decode(partner[0]), period[0])
		if err != nil {
			s.answerError(ctx, w, err)
			return
		}
		var body bytes.Buffer
		if err := billing.WriteCSV(&body, inv); err != nil {
			s.answerError(ctx, w, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="invoice-`+inv.Period.String()+`.csv"`)
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(body.Bytes())
	})
}

// answerError answers err with the status of its code (graph.Classify);
// an internal failure is logged with the request id and told no detail.
func (s *Server) answerError(ctx context.Context, w http.ResponseWriter, err error) {
	code, msg := graph.Classify(err)
	if code == "" {
		code, msg = apperr.Internal, "internal error"
	}
	if code == apperr.Internal && !graph.Canceled(ctx, err) {
		s.log.ErrorContext(ctx, "internal error", "request_id", requestid.FromContext(ctx), "error", err.Error())
	}
	if code == apperr.Unauthenticated {
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	writeRESTError(w, statusOf(code), code, msg)
}

// statusOf is the HTTP status of an error code outside GraphQL.
func statusOf(code apperr.Code) int {
	switch code {
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.BadUserInput:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// restErrorBody is the error answer of the HTTP routes that are not
// GraphQL: {"error": {"code": ..., "message": ...}}. It carries nothing that
// differs between two requests (the request id is in X-Request-Id), so a
// hidden partner's 404 is byte for byte an unknown one's.
type restErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeRESTError(w http.ResponseWriter, status int, code apperr.Code, msg string) {
	var b restErrorBody
	b.Error.Code, b.Error.Message = string(code), msg
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "<token>" reads as written
	_ = enc.Encode(b)
}

type restErrorsKey struct{}

// restErrors makes the middleware's own refusals (429, 413, 503) on a
// route answer in the REST shape rather than GraphQL's.
func restErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), restErrorsKey{}, true)))
	})
}

func wantsRESTErrors(ctx context.Context) bool {
	b, _ := ctx.Value(restErrorsKey{}).(bool)
	return b
}
