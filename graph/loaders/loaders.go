// Package loaders batches what entgql's field collection cannot load eagerly
// (computed fields). Loaders are built per operation, fetch through the ent
// client with the request's context (so privacy rules and the SQL counter
// apply), return values in key order, and die with their request.
package loaders

import (
	"context"
	"fmt"
	"time"

	"github.com/vikstrous/dataloadgen"

	"entgo.io/ent/dialect/sql"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// Wait is how long a loader collects keys before fetching. gqlgen resolves
// the fields of a list's elements concurrently, so the keys of one level
// arrive within microseconds; dataloadgen's 16 ms default would add up to
// 16 ms per level of the tree.
const Wait = time.Millisecond

// CurrentPlans are a tenant's running plans of each kind (nil if none).
type CurrentPlans struct {
	Tenant, Support *ent.Plan
}

// Loaders of one request.
type Loaders struct {
	CurrentPlans *dataloadgen.Loader[int, CurrentPlans]
	// viewerRoles batches the viewer's role checks of a page of tenants
	// (Tenant.viewerRole) into one membership query.
	viewerRoles *dataloadgen.Loader[int, *enums.Role]

	client *ent.Client
	now    func() time.Time
}

// PrimeCurrentPlans fetches the plans of a whole page of tenants in one query
// and primes the loader with them. A wait-based batch splits when the page's
// resolvers reach Load over more than Wait; priming does not depend on
// timing. On error nothing is primed and each Load fetches for itself.
func (l *Loaders) PrimeCurrentPlans(ctx context.Context, tenantIDs []int) {
	vals, errs := currentPlans(ctx, l.client, l.now().UTC(), tenantIDs)
	if errs != nil {
		return
	}
	for i, id := range tenantIDs {
		l.CurrentPlans.Prime(id, vals[i])
	}
}

// New builds the loaders of one request.
func New(client *ent.Client, now func() time.Time) *Loaders {
	if now == nil {
		now = time.Now
	}
	return &Loaders{
		client: client,
		now:    now,
		CurrentPlans: dataloadgen.NewLoader(func(ctx context.Context, tenantIDs []int) ([]CurrentPlans, []error) {
			return currentPlans(ctx, client, now().UTC(), tenantIDs)
		}, dataloadgen.WithWait(Wait)),
		viewerRoles: dataloadgen.NewLoader(func(ctx context.Context, tenantIDs []int) ([]*enums.Role, []error) {
			roles, err := viewer.FromContext(ctx).Roles(ctx, tenantIDs)
			if err != nil {
				return nil, []error{err}
			}
			out := make([]*enums.Role, len(tenantIDs))
			for i, id := range tenantIDs {
				if r, ok := roles[id]; ok {
					out[i] = &r
				}
			}
			return out, nil
		}, dataloadgen.WithWait(Wait)),
	}
}

// ViewerRole is the viewer's role in a tenant (ok false: not a member).
func (l *Loaders) ViewerRole(ctx context.Context, tenantID int) (enums.Role, bool, error) {
	r, err := l.viewerRoles.Load(ctx, tenantID)
	if err != nil || r == nil {
		return "", false, err
	}
	return *r, true, nil
}

// currentPlans loads, in one statement, the plans of the running
// subscriptions of all tenants: the plan query (its privacy policy applies)
// joined with the subscriptions the viewer may see (the subscription policy's
// rule, from ent/rule). Per tenant and kind, the latest started wins.
func currentPlans(ctx context.Context, client *ent.Client, now time.Time, tenantIDs []int) ([]CurrentPlans, []error) {
	fail := func(err error) ([]CurrentPlans, []error) { return nil, []error{err} }
	subs := sql.Table(subscription.Table).As("current_subscriptions")
	visible, err := rule.SubscriptionVisible(ctx, subs)
	if err != nil {
		return fail(err)
	}
	plans, err := client.Plan.Query().
		Modify(func(s *sql.Selector) {
			s.Join(subs).On(s.C(plan.FieldID), subs.C(subscription.FieldPlanID))
			running := []*sql.Predicate{
				sql.InInts(subs.C(subscription.FieldTenantID), tenantIDs...),
				sql.LTE(subs.C(subscription.FieldStartedAt), now),
				sql.Or(sql.IsNull(subs.C(subscription.FieldEndedAt)), sql.GT(subs.C(subscription.FieldEndedAt), now)),
			}
			if visible != nil {
				running = append(running, visible)
			}
			s.Where(sql.And(running...))
			s.AppendSelectAs(subs.C(subscription.FieldTenantID), currentTenant).
				AppendSelectAs(subs.C(subscription.FieldKind), currentKind)
			s.OrderBy(sql.Desc(subs.C(subscription.FieldStartedAt)), sql.Desc(subs.C(subscription.FieldID)))
		}).
		All(ctx)
	if err != nil {
		return fail(err)
	}
	byTenant := make(map[int]*CurrentPlans, len(tenantIDs))
	for _, p := range plans {
		tv, err := p.Value(currentTenant)
		if err != nil {
			return fail(err)
		}
		kv, err := p.Value(currentKind)
		if err != nil {
			return fail(err)
		}
		tid, ok := tv.(int64)
		if !ok {
			return fail(fmt.Errorf("loaders: %s of type %T", currentTenant, tv))
		}
		cp := byTenant[int(tid)]
		if cp == nil {
			cp = &CurrentPlans{}
			byTenant[int(tid)] = cp
		}
		// Ordered newest first: keep the first of each kind.
		switch kind := enums.PlanKind(fmt.Sprint(kv)); {
		case kind == enums.PlanKindTenant && cp.Tenant == nil:
			cp.Tenant = p
		case kind == enums.PlanKindSupport && cp.Support == nil:
			cp.Support = p
		}
	}
	out := make([]CurrentPlans, len(tenantIDs))
	for i, id := range tenantIDs {
		if cp := byTenant[id]; cp != nil {
			out[i] = *cp
		}
	}
	return out, nil
}

// Extra columns of the current-plans query.
const (
	currentTenant = "current_tenant_id"
	currentKind   = "current_kind"
)

type ctxKey struct{}

// NewContext returns ctx carrying l.
func NewContext(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders of ctx.
func For(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	return l
}
