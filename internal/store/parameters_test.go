package store_test

import (
	"context"
	"net/url"
	"reflect"
	"testing"
	"time"

	"entgo.io/ent/schema/field"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/auditevent"
	"github.com/phystack/managed-tenants-api/ent/migrate"
	"github.com/phystack/managed-tenants-api/ent/rule"
	_ "github.com/phystack/managed-tenants-api/ent/runtime" // privacy policies
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestPostgresDSNDefaultsAndOverrides(t *testing.T) {
	for _, c := range []struct{ url, binary, timeout string }{
		{"postgres://u@h:5432/db?sslmode=disable", "yes", "3"},
		{"postgres://u@h:5432/db?binary_parameters=no&connect_timeout=9", "no", "9"},
	} {
		u, err := url.Parse(store.PostgresDSN(c.url))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if q.Get("binary_parameters") != c.binary || q.Get("connect_timeout") != c.timeout {
			t.Errorf("PostgresDSN(%q) = %q: want binary_parameters=%s, connect_timeout=%s", c.url, u, c.binary, c.timeout)
		}
	}
}

// With the store's default DSN, lib/pq sends []byte arguments in binary
// format: the token hash (bytea) and the audit log's JSON (jsonb, written as
// text) must still round trip, along with times, NULLs and IN lists.
func TestDefaultDSNRoundTripsJSONAndBytes(t *testing.T) {
	st := testkit.Store(t)
	ctx := context.Background()
	sys := rule.SystemContext(ctx)

	if st.Dialect == "postgres" {
		// The premise: binary parameters are on. A binary jsonb is its
		// version byte (1) and the text; in text format that byte is
		// invalid JSON.
		var got string
		if err := st.DB.QueryRowContext(ctx, `SELECT $1::jsonb::text`, []byte("\x01{}")).Scan(&got); err != nil || got != "{}" {
			t.Fatalf("binary parameters are not on by default: %q, %v", got, err)
		}
	}

	f := testkit.NewFixture(t, st.Client)
	u := f.User("round@trip.example")
	tok := f.Token(u) // bytea written
	now := time.Now()
	v, err := auth.Verify(ctx, st.Client, tok, now) // bytea compared
	if err != nil || v.UserID != u.ID {
		t.Fatalf("token did not round trip: %v, %v", v, err)
	}
	if _, err := auth.Verify(ctx, st.Client, tok+"x", now); err == nil {
		t.Fatal("another token verified")
	}

	tenant, _ := f.Partner("Round Trip")
	at := time.Date(2026, 12, 3, 10, 11, 12, 123456000, time.UTC)
	before := map[string]any{"name": "Ålö \"quoted\" <b>", "n": float64(42), "on": true, "none": nil,
		"list": []any{"a", float64(1)}, "nested": map[string]any{"k": "v"}}
	after := map[string]any{"name": "new"}
	err = store.WithTx(ctx, st.Client, func(tx *ent.Tx) error {
		if err := audit.Record(ctx, tx, at, audit.Event{TenantID: tenant.ID, Action: audit.ManagedTenantUpdate,
			Target: tenant.ID, Before: before, After: after}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, at, audit.Event{TenantID: tenant.ID, Action: audit.ManagedTenantCreate,
			Target: tenant.ID, After: after})
	})
	if err != nil {
		t.Fatalf("audit events not written: %v", err)
	}

	events, err := st.Client.AuditEvent.Query().
		Where(auditevent.TenantID(tenant.ID), auditevent.CreatedAt(at),
			auditevent.ActionIn(audit.ManagedTenantUpdate, audit.ManagedTenantCreate)).
		Order(ent.Asc(auditevent.FieldID)).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("%d events read back, want 2", len(events))
	}
	if got := map[string]any(events[0].Before); !reflect.DeepEqual(got, before) {
		t.Errorf("before = %#v, want %#v", got, before)
	}
	if got := map[string]any(events[0].After); !reflect.DeepEqual(got, after) {
		t.Errorf("after = %#v, want %#v", got, after)
	}
	if events[1].Before != nil || !events[1].CreatedAt.Equal(at) {
		t.Errorf("second event: before %#v (want NULL), at %v (want %v)", events[1].Before, events[1].CreatedAt, at)
	}
	nulls, err := st.Client.AuditEvent.Query().Where(auditevent.TenantID(tenant.ID), auditevent.BeforeIsNil()).Count(sys)
	if err != nil || nulls != 1 {
		t.Errorf("events without before = %d, %v; want 1", nulls, err)
	}
}

// ent's field.JSON reaches lib/pq as []byte, which binary parameters send
// as binary jsonb: PostgreSQL refuses it. JSON columns are jsontext.Object.
func TestNoColumnIsEntJSON(t *testing.T) {
	for _, tbl := range migrate.Tables {
		for _, c := range tbl.Columns {
			if c.Type == field.TypeJSON {
				t.Errorf("%s.%s is a field.JSON: declare it as field.Other(%q, jsontext.Object{}) (see ent/schema/jsontext)", tbl.Name, c.Name, c.Name)
			}
		}
	}
}
