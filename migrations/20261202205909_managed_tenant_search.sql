-- +goose Up
-- drop index "tenant_partner_id" from table: "tenants"
DROP INDEX "tenant_partner_id";
-- create index "tenant_partner_id_country" to table: "tenants"
CREATE INDEX "tenant_partner_id_country" ON "tenants" ("partner_id", "country");
-- create index "tenant_partner_id_ends_at" to table: "tenants"
CREATE INDEX "tenant_partner_id_ends_at" ON "tenants" ("partner_id", "ends_at");

-- +goose Down
-- reverse: create index "tenant_partner_id_ends_at" to table: "tenants"
DROP INDEX "tenant_partner_id_ends_at";
-- reverse: create index "tenant_partner_id_country" to table: "tenants"
DROP INDEX "tenant_partner_id_country";
-- reverse: drop index "tenant_partner_id" from table: "tenants"
CREATE INDEX "tenant_partner_id" ON "tenants" ("partner_id");
