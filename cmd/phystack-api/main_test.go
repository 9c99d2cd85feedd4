package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/apitoken"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/user"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var sys = rule.SystemContext(context.Background())

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// runCaptured runs the command with os.Stdout redirected to a pipe and
// returns what it printed there. Tests using it must not run in parallel.
func runCaptured(t *testing.T, args ...string) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	out := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		out <- b
	}()
	runErr := run(context.Background(), args, discard)
	os.Stdout = saved
	w.Close()
	b := <-out
	r.Close()
	return string(b), runErr
}

// scratch gives the test its own migrated store and points DATABASE_URL at it.
func scratch(t *testing.T) *store.Store {
	t.Helper()
	st, url := testkit.StoreURL(t)
	t.Setenv("DATABASE_URL", url)
	return st
}

func tokensOf(t *testing.T, st *store.Store, email string) []*ent.APIToken {
	t.Helper()
	toks, err := st.Client.APIToken.Query().
		Where(apitoken.HasUserWith(user.Email(email))).
		Order(ent.Asc(apitoken.FieldID)).
		All(sys)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

func TestTokenCreate(t *testing.T) {
	st := scratch(t)
	if _, err := seed.LoadDemo(context.Background(), st.Client, time.Hour); err != nil {
		t.Fatal(err)
	}
	const email = "staff@phystack.example"
	before := tokensOf(t, st, email)
	total, err := st.Client.APIToken.Query().Count(sys)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	out, err := runCaptured(t, "token", "create", "--email", email, "--ttl", "1h")
	end := time.Now()
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("stdout = %q, want the token on one line", out)
	}
	tok := strings.TrimSpace(out)

	after := tokensOf(t, st, email)
	if len(after) != len(before)+1 {
		t.Fatalf("%d tokens for %s, want %d", len(after), email, len(before)+1)
	}
	if n, _ := st.Client.APIToken.Query().Count(sys); n != total+1 {
		t.Fatalf("%d tokens in all, want %d", n, total+1)
	}
	row := after[len(after)-1]
	if lo, hi := start.Add(time.Hour-time.Second), end.Add(time.Hour+time.Second); row.ExpiresAt.Before(lo) || row.ExpiresAt.After(hi) {
		t.Fatalf("expires_at = %v, want about an hour from now (%v..%v)", row.ExpiresAt, lo, hi)
	}
	if row.Label == seed.DemoTokenLabel {
		t.Fatalf("an ops token is labelled %q: the next seed would delete it", row.Label)
	}
	if !bytes.Equal(row.TokenHash, auth.Hash(tok)) {
		t.Fatalf("the stored hash is not the printed token's")
	}

	v, err := auth.Verify(context.Background(), st.Client, tok, time.Now())
	if err != nil {
		t.Fatalf("the printed token does not verify: %v", err)
	}
	if v.Email != email || !v.Staff {
		t.Fatalf("viewer = %+v", v)
	}
	if _, err := auth.Verify(context.Background(), st.Client, tok, time.Now().Add(time.Hour+time.Minute)); !errors.Is(err, apperr.ErrUnauthenticated) {
		t.Fatalf("the token outlives its ttl: %v", err)
	}
}

func TestTokenCreateDefaults(t *testing.T) {
	st := scratch(t)
	if _, err := seed.LoadDemo(context.Background(), st.Client, time.Hour); err != nil {
		t.Fatal(err)
	}
	// Email in any case and padding; default ttl (90 days); custom label.
	start := time.Now()
	out, err := runCaptured(t, "token", "create", "--email", "  Admin@Nordic-Signage.EXAMPLE ", "--label", "ci")
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	v, err := auth.Verify(context.Background(), st.Client, strings.TrimSpace(out), time.Now())
	if err != nil || v.Email != "admin@nordic-signage.example" {
		t.Fatalf("viewer = %+v, %v", v, err)
	}
	toks := tokensOf(t, st, "admin@nordic-signage.example")
	row := toks[len(toks)-1]
	if row.Label != "ci" {
		t.Errorf("label = %q, want ci", row.Label)
	}
	if d := row.ExpiresAt.Sub(start); d < auth.DefaultTTL-time.Minute || d > auth.DefaultTTL+time.Minute {
		t.Errorf("default ttl = %v, want %v", d, auth.DefaultTTL)
	}
}

