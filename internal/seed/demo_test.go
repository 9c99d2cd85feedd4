package seed_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var personaKeys = []string{"staff", "partnerAdmin", "partnerEditor", "standaloneAdmin", "otherPartnerAdmin"}

func loadDemo(t *testing.T, st *store.Store) *seed.Demo {
	t.Helper()
	d, err := seed.LoadDemo(context.Background(), st.Client, time.Hour)
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	if len(d.Tokens) != len(personaKeys) {
		t.Fatalf("tokens = %v, want the %d personas", d.Tokens, len(personaKeys))
	}
	seen := map[string]bool{}
	for _, k := range personaKeys {
		tok := d.Tokens[k]
		if tok == "" || seen[tok] {
			t.Fatalf("token of %s = %q (empty or shared)", k, tok)
		}
		seen[tok] = true
	}
	return d
}

func TestLoadDemoIsIdempotentAndRotatesTokens(t *testing.T) {
	t.Parallel()
	st := testkit.Store(t)
	first := loadDemo(t, st)
	afterFirst := testkit.Rows(t, st)
	for _, tbl := range []string{"tenants", "users", "memberships", "plans", "plan_catalogs", "billing_entities",
		"subscriptions", "spaces", "devices", "installations"} {
		if afterFirst[tbl] == 0 {
			t.Errorf("the demo has no %s", tbl)
		}
	}
	if afterFirst["api_tokens"] != len(personaKeys) {
		t.Errorf("%d api_tokens, want one per persona (%d)", afterFirst["api_tokens"], len(personaKeys))
	}

	second := loadDemo(t, st)
	afterSecond := testkit.Rows(t, st)
	for tbl, n := range afterFirst {
		if afterSecond[tbl] != n {
			t.Errorf("table %s: %d rows after the first run, %d after the second", tbl, n, afterSecond[tbl])
		}
	}
	third := loadDemo(t, st)
	if afterThird := testkit.Rows(t, st); fmt.Sprint(afterThird) != fmt.Sprint(afterFirst) {
		t.Errorf("third run: %v, want %v", afterThird, afterFirst)
	}

	ctx := context.Background()
	now := time.Now()
	emails := map[string]string{}
	for _, p := range seed.Personas {
		emails[p.Key] = p.Email
	}
	for _, k := range personaKeys {
		for _, old := range []string{first.Tokens[k], second.Tokens[k]} {
			if old == third.Tokens[k] {
				t.Fatalf("%s: token not rotated", k)
			}
			if v, err := auth.Verify(ctx, st.Client, old, now); !errors.Is(err, apperr.ErrUnauthenticated) {
				t.Errorf("%s: a previous run's token still verifies: %+v, %v", k, v, err)
			}
		}
		v, err := auth.Verify(ctx, st.Client, third.Tokens[k], now)
		if err != nil {
			t.Fatalf("%s: the latest token does not verify: %v", k, err)
		}
		if v.Email != emails[k] || v.Staff != (k == "staff") {
			t.Errorf("%s: token is %s (staff %v), want %s", k, v.Email, v.Staff, emails[k])
		}
	}
}

