package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/bench"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// The dashboard's SQL cost is constant: the same statement count for 10 and
// for 1,000 managed tenants (every level is one batched query). Pinned with
// the token verified recently (the server remembers it for AuthCacheTTL);
// the first request of a token adds its look-up and last_used_at. Seven:
// the viewer's role in the root tenant (tenancy.Tenant, so that the levels
// below admit a partner admin's rows by literal, issue 11), the root, and
// one a level, with the plans of the page.
const dashboardStatements = 7

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
	// viewer's role in the root 1 + root 1 + managed tenants 1 + billing
	// entities 1 + partners 1 + plans 1 + roles 1 + spaces 1 + devices 1 +
	// their spaces 1 + installations 1 + their devices 1 + their spaces 1.
	if counts[10] != 13 {
		t.Fatalf("the tree takes %v statements, pinned at 13", counts[10])
	}
}

// A managed tenant's life on the tree (SPEC 10): status and endsAt are
// columns of the tenant row and cost nothing; subscriptions(first: 5) is
// one windowed statement for the whole level (the first 5 of every tenant
// and each tenant's totalCount), and their plans one more. Some tenants
// have a history longer than the page, some have ended: the cost does not
// depend on it.
func TestLifeOnTheTreeIsFetchedOncePerLevel(t *testing.T) {
	t.Parallel()
	const q = `query($partner: ID!) { tenant(id: $partner) { managedTenants(first: 50) { edges { node {
		id status endsAt
		subscriptions(first: 5) { totalCount edges { node { kind startedAt plan { code } } } }
	} } } } }`
	counts := map[int]float64{}
	for _, n := range []int{10, 1000} {
		store := testkit.Store(t)
		b, err := seed.LoadBench(context.Background(), store.Client, seed.BenchShape{Tenants: n, Spaces: 1, Devices: 1, Installations: 1})
		if err != nil {
			t.Fatal(err)
		}
		st := lifeHistory(t, store.Client, b, n)
		api := testkit.NewAPI(t, store, nil, testkit.Debug)
		vars := map[string]any{"partner": b.PartnerID}
		api.Do(t, b.Tokens["partnerAdmin"], q, vars) // the token's first use
		res := api.Do(t, b.Tokens["partnerAdmin"], q, vars)
		var got struct {
			Tenant struct {
				ManagedTenants struct {
					Edges []struct {
						Node struct {
							ID, Status    string
							EndsAt        *string
							Subscriptions struct {
								TotalCount int
								Edges      []struct {
									Node struct {
										Kind, StartedAt string
										Plan            *struct{ Code string }
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
		statuses := map[string]int{}
		for _, e := range edges {
			nd := e.Node
			want := st[gid.Decode(nd.ID)]
			statuses[nd.Status]++
			if (nd.Status == "ENDED") != want.ended || (nd.EndsAt != nil) != want.ended {
				t.Errorf("n=%d: tenant %s: status %s, endsAt %v; ended: %v", n, nd.ID, nd.Status, nd.EndsAt, want.ended)
			}
			subs := nd.Subscriptions
			if subs.TotalCount != want.subscriptions || len(subs.Edges) != min(want.subscriptions, 5) {
				t.Fatalf("n=%d: tenant %s: totalCount %d, %d edges; want %d", n, nd.ID, subs.TotalCount, len(subs.Edges), want.subscriptions)
			}
			for i, se := range subs.Edges {
				if se.Node.Plan == nil || se.Node.Plan.Code == "" || se.Node.Kind == "" {
					t.Fatalf("n=%d: tenant %s: subscription without its plan: %+v", n, nd.ID, se.Node)
				}
				if i > 0 && se.Node.StartedAt > subs.Edges[i-1].Node.StartedAt {
					t.Errorf("n=%d: tenant %s: subscriptions are not newest first: %+v", n, nd.ID, subs.Edges)
				}
			}
		}
		if statuses["ENDED"] == 0 || statuses["ACTIVE"] == 0 {
			t.Fatalf("n=%d: statuses %v: the page should show both", n, statuses)
		}
		counts[n] = res.Extensions["sqlStatements"].(float64)
	}
	if counts[10] != counts[1000] {
		t.Fatalf("statements: %v for 10 tenants, %v for 1000: the cost grows with the tree", counts[10], counts[1000])
	}
	// viewer's role in the root 1 + root 1 + managed tenants 1 +
	// subscriptions (windowed, with their totalCount) 1 + their plans 1;
	// status and endsAt 0.
	if counts[10] != 5 {
		t.Fatalf("the tree with its life takes %v statements, pinned at 5", counts[10])
	}
}

// lifeState is what a bench tenant's life should show on the tree.
type lifeState struct {
	subscriptions int
	ended         bool
}

// lifeHistory gives every third of the n bench tenants six past TENANT
// subscriptions before its current ones (a history longer than a page of
// 5) and ends every seventh, with its subscriptions; it returns what each
// tenant should show.
func lifeHistory(t *testing.T, client *ent.Client, b *seed.Bench, n int) map[int]lifeState {
	t.Helper()
	tenants, err := client.Tenant.Query().Where(tenant.PartnerID(gid.Decode(b.PartnerID))).Order(tenant.ByID()).
		WithSubscriptions().All(sys)
	if err != nil || len(tenants) != n {
		t.Fatalf("bench tenants: %d (%v)", len(tenants), err)
	}
	out := map[int]lifeState{}
	var history []*ent.SubscriptionCreate
	var ended []int
	endAt := time.Now().UTC().Truncate(time.Microsecond)
	for i, tn := range tenants {
		st := lifeState{subscriptions: len(tn.Edges.Subscriptions)}
		if i%3 == 0 {
			cur := tn.Edges.Subscriptions[0]
			for m := range 6 {
				from := time.Date(2026, time.Month(4+m), 1, 0, 0, 0, 0, time.UTC)
				to := from.AddDate(0, 1, 0)
				history = append(history, client.Subscription.Create().
					SetTenantID(tn.ID).SetPlanID(cur.PlanID).SetBilledToID(cur.BilledToID).SetKind(cur.Kind).
					SetMonthlyPrice(cur.MonthlyPrice).SetCurrency(cur.Currency).SetStartedAt(from).SetEndedAt(to))
			}
			st.subscriptions += 6
		}
		if i%7 == 3 {
			ended = append(ended, tn.ID)
			st.ended = true
		}
		out[tn.ID] = st
	}
	for start := 0; start < len(history); start += 1000 {
		if err := client.Subscription.CreateBulk(history[start:min(start+1000, len(history))]...).Exec(sys); err != nil {
			t.Fatal(err)
		}
	}
	if err := client.Subscription.Update().Where(subscription.TenantIDIn(ended...), subscription.EndedAtIsNil()).
		SetEndedAt(endAt).Exec(sys); err != nil {
		t.Fatal(err)
	}
	if err := client.Tenant.Update().Where(tenant.IDIn(ended...)).SetEndsAt(endAt).Exec(sys); err != nil {
		t.Fatal(err)
	}
	return out
}
