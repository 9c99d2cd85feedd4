package auth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/apitoken"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var sys = rule.SystemContext(context.Background())

// t0 is a fixed instant, whole seconds, so stored times compare exactly.
var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func newUser(t *testing.T) (*store.Store, *testkit.Fixture, *ent.User) {
	t.Helper()
	st := testkit.Store(t)
	f := testkit.NewFixture(t, st.Client)
	return st, f, f.User("ada@example.com")
}

// rawTokenRows reads every column of every api_tokens row as the database
// holds it, bypassing ent.
func rawTokenRows(t *testing.T, st *store.Store) []map[string][]byte {
	t.Helper()
	rows, err := st.DB.Query(`SELECT * FROM api_tokens`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string][]byte
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string][]byte{}
		for i, c := range cols {
			switch v := vals[i].(type) {
			case nil:
				row[c] = nil
			case []byte:
				row[c] = append([]byte(nil), v...)
			case string:
				row[c] = []byte(v)
			default:
				row[c] = []byte(fmt.Sprint(v))
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIssueStoresOnlyTheHash(t *testing.T) {
	t.Parallel()
	st, _, u := newUser(t)
	tok, err := auth.Issue(context.Background(), st.Client, u.ID, "laptop", 2*time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, auth.Prefix) {
		t.Fatalf("token %q lacks the %q prefix", tok, auth.Prefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, auth.Prefix))
	if err != nil {
		t.Fatalf("token body is not base64url: %v", err)
	}
	if len(raw) != 32 {
		t.Fatalf("token carries %d random bytes, want 32", len(raw))
	}

	rows := rawTokenRows(t, st)
	if len(rows) != 1 {
		t.Fatalf("%d api_tokens rows, want 1", len(rows))
	}
	row := rows[0]
	sum := sha256.Sum256([]byte(tok))
	if !bytes.Equal(row["token_hash"], sum[:]) {
		t.Fatalf("token_hash = %x, want sha256(token) = %x", row["token_hash"], sum)
	}
	if !bytes.Equal(auth.Hash(tok), sum[:]) {
		t.Fatalf("auth.Hash disagrees with SHA-256")
	}
	body := strings.TrimPrefix(tok, auth.Prefix)
	for col, v := range row {
		for _, secret := range [][]byte{[]byte(tok), []byte(body), raw,
			[]byte(base64.StdEncoding.EncodeToString(raw)), []byte(fmt.Sprintf("%x", raw))} {
			if len(v) > 0 && bytes.Contains(v, secret) {
				t.Fatalf("column %s holds the token (or its random bytes): %q", col, v)
			}
		}
	}

	row2, err := st.Client.APIToken.Query().Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	if row2.UserID != u.ID || row2.Label != "laptop" || row2.LastUsedAt != nil {
		t.Fatalf("row = %+v", row2)
	}
	if !row2.CreatedAt.Equal(t0) || !row2.ExpiresAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("created %v expires %v, want %v and %v", row2.CreatedAt, row2.ExpiresAt, t0, t0.Add(2*time.Hour))
	}
}

func TestIssueTokensDiffer(t *testing.T) {
	t.Parallel()
	st, _, u := newUser(t)
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		tok, err := auth.Issue(context.Background(), st.Client, u.ID, "", time.Hour, t0)
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
	}
	n, err := st.Client.APIToken.Query().Count(sys)
	if err != nil || n != 20 {
		t.Fatalf("%d rows, %v; want 20", n, err)
	}
	// Every one verifies as the same user.
	for tok := range seen {
		v, err := auth.Verify(context.Background(), st.Client, tok, t0)
		if err != nil || v.UserID != u.ID {
			t.Fatalf("Verify = %+v, %v", v, err)
		}
	}
}

