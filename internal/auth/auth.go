// Package auth issues and verifies bearer tokens. A token is 32 random bytes
// shown once to its owner; the database keeps only its SHA-256, an expiry and
// the last time it was used.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/apitoken"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// Prefix marks Phystack tokens so that leaked ones are easy to scan for.
const Prefix = "phy_"

// DefaultTTL is the lifetime of a token minted without one.
const DefaultTTL = 90 * 24 * time.Hour

// touchEvery bounds how often last_used_at is written: once a minute per
// token is precise enough and keeps reads from becoming writes.
const touchEvery = time.Minute

// Hash is the stored form of a token.
func Hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Issue mints a token for userID valid for ttl, stores its hash and returns
// the token, which is never stored or shown again.
func Issue(ctx context.Context, client *ent.Client, userID int, label string, ttl time.Duration, now time.Time) (string, error) {
	if ttl <= 0 {
		return "", errors.New("auth: ttl must be positive")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("auth: random: %w", err)
	}
	token := Prefix + base64.RawURLEncoding.EncodeToString(raw[:])
	err := client.APIToken.Create().
		SetUserID(userID).
		SetTokenHash(Hash(token)).
		SetLabel(label).
		SetCreatedAt(now.UTC()).
		SetExpiresAt(now.UTC().Add(ttl)).
		Exec(rule.SystemContext(ctx))
	if err != nil {
		return "", fmt.Errorf("auth: store token: %w", err)
	}
	return token, nil
}

// BearerToken extracts the token of an Authorization header; ok is false
// when the header is absent.
func BearerToken(header string) (token string, ok bool) {
	if header == "" {
		return "", false
	}
	scheme, tok, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// Verify returns the viewer of a token. Missing, unknown and expired tokens
// are all apperr.ErrUnauthenticated; database failures are returned as is.
func Verify(ctx context.Context, client *ent.Client, token string, now time.Time) (*viewer.Viewer, error) {
	if !strings.HasPrefix(token, Prefix) || len(token) > 128 {
		return nil, apperr.ErrUnauthenticated
	}
	sys := rule.SystemContext(ctx)
	t, err := client.APIToken.Query().
		Where(apitoken.TokenHash(Hash(token))).
		WithUser().
		Only(sys)
	switch {
	case ent.IsNotFound(err):
		return nil, apperr.ErrUnauthenticated
	case err != nil:
		return nil, fmt.Errorf("auth: look up token: %w", err)
	case !now.Before(t.ExpiresAt):
		return nil, apperr.ErrUnauthenticated
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
		// A failed touch must not fail the request.
		// One UPDATE, no read-back (UpdateOne would select the row again).
		_, _ = client.APIToken.Update().Where(apitoken.ID(t.ID)).SetLastUsedAt(now.UTC()).Save(sys)
	}
	ms, err := client.Membership.Query().
		Where(membership.UserID(t.UserID)).
		Select(membership.FieldTenantID, membership.FieldRole).
		All(sys)
	if err != nil {
		return nil, fmt.Errorf("auth: load memberships: %w", err)
	}
	roles := make(map[int]enums.Role, len(ms))
	for _, m := range ms {
		roles[m.TenantID] = m.Role
	}
	u := t.Edges.User
	return viewer.New(u.ID, u.Email, u.IsStaff, roles), nil
}
