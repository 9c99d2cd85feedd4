// Package auth issues and verifies bearer tokens. A token is 32 random bytes
// shown once to its owner; the database keeps only its SHA-256, an expiry and
// the last time it was used.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/apitoken"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/user"
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

// Verify returns the viewer of a token in one statement (the token joined
// with its user); the viewer's roles are read later, only for the tenants a
// request checks. Missing, unknown and expired tokens are all
// apperr.ErrUnauthenticated; database failures are returned as is.
func Verify(ctx context.Context, client *ent.Client, token string, now time.Time) (*viewer.Viewer, error) {
	if !wellFormed(token) {
		return nil, apperr.ErrUnauthenticated
	}
	t, err := lookup(ctx, client, Hash(token))
	if err != nil {
		return nil, err
	}
	return t.viewer(ctx, client, now)
}

func wellFormed(token string) bool {
	return strings.HasPrefix(token, Prefix) && len(token) <= 128
}

// tokenRow is a token with what a request needs of its user.
type tokenRow struct {
	ID         int          `sql:"id"`
	UserID     int          `sql:"user_id"`
	ExpiresAt  time.Time    `sql:"expires_at"`
	LastUsedAt sql.NullTime `sql:"last_used_at"`
	Email      string       `sql:"email"`
	IsStaff    bool         `sql:"is_staff"`

	mu sync.Mutex // guards LastUsedAt of a cached row
}

// lookup reads a token and its user in one statement.
func lookup(ctx context.Context, client *ent.Client, hash []byte) (*tokenRow, error) {
	var rows []*tokenRow
	err := client.APIToken.Query().
		Where(apitoken.TokenHash(hash)).
		Modify(func(s *entsql.Selector) {
			u := entsql.Table(user.Table)
			s.Join(u).On(s.C(apitoken.FieldUserID), u.C(user.FieldID))
			s.Select(s.C(apitoken.FieldID), s.C(apitoken.FieldUserID), s.C(apitoken.FieldExpiresAt),
				s.C(apitoken.FieldLastUsedAt), u.C(user.FieldEmail), u.C(user.FieldIsStaff))
		}).
		Scan(rule.SystemContext(ctx), &rows)
	switch {
	case err != nil:
		return nil, fmt.Errorf("auth: look up token: %w", err)
	case len(rows) != 1:
		return nil, apperr.ErrUnauthenticated
	}
	return rows[0], nil
}

// viewer checks the expiry, records the use (at most once a minute) and
// builds the request's viewer.
func (t *tokenRow) viewer(ctx context.Context, client *ent.Client, now time.Time) (*viewer.Viewer, error) {
	if !now.Before(t.ExpiresAt) {
		return nil, apperr.ErrUnauthenticated
	}
	t.mu.Lock()
	touch := !t.LastUsedAt.Valid || now.Sub(t.LastUsedAt.Time) >= touchEvery
	if touch {
		t.LastUsedAt = sql.NullTime{Time: now.UTC(), Valid: true}
	}
	t.mu.Unlock()
	if touch {
		// A failed touch must not fail the request.
		// One UPDATE, no read-back (UpdateOne would select the row again).
		_, _ = client.APIToken.Update().Where(apitoken.ID(t.ID)).SetLastUsedAt(now.UTC()).Save(rule.SystemContext(ctx))
	}
	userID := t.UserID
	return viewer.NewLazy(userID, t.Email, t.IsStaff, func(ctx context.Context, tenantIDs []int) (map[int]enums.Role, error) {
		ms, err := client.Membership.Query().
			Where(membership.UserID(userID), membership.TenantIDIn(tenantIDs...)).
			Select(membership.FieldTenantID, membership.FieldRole).
			All(rule.SystemContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("auth: load memberships: %w", err)
		}
		roles := make(map[int]enums.Role, len(ms))
		for _, m := range ms {
			roles[m.TenantID] = m.Role
		}
		return roles, nil
	}), nil
}

// Verifier is Verify with a short memory: a verified token is remembered for
// TTL, so a console or dashboard making several requests a second costs one
// token look-up per TTL instead of one per request. What is remembered never
// changes while the token exists (its owner and expiry), except the user's
// email and staff flag and the token's deletion: those take effect within
// TTL. Expiry is checked on every request; roles are never remembered (they
// are read per request); unknown tokens are not remembered.
type Verifier struct {
	client *ent.Client
	cache  *expirable.LRU[[sha256.Size]byte, *tokenRow]
}

// NewVerifier remembers up to size tokens for ttl each; ttl <= 0 remembers
// nothing.
func NewVerifier(client *ent.Client, size int, ttl time.Duration) *Verifier {
	v := &Verifier{client: client}
	if ttl > 0 && size > 0 {
		v.cache = expirable.NewLRU[[sha256.Size]byte, *tokenRow](size, nil, ttl)
	}
	return v
}

// Verify is Verify through the verifier's memory.
func (v *Verifier) Verify(ctx context.Context, token string, now time.Time) (*viewer.Viewer, error) {
	if !wellFormed(token) {
		return nil, apperr.ErrUnauthenticated
	}
	if v.cache == nil {
		return Verify(ctx, v.client, token, now)
	}
	key := sha256.Sum256([]byte(token))
	t, ok := v.cache.Get(key)
	if !ok {
		var err error
		if t, err = lookup(ctx, v.client, key[:]); err != nil {
			return nil, err
		}
		v.cache.Add(key, t)
	}
	return t.viewer(ctx, v.client, now)
}
