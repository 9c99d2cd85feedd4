package graph_test

// End-to-end tests of the managed-tenant rules (SPEC 3 to 6) through the real
// HTTP handler: createManagedTenant, setTenantPartnerFlag, visibleSettings and
// planCatalog.

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/auditevent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/schema/jsontext"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

const createManagedTenantMutation = `mutation($input: CreateManagedTenantInput!) {
  createManagedTenant(input: $input) {
    managedTenant {
      id displayName country currency billingType isPartner viewerRole createdAt
      billingEntity { id code country }
      partner { id }
      tenantPlan { id code }
      supportPlan { id code }
    }
    userErrors { field message code }
  }
}`

const setPartnerFlagMutation = `mutation($input: SetTenantPartnerFlagInput!) {
  setTenantPartnerFlag(input: $input) {
    tenant { id isPartner }
    userErrors { field message code }
  }
}`

const visibleSettingsQuery = `query($id: ID!) { visibleSettings(tenantId: $id) }`

const planCatalogQuery = `query($p: ID!, $k: PlanKind!, $o: PlanOrder) {
  planCatalog(partnerId: $p, kind: $k, orderBy: $o) {
    id code name kind active monthlyPrice { amount currency }
  }
}`

type planRef struct{ ID, Code string }

type managedTenant struct {
	ID            string
	DisplayName   string
	Country       string
	Currency      string
	BillingType   string
	IsPartner     bool
	ViewerRole    *string
	CreatedAt     string
	BillingEntity struct{ ID, Code, Country string }
	Partner       *node
	TenantPlan    *planRef
	SupportPlan   *planRef
}

type createPayload struct {
	ManagedTenant *managedTenant
	UserErrors    []testkit.UserError
}

// createInput is a valid createManagedTenant input under w.Partner.
func createInput(w *testkit.World, name string) map[string]any {
	return map[string]any{
		"partnerId":     testkit.ID(w.Partner.ID),
		"displayName":   name,
		"country":       "SE",
		"tenantPlanId":  testkit.ID(w.Catalog.Plans["t-pro"].ID),
		"supportPlanId": testkit.ID(w.Catalog.Plans["s-prem"].ID),
	}
}

// with returns a copy of in with the fields of kv (name, value, ...)
// replaced.
func with(in map[string]any, kv ...any) map[string]any {
	out := maps.Clone(in)
	for i := 0; i+1 < len(kv); i += 2 {
		out[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return out
}

func createTenant(t testing.TB, api *testkit.API, token string, input map[string]any) createPayload {
	t.Helper()
	var out struct{ CreateManagedTenant createPayload }
	api.Query(t, token, createManagedTenantMutation, &out, map[string]any{"input": input})
	return out.CreateManagedTenant
}

// requireCreated creates a managed tenant and fails on any user error.
func requireCreated(t testing.TB, api *testkit.API, token string, input map[string]any) *managedTenant {
	t.Helper()
	p := createTenant(t, api, token, input)
	if len(p.UserErrors) != 0 || p.ManagedTenant == nil {
		t.Fatalf("createManagedTenant(%v): userErrors %v, tenant %v", input, p.UserErrors, p.ManagedTenant)
	}
	return p.ManagedTenant
}

// oneCreation is what one managed tenant's creation writes: the tenant, its
// creator's ADMIN membership, two subscriptions and an audit event.
var oneCreation = testkit.RowCounts{"tenants": 1, "memberships": 1, "subscriptions": 2, "audit_events": 1}

// createConcurrently fires n createManagedTenant requests at once, each
// its own HTTP request, and returns their payloads.
func createConcurrently(t *testing.T, api *testkit.API, token string, input map[string]any, n int) []createPayload {
	t.Helper()
	start := make(chan struct{})
	res := make([]*testkit.Response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res[i], errs[i] = api.Send(token, createManagedTenantMutation, map[string]any{"input": input})
		}()
	}
	close(start)
	wg.Wait()
	out := make([]createPayload, n)
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		var data struct{ CreateManagedTenant createPayload }
		res[i].Decode(t, &data)
		out[i] = data.CreateManagedTenant
	}
	return out
}

func entID(t testing.TB, globalID string) int {
	t.Helper()
	id := gid.Decode(globalID)
	if id == gid.Invalid {
		t.Fatalf("id %q does not decode", globalID)
	}
	return id
}

// ---------------------------------------------------------------------------
// createManagedTenant

