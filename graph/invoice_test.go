package graph_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

const invoiceQuery = `query($p: ID!, $period: String!) {
  partnerInvoice(partnerId: $p, period: $period) {
    partner { id displayName }
    period
    currency
    billingEntity { id code legalName country }
    lines {
      tenant { id displayName }
      plan { id code }
      kind
      from
      to
      amount { amount currency }
    }
    total { amount currency }
  }
}`

type money struct{ Amount, Currency string }

type invoiceLine struct {
	Tenant struct{ ID, DisplayName string }
	Plan   struct{ ID, Code string }
	Kind   string
	From   string
	To     string
	Amount money
}

type invoice struct {
	Partner       struct{ ID, DisplayName string }
	Period        string
	Currency      string
	BillingEntity struct{ ID, Code, LegalName, Country string }
	Lines         []invoiceLine
	Total         money
}

// wantLine is one expected line, keyed by tenant and kind.
type wantLine struct {
	tenant   *ent.Tenant
	plan     *ent.Plan
	kind     string
	from, to string
	amount   string
}

func fetchInvoice(t *testing.T, api *testkit.API, token string, partner *ent.Tenant, period string) invoice {
	t.Helper()
	var got struct{ PartnerInvoice invoice }
	api.Query(t, token, invoiceQuery, &got, map[string]any{"p": testkit.ID(partner.ID), "period": period})
	return got.PartnerInvoice
}

// checkInvoice compares lines as a set (by tenant and kind) and checks every
// amount is in the invoice currency and the total is their sum as printed.
func checkInvoice(t *testing.T, inv invoice, currency string, want []wantLine, total string) {
	t.Helper()
	if inv.Currency != currency || inv.Total.Currency != currency {
		t.Errorf("currency = %q, total currency = %q, want %q", inv.Currency, inv.Total.Currency, currency)
	}
	if inv.Total.Amount != total {
		t.Errorf("total = %q, want %q", inv.Total.Amount, total)
	}
	if len(inv.Lines) != len(want) {
		t.Fatalf("got %d lines, want %d: %+v", len(inv.Lines), len(want), inv.Lines)
	}
	byKey := map[string]invoiceLine{}
	for _, l := range inv.Lines {
		k := l.Tenant.ID + "/" + l.Kind
		if _, dup := byKey[k]; dup {
			t.Fatalf("two %s lines for tenant %s", l.Kind, l.Tenant.DisplayName)
		}
		byKey[k] = l
		if l.Amount.Currency != currency {
			t.Errorf("line %s/%s in %q, want %q", l.Tenant.DisplayName, l.Kind, l.Amount.Currency, currency)
		}
	}
	for _, w := range want {
		l, ok := byKey[testkit.ID(w.tenant.ID)+"/"+w.kind]
		if !ok {
			t.Errorf("no %s line for %s in %+v", w.kind, w.tenant.DisplayName, inv.Lines)
			continue
		}
		if l.Tenant.DisplayName != w.tenant.DisplayName || l.Plan.ID != testkit.ID(w.plan.ID) || l.Plan.Code != w.plan.Code {
			t.Errorf("%s/%s line names tenant %+v plan %+v", w.tenant.DisplayName, w.kind, l.Tenant, l.Plan)
		}
		if l.From != w.from || (w.to != "" && l.To != w.to) {
			t.Errorf("%s/%s line covers [%s, %s), want [%s, %s)", w.tenant.DisplayName, w.kind, l.From, l.To, w.from, w.to)
		}
		if l.Amount.Amount != w.amount {
			t.Errorf("%s/%s line amount = %q, want %q", w.tenant.DisplayName, w.kind, l.Amount.Amount, w.amount)
		}
	}
}

