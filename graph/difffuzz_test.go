package graph_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/graph/generated"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// The differential fuzzing of issue 11: random query operations, generated
// from the schema, run as every persona through the API in verify mode
// (testkit.NewAPI), where each root field the compiled read path answers
// is also answered by gqlgen's executor and any difference is an error
// "compiled path mismatch" in the response.

// FuzzOperations fails on any operation whose compiled answer differs from
// gqlgen's for some persona. CI runs it briefly on both stores.
func FuzzOperations(f *testing.F) {
	d := newDiffWorld(f)
	for _, seed := range diffSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d.check(t, d.gen.Generate(testkit.NewChoices(b)))
	})
}

// TestGeneratedOperationsAgree runs a fixed sequence of generated
// operations on every `go test`, and checks that most of them are valid
// and answer data (a generator that drifted into invalid operations would
// test nothing).
func TestGeneratedOperationsAgree(t *testing.T) {
	t.Parallel()
	d := newDiffWorld(t)
	n := 300
	if testing.Short() {
		n = 50
	}
	var st diffStats
	rng := rand.New(rand.NewPCG(11, 2026))
	for range n {
		b := make([]byte, 64+rng.IntN(448))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		st.add(d.check(t, d.gen.Generate(testkit.NewChoices(b))))
	}
	t.Log(st)
	if st.valid < st.ops*7/10 {
		t.Errorf("only %d of %d generated operations are valid", st.valid, st.ops)
	}
	// The root fields answered without error are the ones the two
	// executors' bytes are compared for (about half of them; an error under
	// a non-null root field nulls the whole answer's data).
	if st.cleanRoots < st.rootFields*2/5 {
		t.Errorf("only %d of %d root fields answered without error", st.cleanRoots, st.rootFields)
	}
}

// TestFuzzOperationsSeeds: each seed of the corpus is valid.
func TestFuzzOperationsSeeds(t *testing.T) {
	t.Parallel()
	d := newDiffWorld(t)
	for i, seed := range diffSeeds() {
		op := d.gen.Generate(testkit.NewChoices(seed))
		if r := d.check(t, op); r.refused > 0 {
			t.Errorf("seed %d is refused: %s", i, op.Query)
		}
	}
}

// diffSeeds are the fuzz corpus's seeds: byte strings from fixed
// pseudo-random sequences, chosen so that their operations are valid
// (TestFuzzOperationsSeeds) and together reach every root field.
func diffSeeds() [][]byte {
	var out [][]byte
	for _, seed := range diffSeedNumbers {
		rng := rand.New(rand.NewPCG(seed, 11))
		b := make([]byte, 128+rng.IntN(256))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		out = append(out, b)
	}
	return out
}

var diffSeedNumbers = []uint64{0, 2, 4, 6, 7, 10, 13, 14, 15, 17, 19, 20}

type persona struct{ name, token string }

type diffWorld struct {
	api      *testkit.API
	gen      *testkit.OpGen
	personas []persona
}

// opResult counts one operation's answers over the personas.
type opResult struct {
	requests, refused, data, fieldErrors, clean int
	// rootFields counts the root fields answered; cleanRoots those without
	// an error under them (the ones the compiled path answers when they
	// are in its subset, and verify compares byte for byte).
	rootFields, cleanRoots int
}

type diffStats struct {
	ops, valid int
	opResult
}

func (s *diffStats) add(r opResult) {
	s.ops++
	if r.refused == 0 {
		s.valid++
	}
	s.requests += r.requests
	s.refused += r.refused
	s.data += r.data
	s.fieldErrors += r.fieldErrors
	s.clean += r.clean
	s.rootFields += r.rootFields
	s.cleanRoots += r.cleanRoots
}

func (s diffStats) String() string {
	return fmt.Sprintf("%d operations, %d valid (%.0f%%); %d requests: %d refused, %d with data, %d with field errors, %d without any error; %d root fields, %d without error",
		s.ops, s.valid, 100*float64(s.valid)/float64(max(s.ops, 1)),
		s.requests, s.refused, s.data, s.fieldErrors, s.clean, s.rootFields, s.cleanRoots)
}

