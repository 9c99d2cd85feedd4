package graph_test

// End-to-end tests of Tenant.auditEvents and AuditEvent (SPEC 11): who
// reads a log, events about managed tenants on their partner, the order and
// its paging, the filter, hidden actors, JSON values, and the statements.

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/auditevent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

const auditEventFields = `id action actor { id } targetId at before after`

const auditLogQuery = `query($id: ID!, $first: Int, $after: Cursor, $last: Int, $before: Cursor, $where: AuditEventFilter) {
  tenant(id: $id) {
    auditEvents(first: $first, after: $after, last: $last, before: $before, where: $where) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ` + auditEventFields + ` } }
    }
  }
}`

type auditEventNode struct {
	ID       string
	Action   string
	Actor    *node
	TargetID *string
	At       string
	Before   map[string]any
	After    map[string]any
}

type auditLog struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	Edges []struct {
		Cursor string
		Node   auditEventNode
	}
}

func (l auditLog) actions() []string {
	out := []string{}
	for _, e := range l.Edges {
		out = append(out, e.Node.Action)
	}
	return out
}

func (l auditLog) ids() []string {
	out := []string{}
	for _, e := range l.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

// readLog reads tenant's log as token with vars (first, after, ..., where)
// and fails on any error.
func readLog(t *testing.T, api *testkit.API, token string, tenant *ent.Tenant, vars map[string]any) auditLog {
	t.Helper()
	all := map[string]any{"id": testkit.ID(tenant.ID)}
	for k, v := range vars {
		all[k] = v
	}
	var got struct {
		Tenant *struct{ AuditEvents auditLog }
	}
	api.Query(t, token, auditLogQuery, &got, all)
	if got.Tenant == nil {
		t.Fatalf("tenant %d is null", tenant.ID)
	}
	return got.Tenant.AuditEvents
}

// recordEvent writes an event straight into tenant's log.
func recordEvent(t *testing.T, client *ent.Client, tenant *ent.Tenant, actor *ent.User, action string, at time.Time) *ent.AuditEvent {
	t.Helper()
	c := client.AuditEvent.Create().SetTenantID(tenant.ID).SetAction(action).
		SetTarget(gid.Encode(tenant.ID)).SetCreatedAt(at)
	if actor != nil {
		c.SetActorID(actor.ID)
	}
	e, err := c.Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAuditLogReaders(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	// One event in each log: the partner's (a plan change of Managed, by
	// its admin, through the API), Sibling's and Standalone's.
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"))
	siblingEvent := recordEvent(t, l.Client, l.Sibling, l.SiblingAdmin, audit.MemberInvite, lifeNow)
	standaloneEvent := recordEvent(t, l.Client, l.Standalone, l.StandaloneAdmin, audit.MemberInvite, lifeNow)
	stored, err := l.Client.AuditEvent.Query().Where(auditevent.TenantID(l.Partner.ID)).Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	partnerEvent := testkit.ID(stored.ID)

	t.Run("partner admin and staff read the partner's log", func(t *testing.T) {
		for name, u := range map[string]*ent.User{"admin": l.PartnerAdmin, "staff": l.Staff} {
			got := readLog(t, l.api, l.Token(u), l.Partner, map[string]any{"first": 10})
			if got.TotalCount != 1 || !slices.Equal(got.ids(), []string{partnerEvent}) {
				t.Fatalf("%s: log %+v, want the plan change only", name, got)
			}
			e := got.Edges[0].Node
			managed := testkit.ID(l.Managed.ID)
			if e.Action != audit.ManagedTenantPlansChange || e.TargetID == nil || *e.TargetID != managed ||
				e.Actor == nil || e.Actor.ID != testkit.ID(l.PartnerAdmin.ID) || e.At[:19] != lifeT[:19] {
				t.Errorf("%s: event %+v", name, e)
			}
			if e.Before["tenantPlan"] != l.plan("t-pro") || e.After["tenantPlan"] != l.plan("t-max") {
				t.Errorf("%s: before %v after %v", name, e.Before, e.After)
			}
		}
	})
	t.Run("other members get an empty connection", func(t *testing.T) {
		for name, u := range map[string]*ent.User{"editor": l.PartnerEditor, "viewer": l.PartnerViewer} {
			got := readLog(t, l.api, l.Token(u), l.Partner, map[string]any{"first": 10})
			if got.TotalCount != 0 || len(got.Edges) != 0 || got.PageInfo.HasNextPage {
				t.Errorf("%s: log %+v, want empty", name, got)
			}
		}
	})
	t.Run("a non-member who sees the tenant gets an empty connection", func(t *testing.T) {
		// The partner admin reads Sibling's account data, not its log.
		got := readLog(t, l.api, l.Token(l.PartnerAdmin), l.Sibling, map[string]any{"first": 10})
		if got.TotalCount != 0 || len(got.Edges) != 0 {
			t.Errorf("log %+v, want empty", got)
		}
		// Its own admin reads it, and nothing of the partner's.
		got = readLog(t, l.api, l.Token(l.SiblingAdmin), l.Sibling, map[string]any{"first": 10})
		if !slices.Equal(got.ids(), []string{testkit.ID(siblingEvent.ID)}) {
			t.Errorf("sibling admin: log %v", got.ids())
		}
	})
	t.Run("node(id) of an event: for its readers only", func(t *testing.T) {
		query := `query($id: ID!) { node(id: $id) { id ... on AuditEvent { action } } }`
		for _, c := range []struct {
			user  *ent.User
			event string
			reads bool
		}{
			{l.PartnerAdmin, partnerEvent, true},
			{l.Staff, partnerEvent, true},
			{l.Staff, testkit.ID(standaloneEvent.ID), true},
			{l.StandaloneAdmin, testkit.ID(standaloneEvent.ID), true},
			{l.PartnerEditor, partnerEvent, false},
			{l.OtherPartnerAdmin, partnerEvent, false},
			{l.Stranger, partnerEvent, false},
			{l.SiblingAdmin, partnerEvent, false},
			{l.PartnerAdmin, testkit.ID(siblingEvent.ID), false},
			{l.StandaloneAdmin, partnerEvent, false},
		} {
			res := l.api.Do(t, l.Token(c.user), query, map[string]any{"id": c.event})
			if c.reads {
				var got struct{ Node *struct{ ID, Action string } }
				res.Decode(t, &got)
				if len(res.Errors) != 0 || got.Node == nil || got.Node.ID != c.event {
					t.Errorf("%s reads %s: %s", c.user.Email, c.event, res.Raw)
				}
				continue
			}
			res.RequireError(t, "NOT_FOUND", "node")
		}
	})
}

func TestAuditLogManagedTenantEventsOnThePartner(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	admin := l.Token(l.PartnerAdmin)
	var created map[string]lifePayload
	l.api.Query(t, admin, `mutation($input: CreateManagedTenantInput!) {
  createManagedTenant(input: $input) { managedTenant { id } userErrors { field message code } } }`, &created, map[string]any{"input": map[string]any{
		"partnerId": testkit.ID(l.Partner.ID), "displayName": "Audited Co", "country": "SE",
		"tenantPlanId": l.plan("t-pro"), "supportPlanId": l.plan("s-prem"),
	}})
	if p := created["createManagedTenant"]; p.ManagedTenant == nil {
		t.Fatalf("create: %+v", p)
	}
	newID := created["createManagedTenant"].ManagedTenant.ID
	l.clock.Set(lifeNow.Add(time.Minute))
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"))
	l.clock.Set(lifeNow.Add(2 * time.Minute))
	l.update(t, l.Managed, "displayName", "Managed Renamed")
	l.clock.Set(lifeNow.Add(3 * time.Minute))
	l.end(t, l.Managed, "NOW")

	got := readLog(t, l.api, admin, l.Partner, map[string]any{"first": 10})
	want := []string{audit.ManagedTenantEnd, audit.ManagedTenantUpdate, audit.ManagedTenantPlansChange, audit.ManagedTenantCreate}
	if !slices.Equal(got.actions(), want) || got.TotalCount != 4 {
		t.Fatalf("partner's log %v (total %d), want %v", got.actions(), got.TotalCount, want)
	}
	for i, e := range got.Edges {
		target := testkit.ID(l.Managed.ID)
		if i == 3 {
			target = newID
		}
		if e.Node.TargetID == nil || *e.Node.TargetID != target {
			t.Errorf("%s: targetId %v, want %s", e.Node.Action, e.Node.TargetID, target)
		}
	}
	if u := got.Edges[1].Node; u.Before["displayName"] != "Managed One" || u.After["displayName"] != "Managed Renamed" {
		t.Errorf("update: before %v after %v", u.Before, u.After)
	}
	// The managed tenant's own log (the partner admin is its ADMIN) does
	// not hold them.
	if own := readLog(t, l.api, admin, l.Managed, map[string]any{"first": 10}); own.TotalCount != 0 {
		t.Errorf("managed tenant's own log: %v", own.actions())
	}
	// Every stored event of these mutations is on the partner.
	n, err := l.Client.AuditEvent.Query().Where(auditevent.TenantIDNEQ(l.Partner.ID)).Count(sys)
	if err != nil || n != 0 {
		t.Errorf("%d events off the partner (%v)", n, err)
	}
}

// tiedLog writes 7 events into Standalone's log, several on one instant,
// and returns their global ids newest first (ties: the later written first).
func tiedLog(t *testing.T, l *life) []string {
	t.Helper()
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ats := []time.Time{base, base.Add(time.Hour), base.Add(time.Hour), base.Add(time.Hour), base.Add(2 * time.Hour), base, base.Add(2 * time.Hour)}
	events := make([]*ent.AuditEvent, len(ats))
	for i, at := range ats {
		events[i] = recordEvent(t, l.Client, l.Standalone, l.StandaloneAdmin, fmt.Sprintf("test.e%d", i), at)
	}
	slices.SortFunc(events, func(a, b *ent.AuditEvent) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return b.ID - a.ID
	})
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = testkit.ID(e.ID)
	}
	return out
}