func TestPartnerInvoiceWorkedExample(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	tp, sp := w.Catalog.Plans["t-pro"], w.Catalog.Plans["s-prem"]
	be, err := w.Client.BillingEntity.Get(sys, w.Partner.BillingEntityID)
	if err != nil {
		t.Fatal(err)
	}

	lines := func(from, to, tenantAmount, supportAmount string) []wantLine {
		var out []wantLine
		for _, m := range []*ent.Tenant{w.Managed, w.Sibling} {
			out = append(out,
				wantLine{m, tp, "TENANT", from, to, tenantAmount},
				wantLine{m, sp, "SUPPORT", from, to, supportAmount})
		}
		return out
	}
	tests := []struct {
		period string
		want   []wantLine
		total  string
	}{
		{"2026-11", lines("2026-11-16T00:00:00.000Z", "2026-12-01T00:00:00.000Z", "150.00", "45.00"), "390.00"},
		{"2026-12", lines("2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z", "300.00", "90.00"), "780.00"},
		// February: a whole month is still the whole price.
		{"2027-02", lines("2027-02-01T00:00:00.000Z", "2027-03-01T00:00:00.000Z", "300.00", "90.00"), "780.00"},
		{"2099-07", lines("2099-07-01T00:00:00.000Z", "2099-08-01T00:00:00.000Z", "300.00", "90.00"), "780.00"},
		// The last valid period, far in the future (9999-12 would end in
		// year 10000, which RFC 3339 cannot write: BAD_USER_INPUT).
		{"9999-11", lines("9999-11-01T00:00:00.000Z", "9999-12-01T00:00:00.000Z", "300.00", "90.00"), "780.00"},
		// Before the tenants were created: no lines, zero total.
		{"2026-10", nil, "0.00"},
		{"2000-01", nil, "0.00"},
		{"0001-01", nil, "0.00"},
	}
	for _, tc := range tests {
		t.Run(tc.period, func(t *testing.T) {
			for _, reader := range []*ent.User{w.PartnerAdmin, w.Staff} {
				inv := fetchInvoice(t, api, w.Token(reader), w.Partner, tc.period)
				if inv.Period != tc.period {
					t.Errorf("period = %q, want %q", inv.Period, tc.period)
				}
				if inv.Partner.ID != testkit.ID(w.Partner.ID) || inv.Partner.DisplayName != w.Partner.DisplayName {
					t.Errorf("partner = %+v", inv.Partner)
				}
				if inv.BillingEntity.ID != testkit.ID(be.ID) || inv.BillingEntity.Code != be.Code ||
					inv.BillingEntity.LegalName != be.LegalName || inv.BillingEntity.Country != be.Country {
					t.Errorf("billing entity = %+v, want the partner's %+v", inv.BillingEntity, be)
				}
				if inv.Lines == nil {
					t.Errorf("lines is null, want a list")
				}
				checkInvoice(t, inv, "EUR", tc.want, tc.total)
			}
		})
	}
}

// TestPartnerInvoiceLineOrderIsStable: the same invoice twice lists its
// lines in the same order (a console must be able to diff two fetches).
func TestPartnerInvoiceLineOrderIsStable(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	first := fetchInvoice(t, api, w.Token(w.PartnerAdmin), w.Partner, "2026-12")
	for i := 0; i < 3; i++ {
		again := fetchInvoice(t, api, w.Token(w.Staff), w.Partner, "2026-12")
		if fmt.Sprint(again.Lines) != fmt.Sprint(first.Lines) {
			t.Fatalf("line order changed:\n%+v\n%+v", first.Lines, again.Lines)
		}
	}
}

// partnerInCurrency creates a partner in a currency with one tenant and one support
// plan, a managed tenant subscribed to both from 2026-11-16, and its admin.
func partnerInCurrency(t *testing.T, w *testkit.World, currency string, tenantPrice, supportPrice int64) (*ent.Tenant, *ent.Tenant, *testkit.Catalog, string) {
	t.Helper()
	cat := w.Fixture.Catalog(currency,
		testkit.PlanSpec{Code: "t-" + currency, Name: "Tenant " + currency, Kind: enums.PlanKindTenant, Price: tenantPrice, Active: true},
		testkit.PlanSpec{Code: "s-" + currency, Name: "Support " + currency, Kind: enums.PlanKindSupport, Price: supportPrice, Active: true},
	)
	partner := w.Tenant(testkit.TenantSpec{Name: "Partner " + currency, Country: "JP", Currency: currency, Partner: true, Catalog: cat})
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	managed := w.Tenant(testkit.TenantSpec{Name: "Managed " + currency, ManagedBy: partner, CreatedAt: start})
	if managed.Currency != currency {
		t.Fatalf("fixture: managed tenant currency %q", managed.Currency)
	}
	w.Subscribe(managed, cat.Plans["t-"+currency], partner, start)
	w.Subscribe(managed, cat.Plans["s-"+currency], partner, start)
	admin := w.User(strings.ToLower(currency) + "-admin@example.com")
	w.Member(partner, admin, enums.RoleAdmin)
	return partner, managed, cat, w.Fixture.Token(admin)
}

