package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// BenchmarkVerify is the token check every request pays.
func BenchmarkVerify(b *testing.B) {
	st := testkit.Store(b)
	f := testkit.NewFixture(b, st.Client)
	u := f.User("bench@example.com")
	tok := f.Token(u)
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.Verify(ctx, st.Client, tok, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifierRemembered is the token check within the verifier's TTL.
func BenchmarkVerifierRemembered(b *testing.B) {
	st := testkit.Store(b)
	f := testkit.NewFixture(b, st.Client)
	tok := f.Token(f.User("bench@example.com"))
	v := auth.NewVerifier(st.Client, 10, time.Hour)
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok, now); err != nil {
			b.Fatal(err)
		}
	}
}