// check runs op as every persona and fails the test on a mismatch between
// the executors or an answer that is not a GraphQL response.
func (d *diffWorld) check(t testing.TB, op testkit.Operation) opResult {
	t.Helper()
	var r opResult
	for _, p := range d.personas {
		res, err := d.api.Send(p.token, op.Query, op.Vars)
		if err != nil {
			t.Fatalf("%v\npersona: %s\noperation: %s\nvariables: %s", err, p.name, op.Query, op.VarsJSON())
		}
		r.requests++
		refused, fieldErrors := false, false
		for _, e := range res.Errors {
			if strings.HasPrefix(e.Message, "compiled path mismatch") {
				t.Fatalf("the executors differ\npersona: %s\noperation: %s\nvariables: %s\nanswer: %s",
					p.name, op.Query, op.VarsJSON(), res.Raw)
			}
			if len(e.Path) == 0 {
				refused = true // parse, validation, shape, page size, complexity
			} else {
				fieldErrors = true
			}
		}
		switch {
		case refused:
			r.refused++
		case len(res.Data) > 0 && string(res.Data) != "null":
			r.data++
		}
		if fieldErrors {
			r.fieldErrors++
		}
		if len(res.Errors) == 0 {
			r.clean++
		}
		var roots map[string]json.RawMessage
		if json.Unmarshal(res.Data, &roots) == nil {
			failed := map[string]bool{}
			for _, e := range res.Errors {
				if len(e.Path) > 0 {
					failed[fmt.Sprint(e.Path[0])] = true
				}
			}
			for k := range roots {
				r.rootFields++
				if !failed[k] {
					r.cleanRoots++
				}
			}
		}
	}
	return r
}

