package testkit

import (
	"context"
	"testing"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
)

// RowCounts counts, in the system context, every table a mutation could
// write (except the named ones), so a test can show that nothing was written.
func RowCounts(t testing.TB, c *ent.Client, except ...string) map[string]int {
	t.Helper()
	ctx := rule.SystemContext(context.Background())
	skip := map[string]bool{}
	for _, e := range except {
		skip[e] = true
	}
	out := map[string]int{}
	for name, count := range map[string]func() (int, error){
		"tenants":          func() (int, error) { return c.Tenant.Query().Count(ctx) },
		"users":            func() (int, error) { return c.User.Query().Count(ctx) },
		"memberships":      func() (int, error) { return c.Membership.Query().Count(ctx) },
		"spaces":           func() (int, error) { return c.Space.Query().Count(ctx) },
		"devices":          func() (int, error) { return c.Device.Query().Count(ctx) },
		"installations":    func() (int, error) { return c.Installation.Query().Count(ctx) },
		"subscriptions":    func() (int, error) { return c.Subscription.Query().Count(ctx) },
		"audit_events":     func() (int, error) { return c.AuditEvent.Query().Count(ctx) },
		"idempotency_keys": func() (int, error) { return c.IdempotencyKey.Query().Count(ctx) },
	} {
		if skip[name] {
			continue
		}
		n, err := count()
		if err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		out[name] = n
	}
	return out
}