func TestCreateManagedTenantHappyPath(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	// A second admin of the partner: it sees the new tenant's account data
	// (SPEC 2.2) but gains no membership (SPEC 2.3).
	otherAdmin := w.User("second-partner-admin@example.com")
	w.Member(w.Partner, otherAdmin, enums.RoleAdmin)
	otherAdminToken := w.Fixture.Token(otherAdmin)

	before := testkit.Rows(t, w.Store)
	tPro, sPrem := w.Catalog.Plans["t-pro"], w.Catalog.Plans["s-prem"]
	got := requireCreated(t, api, w.Token(w.PartnerAdmin),
		with(createInput(w, "  Acme Retail \t"), "country", "de"))

	be, err := w.Client.BillingEntity.Get(sys, w.Partner.BillingEntityID)
	if err != nil {
		t.Fatal(err)
	}
	if be.Country != "SE" || w.Partner.Currency != "EUR" {
		t.Fatalf("world changed: partner in %s billed by %s entity", w.Partner.Currency, be.Country)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"displayName", got.DisplayName, "Acme Retail"},
		{"country", got.Country, "DE"},
		{"currency", got.Currency, "EUR"},
		{"billingEntity.id", got.BillingEntity.ID, testkit.ID(be.ID)},
		{"billingEntity.code", got.BillingEntity.Code, be.Code},
		{"billingEntity.country", got.BillingEntity.Country, "SE"},
		{"billingType", got.BillingType, "PARTNER_INVOICE"},
		{"isPartner", got.IsPartner, false},
		{"partner", got.Partner, &node{ID: testkit.ID(w.Partner.ID)}},
		{"tenantPlan", got.TenantPlan, &planRef{ID: testkit.ID(tPro.ID), Code: "t-pro"}},
		{"supportPlan", got.SupportPlan, &planRef{ID: testkit.ID(sPrem.ID), Code: "s-prem"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if got.ViewerRole == nil || *got.ViewerRole != "ADMIN" {
		t.Errorf("viewerRole = %v, want ADMIN", got.ViewerRole)
	}

	// In the database: one tenant, one ADMIN membership, two subscriptions,
	// one audit event; nothing else, in any table.
	tenantID := entID(t, got.ID)
	testkit.RequireRows(t, w.Store, before.Plus(oneCreation))
	row, err := w.Client.Tenant.Get(sys, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	if row.PartnerID == nil || *row.PartnerID != w.Partner.ID || row.DisplayName != "Acme Retail" ||
		row.Country != "DE" || row.Currency != "EUR" || row.BillingEntityID != be.ID ||
		row.BillingType != enums.BillingTypePartnerInvoice || row.IsPartner ||
		row.CreatedByID == nil || *row.CreatedByID != w.PartnerAdmin.ID {
		t.Errorf("tenant row = %+v", row)
	}
	if stored := row.CreatedAt.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z"); stored != got.CreatedAt {
		t.Errorf("createdAt = %s, row has %s", got.CreatedAt, stored)
	}
	ms, err := w.Client.Membership.Query().Where(membership.TenantID(tenantID)).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].UserID != w.PartnerAdmin.ID || ms[0].Role != enums.RoleAdmin {
		t.Errorf("memberships of the new tenant = %+v, want one ADMIN for the creator", ms)
	}
	subs, err := w.Client.Subscription.Query().Where(subscription.TenantID(tenantID)).
		Order(ent.Asc(subscription.FieldKind)).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Fatalf("subscriptions = %+v, want 2", subs)
	}
	byKind := map[enums.PlanKind]*ent.Plan{enums.PlanKindTenant: tPro, enums.PlanKindSupport: sPrem}
	for _, s := range subs {
		p := byKind[s.Kind]
		if p == nil || s.PlanID != p.ID || s.BilledToID != w.Partner.ID || s.MonthlyPrice != p.MonthlyPrice ||
			s.Currency != "EUR" || s.EndedAt != nil || !s.StartedAt.Equal(row.CreatedAt) {
			t.Errorf("subscription %+v: want plan %d billed to %d at %d EUR from %s",
				s, p.ID, w.Partner.ID, p.MonthlyPrice, row.CreatedAt)
		}
	}
	events, err := w.Client.AuditEvent.Query().
		Where(auditevent.TargetEQ(got.ID)).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].ActorID == nil || *events[0].ActorID != w.PartnerAdmin.ID {
		t.Errorf("audit events of the creation = %+v, want one by the creator", events)
	}

	// The creator's memberships list it; the partner's other users gain
	// nothing.
	type memberships struct {
		Viewer struct {
			Memberships []struct {
				Role   string
				Tenant struct{ ID string }
			}
		}
	}
	roleIn := func(token string) string {
		var m memberships
		api.Query(t, token, `{ viewer { memberships { role tenant { id } } } }`, &m, nil)
		for _, x := range m.Viewer.Memberships {
			if x.Tenant.ID == got.ID {
				return x.Role
			}
		}
		return ""
	}
	if r := roleIn(w.Token(w.PartnerAdmin)); r != "ADMIN" {
		t.Errorf("creator's membership role = %q, want ADMIN", r)
	}
	for name, tok := range map[string]string{
		"partner editor": w.Token(w.PartnerEditor), "partner viewer": w.Token(w.PartnerViewer),
		"other partner admin": otherAdminToken,
	} {
		if r := roleIn(tok); r != "" {
			t.Errorf("%s: membership %q in the new tenant, want none", name, r)
		}
	}
	tenantQuery := `query($id: ID!) { tenant(id: $id) { id viewerRole members { totalCount } } }`
	for name, tok := range map[string]string{
		"partner editor": w.Token(w.PartnerEditor), "partner viewer": w.Token(w.PartnerViewer),
	} {
		t.Run(name, func(t *testing.T) {
			api.Do(t, tok, tenantQuery, map[string]any{"id": got.ID}).RequireError(t, "NOT_FOUND", "tenant")
		})
	}
	type tenantView struct {
		Tenant struct {
			ID         string
			ViewerRole *string
			Members    struct{ TotalCount int }
		}
	}
	var asOther tenantView
	api.Query(t, otherAdminToken, tenantQuery, &asOther, map[string]any{"id": got.ID})
	if asOther.Tenant.ID != got.ID || asOther.Tenant.ViewerRole != nil || asOther.Tenant.Members.TotalCount != 0 {
		t.Errorf("other partner admin sees %+v: want account data, no role, no members", asOther.Tenant)
	}
	var asCreator tenantView
	api.Query(t, w.Token(w.PartnerAdmin), tenantQuery, &asCreator, map[string]any{"id": got.ID})
	if asCreator.Tenant.ViewerRole == nil || *asCreator.Tenant.ViewerRole != "ADMIN" || asCreator.Tenant.Members.TotalCount != 1 {
		t.Errorf("creator sees %+v: want ADMIN with one member", asCreator.Tenant)
	}
}

func TestCreateManagedTenantHasNoCurrencyInput(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	before := testkit.Rows(t, w.Store)

	// As a variable: the input type has no such field.
	res := api.Do(t, w.Token(w.PartnerAdmin), createManagedTenantMutation,
		map[string]any{"input": with(createInput(w, "Priced In Dollars"), "currency", "USD")})
	if len(res.Errors) == 0 || !res.DataIsNull("createManagedTenant") {
		t.Errorf("currency variable: want a validation error and no data, got %s", res.Raw)
	}
	if !strings.Contains(string(res.Raw), "currency") {
		t.Errorf("currency variable: the error does not name the field: %s", res.Raw)
	}

	// Inline in the document: rejected by query validation.
	inline := fmt.Sprintf(`mutation { createManagedTenant(input: {partnerId: %q, displayName: "Inline", country: "SE",
	  tenantPlanId: %q, supportPlanId: %q, currency: "USD"}) { managedTenant { id } userErrors { code } } }`,
		testkit.ID(w.Partner.ID), testkit.ID(w.Catalog.Plans["t-pro"].ID), testkit.ID(w.Catalog.Plans["s-prem"].ID))
	res = api.Do(t, w.Token(w.PartnerAdmin), inline, nil)
	if len(res.Errors) == 0 || !res.DataIsNull("createManagedTenant") {
		t.Errorf("inline currency: want a validation error and no data, got %s", res.Raw)
	}
	if codes := res.Codes(); !slices.Contains(codes, "GRAPHQL_VALIDATION_FAILED") {
		t.Errorf("inline currency: codes %v, want GRAPHQL_VALIDATION_FAILED", codes)
	}
	testkit.RequireRows(t, w.Store, before)

	// The introspected input type has no currency or billing entity.
	var schema struct {
		Type struct{ InputFields []struct{ Name string } } `json:"__type"`
	}
	api.Query(t, w.Token(w.PartnerAdmin), `{ __type(name: "CreateManagedTenantInput") { inputFields { name } } }`, &schema, nil)
	var names []string
	for _, f := range schema.Type.InputFields {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	want := []string{"country", "displayName", "idempotencyKey", "partnerId", "supportPlanId", "tenantPlanId"}
	if !slices.Equal(names, want) {
		t.Errorf("CreateManagedTenantInput fields = %v, want %v", names, want)
	}
}

func TestCreateManagedTenantAccess(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	before := testkit.Rows(t, w.Store)

	tests := []struct {
		name      string
		token     string
		partnerID string
		code      string
	}{
		{"no token", "", testkit.ID(w.Partner.ID), "UNAUTHENTICATED"},
		{"non-member", w.Token(w.Stranger), testkit.ID(w.Partner.ID), "NOT_FOUND"},
		{"staff non-member", w.Token(w.Staff), testkit.ID(w.Partner.ID), "NOT_FOUND"},
		{"admin of another partner", w.Token(w.OtherPartnerAdmin), testkit.ID(w.Partner.ID), "NOT_FOUND"},
		{"member of a managed tenant only", w.Token(w.ManagedViewer), testkit.ID(w.Partner.ID), "NOT_FOUND"},
		{"garbage partner id", w.Token(w.PartnerAdmin), "garbage", "NOT_FOUND"},
		{"unknown partner id", w.Token(w.PartnerAdmin), testkit.ID(w.Partner.ID + 100000), "NOT_FOUND"},
		{"partner editor", w.Token(w.PartnerEditor), testkit.ID(w.Partner.ID), "FORBIDDEN"},
		{"partner viewer", w.Token(w.PartnerViewer), testkit.ID(w.Partner.ID), "FORBIDDEN"},
		{"admin of a standalone tenant", w.Token(w.StandaloneAdmin), testkit.ID(w.Standalone.ID), "FORBIDDEN"},
		{"admin of a managed tenant as partner", w.Token(w.PartnerAdmin), testkit.ID(w.Managed.ID), "FORBIDDEN"},
		{"sibling admin as partner", w.Token(w.SiblingAdmin), testkit.ID(w.Sibling.ID), "FORBIDDEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := with(createInput(w, "Should Not Exist"), "partnerId", tc.partnerID)
			res := api.Do(t, tc.token, createManagedTenantMutation, map[string]any{"input": in})
			res.RequireError(t, tc.code, "createManagedTenant")
			if res.Status != http.StatusOK {
				t.Errorf("HTTP %d, want 200", res.Status)
			}
			testkit.RequireRows(t, w.Store, before)
		})
	}
	n, err := w.Client.Tenant.Query().Where(tenant.DisplayName("Should Not Exist")).Count(sys)
	if err != nil || n != 0 {
		t.Errorf("tenants named like the refused input: %d (%v)", n, err)
	}
}

