package graph_test

import (
	"context"
	"testing"

	"github.com/phystack/managed-tenants-api/internal/bench"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// The dashboard's SQL cost is constant: the same statement count for 10 and
// for 1,000 managed tenants (every level is one batched query). Pinned with
// the token verified recently (the server remembers it for AuthCacheTTL);
// the first request of a token adds its look-up and last_used_at.
const dashboardStatements = 6

// benchWorld is a store with one partner of n managed tenants x 2 x 2 x 2,
// served with DEBUG on (responses report their SQL statements).
func benchWorld(t *testing.T, n int) (*testkit.API, *seed.Bench) {
	t.Helper()
	st := testkit.Store(t)
	b, err := seed.LoadBench(context.Background(), st.Client, seed.BenchShape{Tenants: n, Spaces: 2, Devices: 2, Installations: 2})
	if err != nil {
		t.Fatal(err)
	}
	return testkit.NewAPI(t, st, nil, testkit.Debug), b
}

// dashboard is the answer to bench.Dashboard.
type dashboard struct {
	Tenant struct {
		ID, DisplayName string
		ManagedTenants  struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Node struct {
					ID, DisplayName, Country string
					TenantPlan, SupportPlan  *struct {
						ID, Name     string
						MonthlyPrice struct{ Amount, Currency string }
					}
					Spaces struct {
						TotalCount int
						Edges      []struct {
							Node struct {
								ID, Name string
								Devices  struct {
									TotalCount int
									Edges      []struct {
										Node struct {
											ID, Name, SerialNumber string
											Installations          struct {
												TotalCount int
												Edges      []struct {
													Node struct{ ID, Name, App string }
												}
											}
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestDashboardSQLStatementsDoNotGrowWithTenants(t *testing.T) {
	t.Parallel()
	counts := map[int]float64{}
	for _, n := range []int{10, 1000} {
		api, b := benchWorld(t, n)
		token := b.Tokens["partnerAdmin"]
		vars := map[string]any{"partner": b.PartnerID}
		// First use: the token's look-up and its last_used_at.
		if first := api.Do(t, token, bench.Dashboard, vars); first.Extensions["sqlStatements"] != float64(dashboardStatements+2) {
			t.Fatalf("first dashboard of a token: %v statements, want %d", first.Extensions["sqlStatements"], dashboardStatements+2)
		}
		res := api.Do(t, token, bench.Dashboard, vars)
		var got dashboard
		res.Decode(t, &got)
		mt := got.Tenant.ManagedTenants
		if mt.TotalCount != n || len(mt.Edges) != min(n, 50) {
			t.Fatalf("n=%d: totalCount %d, %d edges", n, mt.TotalCount, len(mt.Edges))
		}
		first := mt.Edges[0].Node
		if first.TenantPlan == nil || first.Spaces.TotalCount != 2 ||
			first.Spaces.Edges[0].Node.Devices.TotalCount != 2 ||
			first.Spaces.Edges[0].Node.Devices.Edges[0].Node.Installations.TotalCount != 2 {
			t.Fatalf("n=%d: tree is not complete: %s", n, res.Raw[:min(len(res.Raw), 600)])
		}
		c, ok := res.Extensions["sqlStatements"].(float64)
		if !ok {
			t.Fatalf("no sqlStatements extension: %s", res.Raw[:200])
		}
		counts[n] = c
	}
	if counts[10] != counts[1000] {
		t.Fatalf("statements: %v for 10 tenants, %v for 1000: the cost grows with the tree", counts[10], counts[1000])
	}
	// Pinned: root tenant 1 + plans 1 + 4 levels, each one windowed query
	// that carries its totalCount. A change here is a regression or an
	// improvement: update it deliberately.
	if counts[10] != dashboardStatements {
		t.Fatalf("dashboard takes %v SQL statements, pinned at %d", counts[10], dashboardStatements)
	}
}

// Every to-one edge of the tree (billing entity, partner, a device's space,
// an installation's device) and every loader-backed field (plans, viewer
// role) costs one statement per level, whatever the number of parents.
func TestTreeEdgesAreFetchedOncePerLevel(t *testing.T) {
	t.Parallel()
	const q = `query($partner: ID!) { tenant(id: $partner) { managedTenants(first: 50) { edges { node {
		billingEntity { code } partner { id } viewerRole tenantPlan { name } supportPlan { name }
		spaces(first: 5) { edges { node {
			devices(first: 4) { edges { node { space { id } installations(first: 2) { edges { node { device { id } space { id } } } } } } }
		} } }
	} } } } }`
	counts := map[int]float64{}
	for _, n := range []int{10, 1000} {
		api, b := benchWorld(t, n)
		vars := map[string]any{"partner": b.PartnerID}
		api.Do(t, b.Tokens["partnerAdmin"], q, vars) // the token's first use
		res := api.Do(t, b.Tokens["partnerAdmin"], q, vars)
		var got struct {
			Tenant struct {
				ManagedTenants struct {
					Edges []struct {
						Node struct {
							BillingEntity *struct{ Code string }
							Partner       *struct{ ID string }
							ViewerRole    *string
							TenantPlan    *struct{ Name string }
							SupportPlan   *struct{ Name string }
							Spaces        struct {
								Edges []struct {
									Node struct {
										Devices struct {
											Edges []struct {
												Node struct {
													Space         *struct{ ID string }
													Installations struct {
														Edges []struct {
															Node struct {
																Device *struct{ ID string }
																Space  *struct{ ID string }
															}
														}
													}
												}
											}
										}
									}
								}
							}
						}
					}
				}
			}
		}
		res.Decode(t, &got)
		edges := got.Tenant.ManagedTenants.Edges
		if len(edges) != min(n, 50) {
			t.Fatalf("n=%d: %d tenants", n, len(edges))
		}
		for _, e := range edges {
			nd := e.Node
			if nd.BillingEntity == nil || nd.Partner == nil || nd.Partner.ID != b.PartnerID || nd.ViewerRole == nil || *nd.ViewerRole != "ADMIN" ||
				nd.TenantPlan == nil || nd.SupportPlan == nil {
				t.Fatalf("n=%d: account data missing: %+v", n, nd)
			}
			dev := nd.Spaces.Edges[0].Node.Devices.Edges[0].Node
			inst := dev.Installations.Edges[0].Node
			if dev.Space == nil || inst.Device == nil || inst.Space == nil || inst.Space.ID != dev.Space.ID {
				t.Fatalf("n=%d: workspace edges missing: %+v", n, dev)
			}
		}
		counts[n] = res.Extensions["sqlStatements"].(float64)
	}
	if counts[10] != counts[1000] {
		t.Fatalf("statements: %v for 10 tenants, %v for 1000: the cost grows with the tree", counts[10], counts[1000])
	}
	// root 1 + managed tenants 1 + billing entities 1 + partners 1 + plans 1
	// + roles 1 + spaces 1 + devices 1 + their spaces 1 + installations 1 +
	// their devices 1 + their spaces 1.
	if counts[10] != 12 {
		t.Fatalf("the tree takes %v statements, pinned at 12", counts[10])
	}
}