// newDiffWorld is the access tests' world, with a workspace in every
// managed tenant, names that need escaping (quotes, backslashes, control
// characters, unicode; invalid UTF-8 too on SQLite, which stores it), Time
// values with nanoseconds and zones, a JPY partner, audit events, a
// scheduled plan change and a scheduled end. Its ids (of several tenants:
// own, managed, another partner's), cursors, missing and malformed ids are
// the generator's values.
func newDiffWorld(t testing.TB) *diffWorld {
	t.Helper()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil, testkit.Unlimited) // a fuzzer outruns any token's rate
	c := w.Client

	tricky := []string{
		`Quote "Q" & <b>'s`,
		`Back\slash \\ \"`,
		"Ctrl \x01\x08\x0c\x1f\x7f\t\n\r end",
		"Unicode Ünïcødé 日本 🙂 \u2028\u2029 \u202e\ufeff",
		"</script><!-- {\"json\": [1]} -->",
	}
	if testkit.PostgresURL() == "" {
		tricky = append(tricky, "Invalid UTF-8 \xff\xfe \xc3")
	}
	odd := time.Date(2026, 2, 3, 4, 5, 6, 789012345, time.FixedZone("", -(3*3600+30*60)))

	// A JPY partner (no minor digits) with tricky plan names, managed by
	// the other partner's admin too.
	jpy := w.Fixture.Catalog("JPY",
		testkit.PlanSpec{Code: `t-"q"`, Name: tricky[0], Kind: enums.PlanKindTenant, Price: 4900, Active: true},
		testkit.PlanSpec{Code: `t-\`, Name: tricky[1], Kind: enums.PlanKindTenant, Price: 1, Active: true},
		testkit.PlanSpec{Code: "s-\u00e9", Name: tricky[3], Kind: enums.PlanKindSupport, Price: 0, Active: true},
		testkit.PlanSpec{Code: "s-old", Name: tricky[2], Kind: enums.PlanKindSupport, Price: 123456789, Active: false},
	)
	jpyPartner := w.Tenant(testkit.TenantSpec{Name: tricky[4], Country: "JP", Currency: "JPY", Partner: true, Catalog: jpy, CreatedAt: odd})
	w.Member(jpyPartner, w.OtherPartnerAdmin, enums.RoleAdmin)
	w.Member(jpyPartner, w.PartnerEditor, enums.RoleViewer)

	start := time.Date(2026, 10, 31, 23, 59, 59, 999999000, time.UTC)
	for i, name := range tricky {
		partner, plans := w.Partner, w.Catalog.Plans
		tp, sp := plans["t-basic"], plans["s-std"]
		if i%2 == 1 {
			partner, tp, sp = jpyPartner, jpy.Plans[`t-"q"`], jpy.Plans["s-\u00e9"]
		}
		tn := w.Tenant(testkit.TenantSpec{Name: name, ManagedBy: partner, CreatedAt: odd.Add(time.Duration(i) * time.Hour), CreatedBy: w.PartnerAdmin})
		end := start.AddDate(0, 1, 0)
		w.SubscribeUntil(tn, tp, partner, start, &end)
		w.Subscribe(tn, sp, partner, start.Add(time.Duration(i)*time.Nanosecond*1000))
		space := w.Space(tn, name)
		dev := w.Device(space, fmt.Sprintf("SN-%d-%s", i, name))
		w.Installation(space, dev, name)
		w.Installation(space, nil, "unpinned "+name)
		u, err := c.User.Create().SetEmail(fmt.Sprintf("tricky%d+\"q\"@example.com", i)).SetName(name).SetCreatedAt(odd).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		w.Member(tn, u, []enums.Role{enums.RoleAdmin, enums.RoleEditor, enums.RoleViewer}[i%3])
		w.Member(tn, w.ManagedViewer, enums.RoleViewer)
	}
	for range 3 {
		// More than one page of the smallest page sizes.
		sp := w.Space(w.Managed, "Store "+fmt.Sprint(w.Client.Space.Query().CountX(sys)))
		w.Device(sp, "SN-"+sp.Name)
	}

	// Audit events (JSON before/after with tricky strings), a scheduled
	// plan change and a scheduled end, through the API.
	admin := w.Token(w.PartnerAdmin)
	managed, sibling := testkit.ID(w.Managed.ID), testkit.ID(w.Sibling.ID)
	for _, m := range []struct {
		query string
		input map[string]any
	}{
		{`mutation($input: UpdateManagedTenantInput!) { updateManagedTenant(input: $input) { userErrors { message } } }`,
			map[string]any{"tenantId": managed, "displayName": tricky[0] + " (managed)"}},
		{`mutation($input: UpdateManagedTenantInput!) { updateManagedTenant(input: $input) { userErrors { message } } }`,
			map[string]any{"tenantId": managed, "displayName": tricky[3] + " (managed)", "country": "fi"}},
		{`mutation($input: ChangeManagedTenantPlansInput!) { changeManagedTenantPlans(input: $input) { userErrors { message } } }`,
			map[string]any{"tenantId": managed, "tenantPlanId": testkit.ID(w.Catalog.Plans["t-max"].ID), "timing": "START_OF_NEXT_PERIOD"}},
		{`mutation($input: EndManagedTenantInput!) { endManagedTenant(input: $input) { userErrors { message } } }`,
			map[string]any{"tenantId": sibling, "timing": "START_OF_NEXT_PERIOD"}},
		{`mutation($input: InviteMemberInput!) { inviteMember(input: $input) { userErrors { message } } }`,
			map[string]any{"tenantId": managed, "email": "invited+x@example.com", "role": "EDITOR"}},
	} {
		res := api.Do(t, admin, m.query, map[string]any{"input": m.input})
		if len(res.Errors) > 0 || strings.Contains(string(res.Data), `"message"`) {
			t.Fatalf("fixture mutation: %s", res.Raw)
		}
	}

	values := testkit.OpValues{
		Strings: map[string][]string{
			"period": {"2026-11", "2026-12", "2027-01", "2026-10", "2026-11", "2026-12", "2027-01", "2026-02",
				"2026-13", "2026-1", "", "9999-12", "nope"},
			"search":  {"", "man", "PARTNER", `"`, `\`, "🙂", "%", "_", "ünï"},
			"country": {"SE", "se", "JP", "US", "XX", ""},
			"action":  {"", "nope"},
			"":        {"", "x"},
		},
		Times:      []string{"2026-01-01T00:00:00Z", "2030-01-01T00:00:00+02:00", "2026-11-16T00:00:00.000000001Z", "not a time"},
		BadCursors: []string{"", "garbage", "gaFp"},
	}
	for _, e := range c.AuditEvent.Query().AllX(sys) {
		values.Strings["action"] = append(values.Strings["action"], e.Action)
	}
	// Ids of every kind of row, a missing id of a real table, and malformed
	// ids. Each tenant's id appears twice: they are the common root.
	var ids, tenants, partners []string
	for _, p := range []*ent.Tenant{w.Partner, w.OtherPartner, jpyPartner} {
		partners = append(partners, testkit.ID(p.ID))
	}
	for _, id := range c.Tenant.Query().IDsX(sys) {
		tenants = append(tenants, testkit.ID(id))
	}
	missing := []string{testkit.ID(w.Partner.ID + 1_000_000), testkit.ID(w.ManagedSpace.ID + 1_000_000), "garbage", "", "dGVuYW50czox"}
	for _, some := range [][]int{
		c.Space.Query().IDsX(sys), c.Device.Query().IDsX(sys), c.Installation.Query().IDsX(sys),
		c.User.Query().IDsX(sys), c.Membership.Query().IDsX(sys), c.Plan.Query().IDsX(sys),
		c.Subscription.Query().IDsX(sys), c.BillingEntity.Query().IDsX(sys), c.AuditEvent.Query().IDsX(sys),
	} {
		// A few of each, spread over the table.
		for i := 0; i < len(some); i += max(1, len(some)/5) {
			ids = append(ids, testkit.ID(some[i]))
		}
	}
	// Tenant arguments mostly get tenants (own, managed, sibling, another
	// partner's), sometimes a missing or malformed id; node(s) anything.
	values.IDs = map[string][]string{
		"":          append(append(ids, tenants...), missing...),
		"id":        append(slices.Clone(tenants), missing[0], missing[2]),
		"partnerId": append(slices.Concat(partners, partners, partners, tenants), missing[0]),
		"tenantId":  append(slices.Clone(tenants), missing[3]),
		"node.id":   append(append(ids, tenants...), missing[0], missing[2]),
		"nodes.ids": append(append(ids, tenants...), missing[1], missing[4]),
	}
	values.Cursors = collectCursors(t, api, w.Token(w.Staff), c)

	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	return &diffWorld{
		api: api,
		gen: testkit.NewOpGen(schema, values),
		personas: []persona{
			{"no token", ""},
			{"staff", w.Token(w.Staff)},
			{"partner admin", admin},
			{"partner editor", w.Token(w.PartnerEditor)},
			{"managed tenant viewer", w.Token(w.ManagedViewer)},
			{"other partner admin", w.Token(w.OtherPartnerAdmin)},
		},
	}
}