func TestAuditLogPagingIsStableOnTies(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	want := tiedLog(t, l)
	token := l.Token(l.StandaloneAdmin)

	all := readLog(t, l.api, token, l.Standalone, map[string]any{"first": 100})
	if !slices.Equal(all.ids(), want) || all.TotalCount != 7 {
		t.Fatalf("log %v (total %d), want %v", all.ids(), all.TotalCount, want)
	}
	for _, size := range []int{1, 2, 3} {
		// Forwards: first/after.
		var fwd []string
		vars := map[string]any{"first": size}
		for pages := 0; ; pages++ {
			page := readLog(t, l.api, token, l.Standalone, vars)
			if page.TotalCount != 7 || pages > 7 {
				t.Fatalf("size %d: page %+v", size, page)
			}
			fwd = append(fwd, page.ids()...)
			if !page.PageInfo.HasNextPage {
				break
			}
			vars = map[string]any{"first": size, "after": *page.PageInfo.EndCursor}
		}
		if !slices.Equal(fwd, want) {
			t.Errorf("size %d forwards: %v, want %v", size, fwd, want)
		}
		// Backwards: last/before, from the oldest end.
		var back []string
		vars = map[string]any{"last": size}
		for pages := 0; ; pages++ {
			page := readLog(t, l.api, token, l.Standalone, vars)
			if pages > 7 {
				t.Fatalf("size %d: endless", size)
			}
			back = append(page.ids(), back...)
			if !page.PageInfo.HasPreviousPage {
				break
			}
			vars = map[string]any{"last": size, "before": *page.PageInfo.StartCursor}
		}
		if !slices.Equal(back, want) {
			t.Errorf("size %d backwards: %v, want %v", size, back, want)
		}
	}
}

