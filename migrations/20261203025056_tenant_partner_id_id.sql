-- +goose Up
-- create index "tenant_partner_id_id" to table: "tenants"
CREATE INDEX "tenant_partner_id_id" ON "tenants" ("partner_id", "id");

-- +goose Down
-- reverse: create index "tenant_partner_id_id" to table: "tenants"
DROP INDEX "tenant_partner_id_id";
