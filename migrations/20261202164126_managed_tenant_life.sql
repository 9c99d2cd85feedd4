-- +goose Up
-- drop index "idempotencykey_partner_id_key" from table: "idempotency_keys"
DROP INDEX "idempotencykey_partner_id_key";
-- modify "idempotency_keys" table
ALTER TABLE "idempotency_keys" ADD COLUMN "mutation" character varying NOT NULL DEFAULT 'createManagedTenant';
-- create index "idempotencykey_partner_id_mutation_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX "idempotencykey_partner_id_mutation_key" ON "idempotency_keys" ("partner_id", "mutation", "key");
-- create index "subscription_tenant_id_kind" to table: "subscriptions"
CREATE UNIQUE INDEX "subscription_tenant_id_kind" ON "subscriptions" ("tenant_id", "kind") WHERE (ended_at IS NULL);
-- drop index "tenant_partner_id_name_key" from table: "tenants"
DROP INDEX "tenant_partner_id_name_key";
-- modify "tenants" table
ALTER TABLE "tenants" ADD COLUMN "ends_at" timestamptz NULL;
-- create index "tenant_partner_id_name_key_running" to table: "tenants"
CREATE UNIQUE INDEX "tenant_partner_id_name_key_running" ON "tenants" ("partner_id", "name_key") WHERE (ends_at IS NULL);

-- +goose Down
-- reverse: create index "tenant_partner_id_name_key_running" to table: "tenants"
DROP INDEX "tenant_partner_id_name_key_running";
-- reverse: modify "tenants" table
ALTER TABLE "tenants" DROP COLUMN "ends_at";
-- reverse: drop index "tenant_partner_id_name_key" from table: "tenants"
CREATE UNIQUE INDEX "tenant_partner_id_name_key" ON "tenants" ("partner_id", "name_key");
-- reverse: create index "subscription_tenant_id_kind" to table: "subscriptions"
DROP INDEX "subscription_tenant_id_kind";
-- reverse: create index "idempotencykey_partner_id_mutation_key" to table: "idempotency_keys"
DROP INDEX "idempotencykey_partner_id_mutation_key";
-- reverse: modify "idempotency_keys" table
ALTER TABLE "idempotency_keys" DROP COLUMN "mutation";
-- reverse: drop index "idempotencykey_partner_id_key" from table: "idempotency_keys"
CREATE UNIQUE INDEX "idempotencykey_partner_id_key" ON "idempotency_keys" ("partner_id", "key");
