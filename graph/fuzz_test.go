package graph_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/phystack/managed-tenants-api/internal/testkit"
)

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