func TestCreateManagedTenantValidation(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	base := createInput(w, "Valid Name")
	plans, other := w.Catalog.Plans, w.OtherCatalog.Plans
	id := func(p *ent.Plan) string { return testkit.ID(p.ID) }

	const (
		name    = "input.displayName:INVALID"
		country = "input.country:INVALID"
		tplan   = "input.tenantPlanId:INVALID"
		splan   = "input.supportPlanId:INVALID"
		key     = "input.idempotencyKey:INVALID"
	)
	tests := []struct {
		name string
		kv   []any
		want []string
	}{
		{"blank name", []any{"displayName", ""}, []string{name}},
		{"spaces-only name", []any{"displayName", "   "}, []string{name}},
		{"white-space-only name", []any{"displayName", " \t\n\r\u00a0\u2003 "}, []string{name}},
		{"101 ASCII code points", []any{"displayName", strings.Repeat("a", 101)}, []string{name}},
		{"101 emoji", []any{"displayName", strings.Repeat("😀", 101)}, []string{name}},
		{"101 code points inside white space", []any{"displayName", "  " + strings.Repeat("é", 101) + "  "}, []string{name}},
		{"bell", []any{"displayName", "\u0007"}, []string{name}},
		{"bell inside", []any{"displayName", "Shop\u0007One"}, []string{name}},
		{"newline inside", []any{"displayName", "a\nb"}, []string{name}},
		{"tab inside", []any{"displayName", "a\tb"}, []string{name}},
		{"NUL inside", []any{"displayName", "a\u0000b"}, []string{name}},
		{"DEL inside", []any{"displayName", "a\u007fb"}, []string{name}},
		{"C1 control inside", []any{"displayName", "a\u009bb"}, []string{name}},

		{"country XX", []any{"country", "XX"}, []string{country}},
		{"country EU", []any{"country", "EU"}, []string{country}},
		{"country UK", []any{"country", "UK"}, []string{country}},
		{"country SWE", []any{"country", "SWE"}, []string{country}},
		{"country empty", []any{"country", ""}, []string{country}},
		{"country d", []any{"country", "d"}, []string{country}},
		{"country ZZ", []any{"country", "ZZ"}, []string{country}},
		{"country 1A", []any{"country", "1A"}, []string{country}},
		{"country UN", []any{"country", "un"}, []string{country}},

		{"free tenant plan", []any{"tenantPlanId", id(plans["t-free"])}, []string{tplan}},
		{"inactive tenant plan", []any{"tenantPlanId", id(plans["t-old"])}, []string{tplan}},
		{"support plan as tenant plan", []any{"tenantPlanId", id(plans["s-prem"])}, []string{tplan}},
		{"other catalog's tenant plan", []any{"tenantPlanId", id(other["t-pro"])}, []string{tplan}},
		{"garbage tenant plan id", []any{"tenantPlanId", "garbage"}, []string{tplan}},
		{"tenant id as tenant plan", []any{"tenantPlanId", testkit.ID(w.Managed.ID)}, []string{tplan}},
		{"free support plan", []any{"supportPlanId", id(plans["s-free"])}, []string{splan}},
		{"inactive support plan", []any{"supportPlanId", id(plans["s-old"])}, []string{splan}},
		{"tenant plan as support plan", []any{"supportPlanId", id(plans["t-pro"])}, []string{splan}},
		{"other catalog's support plan", []any{"supportPlanId", id(other["s-prem"])}, []string{splan}},
		{"garbage support plan id", []any{"supportPlanId", ""}, []string{splan}},
		{"tenant id as support plan", []any{"supportPlanId", testkit.ID(w.Partner.ID)}, []string{splan}},
		{"plans swapped", []any{"tenantPlanId", id(plans["s-prem"]), "supportPlanId", id(plans["t-pro"])}, []string{tplan, splan}},

		{"idempotency key with a space", []any{"idempotencyKey", "has space"}, []string{key}},
		{"empty idempotency key", []any{"idempotencyKey", ""}, []string{key}},

		{"everything broken", []any{
			"displayName", " ", "country", "XX",
			"tenantPlanId", id(plans["t-free"]), "supportPlanId", "garbage",
		}, []string{name, country, tplan, splan}},
	}
	before := testkit.Rows(t, w.Store)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := createTenant(t, api, w.Token(w.PartnerAdmin), with(base, tc.kv...))
			testkit.RequireUserErrors(t, p, tc.want...)
			testkit.RequireRows(t, w.Store, before)
		})
	}
	// The base input itself is valid: the failures above are the field's.
	requireCreated(t, api, w.Token(w.PartnerAdmin), base)
}

// A plan of a catalog in another currency than the partner's is refused:
// its lines could never be billed on the partner's invoice.
func TestCreateManagedTenantRefusesPlansInAnotherCurrency(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	usd := w.Fixture.Catalog("USD") // its own catalog, not OtherPartner's
	eurPartner := w.Tenant(testkit.TenantSpec{Name: "Mixed Partners", Partner: true, Catalog: usd})
	w.Member(eurPartner, w.PartnerAdmin, enums.RoleAdmin)
	token := w.Token(w.PartnerAdmin)
	p := createTenant(t, api, token, with(createInput(w, "Shop"), "partnerId", testkit.ID(eurPartner.ID),
		"tenantPlanId", testkit.ID(usd.Plans["t-pro"].ID), "supportPlanId", testkit.ID(usd.Plans["s-prem"].ID)))
	testkit.RequireUserErrors(t, p, "input.tenantPlanId:INVALID", "input.supportPlanId:INVALID")
}

