package billing_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/internal/billing"
)

func csvInvoice(t *testing.T, currency string) *billing.PartnerInvoice {
	t.Helper()
	p, err := billing.ParsePeriod("2026-11")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	inv, err := billing.BuildInvoice(p, "EUR", []billing.Subscription{
		{ID: 1, TenantID: 10, PlanID: 20, Kind: "TENANT", MonthlyPrice: 300_00, Currency: "EUR", StartedAt: start},
	})
	if err != nil {
		t.Fatal(err)
	}
	inv.Currency = currency
	return &billing.PartnerInvoice{
		Invoice: inv,
		Tenants: map[int]*ent.Tenant{10: {ID: 10, DisplayName: "=Evil, \"Inc\"\r\nline two"}},
		Plans:   map[int]*ent.Plan{20: {ID: 20, Code: "-pro", Name: "Pro\nplan"}},
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := billing.WriteCSV(&b, csvInvoice(t, "EUR")); err != nil {
		t.Fatal(err)
	}
	want := "tenant_id,tenant_name,kind,plan_code,plan_name,from,to,amount,currency\r\n" +
		gid.Encode(10) + `,"'=Evil, ""Inc""` + "\nline two\",TENANT,'-pro,\"Pro\nplan\"," +
		"2026-11-16T00:00:00.000Z,2026-12-01T00:00:00.000Z,150.00,EUR\r\n" +
		"total,,,,,,,150.00,EUR\r\n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestWriteCSVFailsBeforeWriting(t *testing.T) {
	var b bytes.Buffer
	err := billing.WriteCSV(&b, csvInvoice(t, "eur"))
	if err == nil || b.Len() != 0 {
		t.Fatalf("bad currency: err %v, %d bytes written", err, b.Len())
	}
	inv := csvInvoice(t, "EUR")
	delete(inv.Plans, 20)
	if err := billing.WriteCSV(&b, inv); err == nil || b.Len() != 0 || !strings.Contains(err.Error(), "subscription 1") {
		t.Fatalf("missing plan: err %v, %d bytes written", err, b.Len())
	}
}
