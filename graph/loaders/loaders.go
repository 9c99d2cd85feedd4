// Package loaders batches what entgql's field collection cannot load eagerly
// (computed fields). Loaders are built per operation, fetch through the
// domain packages with the request's context (so privacy rules and the SQL
// counter apply), return values in key order, and die with their request.
package loaders

import (
	"context"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/billing"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// Wait is how long a loader collects keys before fetching. gqlgen resolves
// the fields of a list's elements concurrently, so the keys of one level
// arrive within microseconds; dataloadgen's 16 ms default would add up to
// 16 ms per level of the tree.
const Wait = time.Millisecond

// Loaders of one request.
type Loaders struct {
	CurrentPlans *dataloadgen.Loader[int, billing.CurrentPlans]
	// viewerRoles batches the viewer's role checks of a page of tenants
	// (Tenant.viewerRole) into one membership query.
	viewerRoles *dataloadgen.Loader[int, *enums.Role]

	billing *billing.Service

	// auditPages holds the logs read ahead for a page of tenants (one
	// statement for all of them: audit.Pages), by audit.Key and tenant.
	auditMu    sync.Mutex
	auditPages map[auditPageKey]*ent.AuditEventConnection
}

type auditPageKey struct {
	args   string
	tenant int
}

// PrimeAuditPages remembers pages of tenants' logs read ahead under args
// (audit.Key).
func (l *Loaders) PrimeAuditPages(args string, pages map[int]*ent.AuditEventConnection) {
	l.auditMu.Lock()
	defer l.auditMu.Unlock()
	if l.auditPages == nil {
		l.auditPages = map[auditPageKey]*ent.AuditEventConnection{}
	}
	for id, c := range pages {
		l.auditPages[auditPageKey{args, id}] = c
	}
}

// AuditPage is the page of tenant's log read ahead under args, if any.
func (l *Loaders) AuditPage(args string, tenant int) (*ent.AuditEventConnection, bool) {
	if l == nil {
		return nil, false
	}
	l.auditMu.Lock()
	defer l.auditMu.Unlock()
	c, ok := l.auditPages[auditPageKey{args, tenant}]
	return c, ok
}

// New builds the loaders of one request.
func New(b *billing.Service) *Loaders {
	return &Loaders{
		billing: b,
		CurrentPlans: dataloadgen.NewLoader(func(ctx context.Context, tenantIDs []int) ([]billing.CurrentPlans, []error) {
			plans, err := b.CurrentPlans(ctx, tenantIDs)
			if err != nil {
				return nil, []error{err}
			}
			return plans, nil
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

// PrimeCurrentPlans fetches the plans of a whole page of tenants in one query
// and primes the loader with them. A wait-based batch splits when the page's
// resolvers reach Load over more than Wait; priming does not depend on
// timing. On error nothing is primed and each Load fetches for itself.
func (l *Loaders) PrimeCurrentPlans(ctx context.Context, tenantIDs []int) {
	plans, err := l.billing.CurrentPlans(ctx, tenantIDs)
	if err != nil {
		return
	}
	for i, id := range tenantIDs {
		l.CurrentPlans.Prime(id, plans[i])
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