func TestCreateManagedTenantAcceptsEdgeNames(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	tests := []struct{ in, stored string }{
		{strings.Repeat("😀", 100), strings.Repeat("😀", 100)},
		{strings.Repeat("a", 100), strings.Repeat("a", 100)},
		{" \t" + strings.Repeat("b", 100) + "\n ", strings.Repeat("b", 100)},
		{"x", "x"},
		{"Zürich Öl & Gas — 東京", "Zürich Öl & Gas — 東京"},
	}
	for _, tc := range tests {
		got := requireCreated(t, api, w.Token(w.PartnerAdmin), createInput(w, tc.in))
		if got.DisplayName != tc.stored {
			t.Errorf("displayName %q stored as %q, want %q", tc.in, got.DisplayName, tc.stored)
		}
	}
	for _, c := range []struct{ in, want string }{{"de", "DE"}, {"Fr", "FR"}, {"us", "US"}, {"JP", "JP"}} {
		got := requireCreated(t, api, w.Token(w.PartnerAdmin),
			with(createInput(w, "Country "+c.in), "country", c.in))
		if got.Country != c.want {
			t.Errorf("country %q stored as %q, want %q", c.in, got.Country, c.want)
		}
	}
}

func TestCreateManagedTenantNameTaken(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	admin := w.Token(w.PartnerAdmin)

	requireCreated(t, api, admin, createInput(w, "Café")) // NFC é
	before := testkit.Rows(t, w.Store)
	for _, name := range []string{
		"Café", "CAFE\u0301", "cafe\u0301", "  CAFÉ  ", "cAfÉ",
		"Managed One", "MANAGED ONE", " managed one ", // the World's managed tenant
	} {
		t.Run(name, func(t *testing.T) {
			p := createTenant(t, api, admin, createInput(w, name))
			testkit.RequireUserErrors(t, p, "input.displayName:TAKEN")
			testkit.RequireRows(t, w.Store, before)
		})
	}
	// Different names, and the same name elsewhere, are fine.
	requireCreated(t, api, admin, createInput(w, "cafe"))
	requireCreated(t, api, admin, createInput(w, "Café Two"))
	requireCreated(t, api, admin, createInput(w, "Bakery")) // a standalone tenant's name
	otherInput := map[string]any{
		"partnerId":     testkit.ID(w.OtherPartner.ID),
		"displayName":   "Café",
		"country":       "US",
		"tenantPlanId":  testkit.ID(w.OtherCatalog.Plans["t-basic"].ID),
		"supportPlanId": testkit.ID(w.OtherCatalog.Plans["s-std"].ID),
	}
	got := requireCreated(t, api, w.Token(w.OtherPartnerAdmin), otherInput)
	if got.Currency != "USD" || got.Partner == nil || got.Partner.ID != testkit.ID(w.OtherPartner.ID) {
		t.Errorf("other partner's Café = %+v", got)
	}
}

func TestCreateManagedTenantRaceOnName(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	before := testkit.Rows(t, w.Store)

	const n = 8
	payloads := createConcurrently(t, api, w.Token(w.PartnerAdmin), createInput(w, "Race Winner"), n)
	var created []string
	taken := 0
	for i, p := range payloads {
		switch {
		case p.ManagedTenant != nil && len(p.UserErrors) == 0:
			created = append(created, p.ManagedTenant.ID)
		case p.ManagedTenant == nil && len(p.UserErrors) == 1 && p.UserErrors[0].String() == "input.displayName:TAKEN":
			taken++
		default:
			t.Errorf("request %d: tenant %+v, userErrors %v", i, p.ManagedTenant, p.UserErrors)
		}
	}
	if len(created) != 1 || taken != n-1 {
		t.Fatalf("created %v, TAKEN %d; want 1 and %d", created, taken, n-1)
	}
	testkit.RequireRows(t, w.Store, before.Plus(oneCreation))
	// No orphans: every membership and subscription belongs to a tenant
	// that exists, and the winner has exactly its own.
	winner := entID(t, created[0])
	nm, err1 := w.Client.Membership.Query().Where(membership.TenantID(winner)).Count(sys)
	ns, err2 := w.Client.Subscription.Query().Where(subscription.TenantID(winner)).Count(sys)
	if err1 != nil || err2 != nil || nm != 1 || ns != 2 {
		t.Errorf("winner has %d memberships, %d subscriptions (%v, %v); want 1 and 2", nm, ns, err1, err2)
	}
	nt, err := w.Client.Tenant.Query().Where(tenant.NameKey("race winner")).Count(sys)
	if err != nil || nt != 1 {
		t.Errorf("tenants named Race Winner: %d (%v)", nt, err)
	}
}

func TestCreateManagedTenantIdempotency(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	admin := w.Token(w.PartnerAdmin)

	in := with(createInput(w, "Keyed Shop"), "country", "DE", "idempotencyKey", "key-0001")
	first := requireCreated(t, api, admin, in)
	after := testkit.Rows(t, w.Store)

	t.Run("same key, same input", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			again := requireCreated(t, api, admin, in)
			if again.ID != first.ID || again.DisplayName != "Keyed Shop" {
				t.Errorf("replay %d answered %+v, want tenant %s", i, again, first.ID)
			}
		}
		testkit.RequireRows(t, w.Store, after)
	})
	t.Run("same key, input equal after normalising", func(t *testing.T) {
		for _, kv := range [][]any{
			{"displayName", "   Keyed Shop\t"},
			{"country", "de"},
			{"displayName", " Keyed Shop ", "country", "dE"},
		} {
			again := requireCreated(t, api, admin, with(in, kv...))
			if again.ID != first.ID {
				t.Errorf("%v: answered %s, want %s", kv, again.ID, first.ID)
			}
		}
		testkit.RequireRows(t, w.Store, after)
	})
	t.Run("same key, other input", func(t *testing.T) {
		for _, kv := range [][]any{
			{"displayName", "Keyed Shop 2"},
			{"country", "FR"},
			{"tenantPlanId", testkit.ID(w.Catalog.Plans["t-max"].ID)},
			{"supportPlanId", testkit.ID(w.Catalog.Plans["s-std"].ID)},
			// Other and invalid: the key is answered before validation.
			{"displayName", "Other Shop", "country", "XX"},
		} {
			p := createTenant(t, api, admin, with(in, kv...))
			testkit.RequireUserErrors(t, p, "input.idempotencyKey:CONFLICT")
		}
		testkit.RequireRows(t, w.Store, after)
	})
	t.Run("keys are scoped to the partner", func(t *testing.T) {
		otherIn := map[string]any{
			"partnerId":      testkit.ID(w.OtherPartner.ID),
			"displayName":    "Keyed Shop",
			"country":        "DE",
			"tenantPlanId":   testkit.ID(w.OtherCatalog.Plans["t-pro"].ID),
			"supportPlanId":  testkit.ID(w.OtherCatalog.Plans["s-prem"].ID),
			"idempotencyKey": "key-0001",
		}
		got := requireCreated(t, api, w.Token(w.OtherPartnerAdmin), otherIn)
		if got.ID == first.ID || got.Partner == nil || got.Partner.ID != testkit.ID(w.OtherPartner.ID) {
			t.Errorf("other partner's creation with the same key = %+v", got)
		}
		now := testkit.Rows(t, w.Store)
		if now["tenants"] != after["tenants"]+1 || now["idempotency_keys"] != after["idempotency_keys"]+1 {
			t.Errorf("rows = %v after %v: want one more tenant and key", now, after)
		}
		// And the first partner's key still answers its own tenant.
		if again := requireCreated(t, api, admin, in); again.ID != first.ID {
			t.Errorf("first partner's replay = %s, want %s", again.ID, first.ID)
		}
	})
	t.Run("a failed creation does not record the key", func(t *testing.T) {
		before := testkit.Rows(t, w.Store)
		failed := with(createInput(w, "Managed One"), "idempotencyKey", "key-0002")
		testkit.RequireUserErrors(t, createTenant(t, api, admin, failed), "input.displayName:TAKEN")
		invalid := with(createInput(w, "Fixed Later"), "country", "XX", "idempotencyKey", "key-0002")
		testkit.RequireUserErrors(t, createTenant(t, api, admin, invalid), "input.country:INVALID")
		testkit.RequireRows(t, w.Store, before)

		fixed := with(failed, "displayName", "Fixed Later")
		got := requireCreated(t, api, admin, fixed)
		if got.DisplayName != "Fixed Later" {
			t.Errorf("retry = %+v", got)
		}
		if again := requireCreated(t, api, admin, fixed); again.ID != got.ID {
			t.Errorf("replay of the retry = %s, want %s", again.ID, got.ID)
		}
	})
}