func TestPartnerInvoiceCurrencyMinorUnits(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	nov := [2]string{"2026-11-16T00:00:00.000Z", "2026-12-01T00:00:00.000Z"}
	dec := [2]string{"2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"}

	tests := []struct {
		currency                  string
		tenantPrice, supportPrice int64
		period                    string
		span                      [2]string
		tenantAmount, supportAmt  string
		total                     string
	}{
		// JPY has no minor unit: 4900 yen for half a month is 2450;
		// 1501/2 = 750.5 rounds half up to 751.
		{"JPY", 4900, 1501, "2026-11", nov, "2450", "751", "3201"},
		{"JPY", 4900, 1501, "2026-12", dec, "4900", "1501", "6401"},
		{"JPY", 4900, 1501, "2026-10", nov, "", "", "0"},
		// KWD has three decimals: 100.000 / 2 = 50.000; 12.345 / 2 =
		// 6.1725 rounds half up to 6.173.
		{"KWD", 100_000, 12_345, "2026-11", nov, "50.000", "6.173", "56.173"},
		{"KWD", 100_000, 12_345, "2026-12", dec, "100.000", "12.345", "112.345"},
		{"KWD", 100_000, 12_345, "2026-10", nov, "", "", "0.000"},
	}
	partners := map[string][]any{}
	for _, tc := range tests {
		if _, ok := partners[tc.currency]; !ok {
			p, m, cat, tok := partnerInCurrency(t, w, tc.currency, tc.tenantPrice, tc.supportPrice)
			partners[tc.currency] = []any{p, m, cat, tok}
		}
	}
	for _, tc := range tests {
		t.Run(tc.currency+" "+tc.period, func(t *testing.T) {
			p := partners[tc.currency]
			partner, managed, cat, tok := p[0].(*ent.Tenant), p[1].(*ent.Tenant), p[2].(*testkit.Catalog), p[3].(string)
			inv := fetchInvoice(t, api, tok, partner, tc.period)
			var want []wantLine
			if tc.tenantAmount != "" {
				want = []wantLine{
					{managed, cat.Plans["t-"+tc.currency], "TENANT", tc.span[0], tc.span[1], tc.tenantAmount},
					{managed, cat.Plans["s-"+tc.currency], "SUPPORT", tc.span[0], tc.span[1], tc.supportAmt},
				}
			}
			checkInvoice(t, inv, tc.currency, want, tc.total)
			if tc.currency == "JPY" {
				for _, l := range inv.Lines {
					if strings.Contains(l.Amount.Amount, ".") {
						t.Errorf("JPY amount %q has decimals", l.Amount.Amount)
					}
				}
			}
			// The partner's invoice is not the EUR partner's.
			for _, l := range inv.Lines {
				if l.Tenant.ID != testkit.ID(managed.ID) {
					t.Errorf("line of another partner's tenant: %+v", l)
				}
			}
		})
	}
}