// TestLoadDemoKeepsOtherTokens: rotation only replaces the demo's own
// tokens; a token minted otherwise for a persona keeps working.
func TestLoadDemoKeepsOtherTokens(t *testing.T) {
	t.Parallel()
	st := testkit.Store(t)
	d := loadDemo(t, st)
	v, err := auth.Verify(context.Background(), st.Client, d.Tokens["staff"], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ops, err := auth.Issue(context.Background(), st.Client, v.UserID, "ops", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	loadDemo(t, st)
	if _, err := auth.Verify(context.Background(), st.Client, ops, time.Now()); err != nil {
		t.Fatalf("an ops token stopped working after a re-seed: %v", err)
	}
}

type membership struct {
	Role   string
	Tenant struct {
		ID, DisplayName, Currency string
		IsPartner                 bool
		Partner                   *struct{ ID string }
		BillingEntity             struct{ ID, Code, Country string }
	}
}

func viewerOf(t *testing.T, api *testkit.API, token string) (bool, []membership) {
	t.Helper()
	var got struct {
		Viewer struct {
			IsStaff     bool
			Memberships []membership
		}
	}
	api.Query(t, token, `{ viewer { isStaff memberships { role tenant { id displayName currency isPartner partner { id }
		billingEntity { id code country } } } } }`, &got, nil)
	return got.Viewer.IsStaff, got.Viewer.Memberships
}

// partnerOf returns the partner tenant the persona administers.
func partnerOf(t *testing.T, ms []membership) membership {
	t.Helper()
	var found []membership
	for _, m := range ms {
		if m.Tenant.IsPartner && m.Role == "ADMIN" {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one partner administered, got %+v", ms)
	}
	return found[0]
}

func TestDemoWorldThroughTheAPI(t *testing.T) {
	t.Parallel()
	st := testkit.Store(t)
	loadDemo(t, st) // a re-seed must leave the same world
	d := loadDemo(t, st)
	api := testkit.NewAPI(t, st, nil)

	isStaff, _ := viewerOf(t, api, d.Tokens["staff"])
	if !isStaff {
		t.Errorf("the staff persona is not staff")
	}
	_, adminMs := viewerOf(t, api, d.Tokens["partnerAdmin"])
	eur := partnerOf(t, adminMs)
	_, otherMs := viewerOf(t, api, d.Tokens["otherPartnerAdmin"])
	usd := partnerOf(t, otherMs)

	if eur.Tenant.Currency != "EUR" {
		t.Errorf("the partnerAdmin's partner bills in %s, want EUR", eur.Tenant.Currency)
	}
	if eur.Tenant.Currency == usd.Tenant.Currency {
		t.Errorf("both partners bill in %s", eur.Tenant.Currency)
	}
	if eur.Tenant.BillingEntity.ID == usd.Tenant.BillingEntity.ID || eur.Tenant.BillingEntity.Code == usd.Tenant.BillingEntity.Code {
		t.Errorf("both partners share billing entity %+v", eur.Tenant.BillingEntity)
	}
	if eur.Tenant.Partner != nil || usd.Tenant.Partner != nil {
		t.Errorf("a demo partner is managed")
	}

	// The partner editor is an editor of the EUR partner; the standalone
	// admin administers a tenant that is neither partner nor managed.
	_, editorMs := viewerOf(t, api, d.Tokens["partnerEditor"])
	if len(editorMs) != 1 || editorMs[0].Role != "EDITOR" || editorMs[0].Tenant.ID != eur.Tenant.ID {
		t.Errorf("partnerEditor memberships = %+v", editorMs)
	}
	_, standaloneMs := viewerOf(t, api, d.Tokens["standaloneAdmin"])
	if len(standaloneMs) != 1 || standaloneMs[0].Role != "ADMIN" || standaloneMs[0].Tenant.IsPartner || standaloneMs[0].Tenant.Partner != nil {
		t.Errorf("standaloneAdmin memberships = %+v", standaloneMs)
	}

	// Demo Retail's 2026-11 invoice lines: 150.00 and 45.00 EUR.
	var got struct {
		PartnerInvoice struct {
			Currency string
			Lines    []struct {
				Tenant struct{ DisplayName string }
				Kind   string
				From   string
				Amount struct{ Amount, Currency string }
			}
			Total struct{ Amount string }
		}
	}
	q := `query($p: ID!) { partnerInvoice(partnerId: $p, period: "2026-11") { currency
		lines { tenant { displayName } kind from amount { amount currency } } total { amount } } }`
	for _, who := range []string{"partnerAdmin", "staff"} {
		api.Query(t, d.Tokens[who], q, &got, map[string]any{"p": eur.Tenant.ID})
		inv := got.PartnerInvoice
		amounts := map[string]string{}
		for _, l := range inv.Lines {
			if l.Tenant.DisplayName == "Demo Retail" {
				if _, dup := amounts[l.Kind]; dup {
					t.Errorf("%s: two %s lines for Demo Retail", who, l.Kind)
				}
				amounts[l.Kind] = l.Amount.Amount + " " + l.Amount.Currency
				if l.From != "2026-11-16T00:00:00.000Z" {
					t.Errorf("%s: Demo Retail %s line from %s", who, l.Kind, l.From)
				}
			}
		}
		if inv.Currency != "EUR" || amounts["TENANT"] != "150.00 EUR" || amounts["SUPPORT"] != "45.00 EUR" {
			t.Errorf("%s: invoice %s, Demo Retail lines %v; want TENANT 150.00 EUR and SUPPORT 45.00 EUR", who, inv.Currency, amounts)
		}
	}
	// Demo Retail is on the 300.00/90.00 plans.
	var tenant struct {
		Tenant struct {
			DisplayName string
			CreatedAt   string
			TenantPlan  *struct {
				MonthlyPrice struct{ Amount, Currency string }
			}
			SupportPlan *struct {
				MonthlyPrice struct{ Amount, Currency string }
			}
			Partner *struct{ ID string }
		}
	}
	var retailID string
	for _, m := range adminMs {
		if m.Tenant.DisplayName == "Demo Retail" {
			retailID = m.Tenant.ID
		}
	}
	if retailID == "" {
		t.Fatalf("the partnerAdmin is not a member of Demo Retail: %+v", adminMs)
	}
	api.Query(t, d.Tokens["partnerAdmin"], `query($id: ID!) { tenant(id: $id) { displayName createdAt partner { id }
		tenantPlan { monthlyPrice { amount currency } } supportPlan { monthlyPrice { amount currency } } } }`, &tenant,
		map[string]any{"id": retailID})
	tn := tenant.Tenant
	if tn.CreatedAt != "2026-11-16T00:00:00.000Z" || tn.Partner == nil || tn.Partner.ID != eur.Tenant.ID {
		t.Errorf("Demo Retail = %+v", tn)
	}
	if tn.TenantPlan == nil || tn.TenantPlan.MonthlyPrice.Amount != "300.00" || tn.SupportPlan == nil || tn.SupportPlan.MonthlyPrice.Amount != "90.00" {
		t.Errorf("Demo Retail plans = %+v / %+v", tn.TenantPlan, tn.SupportPlan)
	}

	// Each partner's dropdown offers at least three paid plans of each kind.
	for _, p := range []struct{ who, id string }{{"partnerAdmin", eur.Tenant.ID}, {"otherPartnerAdmin", usd.Tenant.ID}} {
		for _, kind := range []string{"TENANT", "SUPPORT"} {
			var cat struct {
				PlanCatalog []struct {
					Active       bool
					MonthlyPrice struct{ Amount, Currency string }
				}
			}
			api.Query(t, d.Tokens[p.who], `query($p: ID!, $k: PlanKind!) { planCatalog(partnerId: $p, kind: $k) { active monthlyPrice { amount currency } } }`, &cat,
				map[string]any{"p": p.id, "k": kind})
			if len(cat.PlanCatalog) < 3 {
				t.Errorf("%s %s catalog has %d plans, want >= 3", p.who, kind, len(cat.PlanCatalog))
			}
		}
	}
}

// TestDemoCatalogs: each demo catalog holds, for each kind, at least one
// free and three paid active plans, all in the catalog's currency.
func TestDemoCatalogs(t *testing.T) {
	t.Parallel()
	st := testkit.Store(t)
	loadDemo(t, st)
	ctx := rule.SystemContext(context.Background())
	cats, err := st.Client.PlanCatalog.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cats) < 2 {
		t.Fatalf("%d catalogs, want one per partner (2)", len(cats))
	}
	currencies := map[string]bool{}
	for _, c := range cats {
		currencies[c.Currency] = true
		for _, kind := range []enums.PlanKind{enums.PlanKindTenant, enums.PlanKindSupport} {
			plans, err := st.Client.Plan.Query().Where(plan.CatalogID(c.ID), plan.KindEQ(kind), plan.Active(true)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			free, paid := 0, 0
			for _, p := range plans {
				if p.Currency != c.Currency {
					t.Errorf("plan %s of the %s catalog is in %s", p.Code, c.Currency, p.Currency)
				}
				if p.MonthlyPrice == 0 {
					free++
				} else {
					paid++
				}
			}
			if free < 1 || paid < 3 {
				t.Errorf("catalog %q %s: %d free and %d paid active plans, want >= 1 and >= 3", c.Name, kind, free, paid)
			}
		}
	}
	if len(currencies) < 2 {
		t.Errorf("catalog currencies %v, want two", currencies)
	}
}