func TestCreateManagedTenantIdempotencyRace(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	before := testkit.Rows(t, w.Store)

	const n = 8
	in := with(createInput(w, "Concurrent Shop"), "idempotencyKey", "0b6f1e6e-race")
	payloads := createConcurrently(t, api, w.Token(w.PartnerAdmin), in, n)
	ids := map[string]int{}
	for i, p := range payloads {
		if len(p.UserErrors) != 0 || p.ManagedTenant == nil {
			t.Errorf("request %d: tenant %+v, userErrors %v; want the tenant", i, p.ManagedTenant, p.UserErrors)
			continue
		}
		ids[p.ManagedTenant.ID]++
	}
	if len(ids) != 1 {
		t.Errorf("answered tenants %v, want one id for all %d", ids, n)
	}
	testkit.RequireRows(t, w.Store, before.Plus(oneCreation).Plus(testkit.RowCounts{"idempotency_keys": 1}))
}

// TestCreateManagedTenantIdempotencyRaceTwoInputs: one key sent at once with
// two different inputs creates one tenant; the requests with the winner's
// input answer it, the others CONFLICT.
func TestCreateManagedTenantIdempotencyRaceTwoInputs(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	before := testkit.Rows(t, w.Store)
	inputs := []map[string]any{
		with(createInput(w, "Left Shop"), "idempotencyKey", "two-inputs"),
		with(createInput(w, "Right Shop"), "idempotencyKey", "two-inputs"),
	}
	const n = 10
	start := make(chan struct{})
	res := make([]*testkit.Response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res[i], errs[i] = api.Send(w.Token(w.PartnerAdmin), createManagedTenantMutation, map[string]any{"input": inputs[i%2]})
		}()
	}
	close(start)
	wg.Wait()
	created := map[string]map[int]bool{} // tenant id -> the inputs it answered
	conflicts := map[int]int{}           // input -> CONFLICT answers
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		var out struct{ CreateManagedTenant createPayload }
		res[i].Decode(t, &out)
		switch p := out.CreateManagedTenant; {
		case p.ManagedTenant != nil && len(p.UserErrors) == 0:
			if created[p.ManagedTenant.ID] == nil {
				created[p.ManagedTenant.ID] = map[int]bool{}
			}
			created[p.ManagedTenant.ID][i%2] = true
		case len(p.UserErrors) == 1 && p.UserErrors[0].String() == "input.idempotencyKey:CONFLICT":
			conflicts[i%2]++
		default:
			t.Errorf("request %d answered %+v", i, p)
		}
	}
	if len(created) != 1 {
		t.Fatalf("tenants answered %v, want exactly one", created)
	}
	for _, inputs := range created {
		if len(inputs) != 1 {
			t.Errorf("one tenant answered both inputs: %v", inputs)
		}
		for winner := range inputs {
			if conflicts[winner] != 0 || conflicts[1-winner] != n/2 {
				t.Errorf("CONFLICT answers %v; want all %d of the other input's and none of the winner's", conflicts, n/2)
			}
		}
	}
	testkit.RequireRows(t, w.Store, before.Plus(oneCreation).Plus(testkit.RowCounts{"idempotency_keys": 1}))
}

// TestCreateManagedTenantReplayGrantsNothing: another admin of the partner
// who replays a key answers the tenant but gains no role in it (SPEC 2.3):
// in the same request it still cannot invite itself or create in it.
func TestCreateManagedTenantReplayGrantsNothing(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	second := w.User("second-admin@example.com")
	w.Member(w.Partner, second, enums.RoleAdmin)
	in := with(createInput(w, "Replayed Shop"), "idempotencyKey", "replay-me")
	first := requireCreated(t, api, w.Token(w.PartnerAdmin), in)
	before := testkit.Rows(t, w.Store)

	var replay struct{ CreateManagedTenant createPayload }
	api.Query(t, w.Fixture.Token(second), createManagedTenantMutation, &replay, map[string]any{"input": in})
	got := replay.CreateManagedTenant.ManagedTenant
	if got == nil || got.ID != first.ID || got.ViewerRole != nil {
		t.Fatalf("replay by another admin answered %+v, want tenant %s with viewerRole null", got, first.ID)
	}
	res := api.Do(t, w.Fixture.Token(second), `mutation($in: CreateManagedTenantInput!, $t: ID!, $me: String!) {
		createManagedTenant(input: $in) { managedTenant { id viewerRole } }
		inviteMember(input: { tenantId: $t, email: $me, role: ADMIN }) { membership { id } }
		createSpace(input: { tenantId: $t, name: "Mine now" }) { space { id } }
	}`, map[string]any{"in": in, "t": first.ID, "me": second.Email})
	codes := map[string]string{}
	for _, e := range res.Errors {
		codes[fmt.Sprint(e.Path)] = e.Code()
	}
	if codes["[inviteMember]"] != "NOT_FOUND" || codes["[createSpace]"] != "NOT_FOUND" {
		t.Errorf("after a replay: errors %v, want NOT_FOUND for inviteMember and createSpace: %s", codes, res.Raw)
	}
	testkit.RequireRows(t, w.Store, before.Plus(testkit.RowCounts{"api_tokens": 2}))
}