func TestIssueRefusesNonPositiveTTL(t *testing.T) {
	t.Parallel()
	st, _, u := newUser(t)
	for _, ttl := range []time.Duration{0, -time.Second} {
		if tok, err := auth.Issue(context.Background(), st.Client, u.ID, "", ttl, t0); err == nil {
			t.Fatalf("ttl %v: issued %q", ttl, tok)
		}
	}
	if n, _ := st.Client.APIToken.Query().Count(sys); n != 0 {
		t.Fatalf("%d rows stored", n)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	st, f, u := newUser(t)
	ctx := context.Background()
	partner, _ := f.Partner("Partner")
	managed := f.Managed(partner, "Managed")
	f.Member(partner, u, enums.RoleAdmin)
	f.Member(managed, u, enums.RoleViewer)
	staff := f.Staff("sam@phystack.example")

	tok, err := auth.Issue(ctx, st.Client, u.ID, "", time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	staffTok, err := auth.Issue(ctx, st.Client, staff.ID, "", time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("valid token gives the viewer with memberships", func(t *testing.T) {
		v, err := auth.Verify(ctx, st.Client, tok, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if v.UserID != u.ID || v.Email != u.Email || v.Staff {
			t.Fatalf("viewer = %+v", v)
		}
		roles, err := v.Roles(ctx, []int{partner.ID, managed.ID, partner.ID + managed.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]enums.Role{partner.ID: enums.RoleAdmin, managed.ID: enums.RoleViewer}
		if !maps.Equal(roles, want) {
			t.Errorf("roles = %v, want %v", roles, want)
		}
	})

	t.Run("staff flag", func(t *testing.T) {
		v, err := auth.Verify(ctx, st.Client, staffTok, t0)
		if err != nil {
			t.Fatal(err)
		}
		roles, err := v.Roles(ctx, []int{partner.ID, managed.ID})
		if err != nil || v.UserID != staff.ID || !v.Staff || len(roles) != 0 {
			t.Fatalf("viewer = %+v, roles %v, %v", v, roles, err)
		}
	})

	tail := strings.TrimPrefix(tok, auth.Prefix)
	other := auth.Prefix + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	bad := []struct {
		name  string
		token string
		now   time.Time
	}{
		{"empty", "", t0},
		{"unknown", other, t0},
		{"without prefix", tail, t0},
		{"other prefix", "xyz_" + tail, t0},
		{"one character changed", flipLast(tok), t0},
		{"truncated", tok[:len(tok)-1], t0},
		{"extended", tok + "A", t0},
		{"upper-cased", strings.ToUpper(tok), t0},
		{"huge", auth.Prefix + strings.Repeat("A", 10_000), t0},
		{"expired", tok, t0.Add(time.Hour + time.Second)},
		{"at expiry", tok, t0.Add(time.Hour)},
		{"long expired", tok, t0.Add(365 * 24 * time.Hour)},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			v, err := auth.Verify(ctx, st.Client, tc.token, tc.now)
			if !errors.Is(err, apperr.ErrUnauthenticated) {
				t.Fatalf("Verify = %+v, %v; want ErrUnauthenticated", v, err)
			}
			if v != nil {
				t.Fatalf("viewer %+v returned with an error", v)
			}
		})
	}

	t.Run("just before expiry", func(t *testing.T) {
		if _, err := auth.Verify(ctx, st.Client, tok, t0.Add(time.Hour-time.Second)); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}

// TestVerifyReadsMembershipsAtEachCall: a role granted after the token was
// issued counts from the next request, while one request's checks agree with
// each other.
func TestVerifyReadsMembershipsAtEachCall(t *testing.T) {
	t.Parallel()
	st, f, u := newUser(t)
	ctx := context.Background()
	tok := f.Token(u)
	tn := f.Tenant(testkit.TenantSpec{Name: "Later"})
	before, err := auth.Verify(ctx, st.Client, tok, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r, ok, err := before.Role(ctx, tn.ID); err != nil || ok {
		t.Fatalf("role before the grant = %v, %v, %v", r, ok, err)
	}
	f.Member(tn, u, enums.RoleEditor)
	if r, ok, err := before.Role(ctx, tn.ID); err != nil || ok {
		t.Fatalf("the same request changed its mind: %v, %v, %v", r, ok, err)
	}
	v, err := auth.Verify(ctx, st.Client, tok, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r, ok, err := v.Role(ctx, tn.ID); err != nil || !ok || r != enums.RoleEditor {
		t.Fatalf("role = %v, %v, %v", r, ok, err)
	}
}

func TestVerifyTouchesLastUsedAtOncePerMinute(t *testing.T) {
	t.Parallel()
	st, _, u := newUser(t)
	ctx := context.Background()
	tok, err := auth.Issue(ctx, st.Client, u.ID, "", 24*time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() *time.Time {
		t.Helper()
		row, err := st.Client.APIToken.Query().Where(apitoken.UserID(u.ID)).Only(sys)
		if err != nil {
			t.Fatal(err)
		}
		return row.LastUsedAt
	}
	if lu := lastUsed(); lu != nil {
		t.Fatalf("last_used_at = %v before any use", lu)
	}
	steps := []struct {
		now  time.Time
		want time.Time
	}{
		{t0.Add(10 * time.Second), t0.Add(10 * time.Second)},                   // first use
		{t0.Add(30 * time.Second), t0.Add(10 * time.Second)},                   // 20 s later: not rewritten
		{t0.Add(69 * time.Second), t0.Add(10 * time.Second)},                   // 59 s later: not rewritten
		{t0.Add(70 * time.Second), t0.Add(70 * time.Second)},                   // a minute later: rewritten
		{t0.Add(100 * time.Second), t0.Add(70 * time.Second)},                  // within the minute again
		{t0.Add(3 * time.Hour), t0.Add(3 * time.Hour)},                         // much later
		{t0.Add(3*time.Hour + 59*time.Second), t0.Add(3 * time.Hour)},          // within the minute
		{t0.Add(3*time.Hour + time.Minute), t0.Add(3*time.Hour + time.Minute)}, // exactly a minute
	}
	for i, s := range steps {
		if _, err := auth.Verify(ctx, st.Client, tok, s.now); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		lu := lastUsed()
		if lu == nil || !lu.Equal(s.want) {
			t.Fatalf("step %d (now %v): last_used_at = %v, want %v", i, s.now, lu, s.want)
		}
	}
	// A failed verification does not touch it.
	if _, err := auth.Verify(ctx, st.Client, tok, t0.Add(48*time.Hour)); !errors.Is(err, apperr.ErrUnauthenticated) {
		t.Fatalf("expired token: %v", err)
	}
	if lu := lastUsed(); !lu.Equal(t0.Add(3*time.Hour + time.Minute)) {
		t.Fatalf("an expired use moved last_used_at to %v", lu)
	}
}

// flipLast changes the last character of s.
func flipLast(s string) string {
	c := byte('A')
	if s[len(s)-1] == 'A' {
		c = 'B'
	}
	return s[:len(s)-1] + string(c)
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header      string
		wantToken   string
		wantPresent bool
	}{
		{"", "", false},
		{"Bearer phy_abc", "phy_abc", true},
		{"bearer phy_abc", "phy_abc", true},
		{"BEARER phy_abc", "phy_abc", true},
		{"Bearer  phy_abc ", "phy_abc", true},
		{"Bearer phy_abc\t", "phy_abc", true},
		{"Bearer", "", true},
		{"Bearer ", "", true},
		{"Basic dXNlcjpwYXNz", "", true},
		{"Token phy_abc", "", true},
		{"phy_abc", "", true},
		{"Bearerphy_abc", "", true},
		{"Bearer: phy_abc", "", true},
	}
	for _, tc := range tests {
		tok, present := auth.BearerToken(tc.header)
		if tok != tc.wantToken || present != tc.wantPresent {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tc.header, tok, present, tc.wantToken, tc.wantPresent)
		}
	}
}
