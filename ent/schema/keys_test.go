package schema_test

import (
	"context"
	"testing"

	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/testkit"
	"github.com/phystack/managed-tenants-api/internal/validate"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The folded keys behind "unique ignoring case" follow their source column
// on create and on update, whoever writes the row.
func TestFoldedKeysFollowTheirColumn(t *testing.T) {
	t.Parallel()
	st := testkit.Store(t)
	f := testkit.NewFixture(t, st.Client)
	ctx := rule.SystemContext(context.Background())
	partner, _ := f.Partner("Key Partner")
	be := f.BillingEntity("SE")

	tn, err := st.Client.Tenant.Create().SetDisplayName("Straße Café").SetCountry("DE").SetCurrency("EUR").
		SetBillingEntityID(be.ID).SetBillingType("DIRECT").SetPartnerID(partner.ID).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := validate.Key("Straße Café"); tn.NameKey != want || want == "Straße Café" {
		t.Errorf("name_key on create = %q, want %q", tn.NameKey, want)
	}
	tn, err = st.Client.Tenant.UpdateOne(tn).SetDisplayName("Corner SHOP").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tn.NameKey != validate.Key("Corner SHOP") {
		t.Errorf("name_key on update = %q, want %q", tn.NameKey, validate.Key("Corner SHOP"))
	}

	d := f.Device(f.Space(tn, "Floor"), "SN-AbC")
	if d.SerialKey != validate.Key("SN-AbC") || d.SerialKey == "SN-AbC" {
		t.Errorf("serial_key = %q, want %q", d.SerialKey, validate.Key("SN-AbC"))
	}
}
