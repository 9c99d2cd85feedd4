package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/phystack/managed-tenants-api/ent/migrate"
	"github.com/phystack/managed-tenants-api/ent/rule"
	_ "github.com/phystack/managed-tenants-api/ent/runtime" // privacy policies
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/migrations"
)

// scratchPostgres opens an empty database of its own on the cluster of
// TEST_DATABASE_URL (these tests are about PostgreSQL migrations only).
func scratchPostgres(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		t.Skip("versioned migrations are PostgreSQL's: set TEST_DATABASE_URL")
	}
	db, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("phy_migrations_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE DATABASE "` + name + `"`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
		db.Close()
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

func open(t *testing.T, dsn string) *Store {
	t.Helper()
	st, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// The migrations equal the ent schema: after applying them, ent's own
// migration planner has nothing left to do.
func TestMigrationsMatchTheSchema(t *testing.T) {
	st := open(t, scratchPostgres(t))
	ctx := context.Background()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// The check can fail: on an empty database the plan is the whole schema.
	empty := open(t, scratchPostgres(t))
	var full bytes.Buffer
	if err := empty.Client.Schema.WriteTo(ctx, &full); err != nil || !strings.Contains(full.String(), "CREATE TABLE") {
		t.Fatalf("plan of an empty database: %v\n%s", err, full.String())
	}
	var plan bytes.Buffer
	// Indexes too: a unique index the schema dropped must be gone.
	if err := st.Client.Schema.WriteTo(ctx, &plan, migrate.WithDropIndex(true)); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(plan.String(), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "BEGIN;" && line != "COMMIT;" {
			t.Fatalf("the ent schema differs from migrations/ (run make migration NAME=...):\n%s", plan.String())
		}
	}
}

// Three instances starting together: goose's session lock lets one migrate
// and the others find nothing pending.
func TestConcurrentMigrationsDoNotRace(t *testing.T) {
	dsn := scratchPostgres(t)
	migrateTogether(t, dsn, 3)
	if got, want := appliedVersions(t, open(t, dsn).DB), fileVersions(t); !slices.Equal(got, want) {
		t.Fatalf("applied versions %v, want %v", got, want)
	}
}

// migrateTogether migrates dsn from n instances at once. They call
// MigrateVersioned, not Migrate, whose mutex would serialise them within
// this process: they meet only at the database's lock.
func migrateTogether(t *testing.T, dsn string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = open(t, dsn).MigrateVersioned(context.Background())
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
}

// A database at the migration before managed tenants had a life
// (20261202164126_managed_tenant_life.sql) keeps every row of the tables
// that migration touches (tenants, subscriptions, idempotency_keys, and
// those their foreign keys need) when brought up to date, the new columns
// take their defaults, and migrating again changes nothing. The rows are
// written in plain SQL, as that schema had them: the ent client knows only
// the current one.
func TestUpgradeKeepsRows(t *testing.T) {
	dsn := scratchPostgres(t)
	st := open(t, dsn)
	ctx := context.Background()
	if err := st.migrateUpTo(ctx, initialVersion); err != nil {
		t.Fatal(err)
	}
	if got := appliedVersions(t, st.DB); !slices.Equal(got, []int64{initialVersion}) {
		t.Fatalf("before the upgrade: applied %v", got)
	}
	ids := oldSchemaRows(t, st.DB)
	before := snapshot(t, st.DB)

	for i := 0; i < 2; i++ {
		if err := open(t, dsn).Migrate(ctx); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	if got, want := appliedVersions(t, st.DB), fileVersions(t); !slices.Equal(got, want) {
		t.Fatalf("applied versions %v, want %v", got, want)
	}

	// Every row is still there with its values; the new columns hold
	// their defaults.
	added := map[string]map[string]any{
		"tenants":          {"ends_at": nil},
		"idempotency_keys": {"mutation": "createManagedTenant"},
	}
	after := snapshot(t, st.DB)
	for _, tbl := range upgradeTables {
		if len(before[tbl]) == 0 {
			t.Fatalf("the test wrote no %s", tbl)
		}
		if len(after[tbl]) != len(before[tbl]) {
			t.Errorf("%s: %d rows before the upgrade, %d after", tbl, len(before[tbl]), len(after[tbl]))
		}
		for id, old := range before[tbl] {
			row, ok := after[tbl][id]
			if !ok {
				t.Errorf("%s %d is gone", tbl, id)
				continue
			}
			for col, want := range added[tbl] {
				if got, ok := row[col]; !ok || got != want {
					t.Errorf("%s %d: new column %s = %v (present %v), want %v", tbl, id, col, got, ok, want)
				}
				delete(row, col)
			}
			if !reflect.DeepEqual(row, old) {
				t.Errorf("%s %d changed:\n before %v\n after  %v", tbl, id, old, row)
			}
		}
	}

	// And the current code reads them.
	sys := rule.SystemContext(ctx)
	managed, err := st.Client.Tenant.Get(sys, ids.managed)
	if err != nil || managed.DisplayName != "Corner Café" || managed.PartnerID == nil || *managed.PartnerID != ids.partner || managed.EndsAt != nil {
		t.Errorf("managed tenant after the upgrade: %+v, %v", managed, err)
	}
	key, err := st.Client.IdempotencyKey.Get(sys, ids.key)
	if err != nil || key.Mutation != "createManagedTenant" || key.Key != "retry-1" || key.TenantID == nil || *key.TenantID != ids.managed {
		t.Errorf("idempotency key after the upgrade: %+v, %v", key, err)
	}
	running, err := st.Client.Subscription.Query().Where(subscription.TenantID(ids.managed), subscription.EndedAtIsNil()).Count(sys)
	if err != nil || running != 2 {
		t.Errorf("%d running subscriptions after the upgrade (%v), want 2", running, err)
	}
}

// upgradeTables are the tables TestUpgradeKeepsRows fills.
var upgradeTables = []string{"billing_entities", "plan_catalogs", "plans", "users", "tenants",
	"memberships", "subscriptions", "idempotency_keys"}

type oldRows struct{ partner, managed, key int }

// oldSchemaRows writes, in the schema of the initial migration, a partner
// with its catalog and a managed tenant on two plans (its tenant plan
// changed once by hand, so one subscription has ended), with its
// creator's membership and the idempotency key of its creation.
func oldSchemaRows(t *testing.T, db *sql.DB) oldRows {
	t.Helper()
	insert := func(query string, args ...any) int {
		t.Helper()
		var id int
		if err := db.QueryRow(query+" RETURNING id", args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return id
	}
	created := time.Date(2026, 11, 16, 9, 30, 0, 123456000, time.UTC)
	be := insert(`INSERT INTO billing_entities (code, legal_name, country) VALUES ('PHY-SE', 'Phystack AB', 'SE')`)
	cat := insert(`INSERT INTO plan_catalogs (name, currency) VALUES ('Partner catalog EUR', 'EUR')`)
	plan := func(kind, code string, price int64) int {
		return insert(`INSERT INTO plans (kind, code, name, monthly_price, currency, active, catalog_id)
			VALUES ($1, $2, $3, $4, 'EUR', true, $5)`, kind, code, code, price, cat)
	}
	starter, business, premium := plan("TENANT", "starter", 150_00), plan("TENANT", "business", 300_00), plan("SUPPORT", "premium", 90_00)
	admin := insert(`INSERT INTO users (created_at, email, name) VALUES ($1, 'admin@nordic.example', 'Ada')`, created)
	partner := insert(`INSERT INTO tenants (created_at, display_name, name_key, country, currency, billing_type,
		is_partner, billing_entity_id, plan_catalog_id) VALUES ($1, 'Nordic', 'nordic', 'SE', 'EUR', 'DIRECT', true, $2, $3)`,
		created, be, cat)
	managed := insert(`INSERT INTO tenants (created_at, display_name, name_key, country, currency, billing_type,
		billing_entity_id, partner_id, created_by_id) VALUES ($1, 'Corner Café', 'corner café', 'FI', 'EUR', 'PARTNER_INVOICE', $2, $3, $4)`,
		created, be, partner, admin)
	insert(`INSERT INTO memberships (created_at, role, tenant_id, user_id) VALUES ($1, 'ADMIN', $2, $3)`, created, partner, admin)
	insert(`INSERT INTO memberships (created_at, role, tenant_id, user_id) VALUES ($1, 'ADMIN', $2, $3)`, created, managed, admin)
	changed := created.Add(72 * time.Hour)
	sub := `INSERT INTO subscriptions (kind, monthly_price, currency, started_at, ended_at, plan_id, tenant_id, billed_to_id)
		VALUES ($1, $2, 'EUR', $3, $4, $5, $6, $7)`
	insert(sub, "TENANT", 150_00, created, changed, starter, managed, partner)
	insert(sub, "TENANT", 300_00, changed, nil, business, managed, partner)
	insert(sub, "SUPPORT", 90_00, created, nil, premium, managed, partner)
	key := insert(`INSERT INTO idempotency_keys (created_at, partner_id, key, request_digest, tenant_id)
		VALUES ($1, $2, 'retry-1', 'digest-1', $3)`, created, partner, managed)
	insert(`INSERT INTO idempotency_keys (created_at, partner_id, key, request_digest, tenant_id)
		VALUES ($1, $2, 'retry-2', 'digest-2', NULL)`, created, partner)
	return oldRows{partner: partner, managed: managed, key: key}
}

// snapshot reads every row of upgradeTables, by table and id, each as its
// columns' JSON values.
func snapshot(t *testing.T, db *sql.DB) map[string]map[int]map[string]any {
	t.Helper()
	out := map[string]map[int]map[string]any{}
	for _, tbl := range upgradeTables {
		rows, err := db.Query(`SELECT id, to_jsonb(r)::text FROM "` + tbl + `" r ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		out[tbl] = map[int]map[string]any{}
		for rows.Next() {
			var id int
			var raw string
			if err := rows.Scan(&id, &raw); err != nil {
				t.Fatal(err)
			}
			row := map[string]any{}
			dec := json.NewDecoder(strings.NewReader(raw))
			dec.UseNumber() // bigints stay exact
			if err := dec.Decode(&row); err != nil {
				t.Fatal(err)
			}
			out[tbl][id] = row
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// A database migrated by the earlier runner (atlas' executor, which recorded
// versions in atlas_schema_revisions) is adopted: goose records what atlas
// applied instead of running it again.
func TestAdoptsDatabaseOfAtlasRunner(t *testing.T) {
	dsn := scratchPostgres(t)
	st := open(t, dsn)
	ctx := context.Background()
	atlasRunnerDatabase(t, st.DB, 36)
	sys := rule.SystemContext(ctx)
	be, err := st.Client.BillingEntity.Create().SetCode("PHY-SE").SetLegalName("Phystack AB").SetCountry("SE").Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	if err := open(t, dsn).Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if got, err := st.Client.BillingEntity.Get(sys, be.ID); err != nil || got.LegalName != "Phystack AB" {
		t.Fatalf("row after adoption: %v, %v", got, err)
	}
	got := appliedVersions(t, st.DB)
	if !slices.Contains(got, initialVersion) || !slices.Equal(got, fileVersions(t)) {
		t.Fatalf("applied versions %v, want %v", got, fileVersions(t))
	}
	count := func() (n int) {
		t.Helper()
		if err := st.DB.QueryRow(`SELECT count(*) FROM ` + versionTable).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	rows := count()
	if err := open(t, dsn).Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if n := count(); n != rows {
		t.Fatalf("second migrate wrote to %s: %d rows, were %d", versionTable, n, rows)
	}
	var kept int
	if err := st.DB.QueryRow(`SELECT count(*) FROM public.atlas_schema_revisions`).Scan(&kept); err != nil || kept != 1 {
		t.Fatalf("atlas_schema_revisions after adoption: %d rows, %v", kept, err)
	}
}

// Instances of the new runner starting together on a database of the earlier
// one: one adopts it, the others find goose's table made.
func TestConcurrentAdoptionDoesNotRace(t *testing.T) {
	dsn := scratchPostgres(t)
	atlasRunnerDatabase(t, open(t, dsn).DB, 36)
	migrateTogether(t, dsn, 3)
	if got, want := appliedVersions(t, open(t, dsn).DB), fileVersions(t); !slices.Equal(got, want) {
		t.Fatalf("applied versions %v, want %v", got, want)
	}
}

// A migration the earlier runner left half done is not silently re-run.
func TestPartlyAppliedAtlasRevisionIsRefused(t *testing.T) {
	dsn := scratchPostgres(t)
	st := open(t, dsn)
	atlasRunnerDatabase(t, st.DB, 10)
	err := st.Migrate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "partly applied") {
		t.Fatalf("migrate = %v, want a partly applied error", err)
	}
}

// initialVersion is the migration the earlier runner applied.
const initialVersion = 20261128004728

// atlasRunnerDatabase makes db what the earlier runner left after applying the
// initial migration: its tables, and atlas_schema_revisions (DDL and row as
// that runner wrote them) saying applied of its 36 statements ran.
func atlasRunnerDatabase(t *testing.T, db *sql.DB, applied int) {
	t.Helper()
	b, err := fs.ReadFile(migrations.FS, "20261128004728_initial.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, _, ok := strings.Cut(string(b), "-- +goose Down")
	if !ok {
		t.Fatal("the initial migration has no -- +goose Down")
	}
	if _, err := db.Exec(up); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS public.atlas_schema_revisions (
		version text PRIMARY KEY,
		hash text NOT NULL,
		partial_hashes jsonb,
		revision jsonb NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	revision := fmt.Sprintf(`{"Version": "20261128004728", "Description": "initial", "Type": 2, "Applied": %d, "Total": 36,
		"ExecutedAt": "2026-11-28T00:50:00.123456789Z", "ExecutionTime": 1021496, "OperatorVersion": ""}`, applied)
	if _, err := db.Exec(`INSERT INTO public.atlas_schema_revisions (version, hash, partial_hashes, revision)
		VALUES ($1, $2, $3, $4)`,
		"20261128004728", "wg8lbKo8qZn9vmZUrxMFNpxjJ/ScsTZK8f4YTfp84Gk=", "null", revision); err != nil {
		t.Fatal(err)
	}
}

// appliedVersions lists the migrations goose recorded as applied, in order.
func appliedVersions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.Query(`SELECT version_id FROM ` + versionTable + ` WHERE version_id > 0 AND is_applied ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fileVersions are the versions of the embedded migration files, in order.
func fileVersions(t *testing.T) []int64 {
	t.Helper()
	var out []int64
	for _, name := range migrationFiles(t) {
		v, err := goose.NumericComponent(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, v)
	}
	return out
}

func migrationFiles(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no embedded migrations: %v", err)
	}
	return names
}