func TestPartnerInvoiceEndedSubscriptionIsProrated(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	sub, err := w.Client.Subscription.Query().
		Where(subscription.TenantID(w.Sibling.ID), subscription.KindEQ(enums.PlanKindTenant)).Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	// Ended 2026-12-11T12:00Z: 10.5 of December's 31 days.
	end := time.Date(2026, 12, 11, 12, 0, 0, 0, time.UTC)
	if err := w.Client.Subscription.UpdateOne(sub).SetEndedAt(end).Exec(sys); err != nil {
		t.Fatal(err)
	}
	// A second subscription ending exactly when December starts: nothing
	// to bill in December.
	sup, err := w.Client.Subscription.Query().
		Where(subscription.TenantID(w.Sibling.ID), subscription.KindEQ(enums.PlanKindSupport)).Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Client.Subscription.UpdateOne(sup).SetEndedAt(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)).Exec(sys); err != nil {
		t.Fatal(err)
	}
	tp, sp := w.Catalog.Plans["t-pro"], w.Catalog.Plans["s-prem"]
	decStart, janStart := "2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"

	// 300.00 * 10.5 / 31 = 101.6129... -> 101.61
	dec := fetchInvoice(t, api, w.Token(w.PartnerAdmin), w.Partner, "2026-12")
	checkInvoice(t, dec, "EUR", []wantLine{
		{w.Managed, tp, "TENANT", decStart, janStart, "300.00"},
		{w.Managed, sp, "SUPPORT", decStart, janStart, "90.00"},
		{w.Sibling, tp, "TENANT", decStart, "2026-12-11T12:00:00.000Z", "101.61"},
	}, "491.61")

	// November is untouched by the ends.
	nov := fetchInvoice(t, api, w.Token(w.PartnerAdmin), w.Partner, "2026-11")
	from, to := "2026-11-16T00:00:00.000Z", "2026-12-01T00:00:00.000Z"
	checkInvoice(t, nov, "EUR", []wantLine{
		{w.Managed, tp, "TENANT", from, to, "150.00"},
		{w.Managed, sp, "SUPPORT", from, to, "45.00"},
		{w.Sibling, tp, "TENANT", from, to, "150.00"},
		{w.Sibling, sp, "SUPPORT", from, to, "45.00"},
	}, "390.00")

	// After the end, only the running subscriptions are billed.
	jan := fetchInvoice(t, api, w.Token(w.PartnerAdmin), w.Partner, "2027-01")
	checkInvoice(t, jan, "EUR", []wantLine{
		{w.Managed, tp, "TENANT", janStart, "2027-02-01T00:00:00.000Z", "300.00"},
		{w.Managed, sp, "SUPPORT", janStart, "2027-02-01T00:00:00.000Z", "90.00"},
	}, "390.00")
}

func TestPartnerInvoiceBadPeriod(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	for _, period := range []string{
		"2026-13", "9999-12", "2026-1", "", "2026/11", "abcd-ef", "2026-00", "0000-01", "2026-11-01",
		" 2026-11", "2026-11 ", "26-11", "+2026-11", "2026-+1", "２０２６-１１", "2026−11", "10000-01", "2026-1\x00",
	} {
		t.Run(fmt.Sprintf("%q", period), func(t *testing.T) {
			res := api.Do(t, w.Token(w.PartnerAdmin), invoiceQuery, map[string]any{"p": testkit.ID(w.Partner.ID), "period": period})
			res.RequireError(t, "BAD_USER_INPUT", "partnerInvoice")
		})
	}
}