func TestAuditLogFilter(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	token := l.Token(l.StandaloneAdmin)
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, action := range []string{"a.x", "a.y", "a.x", "a.y", "a.x"} {
		recordEvent(t, l.Client, l.Standalone, l.StandaloneAdmin, action, base.Add(time.Duration(i)*time.Hour))
	}
	at := func(h int) string { return base.Add(time.Duration(h) * time.Hour).Format(time.RFC3339) }
	for _, c := range []struct {
		name  string
		where map[string]any
		want  []string // actions with their hour, newest first
	}{
		{"none", nil, []string{"a.x4", "a.y3", "a.x2", "a.y1", "a.x0"}},
		{"empty filter", map[string]any{}, []string{"a.x4", "a.y3", "a.x2", "a.y1", "a.x0"}},
		{"action", map[string]any{"action": "a.y"}, []string{"a.y3", "a.y1"}},
		{"unknown action", map[string]any{"action": "a"}, nil},
		{"since includes", map[string]any{"since": at(3)}, []string{"a.x4", "a.y3"}},
		{"until excludes", map[string]any{"until": at(1)}, []string{"a.x0"}},
		{"range", map[string]any{"since": at(1), "until": at(4)}, []string{"a.y3", "a.x2", "a.y1"}},
		{"range and action", map[string]any{"action": "a.x", "since": at(1), "until": at(4)}, []string{"a.x2"}},
		{"other offset", map[string]any{"since": "2026-12-01T12:00:00+02:00"}, []string{"a.x4", "a.y3", "a.x2", "a.y1"}},
		{"empty range", map[string]any{"since": at(2), "until": at(2)}, nil},
		{"reversed range", map[string]any{"since": at(4), "until": at(1)}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]any{"first": 10}
			if c.where != nil {
				vars["where"] = c.where
			}
			got := readLog(t, l.api, token, l.Standalone, vars)
			var actions []string
			for _, e := range got.Edges {
				ts, err := time.Parse(time.RFC3339, e.Node.At)
				if err != nil {
					t.Fatal(err)
				}
				actions = append(actions, fmt.Sprintf("%s%d", e.Node.Action, int(ts.Sub(base).Hours())))
			}
			if !slices.Equal(actions, c.want) || got.TotalCount != len(c.want) {
				t.Errorf("where %v: %v (total %d), want %v", c.where, actions, got.TotalCount, c.want)
			}
		})
	}
}

