package server

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"net/http"

	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/requestid"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// authenticate puts the viewer of a valid bearer token in the context. A
// missing or bad token leaves none: @authenticated answers UNAUTHENTICATED.
func (s *Server) authenticate(verifier *auth.Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limited := func(key string) bool {
			return r.Method != http.MethodOptions && s.rateLimited(w, r, key)
		}
		// Only a verified token gets a bucket of its own; anything else
		// (no token, or one made up to dodge the limit) is charged to the
		// client's address.
		byAddr := "addr:" + clientAddr(r)
		token, present := auth.BearerToken(r.Header.Get("Authorization"))
		if !present {
			if !limited(byAddr) {
				next.ServeHTTP(w, r)
			}
			return
		}
		v, err := verifier.Verify(r.Context(), token, s.now())
		switch {
		case errors.Is(err, apperr.ErrUnauthenticated):
			if !limited(byAddr) {
				next.ServeHTTP(w, r)
			}
		case err != nil:
			// A client that went away while its token was looked up is
			// not a failure of ours: the request log says it (observe).
			if !errors.Is(r.Context().Err(), context.Canceled) {
				s.log.ErrorContext(r.Context(), "authenticate", "request_id", requestid.FromContext(r.Context()), "error", err.Error())
			}
			writeError(r.Context(), w, http.StatusServiceUnavailable, apperr.Internal, "internal error")
		case limited("token:" + hex.EncodeToString(auth.Hash(token))):
		default:
			info := infoFrom(r.Context())
			info.mu.Lock()
			info.viewerID = v.UserID
			info.mu.Unlock()
			next.ServeHTTP(w, r.WithContext(viewer.NewContext(r.Context(), v)))
		}
	})
}

// clientAddr is the peer's IP, for callers without a token.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