func TestPartnerInvoiceAccess(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	missing := w.Partner.ID + 1_000_000 // in the tenants' id range, no row
	// A managed tenant's admin who is also a member (not admin) of the
	// partner: the partner exists for it, the invoice is not its to read.
	managedAdminPartnerViewer := w.User("managed-admin-partner-viewer@example.com")
	w.Member(w.Sibling, managedAdminPartnerViewer, enums.RoleAdmin)
	w.Member(w.Partner, managedAdminPartnerViewer, enums.RoleViewer)
	w.Tokens[managedAdminPartnerViewer.ID] = w.Fixture.Token(managedAdminPartnerViewer)
	tests := []struct {
		name    string
		user    *ent.User
		partner int
		code    string // "" = the invoice is returned
	}{
		{"partner admin", w.PartnerAdmin, w.Partner.ID, ""},
		{"staff", w.Staff, w.Partner.ID, ""},
		{"staff, other partner", w.Staff, w.OtherPartner.ID, ""},
		{"other partner's admin, own partner", w.OtherPartnerAdmin, w.OtherPartner.ID, ""},
		{"partner editor", w.PartnerEditor, w.Partner.ID, "FORBIDDEN"},
		{"partner viewer", w.PartnerViewer, w.Partner.ID, "FORBIDDEN"},
		{"other partner's admin", w.OtherPartnerAdmin, w.Partner.ID, "NOT_FOUND"},
		{"standalone admin, own tenant", w.StandaloneAdmin, w.Standalone.ID, "FORBIDDEN"},
		{"standalone admin, a partner", w.StandaloneAdmin, w.Partner.ID, "NOT_FOUND"},
		{"managed tenant's admin who is not a partner member", w.SiblingAdmin, w.Partner.ID, "NOT_FOUND"},
		{"managed tenant's admin who is a partner viewer", managedAdminPartnerViewer, w.Partner.ID, "FORBIDDEN"},
		{"managed tenant's admin who is the partner's admin", w.PartnerAdmin, w.Partner.ID, ""},
		{"managed tenant's viewer", w.ManagedViewer, w.Partner.ID, "NOT_FOUND"},
		{"managed tenant's editor", w.Both, w.Partner.ID, "NOT_FOUND"},
		{"managed tenant's admin asking for the managed tenant", w.SiblingAdmin, w.Sibling.ID, "FORBIDDEN"},
		{"partner admin asking for a managed tenant", w.PartnerAdmin, w.Managed.ID, "FORBIDDEN"},
		{"staff asking for a standalone tenant", w.Staff, w.Standalone.ID, "FORBIDDEN"},
		{"stranger", w.Stranger, w.Partner.ID, "NOT_FOUND"},
		{"no such tenant", w.PartnerAdmin, missing, "NOT_FOUND"},
		{"no such tenant, staff", w.Staff, missing, "NOT_FOUND"},
		{"a plan's id", w.PartnerAdmin, w.Catalog.Plans["t-pro"].ID, "NOT_FOUND"},
	}
	notFound := notFoundMessages{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{"p": testkit.ID(tc.partner), "period": "2026-11"}
			if tc.code == "" {
				var got struct{ PartnerInvoice invoice }
				api.Query(t, w.Token(tc.user), invoiceQuery, &got, vars)
				if got.PartnerInvoice.Partner.ID != testkit.ID(tc.partner) {
					t.Errorf("invoice of %+v", got.PartnerInvoice.Partner)
				}
				return
			}
			msg := api.Do(t, w.Token(tc.user), invoiceQuery, vars).RequireError(t, tc.code, "partnerInvoice")
			if tc.code == "NOT_FOUND" {
				notFound.same(t, "partnerInvoice", msg) // a hidden partner reads like a missing one
			}
		})
	}
}

// TestPartnerInvoiceOnlyBillsItsOwnSubscriptions: a subscription billed to
// another partner (or to the tenant itself) never shows up.
func TestPartnerInvoiceOnlyBillsItsOwnSubscriptions(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	client := w.Fixture.Managed(w.OtherPartner, "Lakeside Client")
	w.Subscribe(client, w.OtherCatalog.Plans["t-pro"], w.OtherPartner, start)
	// Billed to Managed itself, before its partner's plan began.
	selfEnd := start.AddDate(0, 0, 9)
	w.SubscribeUntil(w.Managed, w.Catalog.Plans["t-max"], w.Managed, start, &selfEnd)

	inv := fetchInvoice(t, api, w.Token(w.PartnerAdmin), w.Partner, "2026-11")
	if inv.Total.Amount != "390.00" || len(inv.Lines) != 4 {
		t.Errorf("partner's invoice changed by others' subscriptions: total %s, %d lines", inv.Total.Amount, len(inv.Lines))
	}
	other := fetchInvoice(t, api, w.Token(w.OtherPartnerAdmin), w.OtherPartner, "2026-11")
	checkInvoice(t, other, "USD", []wantLine{
		{client, w.OtherCatalog.Plans["t-pro"], "TENANT", "2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z", "300.00"},
	}, "300.00")
	var tenants []string
	for _, l := range inv.Lines {
		tenants = append(tenants, l.Tenant.DisplayName)
	}
	sort.Strings(tenants)
	if strings.Join(tenants, ",") != "Managed One,Managed One,Sibling Two,Sibling Two" {
		t.Errorf("lines name tenants %v", tenants)
	}
}