func TestAuditLogActorHiddenIsNull(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	// Staff flag Standalone as a partner: the event is in Standalone's log,
	// its actor a user Standalone's admin may not see.
	var flagged map[string]struct{ UserErrors []testkit.UserError }
	l.api.Query(t, l.Token(l.Staff), `mutation($input: SetTenantPartnerFlagInput!) {
  setTenantPartnerFlag(input: $input) { userErrors { field message code } } }`, &flagged, map[string]any{"input": map[string]any{
		"tenantId": testkit.ID(l.Standalone.ID), "isPartner": true,
	}})
	got := readLog(t, l.api, l.Token(l.StandaloneAdmin), l.Standalone, map[string]any{"first": 10})
	if len(got.Edges) != 1 || got.Edges[0].Node.Action != audit.TenantPartnerFlag {
		t.Fatalf("log %+v", got)
	}
	if e := got.Edges[0].Node; e.Actor != nil || e.Before["isPartner"] != false || e.After["isPartner"] != true {
		t.Errorf("event %+v: actor should be null (hidden), isPartner false -> true", e)
	}
	// Staff see everyone.
	got = readLog(t, l.api, l.Token(l.Staff), l.Standalone, map[string]any{"first": 10})
	if len(got.Edges) != 1 || got.Edges[0].Node.Actor == nil || got.Edges[0].Node.Actor.ID != testkit.ID(l.Staff.ID) {
		t.Errorf("staff: %+v", got.Edges)
	}
}