// FuzzCreateManagedTenantInput: whatever a client sends as display name,
// country, idempotency key or ids (any size or encoding), the answer is
// user errors or BAD_USER_INPUT / NOT_FOUND, never INTERNAL.
func FuzzCreateManagedTenantInput(f *testing.F) {
	w := testkit.NewWorld(f)
	api := testkit.NewAPI(f, w.Store, nil, testkit.Unlimited) // a fuzzer outruns any token's rate
	token := w.Token(w.PartnerAdmin)
	partner := testkit.ID(w.Partner.ID)
	tp, sp := testkit.ID(w.Catalog.Plans["t-pro"].ID), testkit.ID(w.Catalog.Plans["s-prem"].ID)
	for _, seed := range [][4]string{
		{"Corner Café", "fi", "key-1", tp},
		{"", "", "", ""},
		{"\x00\xff", "\u202eSE", "🙂🙂", "dGVuYW50czox"},
		{"مرحبا", "ÅÄ", " ", sp},
		{strings.Repeat("é", 400_000), strings.Repeat("S", 100_000), strings.Repeat("k", 100_000), tp}, // ~1 MB
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, name, country, key, planID string) {
		if !utf8.ValidString(name + country + key + planID) {
			// JSON carries only valid UTF-8: the client's encoder replaces
			// invalid bytes, so send what a client would.
			name, country, key, planID = validUTF8(name), validUTF8(country), validUTF8(key), validUTF8(planID)
		}
		res := api.Do(t, token, `mutation($in: CreateManagedTenantInput!) {
			createManagedTenant(input: $in) { managedTenant { id } userErrors { field code } } }`,
			map[string]any{"in": map[string]any{
				"partnerId": partner, "displayName": name, "country": country,
				"tenantPlanId": planID, "supportPlanId": sp, "idempotencyKey": key,
			}})
		for _, e := range res.Errors {
			switch e.Code() {
			case "BAD_USER_INPUT", "NOT_FOUND":
			default:
				t.Fatalf("error %q (%s) for %q %q %q %q: %s", e.Code(), e.Message, name, country, key, planID, res.Raw)
			}
		}
	})
}

func validUTF8(s string) string { return string([]rune(s)) }

// ---------------------------------------------------------------------------
// setTenantPartnerFlag

type flagPayload struct {
	Tenant *struct {
		ID        string
		IsPartner bool
	}
	UserErrors []testkit.UserError
}

func setPartnerFlag(t testing.TB, api *testkit.API, token, tenantID string, isPartner bool) flagPayload {
	t.Helper()
	var out struct{ SetTenantPartnerFlag flagPayload }
	api.Do(t, token, setPartnerFlagMutation, map[string]any{"input": map[string]any{"tenantId": tenantID, "isPartner": isPartner}}).
		Decode(t, &out)
	return out.SetTenantPartnerFlag
}

func storedIsPartner(t testing.TB, c *ent.Client, id int) bool {
	t.Helper()
	tn, err := c.Tenant.Get(sys, id)
	if err != nil {
		t.Fatal(err)
	}
	return tn.IsPartner
}

func auditEventsOf(t testing.TB, c *ent.Client, id int) []*ent.AuditEvent {
	t.Helper()
	evs, err := c.AuditEvent.Query().Where(auditevent.TenantID(id)).Order(ent.Asc(auditevent.FieldID)).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestSetTenantPartnerFlagIsForStaffOnly(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	before := testkit.Rows(t, w.Store)
	ids := map[string]string{
		"existing standalone": testkit.ID(w.Standalone.ID),
		"own partner":         testkit.ID(w.Partner.ID),
		"garbage":             "garbage",
		"unknown":             testkit.ID(w.Standalone.ID + 100000),
	}
	for _, u := range []*ent.User{w.PartnerAdmin, w.StandaloneAdmin, w.OtherPartnerAdmin, w.Stranger, w.PartnerEditor} {
		for what, id := range ids {
			for _, flag := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s, %s, %v", u.Email, what, flag), func(t *testing.T) {
					api.Do(t, w.Token(u), setPartnerFlagMutation, map[string]any{"input": map[string]any{"tenantId": id, "isPartner": flag}}).
						RequireError(t, "FORBIDDEN", "setTenantPartnerFlag")
				})
			}
		}
	}
	api.Do(t, "", setPartnerFlagMutation, map[string]any{"input": map[string]any{"tenantId": testkit.ID(w.Standalone.ID), "isPartner": true}}).
		RequireError(t, "UNAUTHENTICATED", "setTenantPartnerFlag")
	testkit.RequireRows(t, w.Store, before)
	if storedIsPartner(t, w.Client, w.Standalone.ID) || !storedIsPartner(t, w.Client, w.Partner.ID) {
		t.Error("a refused call changed a partner flag")
	}
}

func TestSetTenantPartnerFlagByStaff(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	staff := w.Token(w.Staff)

	t.Run("flag a standalone tenant", func(t *testing.T) {
		p := setPartnerFlag(t, api, staff, testkit.ID(w.Standalone.ID), true)
		if len(p.UserErrors) != 0 || p.Tenant == nil || p.Tenant.ID != testkit.ID(w.Standalone.ID) || !p.Tenant.IsPartner {
			t.Fatalf("payload = %+v", p)
		}
		if !storedIsPartner(t, w.Client, w.Standalone.ID) {
			t.Error("not stored")
		}
		evs := auditEventsOf(t, w.Client, w.Standalone.ID)
		if len(evs) != 1 {
			t.Fatalf("audit events = %+v, want 1", evs)
		}
		e := evs[0]
		if e.ActorID == nil || *e.ActorID != w.Staff.ID || e.Target != testkit.ID(w.Standalone.ID) ||
			!reflect.DeepEqual(e.Before, jsontext.Object{"isPartner": false}) ||
			!reflect.DeepEqual(e.After, jsontext.Object{"isPartner": true}) {
			t.Errorf("audit event = %+v", e)
		}
	})
	t.Run("setting the same value writes nothing", func(t *testing.T) {
		before := testkit.Rows(t, w.Store)
		p := setPartnerFlag(t, api, staff, testkit.ID(w.Standalone.ID), true)
		if len(p.UserErrors) != 0 || p.Tenant == nil || !p.Tenant.IsPartner {
			t.Errorf("payload = %+v", p)
		}
		p = setPartnerFlag(t, api, staff, testkit.ID(w.Managed.ID), false)
		if len(p.UserErrors) != 0 || p.Tenant == nil || p.Tenant.IsPartner {
			t.Errorf("unflag an unflagged managed tenant: payload = %+v", p)
		}
		testkit.RequireRows(t, w.Store, before)
	})
	t.Run("unflag a partner without managed tenants", func(t *testing.T) {
		p := setPartnerFlag(t, api, staff, testkit.ID(w.Standalone.ID), false)
		if len(p.UserErrors) != 0 || p.Tenant == nil || p.Tenant.IsPartner {
			t.Fatalf("payload = %+v", p)
		}
		evs := auditEventsOf(t, w.Client, w.Standalone.ID)
		if len(evs) != 2 || !reflect.DeepEqual(evs[1].Before, jsontext.Object{"isPartner": true}) ||
			!reflect.DeepEqual(evs[1].After, jsontext.Object{"isPartner": false}) {
			t.Errorf("audit events = %+v", evs)
		}
		p = setPartnerFlag(t, api, staff, testkit.ID(w.OtherPartner.ID), false)
		if len(p.UserErrors) != 0 || p.Tenant == nil || p.Tenant.IsPartner || storedIsPartner(t, w.Client, w.OtherPartner.ID) {
			t.Errorf("unflag other partner: payload = %+v", p)
		}
	})
	t.Run("refusals change nothing", func(t *testing.T) {
		before := testkit.Rows(t, w.Store)
		for _, c := range []struct {
			name string
			id   int
			flag bool
		}{
			{"flag a managed tenant", w.Managed.ID, true},
			{"flag a sibling managed tenant", w.Sibling.ID, true},
			{"unflag a partner with managed tenants", w.Partner.ID, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				was := storedIsPartner(t, w.Client, c.id)
				p := setPartnerFlag(t, api, staff, testkit.ID(c.id), c.flag)
				testkit.RequireUserErrors(t, p, "input.isPartner:NOT_ALLOWED")
				if storedIsPartner(t, w.Client, c.id) != was {
					t.Errorf("flag changed")
				}
			})
		}
		testkit.RequireRows(t, w.Store, before)
	})
	t.Run("unknown ids", func(t *testing.T) {
		before := testkit.Rows(t, w.Store)
		for _, id := range []string{testkit.ID(w.Standalone.ID + 100000), "garbage", testkit.ID(w.Catalog.Plans["t-pro"].ID)} {
			t.Run(id, func(t *testing.T) {
				api.Do(t, staff, setPartnerFlagMutation, map[string]any{"input": map[string]any{"tenantId": id, "isPartner": true}}).
					RequireError(t, "NOT_FOUND", "setTenantPartnerFlag")
			})
		}
		testkit.RequireRows(t, w.Store, before)
	})
}

