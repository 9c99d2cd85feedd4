package server

import (
	"time"

	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/tenancy"
	"github.com/phystack/managed-tenants-api/internal/workspace"
)

// newResolver builds the domain services and the resolver over them: the
// one place that knows how they are put together.
func newResolver(st *store.Store, now func() time.Time) *graph.Resolver {
	return &graph.Resolver{
		Client:    st.Client,
		Now:       now,
		Tenancy:   &tenancy.Service{Client: st.Client, Dialect: st.Dialect, Now: now},
		Workspace: &workspace.Service{Client: st.Client, Now: now},
	}
}
