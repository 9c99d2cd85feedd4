package graph

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"

	"entgo.io/ent/privacy"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/requestid"
)

// ErrorPresenter is the one place where errors become GraphQL errors: typed
// errors keep their code; not-found and privacy denials are NOT_FOUND (a
// hidden object looks exactly like a missing one); anything else is logged
// with the request id and answered as INTERNAL without detail.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if Canceled(ctx, err) {
			// The client went away: nobody reads this answer, and one
			// dropped dashboard would log an error per field. The request
			// log says it once (server.observe).
			out := &gqlerror.Error{Message: "internal error", Path: gqlErr.Path, Locations: gqlErr.Locations, Err: err}
			out.Extensions = map[string]any{"code": string(apperr.Internal)}
			return withRequestID(ctx, out)
		}
		code, msg := Classify(err)
		if code == "" {
			// gqlgen's own request errors (parse, validation) keep theirs.
			return withRequestID(ctx, gqlErr)
		}
		if code == apperr.Internal {
			log.ErrorContext(ctx, "internal error", "request_id", requestid.FromContext(ctx),
				"path", gqlErr.Path.String(), "error", err.Error())
		}
		out := &gqlerror.Error{Message: msg, Path: gqlErr.Path, Locations: gqlErr.Locations, Err: err}
		out.Extensions = map[string]any{"code": string(code)}
		return withRequestID(ctx, out)
	}
}

// Canceled: the request's client disconnected (its context was canceled),
// whatever error that caused below (database/sql returns ctx.Err(); lib/pq
// its own "canceling statement" error). Not a failure of ours: not logged
// as an error (the request log line says it once).
func Canceled(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled)
}

func withRequestID(ctx context.Context, e *gqlerror.Error) *gqlerror.Error {
	if id := requestid.FromContext(ctx); id != "" {
		if e.Extensions == nil {
			e.Extensions = map[string]any{}
		}
		e.Extensions["requestId"] = id
	}
	return e
}

// Classify returns the code and caller-safe message of err; "" leaves a
// gqlgen request error as it is. The GraphQL error presenter and the
// invoice export (internal/server) both answer with it, so one failure has
// one code on every path in.
func Classify(err error) (apperr.Code, string) {
	var e *apperr.Error
	switch {
	case errors.As(err, &e):
		return e.Code, e.Message
	case errors.Is(err, rule.ErrNoViewer):
		return apperr.Unauthenticated, apperr.ErrUnauthenticated.Message
	case ent.IsNotFound(err), errors.Is(err, privacy.Deny):
		return apperr.NotFound, apperr.ErrNotFound.Message
	}
	// A resolver returned null for a non-null field: a bug of ours, not
	// the caller's input.
	var invalidNull *graphql.InvalidNullError
	if errors.As(err, &invalidNull) {
		return apperr.Internal, "internal error"
	}
	// gqlgen wraps every resolver error in a *gqlerror.Error (Err set), so
	// only a gqlerror *leaf* is gqlgen's or entgql's own request error
	// (argument coercion, pagination arguments); anything else under it is
	// an internal failure, whose text must not reach the caller.
	if leaf := gqlLeaf(err); leaf != nil {
		switch code, _ := leaf.Extensions["code"].(string); code {
		case "":
			return apperr.BadUserInput, leaf.Message
		case string(apperr.NotFound):
			// entgql's node-not-found echoes the raw id: one message for all.
			return apperr.NotFound, apperr.ErrNotFound.Message
		case "COMPLEXITY_LIMIT_EXCEEDED":
			// An abuse limit, like depth and page size: the caller's to fix.
			return apperr.BadUserInput, leaf.Message
		default:
			return "", ""
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return apperr.Internal, "the request took too long and was stopped"
	}
	return apperr.Internal, "internal error"
}

// gqlLeaf returns the innermost *gqlerror.Error of err's chain if it wraps
// nothing itself.
func gqlLeaf(err error) *gqlerror.Error {
	var last *gqlerror.Error
	for e := err; e != nil; e = errors.Unwrap(e) {
		if g, ok := e.(*gqlerror.Error); ok {
			last = g
		}
	}
	if last != nil && last.Err == nil {
		return last
	}
	return nil
}

// Recover turns a panic in a resolver into an INTERNAL error, logged with its
// stack and the request id; the caller sees neither.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "request_id", requestid.FromContext(ctx),
			"panic", p, "stack", string(debug.Stack()))
		return &apperr.Error{Code: apperr.Internal, Message: "internal error"}
	}
}
