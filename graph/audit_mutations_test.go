package graph_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/auditevent"
	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/graph/generated"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// auditedMutation is one successful run of a mutation and the one audit
// event it must write.
type auditedMutation struct {
	user   *ent.User
	query  string // takes $input; selects the object's id under object
	input  map[string]any
	tenant *ent.Tenant // whose log holds the event
	action string
	// target is the global id of the object changed; created objects are
	// read from the payload (its path under the mutation's field).
	target        string
	targetPath    []string
	before, after map[string]any
}

// mutationFields are the fields of the schema's Mutation type, as the
// server executes it.
func mutationFields(t *testing.T) []string {
	t.Helper()
	s := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	if s.Mutation == nil {
		t.Fatal("the schema has no Mutation type")
	}
	var out []string
	for _, f := range s.Mutation.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			out = append(out, f.Name)
		}
	}
	return out
}

// TestEveryMutationIsAudited runs every field of the schema's Mutation
// type once, successfully, and checks that it wrote exactly one audit
// event with the expected actor, action, tenant, target and values. A
// mutation added to the schema without a row here fails the test. No event
// holds a token, a token's hash or anything secret.
func TestEveryMutationIsAudited(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	w := l.World
	id := testkit.ID
	plan := func(code string) string { return id(w.Catalog.Plans[code].ID) }
	bothInStandalone := membershipOf(t, w, w.Standalone, w.Both)
	viewerInManaged := membershipOf(t, w, w.Managed, w.ManagedViewer)
	member := func(u *ent.User, role string) map[string]any {
		return map[string]any{"userId": id(u.ID), "email": u.Email, "role": role}
	}

	rows := map[string]auditedMutation{
		"createManagedTenant": {
			user: w.PartnerAdmin, query: `mutation($input: CreateManagedTenantInput!) {
  createManagedTenant(input: $input) { object: managedTenant { id } userErrors { field code } } }`,
			input: map[string]any{"partnerId": id(w.Partner.ID), "displayName": " Audited ", "country": "se",
				"tenantPlanId": plan("t-basic"), "supportPlanId": plan("s-std")},
			tenant: w.Partner, action: audit.ManagedTenantCreate, targetPath: []string{"object", "id"},
			after: map[string]any{"displayName": "Audited", "country": "SE", "currency": "EUR",
				"billingEntity": id(w.Partner.BillingEntityID), "tenantPlan": plan("t-basic"), "supportPlan": plan("s-std")},
		},
		"setTenantPartnerFlag": {
			user: w.Staff, query: `mutation($input: SetTenantPartnerFlagInput!) {
  setTenantPartnerFlag(input: $input) { object: tenant { id } userErrors { field code } } }`,
			input:  map[string]any{"tenantId": id(w.Standalone.ID), "isPartner": true},
			tenant: w.Standalone, action: audit.TenantPartnerFlag, target: id(w.Standalone.ID),
			before: map[string]any{"isPartner": false}, after: map[string]any{"isPartner": true},
		},
		"inviteMember": {
			user: w.PartnerAdmin, query: `mutation($input: InviteMemberInput!) {
  inviteMember(input: $input) { object: membership { id } userErrors { field code } } }`,
			input:  map[string]any{"tenantId": id(w.Managed.ID), "email": "Audited@Example.com", "role": "EDITOR"},
			tenant: w.Managed, action: audit.MemberInvite, targetPath: []string{"object", "id"},
			after: map[string]any{"email": "audited@example.com", "role": "EDITOR"},
		},
		"createSpace": {
			user: w.Both, query: `mutation($input: CreateSpaceInput!) {
  createSpace(input: $input) { object: space { id } userErrors { field code } } }`,
			input:  map[string]any{"tenantId": id(w.Managed.ID), "name": " Audited space "},
			tenant: w.Managed, action: audit.SpaceCreate, targetPath: []string{"object", "id"},
			after: map[string]any{"name": "Audited space"},
		},
		"createDevice": {
			user: w.Both, query: `mutation($input: CreateDeviceInput!) {
  createDevice(input: $input) { object: device { id } userErrors { field code } } }`,
			input:  map[string]any{"spaceId": id(w.ManagedSpace.ID), "name": "Audited device", "serialNumber": "AUD-1"},
			tenant: w.Managed, action: audit.DeviceCreate, targetPath: []string{"object", "id"},
			after: map[string]any{"name": "Audited device", "serialNumber": "AUD-1", "spaceId": id(w.ManagedSpace.ID)},
		},
		"createInstallation": {
			user: w.Both, query: `mutation($input: CreateInstallationInput!) {
  createInstallation(input: $input) { object: installation { id } userErrors { field code } } }`,
			input: map[string]any{"spaceId": id(w.ManagedSpace.ID), "name": "Audited app", "app": "player",
				"deviceId": id(w.ManagedDevice.ID)},
			tenant: w.Managed, action: audit.InstallationCreate, targetPath: []string{"object", "id"},
			after: map[string]any{"name": "Audited app", "app": "player", "spaceId": id(w.ManagedSpace.ID),
				"deviceId": id(w.ManagedDevice.ID)},
		},
		"changeManagedTenantPlans": {
			user: w.PartnerAdmin, query: `mutation($input: ChangeManagedTenantPlansInput!) {
  changeManagedTenantPlans(input: $input) { object: managedTenant { id } userErrors { field code } } }`,
			input:  map[string]any{"tenantId": id(w.Managed.ID), "tenantPlanId": plan("t-max")},
			tenant: w.Partner, action: audit.ManagedTenantPlansChange, target: id(w.Managed.ID),
			before: map[string]any{"tenantPlan": plan("t-pro")},
			after:  map[string]any{"tenantPlan": plan("t-max"), "from": lifeTJSON},
		},
		"updateManagedTenant": {
			user: w.PartnerAdmin, query: `mutation($input: UpdateManagedTenantInput!) {
  updateManagedTenant(input: $input) { object: managedTenant { id } userErrors { field code } } }`,
			input:  map[string]any{"tenantId": id(w.Sibling.ID), "displayName": "Sibling Renamed"},
			tenant: w.Partner, action: audit.ManagedTenantUpdate, target: id(w.Sibling.ID),
			before: map[string]any{"displayName": "Sibling Two"}, after: map[string]any{"displayName": "Sibling Renamed"},
		},
		"endManagedTenant": {
			user: w.PartnerAdmin, query: `mutation($input: EndManagedTenantInput!) {
  endManagedTenant(input: $input) { object: managedTenant { id } userErrors { field code } } }`,
			input:  map[string]any{"tenantId": id(w.Sibling.ID), "timing": "NOW"},
			tenant: w.Partner, action: audit.ManagedTenantEnd, target: id(w.Sibling.ID),
			before: map[string]any{"endsAt": nil}, after: map[string]any{"endsAt": lifeTJSON},
		},
		"changeMemberRole": {
			user: w.StandaloneAdmin, query: `mutation($input: ChangeMemberRoleInput!) {
  changeMemberRole(input: $input) { object: membership { id } userErrors { field code } } }`,
			input:  map[string]any{"membershipId": id(bothInStandalone.ID), "role": "VIEWER"},
			tenant: w.Standalone, action: audit.MemberRoleChange, target: id(bothInStandalone.ID),
			before: member(w.Both, "EDITOR"), after: member(w.Both, "VIEWER"),
		},
		"removeMember": {
			user: w.PartnerAdmin, query: `mutation($input: RemoveMemberInput!) {
  removeMember(input: $input) { object: removedMembershipId userErrors { field code } } }`,
			input:  map[string]any{"membershipId": id(viewerInManaged.ID)},
			tenant: w.Managed, action: audit.MemberRemove, target: id(viewerInManaged.ID),
			before: member(w.ManagedViewer, "VIEWER"),
		},
	}

	fields := mutationFields(t)
	for _, field := range fields {
		if _, ok := rows[field]; !ok {
			t.Errorf("mutation %s has no row: add what its audit event must hold", field)
		}
	}
	for field := range rows {
		if !strings.Contains(" "+strings.Join(fields, " ")+" ", " "+field+" ") {
			t.Errorf("row %s names no mutation of the schema", field)
		}
	}
	for _, field := range fields {
		row, ok := rows[field]
		if !ok {
			continue
		}
		t.Run(field, func(t *testing.T) {
			last := lastEventID(t, w.Client)
			res := l.api.Do(t, l.Token(row.user), row.query, map[string]any{"input": row.input})
			var data map[string]map[string]any
			res.Decode(t, &data)
			payload := data[field]
			if errs, _ := payload["userErrors"].([]any); len(errs) != 0 || payload["object"] == nil {
				t.Fatalf("the mutation did not succeed: %s", res.Raw)
			}
			target := row.target
			if row.targetPath != nil {
				target = pathString(payload, row.targetPath...)
			}
			events, err := w.Client.AuditEvent.Query().Where(auditevent.IDGT(last)).Order(auditevent.ByID()).All(sys)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 {
				t.Fatalf("%d audit events, want exactly 1: %v", len(events), actions(events))
			}
			e := events[0]
			if e.Action != row.action || e.TenantID != row.tenant.ID || e.Target != target || target == "" ||
				e.ActorID == nil || *e.ActorID != row.user.ID {
				t.Errorf("event = action %s, tenant %d, target %s, actor %v; want %s, %d, %s, %d",
					e.Action, e.TenantID, e.Target, e.ActorID, row.action, row.tenant.ID, target, row.user.ID)
			}
			if !sameJSON(e.Before, row.before) || !sameJSON(e.After, row.after) {
				t.Errorf("event values = %v -> %v, want %v -> %v", e.Before, e.After, row.before, row.after)
			}
		})
	}

	// Nothing secret in the log: no token, no token hash (in any common
	// encoding), no key naming one.
	secrets := []string{auth.Prefix}
	for _, toks := range []map[int]string{w.Tokens, l.tokens} {
		for _, tok := range toks {
			h := auth.Hash(tok)
			secrets = append(secrets, tok, hex.EncodeToString(h), base64.StdEncoding.EncodeToString(h),
				base64.RawURLEncoding.EncodeToString(h), base64.RawStdEncoding.EncodeToString(h))
		}
	}
	events, err := w.Client.AuditEvent.Query().All(sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		raw, err := json.Marshal(struct {
			Event         *ent.AuditEvent
			Before, After map[string]any
		}{e, e.Before, e.After})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ToLower(string(raw))
		for _, s := range secrets {
			if strings.Contains(string(raw), s) {
				t.Errorf("audit event %d (%s) holds a token or its hash: %s", e.ID, e.Action, raw)
			}
		}
		for _, word := range []string{"token", "hash", "secret", "password"} {
			if strings.Contains(text, word) {
				t.Errorf("audit event %d (%s) mentions %q: %s", e.ID, e.Action, word, raw)
			}
		}
	}
}

func lastEventID(t *testing.T, client *ent.Client) int {
	t.Helper()
	ids, err := client.AuditEvent.Query().Order(ent.Desc(auditevent.FieldID)).Limit(1).IDs(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

// pathString reads a string at a path of decoded JSON ("" if absent).
func pathString(v any, path ...string) string {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

// sameJSON compares audit values as the log's JSON holds them (nil and no
// values alike).
func sameJSON(got, want map[string]any) bool {
	if len(got) == 0 || len(want) == 0 {
		return len(got) == 0 && len(want) == 0
	}
	norm := func(m map[string]any) any {
		raw, _ := json.Marshal(m)
		var out any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	return reflect.DeepEqual(norm(got), norm(want))
}