// collectCursors reads, as staff, the cursors of every connection of every
// tenant, in default and in other orders.
func collectCursors(t testing.TB, api *testkit.API, staff string, c *ent.Client) []string {
	t.Helper()
	const query = `query($id: ID!) { tenant(id: $id) {
		managedTenants(first: 100) { edges { cursor } }
		byName: managedTenants(last: 100, orderBy: {field: DISPLAY_NAME, direction: DESC}) { edges { cursor } }
		members(first: 100) { edges { cursor } }
		byRole: members(first: 100, orderBy: {field: ROLE}) { edges { cursor } }
		subscriptions(first: 100) { edges { cursor } }
		auditEvents(first: 100) { edges { cursor } }
		spaces(first: 20, orderBy: {field: NAME}) { edges { cursor node {
			devices(first: 20) { edges { cursor node { installations(first: 20) { edges { cursor } } } } }
			installations(first: 100, orderBy: {field: NAME, direction: DESC}) { edges { cursor } }
		} } }
	} }`
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if s, ok := e.(string); ok && k == "cursor" {
					seen[s] = true
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, id := range c.Tenant.Query().IDsX(sys) {
		res := api.Do(t, staff, query, map[string]any{"id": testkit.ID(id)})
		if len(res.Errors) > 0 {
			t.Fatalf("cursors: %s", res.Raw)
		}
		var data any
		if err := json.Unmarshal(res.Data, &data); err != nil {
			t.Fatal(err)
		}
		walk(data)
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