func TestAuditLogJSONRoundTrip(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	before := map[string]any{"s": "é \"quoted\" <b>&", "n": 12.5, "i": float64(42), "b": true, "null": nil,
		"list": []any{"a", float64(1), false}, "nested": map[string]any{"k": []any{map[string]any{"x": "y"}}}}
	after := map[string]any{}
	if _, err := l.Client.AuditEvent.Create().SetTenantID(l.Standalone.ID).SetAction("test.json").
		SetTarget(gid.Encode(l.Standalone.ID)).SetBefore(before).SetAfter(after).Save(sys); err != nil {
		t.Fatal(err)
	}
	recordEvent(t, l.Client, l.Standalone, nil, "test.none", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	got := readLog(t, l.api, l.Token(l.StandaloneAdmin), l.Standalone, map[string]any{"first": 10})
	if len(got.Edges) != 2 {
		t.Fatalf("log %+v", got)
	}
	e := got.Edges[0].Node
	if !reflect.DeepEqual(e.Before, before) || e.After == nil || len(e.After) != 0 {
		t.Errorf("before %#v\nwant   %#v\nafter %#v", e.Before, before, e.After)
	}
	if none := got.Edges[1].Node; none.Before != nil || none.After != nil || none.Actor != nil {
		t.Errorf("event without values or actor: %+v", none)
	}
}

// TestAuditLogStatements measures the SQL statements of reading logs: one
// tenant's with 3 and 120 events, and the logs of a partner's managed
// tenants in one query (the partner dashboard), for 2 and 6 tenants.
func TestAuditLogStatements(t *testing.T) {
	t.Parallel()
	one := `query($id: ID!) { tenant(id: $id) { auditEvents(first: 100) {
	  totalCount edges { node { id action actor { id } targetId at before after } } } } }`
	tree := `query($id: ID!) { tenant(id: $id) { managedTenants(first: 50) { edges { node { id
	  auditEvents(first: 5) { totalCount edges { node { id action actor { id } at } } } } } } } }`
	statements := func(t *testing.T, api *testkit.API, token, query string, id int) float64 {
		t.Helper()
		res := api.Do(t, token, query, map[string]any{"id": testkit.ID(id)})
		if len(res.Errors) != 0 {
			t.Fatalf("%s", res.Raw)
		}
		n, ok := res.Extensions["sqlStatements"].(float64)
		if !ok {
			t.Fatalf("no sqlStatements: %s", res.Raw)
		}
		return n
	}
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	byEvents := map[int]float64{}
	for _, n := range []int{3, 120} {
		l := newLife(t)
		api := testkit.NewAPI(t, l.Store, l.clock.Now, testkit.Debug)
		for i := range n {
			recordEvent(t, l.Client, l.Standalone, l.StandaloneAdmin, "test.e", base.Add(time.Duration(i)*time.Second))
		}
		token := l.Token(l.StandaloneAdmin)
		statements(t, api, token, one, l.Standalone.ID) // the token's first use
		byEvents[n] = statements(t, api, token, one, l.Standalone.ID)
	}
	byTenants := map[int]float64{}
	for _, n := range []int{2, 6} {
		l := newLife(t)
		api := testkit.NewAPI(t, l.Store, l.clock.Now, testkit.Debug)
		tenants := []*ent.Tenant{l.Managed, l.Sibling}
		for i := len(tenants); i < n; i++ {
			tenants = append(tenants, l.Fixture.Managed(l.Partner, fmt.Sprintf("Extra %d", i)))
		}
		for _, tn := range tenants {
			for i := range 8 {
				recordEvent(t, l.Client, tn, l.PartnerAdmin, "test.e", base.Add(time.Duration(i)*time.Second))
			}
		}
		token := l.Token(l.Staff)
		statements(t, api, token, tree, l.Partner.ID)
		byTenants[n] = statements(t, api, token, tree, l.Partner.ID)
		// Read ahead for the page, each tenant's log is what it reads
		// alone: first and last pages, with and without a filter.
		for _, args := range []string{`first: 5`, `last: 3`, `first: 2, where: {action: "test.e", since: "2026-12-01T09:00:02Z"}`, `first: 50`} {
			q := `query($id: ID!) { tenant(id: $id) { managedTenants(first: 50) { edges { node { id
			  auditEvents(` + args + `) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
			  edges { cursor node { ` + auditEventFields + ` } } } } } } } }`
			var got struct {
				Tenant struct {
					ManagedTenants struct {
						Edges []struct {
							Node struct {
								ID          string
								AuditEvents auditLog
							}
						}
					}
				}
			}
			l.api.Query(t, token, q, &got, map[string]any{"id": testkit.ID(l.Partner.ID)})
			if len(got.Tenant.ManagedTenants.Edges) != n {
				t.Fatalf("%d tenants", len(got.Tenant.ManagedTenants.Edges))
			}
			for _, e := range got.Tenant.ManagedTenants.Edges {
				alone := `query($id: ID!) { node(id: $id) { ... on Tenant { auditEvents(` + args + `) { totalCount
				  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ` + auditEventFields + ` } } } } } }`
				var one struct {
					Node struct{ AuditEvents auditLog }
				}
				l.api.Query(t, token, alone, &one, map[string]any{"id": e.Node.ID})
				if !reflect.DeepEqual(e.Node.AuditEvents, one.Node.AuditEvents) || len(one.Node.AuditEvents.Edges) == 0 {
					t.Errorf("%s: read ahead\n  %+v\nalone\n  %+v", args, e.Node.AuditEvents, one.Node.AuditEvents)
				}
			}
		}
	}
	t.Logf("one log: %v statements with 3 events, %v with 120; managed tenants' logs: %v for 2 tenants, %v for 6",
		byEvents[3], byEvents[120], byTenants[2], byTenants[6])
	if byTenants[2] != byTenants[6] {
		t.Errorf("managed tenants' logs: %v statements for 2 tenants, %v for 6: the cost grows with the tenants", byTenants[2], byTenants[6])
	}
	if byEvents[3] != byEvents[120] {
		t.Errorf("one log: %v statements with 3 events, %v with 120: the cost grows with the events", byEvents[3], byEvents[120])
	}
}

// The read ahead of a page's logs (one hand-written statement for all its
// tenants) keeps the readers of each log: the partner admin sees its
// managed tenants, but only the log of the one it is an ADMIN of (Managed;
// not Sibling's), staff see every log.
func TestAuditLogReadAheadKeepsItsReaders(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tn := range []*ent.Tenant{l.Managed, l.Sibling} {
		for i := range 3 {
			recordEvent(t, l.Client, tn, l.PartnerAdmin, "test.e", base.Add(time.Duration(i)*time.Second))
		}
	}
	q := `query($id: ID!) { tenant(id: $id) { managedTenants(first: 50) { edges { node { id
	  auditEvents(first: 5) { totalCount edges { node { id action } } } } } } } }`
	for _, tc := range []struct {
		who   string
		token string
		want  map[string]int // events read, by tenant id
	}{
		{"partner admin", l.Token(l.PartnerAdmin), map[string]int{testkit.ID(l.Managed.ID): 3, testkit.ID(l.Sibling.ID): 0}},
		{"staff", l.Token(l.Staff), map[string]int{testkit.ID(l.Managed.ID): 3, testkit.ID(l.Sibling.ID): 3}},
	} {
		var got struct {
			Tenant struct {
				ManagedTenants struct {
					Edges []struct {
						Node struct {
							ID          string
							AuditEvents struct {
								TotalCount int
								Edges      []struct{ Node struct{ ID, Action string } }
							}
						}
					}
				}
			}
		}
		l.api.Query(t, tc.token, q, &got, map[string]any{"id": testkit.ID(l.Partner.ID)})
		if len(got.Tenant.ManagedTenants.Edges) < 2 {
			t.Fatalf("%s sees %d managed tenants", tc.who, len(got.Tenant.ManagedTenants.Edges))
		}
		for _, e := range got.Tenant.ManagedTenants.Edges {
			want, ok := tc.want[e.Node.ID]
			if !ok {
				continue // a tenant of the world without events
			}
			if a := e.Node.AuditEvents; a.TotalCount != want || len(a.Edges) != want {
				t.Errorf("%s reads %d events (total %d) of tenant %s in the read ahead, want %d",
					tc.who, len(a.Edges), a.TotalCount, e.Node.ID, want)
			}
		}
	}
}
