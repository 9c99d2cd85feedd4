package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent/apitoken"
	"github.com/phystack/managed-tenants-api/ent/user"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/auth"
)

// A Verifier remembers a verified token for its TTL: the token's deletion
// and the user's staff flag take effect within the TTL, expiry at once, and
// last_used_at is still written once a minute.
func TestVerifierRemembersTokensForItsTTL(t *testing.T) {
	t.Parallel()
	st, _, u := newUser(t)
	ctx := context.Background()
	tok, err := auth.Issue(ctx, st.Client, u.ID, "", time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	// Long enough that a loaded machine (CI, -race) reaches the first subtests
	// within it.
	const ttl = time.Second
	v := auth.NewVerifier(st.Client, 10, ttl)
	if _, err := v.Verify(ctx, tok, t0); err != nil {
		t.Fatal(err)
	}

	t.Run("expiry is checked on every request", func(t *testing.T) {
		if _, err := v.Verify(ctx, tok, t0.Add(time.Hour)); !errors.Is(err, apperr.ErrUnauthenticated) {
			t.Fatalf("Verify after expiry = %v, want ErrUnauthenticated", err)
		}
	})
	t.Run("last_used_at once a minute, cached or not", func(t *testing.T) {
		at := t0.Add(61 * time.Second)
		if _, err := v.Verify(ctx, tok, at); err != nil {
			t.Fatal(err)
		}
		row, err := st.Client.APIToken.Query().Where(apitoken.UserID(u.ID)).Only(sys)
		if err != nil {
			t.Fatal(err)
		}
		if row.LastUsedAt == nil || !row.LastUsedAt.Equal(at) {
			t.Fatalf("last_used_at = %v, want %v", row.LastUsedAt, at)
		}
	})
	t.Run("a deleted token and a new staff flag count after the TTL", func(t *testing.T) {
		if err := st.Client.User.Update().Where(user.ID(u.ID)).SetIsStaff(true).Exec(sys); err != nil {
			t.Fatal(err)
		}
		got, err := v.Verify(ctx, tok, t0)
		if err != nil || got.Staff {
			t.Fatalf("within the TTL: %+v, %v; want the remembered viewer", got, err)
		}
		time.Sleep(ttl + 50*time.Millisecond)
		if got, err = v.Verify(ctx, tok, t0); err != nil || !got.Staff {
			t.Fatalf("after the TTL: %+v, %v; want the staff flag", got, err)
		}
		if _, err := st.Client.APIToken.Delete().Where(apitoken.UserID(u.ID)).Exec(sys); err != nil {
			t.Fatal(err)
		}
		time.Sleep(ttl + 50*time.Millisecond)
		if _, err := v.Verify(ctx, tok, t0); !errors.Is(err, apperr.ErrUnauthenticated) {
			t.Fatalf("deleted token after the TTL: %v, want ErrUnauthenticated", err)
		}
	})
	t.Run("without a TTL every request reads the database", func(t *testing.T) {
		tok2, err := auth.Issue(ctx, st.Client, u.ID, "", time.Hour, t0)
		if err != nil {
			t.Fatal(err)
		}
		v0 := auth.NewVerifier(st.Client, 10, 0)
		if _, err := v0.Verify(ctx, tok2, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Client.APIToken.Delete().Where(apitoken.UserID(u.ID)).Exec(sys); err != nil {
			t.Fatal(err)
		}
		if _, err := v0.Verify(ctx, tok2, t0); !errors.Is(err, apperr.ErrUnauthenticated) {
			t.Fatalf("deleted token: %v, want ErrUnauthenticated", err)
		}
	})
}