// ---------------------------------------------------------------------------
// visibleSettings

func TestVisibleSettingsTable(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	standaloneViewer := w.User("standalone-viewer@example.com")
	w.Member(w.Standalone, standaloneViewer, enums.RoleViewer)
	svToken := w.Fixture.Token(standaloneViewer)

	tests := []struct {
		name   string
		token  string
		tenant *ent.Tenant
		want   []string
	}{
		{"standalone ADMIN", w.Token(w.StandaloneAdmin), w.Standalone,
			[]string{"GENERAL", "USER_MANAGEMENT", "DEVELOPER", "BILLING"}},
		{"standalone EDITOR", w.Token(w.Both), w.Standalone, []string{"GENERAL", "DEVELOPER"}},
		{"standalone VIEWER", svToken, w.Standalone, []string{"GENERAL"}},
		{"partner ADMIN", w.Token(w.PartnerAdmin), w.Partner,
			[]string{"GENERAL", "USER_MANAGEMENT", "DEVELOPER", "BILLING", "MANAGED_TENANTS"}},
		{"partner EDITOR", w.Token(w.PartnerEditor), w.Partner, []string{"GENERAL", "DEVELOPER"}},
		{"partner VIEWER", w.Token(w.PartnerViewer), w.Partner, []string{"GENERAL"}},
		{"managed ADMIN", w.Token(w.PartnerAdmin), w.Managed, []string{"GENERAL", "USER_MANAGEMENT", "DEVELOPER"}},
		{"managed EDITOR", w.Token(w.Both), w.Managed, []string{"GENERAL", "DEVELOPER"}},
		{"managed VIEWER", w.Token(w.ManagedViewer), w.Managed, []string{"GENERAL"}},
		{"other partner ADMIN", w.Token(w.OtherPartnerAdmin), w.OtherPartner,
			[]string{"GENERAL", "USER_MANAGEMENT", "DEVELOPER", "BILLING", "MANAGED_TENANTS"}},
		{"sibling ADMIN", w.Token(w.SiblingAdmin), w.Sibling, []string{"GENERAL", "USER_MANAGEMENT", "DEVELOPER"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got struct{ VisibleSettings []string }
			api.Query(t, tc.token, visibleSettingsQuery, &got, map[string]any{"id": testkit.ID(tc.tenant.ID)})
			if !slices.Equal(got.VisibleSettings, tc.want) {
				t.Errorf("visibleSettings = %v, want %v", got.VisibleSettings, tc.want)
			}
		})
	}
}

func TestVisibleSettingsHidden(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	tests := []struct {
		name  string
		token string
		id    string
		code  string
	}{
		{"no token", "", testkit.ID(w.Partner.ID), "UNAUTHENTICATED"},
		{"non-member on partner", w.Token(w.Stranger), testkit.ID(w.Partner.ID), "NOT_FOUND"},
		{"non-member on standalone", w.Token(w.Stranger), testkit.ID(w.Standalone.ID), "NOT_FOUND"},
		{"staff on partner", w.Token(w.Staff), testkit.ID(w.Partner.ID), "NOT_FOUND"},
		{"staff on managed", w.Token(w.Staff), testkit.ID(w.Managed.ID), "NOT_FOUND"},
		{"staff on standalone", w.Token(w.Staff), testkit.ID(w.Standalone.ID), "NOT_FOUND"},
		{"twin: sibling admin on managed", w.Token(w.SiblingAdmin), testkit.ID(w.Managed.ID), "NOT_FOUND"},
		{"partner admin on a managed tenant it is not a member of", w.Token(w.PartnerAdmin), testkit.ID(w.Sibling.ID), "NOT_FOUND"},
		{"managed viewer on its partner", w.Token(w.ManagedViewer), testkit.ID(w.Partner.ID), "NOT_FOUND"},
		{"standalone admin on partner", w.Token(w.StandaloneAdmin), testkit.ID(w.Partner.ID), "NOT_FOUND"},
		{"other partner admin on partner", w.Token(w.OtherPartnerAdmin), testkit.ID(w.Partner.ID), "NOT_FOUND"},
		{"unknown id", w.Token(w.PartnerAdmin), testkit.ID(w.Partner.ID + 100000), "NOT_FOUND"},
		{"garbage id", w.Token(w.PartnerAdmin), "garbage", "NOT_FOUND"},
		{"plan id", w.Token(w.PartnerAdmin), testkit.ID(w.Catalog.Plans["t-pro"].ID), "NOT_FOUND"},
	}
	notFound := notFoundMessages{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := api.Do(t, tc.token, visibleSettingsQuery, map[string]any{"id": tc.id}).RequireError(t, tc.code, "visibleSettings")
			if tc.code == "NOT_FOUND" {
				notFound.same(t, "visibleSettings", msg) // a hidden tenant reads like a missing one
			}
		})
	}
}

// ---------------------------------------------------------------------------
// planCatalog

type catalogPlan struct {
	ID, Code, Name, Kind string
	Active               bool
	MonthlyPrice         struct{ Amount, Currency string }
}

func planCatalog(t testing.TB, api *testkit.API, token string, partnerID int, kind string, order map[string]any) []catalogPlan {
	t.Helper()
	vars := map[string]any{"p": testkit.ID(partnerID), "k": kind}
	if order != nil {
		vars["o"] = order
	}
	var out struct{ PlanCatalog []catalogPlan }
	api.Query(t, token, planCatalogQuery, &out, vars)
	return out.PlanCatalog
}

func planCodes(ps []catalogPlan) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Code
	}
	return out
}