func TestCommandErrors(t *testing.T) {
	st := scratch(t)
	if _, err := seed.LoadDemo(context.Background(), st.Client, time.Hour); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"no command", nil},
		{"unknown command", []string{"frobnicate"}},
		{"unknown command that looks like a flag", []string{"--demo"}},
		{"seed without --demo", []string{"seed"}},
		{"seed with an unknown flag", []string{"seed", "--everything"}},
		{"token without subcommand", []string{"token"}},
		{"token with an unknown subcommand", []string{"token", "delete", "--email", "staff@phystack.example"}},
		{"token create without --email", []string{"token", "create"}},
		{"token create with an empty --email", []string{"token", "create", "--email", ""}},
		{"token create for an unknown email", []string{"token", "create", "--email", "nobody@example.com"}},
		{"token create with a bad ttl", []string{"token", "create", "--email", "staff@phystack.example", "--ttl", "soon"}},
		{"token create with a zero ttl", []string{"token", "create", "--email", "staff@phystack.example", "--ttl", "0s"}},
		{"token create with a negative ttl", []string{"token", "create", "--email", "staff@phystack.example", "--ttl", "-1h"}},
		{"token create with an unknown flag", []string{"token", "create", "--email", "staff@phystack.example", "--admin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, err := st.Client.APIToken.Query().Count(sys)
			if err != nil {
				t.Fatal(err)
			}
			out, err := runCaptured(t, tc.args...)
			if err == nil {
				t.Fatalf("run(%q) succeeded, want an error (stdout %q)", tc.args, out)
			}
			if strings.Contains(out, auth.Prefix) {
				t.Fatalf("a failed command printed a token: %q", out)
			}
			if after, _ := st.Client.APIToken.Query().Count(sys); after != before {
				t.Fatalf("a failed command stored a token: %d -> %d", before, after)
			}
		})
	}
}

func TestSeedDemoCommand(t *testing.T) {
	st := scratch(t)
	parse := func(out string) map[string]string {
		t.Helper()
		dec := json.NewDecoder(strings.NewReader(out))
		var d struct {
			Tokens map[string]string `json:"tokens"`
		}
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("stdout is not a JSON object: %v: %q", err, out)
		}
		if dec.More() {
			t.Fatalf("stdout holds more than one JSON object: %q", out)
		}
		for _, k := range []string{"staff", "partnerAdmin", "partnerEditor", "standaloneAdmin", "otherPartnerAdmin"} {
			if d.Tokens[k] == "" {
				t.Fatalf("no %s token in %q", k, out)
			}
		}
		if len(d.Tokens) != 5 {
			t.Fatalf("tokens = %v, want the five personas", d.Tokens)
		}
		return d.Tokens
	}
	out, err := runCaptured(t, "seed", "--demo")
	if err != nil {
		t.Fatalf("seed --demo: %v", err)
	}
	first := parse(out)
	out, err = runCaptured(t, "seed", "--demo")
	if err != nil {
		t.Fatalf("second seed --demo: %v", err)
	}
	second := parse(out)
	ctx := context.Background()
	for k, tok := range second {
		v, err := auth.Verify(ctx, st.Client, tok, time.Now())
		if err != nil {
			t.Fatalf("%s token of the second run: %v", k, err)
		}
		if (k == "staff") != v.Staff {
			t.Errorf("%s: staff = %v", k, v.Staff)
		}
		if _, err := auth.Verify(ctx, st.Client, first[k], time.Now()); !errors.Is(err, apperr.ErrUnauthenticated) {
			t.Errorf("%s token of the first run still verifies (%v)", k, err)
		}
	}
	n, err := st.Client.Tenant.Query().Count(sys)
	if err != nil || n != 6 {
		t.Errorf("%d tenants after two seeds, %v; want 6 (two partners, a standalone, Demo Retail, %s, %s)",
			n, err, seed.ScheduledChangeTenant, seed.EndedTenant)
	}
}

func TestMigrateCommand(t *testing.T) {
	scratch(t)
	for i := 0; i < 2; i++ {
		if out, err := runCaptured(t, "migrate"); err != nil || out != "" {
			t.Fatalf("migrate #%d: %v, stdout %q", i+1, err, out)
		}
	}
}
