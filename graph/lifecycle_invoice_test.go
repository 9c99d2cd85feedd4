package graph_test

// The partner invoice follows a managed tenant's life to the second (SPEC 7
// and 10, issue 9 acceptance 2): every subscription is a line of its own,
// prorated and rounded half-up once, so a plan changed mid-month gives two
// lines of that kind, a change at the start of the next period leaves this
// month alone, and an end at T stops every line at T.

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// invoiceLife is a partner in one currency with a tenant plan A, a tenant
// plan B and a support plan S, its admin, and the API on a clock the test
// sets.
type invoiceLife struct {
	st       *store.Store
	api      *testkit.API
	clock    atomic.Int64 // Unix nanoseconds
	partner  *ent.Tenant
	plans    map[string]*ent.Plan // "A", "B", "S"
	token    string
	currency string
}

func newInvoiceLife(t *testing.T, currency, country string, a, b, s int64) *invoiceLife {
	t.Helper()
	l := &invoiceLife{st: testkit.Store(t), currency: currency}
	f := testkit.NewFixture(t, l.st.Client)
	cat := f.Catalog(currency,
		testkit.PlanSpec{Code: "A", Name: "Plan A", Kind: enums.PlanKindTenant, Price: a, Active: true},
		testkit.PlanSpec{Code: "B", Name: "Plan B", Kind: enums.PlanKindTenant, Price: b, Active: true},
		testkit.PlanSpec{Code: "S", Name: "Support S", Kind: enums.PlanKindSupport, Price: s, Active: true},
	)
	l.plans = cat.Plans
	l.partner = f.Tenant(testkit.TenantSpec{Name: "Partner " + currency, Country: country, Currency: currency, Partner: true, Catalog: cat})
	admin := f.User(strings.ToLower(currency) + "-life-admin@example.com")
	f.Member(l.partner, admin, enums.RoleAdmin)
	// Valid on the test's clock, which runs in 2026 and 2027.
	tok, err := auth.Issue(sys, l.st.Client, admin.ID, "invoice life", 3*365*24*time.Hour, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	l.token = tok
	l.api = testkit.NewAPI(t, l.st, func() time.Time { return time.Unix(0, l.clock.Load()).UTC() })
	return l
}

func (l *invoiceLife) at(t time.Time) { l.clock.Store(t.UnixNano()) }

// create creates a managed tenant on plans A and S through the API, at the
// clock's instant.
func (l *invoiceLife) create(t *testing.T, name string) string {
	t.Helper()
	return requireCreated(t, l.api, l.token, map[string]any{
		"partnerId": testkit.ID(l.partner.ID), "displayName": name, "country": "SE",
		"tenantPlanId": testkit.ID(l.plans["A"].ID), "supportPlanId": testkit.ID(l.plans["S"].ID),
	}).ID
}

// mutate runs a lifecycle mutation of the tenant and fails on user errors.
func (l *invoiceLife) mutate(t *testing.T, field, inputType string, input map[string]any) {
	t.Helper()
	q := fmt.Sprintf(`mutation($input: %s!) { %s(input: $input) { managedTenant { id } userErrors { field message code } } }`, inputType, field)
	var out map[string]struct {
		ManagedTenant *node
		UserErrors    []testkit.UserError
	}
	l.api.Query(t, l.token, q, &out, map[string]any{"input": input})
	if p := out[field]; len(p.UserErrors) != 0 || p.ManagedTenant == nil {
		t.Fatalf("%s(%v): userErrors %v", field, input, p.UserErrors)
	}
}

func (l *invoiceLife) changeTenantPlan(t *testing.T, tenantID, plan, timing string) {
	t.Helper()
	l.mutate(t, "changeManagedTenantPlans", "ChangeManagedTenantPlansInput", map[string]any{
		"tenantId": tenantID, "tenantPlanId": testkit.ID(l.plans[plan].ID), "timing": timing,
	})
}

func (l *invoiceLife) end(t *testing.T, tenantID, timing string) {
	t.Helper()
	l.mutate(t, "endManagedTenant", "EndManagedTenantInput", map[string]any{"tenantId": tenantID, "timing": timing})
}

// lines fetches the invoice of a period and returns its lines as "tenant
// kind plan [from, to) amount", sorted, after checking its currency and that
// its total (the printed total, also returned) is the sum of its printed
// lines.
func (l *invoiceLife) lines(t *testing.T, period string) ([]string, string) {
	t.Helper()
	inv := fetchInvoice(t, l.api, l.token, l.partner, period)
	if inv.Period != period || inv.Currency != l.currency || inv.Total.Currency != l.currency {
		t.Errorf("%s invoice: period %q, currency %q, total in %q", period, inv.Period, inv.Currency, inv.Total.Currency)
	}
	var out []string
	var sum int64
	for _, ln := range inv.Lines {
		if ln.Amount.Currency != l.currency {
			t.Errorf("%s line in %q: %+v", period, ln.Amount.Currency, ln)
		}
		sum += minorUnits(t, ln.Amount.Amount)
		out = append(out, fmt.Sprintf("%s %s %s [%s, %s) %s", ln.Tenant.DisplayName, ln.Kind, ln.Plan.Code, ln.From, ln.To, ln.Amount.Amount))
	}
	if total := minorUnits(t, inv.Total.Amount); total != sum {
		t.Errorf("%s invoice: total %s is not the sum of its lines (%d minor units)", period, inv.Total.Amount, sum)
	}
	slices.Sort(out)
	return out, inv.Total.Amount
}

// minorUnits reads a Money amount ("191.86", "3196", "7.921") as an integer
// count of minor units, without floats.
func minorUnits(t *testing.T, amount string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(strings.Replace(amount, ".", "", 1), &n); err != nil {
		t.Fatalf("amount %q: %v", amount, err)
	}
	return n
}

// TestInvoiceFollowsTheTenantsLife: five managed tenants of one partner,
// created 2026-10-15 on plans A and S, each living a different life on
// 2026-11-20T06:00:00Z (T). November 2026 has 30 days, 2,592,000 seconds:
// [Nov 1, T) is 19 days 6 hours, 1,663,200 s (77/120 of the month), and
// [T, Dec 1) 10 days 18 hours, 928,800 s (43/120).
//
//	Mid-month  changes its tenant plan A -> B NOW at T: November bills A on
//	           [Nov 1, T) and B on [T, Dec 1), two TENANT lines, each
//	           rounded on its own; S runs the whole month.
//	Sub-second the same change asked at T + 0.75 s: changes take effect on
//	           whole seconds, so its lines are Mid-month's.
//	Next month changes A -> B at START_OF_NEXT_PERIOD: November exactly as
//	           before the change; B from December 1.
//	Ends now   ends NOW at T: both lines stop at T; nothing in December.
//	Ends later ends at START_OF_NEXT_PERIOD: November in full, December
//	           nothing.
func TestInvoiceFollowsTheTenantsLife(t *testing.T) {
	t.Parallel()
	const (
		nov, dec = "2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"
		jan      = "2027-01-01T00:00:00.000Z"
		T        = "2026-11-20T06:00:00.000Z"
	)
	tests := []struct {
		currency, country string
		a, b, s           int64 // monthly prices in minor units
		// Amounts: A on [Nov 1, T), B on [T, Dec 1), S on [Nov 1, T); A,
		// B and S in full.
		aBefore, bAfter, sBefore string
		aFull, bFull, sFull      string
		novTotal, decTotal       string
	}{
		{
			// JPY has no minor unit. Every price is 60 modulo 120, so each
			// partial line lands exactly on a half yen and rounds up:
			// 4980 x 77/120 = 3195.5 -> 3196; 9900 x 43/120 = 3547.5 ->
			// 3548; 1500 x 77/120 = 962.5 -> 963. Rounded per line, A's two
			// halves would bill 3196 + 1785 = 4981 for a 4980 plan: lines
			// are rounded on their own, never the month.
			currency: "JPY", country: "JP", a: 4980, b: 9900, s: 1500,
			aBefore: "3196", bAfter: "3548", sBefore: "963",
			aFull: "4980", bFull: "9900", sFull: "1500",
			// Mid-month and Sub-second: 3196 + 3548 + 1500 = 8244 each;
			// Next month and Ends later: 4980 + 1500 = 6480 each; Ends now:
			// 3196 + 963 = 4159. 2 x 8244 + 2 x 6480 + 4159 = 33607.
			// December: three tenants on B and S, 3 x (9900 + 1500).
			novTotal: "33607", decTotal: "34200",
		},
		{
			// EUR in cents. 299.00 x 77/120 = 191.858333... -> 191.86 (not a
			// half: rounds to nearest); 119.40 x 43/120 = 42.785 -> 42.79
			// and 45.00 x 77/120 = 28.875 -> 28.88 (halves, rounded up).
			currency: "EUR", country: "DE", a: 299_00, b: 119_40, s: 45_00,
			aBefore: "191.86", bAfter: "42.79", sBefore: "28.88",
			aFull: "299.00", bFull: "119.40", sFull: "45.00",
			// 2 x (191.86 + 42.79 + 45.00) + 2 x (299.00 + 45.00) +
			// (191.86 + 28.88) = 559.30 + 688.00 + 220.74 = 1468.04.
			// December: 3 x (119.40 + 45.00) = 493.20.
			novTotal: "1468.04", decTotal: "493.20",
		},
		{
			// KWD in fils (3 decimals). 12.345 x 77/120 = 7.921375 -> 7.921
			// (down, below the half); 25.020 x 43/120 = 8.9655 -> 8.966 (a
			// half, up); 3.000 x 77/120 = 1.925 exactly.
			currency: "KWD", country: "KW", a: 12_345, b: 25_020, s: 3_000,
			aBefore: "7.921", bAfter: "8.966", sBefore: "1.925",
			aFull: "12.345", bFull: "25.020", sFull: "3.000",
			// 2 x (7.921 + 8.966 + 3.000) + 2 x (12.345 + 3.000) + (7.921 +
			// 1.925) = 39.774 + 30.690 + 9.846 = 80.310. December: 3 x
			// (25.020 + 3.000) = 84.060.
			novTotal: "80.310", decTotal: "84.060",
		},
	}
	for _, tc := range tests {
		t.Run(tc.currency, func(t *testing.T) {
			t.Parallel()
			l := newInvoiceLife(t, tc.currency, tc.country, tc.a, tc.b, tc.s)
			l.at(time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
			names := []string{"Mid-month", "Sub-second", "Next month", "Ends now", "Ends later"}
			ids := map[string]string{}
			for _, n := range names {
				ids[n] = l.create(t, n)
			}
			changeAt := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
			l.at(changeAt)
			novBefore, _ := l.lines(t, "2026-11")

			l.changeTenantPlan(t, ids["Mid-month"], "B", "NOW")
			l.changeTenantPlan(t, ids["Next month"], "B", "START_OF_NEXT_PERIOD")
			l.end(t, ids["Ends now"], "NOW")
			l.end(t, ids["Ends later"], "START_OF_NEXT_PERIOD")
			l.at(changeAt.Add(750 * time.Millisecond))
			l.changeTenantPlan(t, ids["Sub-second"], "B", "NOW")

			line := func(tenant, kind, plan, from, to, amount string) string {
				return fmt.Sprintf("%s %s %s [%s, %s) %s", tenant, kind, plan, from, to, amount)
			}
			var wantNov []string
			for _, n := range []string{"Mid-month", "Sub-second"} {
				wantNov = append(wantNov,
					line(n, "TENANT", "A", nov, T, tc.aBefore),
					line(n, "TENANT", "B", T, dec, tc.bAfter),
					line(n, "SUPPORT", "S", nov, dec, tc.sFull))
			}
			for _, n := range []string{"Next month", "Ends later"} {
				wantNov = append(wantNov,
					line(n, "TENANT", "A", nov, dec, tc.aFull),
					line(n, "SUPPORT", "S", nov, dec, tc.sFull))
			}
			wantNov = append(wantNov,
				line("Ends now", "TENANT", "A", nov, T, tc.aBefore),
				line("Ends now", "SUPPORT", "S", nov, T, tc.sBefore))
			var wantDec []string
			for _, n := range []string{"Mid-month", "Sub-second", "Next month"} {
				wantDec = append(wantDec,
					line(n, "TENANT", "B", dec, jan, tc.bFull),
					line(n, "SUPPORT", "S", dec, jan, tc.sFull))
			}
			slices.Sort(wantNov)
			slices.Sort(wantDec)

			// Read in November (the changes are fresh) and again in
			// January (every one has taken effect): the same invoices.
			for _, readAt := range []time.Time{changeAt.Add(time.Second), time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC)} {
				l.at(readAt)
				gotNov, novTotal := l.lines(t, "2026-11")
				if !slices.Equal(gotNov, wantNov) || novTotal != tc.novTotal {
					t.Errorf("read at %s: 2026-11 lines\n  %s\ntotal %s; want\n  %s\ntotal %s", readAt.Format(time.RFC3339),
						strings.Join(gotNov, "\n  "), novTotal, strings.Join(wantNov, "\n  "), tc.novTotal)
				}
				gotDec, decTotal := l.lines(t, "2026-12")
				if !slices.Equal(gotDec, wantDec) || decTotal != tc.decTotal {
					t.Errorf("read at %s: 2026-12 lines\n  %s\ntotal %s; want\n  %s\ntotal %s", readAt.Format(time.RFC3339),
						strings.Join(gotDec, "\n  "), decTotal, strings.Join(wantDec, "\n  "), tc.decTotal)
				}
			}

			// A change or an end at the start of the next period leaves
			// this month's lines exactly as they were.
			for _, n := range []string{"Next month", "Ends later"} {
				var before, after []string
				for _, s := range novBefore {
					if strings.HasPrefix(s, n+" ") {
						before = append(before, s)
					}
				}
				for _, s := range wantNov {
					if strings.HasPrefix(s, n+" ") {
						after = append(after, s)
					}
				}
				if !slices.Equal(before, after) {
					t.Errorf("%s: November lines before the change %v, after %v", n, before, after)
				}
			}
			// The tenants that end bill nothing after their end.
			for _, period := range []string{"2027-01", "2027-06"} {
				got, _ := l.lines(t, period)
				for _, s := range got {
					if strings.HasPrefix(s, "Ends ") {
						t.Errorf("%s: a line after the end: %s", period, s)
					}
				}
				if len(got) != 6 {
					t.Errorf("%s: %d lines, want B and S of three tenants: %v", period, len(got), got)
				}
			}
		})
	}
}

// TestInvoiceLineStartsWhereItsSubscriptionDoes: a tenant created inside a
// second (the clock at 2026-11-16T00:00:00.750Z). SPEC 7: a line's from is
// the later of its subscription's start and the period's start, so the
// line and the subscription the API shows begin at the same instant, and
// the amount counts the seconds between that instant and the line's end.
// Invoices count whole seconds, and changes take effect on whole seconds
// (Timing.at): so does a creation. 15 of November's 30 days on 299.00 and
// 45.00 are 149.50 and 22.50.
func TestInvoiceLineStartsWhereItsSubscriptionDoes(t *testing.T) {
	t.Parallel()
	l := newInvoiceLife(t, "EUR", "DE", 299_00, 119_40, 45_00)
	l.at(time.Date(2026, 11, 16, 0, 0, 0, 750_000_000, time.UTC))
	id := l.create(t, "Created inside a second")
	var got struct {
		Node struct {
			CreatedAt     string
			Subscriptions struct {
				Edges []struct {
					Node struct{ Kind, StartedAt string }
				}
			}
		}
	}
	l.api.Query(t, l.token, `query($id: ID!) { node(id: $id) { ... on Tenant {
		createdAt subscriptions(first: 10) { edges { node { kind startedAt } } } } } }`, &got, map[string]any{"id": id})
	starts := map[string]string{}
	for _, e := range got.Node.Subscriptions.Edges {
		starts[e.Node.Kind] = e.Node.StartedAt
		if e.Node.StartedAt != got.Node.CreatedAt {
			t.Errorf("%s subscription starts at %s, the tenant was created at %s", e.Node.Kind, e.Node.StartedAt, got.Node.CreatedAt)
		}
	}
	lines, total := l.lines(t, "2026-11")
	want := []string{
		fmt.Sprintf("Created inside a second SUPPORT S [%s, 2026-12-01T00:00:00.000Z) 22.50", starts["SUPPORT"]),
		fmt.Sprintf("Created inside a second TENANT A [%s, 2026-12-01T00:00:00.000Z) 149.50", starts["TENANT"]),
	}
	if !slices.Equal(lines, want) || total != "172.00" {
		t.Errorf("2026-11 lines\n  %s\ntotal %s; want lines that start where their subscriptions do:\n  %s\ntotal 172.00",
			strings.Join(lines, "\n  "), total, strings.Join(want, "\n  "))
	}
}