func TestPlanCatalogStandard(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	for _, tok := range []string{w.Token(w.PartnerAdmin), w.Token(w.Staff)} {
		got := planCatalog(t, api, tok, w.Partner.ID, "TENANT", nil)
		if codes := planCodes(got); !slices.Equal(codes, []string{"t-basic", "t-pro", "t-max"}) {
			t.Errorf("TENANT plans = %v", codes)
		}
		if len(got) > 0 {
			p := got[0]
			if p.ID != testkit.ID(w.Catalog.Plans["t-basic"].ID) || p.Name != "Basic" || p.Kind != "TENANT" ||
				!p.Active || p.MonthlyPrice.Amount != "100.00" || p.MonthlyPrice.Currency != "EUR" {
				t.Errorf("first plan = %+v", p)
			}
		}
		got = planCatalog(t, api, tok, w.Partner.ID, "SUPPORT", nil)
		if codes := planCodes(got); !slices.Equal(codes, []string{"s-std", "s-prem", "s-24x7"}) {
			t.Errorf("SUPPORT plans = %v", codes)
		}
	}
	got := planCatalog(t, api, w.Token(w.OtherPartnerAdmin), w.OtherPartner.ID, "SUPPORT",
		map[string]any{"field": "MONTHLY_PRICE", "direction": "DESC"})
	if codes := planCodes(got); !slices.Equal(codes, []string{"s-24x7", "s-prem", "s-std"}) {
		t.Errorf("other partner's SUPPORT plans, price desc = %v", codes)
	}
	for _, p := range got {
		if p.MonthlyPrice.Currency != "USD" {
			t.Errorf("plan %s in %s, want USD", p.Code, p.MonthlyPrice.Currency)
		}
	}
}

func TestPlanCatalogOrder(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	// Inserted out of order so that ids do not follow any of the orders
	// asked. Code-point order: "Big" < "Cheap" < "Zeta" < "alpha" < "Ärger";
	// a linguistic collation would put "alpha" and "Ärger" first.
	cat := w.Fixture.Catalog("EUR",
		testkit.PlanSpec{Code: "arger", Name: "Ärger", Kind: enums.PlanKindTenant, Price: 100_00, Active: true},
		testkit.PlanSpec{Code: "zeta-1", Name: "Zeta", Kind: enums.PlanKindTenant, Price: 100_00, Active: true},
		testkit.PlanSpec{Code: "big", Name: "Big", Kind: enums.PlanKindTenant, Price: 500_00, Active: true},
		testkit.PlanSpec{Code: "alpha", Name: "alpha", Kind: enums.PlanKindTenant, Price: 100_00, Active: true},
		testkit.PlanSpec{Code: "cheap", Name: "Cheap", Kind: enums.PlanKindTenant, Price: 50_00, Active: true},
		testkit.PlanSpec{Code: "zeta-2", Name: "Zeta", Kind: enums.PlanKindTenant, Price: 100_00, Active: true},
		testkit.PlanSpec{Code: "free", Name: "Aaa free", Kind: enums.PlanKindTenant, Price: 0, Active: true},
		testkit.PlanSpec{Code: "retired", Name: "Aaa retired", Kind: enums.PlanKindTenant, Price: 75_00, Active: false},
		testkit.PlanSpec{Code: "support", Name: "Aaa support", Kind: enums.PlanKindSupport, Price: 75_00, Active: true},
	)
	partner := w.Tenant(testkit.TenantSpec{Name: "Ordered Partner", Partner: true, Catalog: cat})
	admin := w.User("ordered-admin@example.com")
	w.Member(partner, admin, enums.RoleAdmin)
	token := w.Fixture.Token(admin)

	tests := []struct {
		name  string
		order map[string]any
		want  []string
	}{
		{"default", nil, []string{"cheap", "zeta-1", "zeta-2", "alpha", "arger", "big"}},
		{"price asc", map[string]any{"field": "MONTHLY_PRICE", "direction": "ASC"},
			[]string{"cheap", "zeta-1", "zeta-2", "alpha", "arger", "big"}},
		{"price, direction defaulted", map[string]any{"field": "MONTHLY_PRICE"},
			[]string{"cheap", "zeta-1", "zeta-2", "alpha", "arger", "big"}},
		{"price desc", map[string]any{"field": "MONTHLY_PRICE", "direction": "DESC"},
			[]string{"big", "zeta-1", "zeta-2", "alpha", "arger", "cheap"}},
		{"name asc", map[string]any{"field": "NAME", "direction": "ASC"},
			[]string{"big", "cheap", "zeta-1", "zeta-2", "alpha", "arger"}},
		{"name desc", map[string]any{"field": "NAME", "direction": "DESC"},
			[]string{"arger", "alpha", "zeta-1", "zeta-2", "cheap", "big"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, tok := range []string{token, w.Token(w.Staff)} {
				got := planCodes(planCatalog(t, api, tok, partner.ID, "TENANT", tc.order))
				if !slices.Equal(got, tc.want) {
					t.Errorf("order = %v, want %v", got, tc.want)
				}
			}
		})
	}
	if got := planCodes(planCatalog(t, api, token, partner.ID, "SUPPORT", nil)); !slices.Equal(got, []string{"support"}) {
		t.Errorf("SUPPORT plans = %v", got)
	}
}

func TestPlanCatalogAccess(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	tests := []struct {
		name    string
		token   string
		partner int
		code    string
	}{
		{"no token", "", w.Partner.ID, "UNAUTHENTICATED"},
		{"partner editor", w.Token(w.PartnerEditor), w.Partner.ID, "FORBIDDEN"},
		{"partner viewer", w.Token(w.PartnerViewer), w.Partner.ID, "FORBIDDEN"},
		{"admin of a standalone tenant", w.Token(w.StandaloneAdmin), w.Standalone.ID, "FORBIDDEN"},
		{"admin of a managed tenant", w.Token(w.PartnerAdmin), w.Managed.ID, "FORBIDDEN"},
		{"sibling admin on its own tenant", w.Token(w.SiblingAdmin), w.Sibling.ID, "FORBIDDEN"},
		{"non-member", w.Token(w.Stranger), w.Partner.ID, "NOT_FOUND"},
		{"other partner's admin", w.Token(w.OtherPartnerAdmin), w.Partner.ID, "NOT_FOUND"},
		{"managed tenant's viewer", w.Token(w.ManagedViewer), w.Partner.ID, "NOT_FOUND"},
		{"standalone admin on partner", w.Token(w.StandaloneAdmin), w.Partner.ID, "NOT_FOUND"},
		{"unknown id", w.Token(w.PartnerAdmin), w.Partner.ID + 100000, "NOT_FOUND"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := api.Do(t, tc.token, planCatalogQuery, map[string]any{"p": testkit.ID(tc.partner), "k": "TENANT"})
			res.RequireError(t, tc.code, "planCatalog")
		})
	}
}

func TestPlanCatalogWithoutCatalogIsEmpty(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	bare := w.Tenant(testkit.TenantSpec{Name: "Partner Without Catalog", Partner: true})
	admin := w.User("bare-admin@example.com")
	w.Member(bare, admin, enums.RoleAdmin)
	for name, tok := range map[string]string{"admin": w.Fixture.Token(admin), "staff": w.Token(w.Staff)} {
		for _, kind := range []string{"TENANT", "SUPPORT"} {
			res := api.Do(t, tok, planCatalogQuery, map[string]any{"p": testkit.ID(bare.ID), "k": kind})
			var got struct{ PlanCatalog []catalogPlan }
			res.Decode(t, &got)
			if got.PlanCatalog == nil || len(got.PlanCatalog) != 0 {
				t.Errorf("%s, %s: planCatalog = %s, want []", name, kind, res.Data)
			}
		}
	}
}
