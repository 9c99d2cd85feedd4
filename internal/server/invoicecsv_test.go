package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func invoiceCSVPath(partnerID, period string) string {
	return "/invoices.csv?partnerId=" + url.QueryEscape(partnerID) + "&period=" + url.QueryEscape(period)
}

// readCSVGo reads an export with Go's encoding/csv, strictly.
func readCSVGo(t *testing.T, body []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = 9
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("Go's encoding/csv cannot read the export: %v\n%q", err, body)
	}
	return rows
}

// readCSVPython reads an export with python3's csv module, as its
// documentation says to open a CSV file (newline="").
func readCSVPython(t *testing.T, body []byte) [][]string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	const script = `import csv, io, json, sys
rows = list(csv.reader(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline=""), strict=True))
json.dump(rows, sys.stdout)`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3's csv cannot read the export: %v\n%s", err, stderr.String())
	}
	var rows [][]string
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("python3 output: %v\n%s", err, out)
	}
	return rows
}

// readCSV reads an export with both readers and fails unless they agree.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	goRows, pyRows := readCSVGo(t, body), readCSVPython(t, body)
	if fmt.Sprintf("%q", goRows) != fmt.Sprintf("%q", pyRows) {
		t.Fatalf("Go and Python read different cells:\nGo:     %q\nPython: %q", goRows, pyRows)
	}
	return goRows
}

func TestInvoiceCSVContent(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	res := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: invoiceCSVPath(testkit.ID(w.Partner.ID), "2026-11"), Token: w.Token(w.PartnerAdmin)})
	if res.Status != http.StatusOK {
		t.Fatalf("HTTP %d %s", res.Status, res.Raw)
	}
	for k, want := range map[string]string{
		"Content-Type":        "text/csv; charset=utf-8",
		"Content-Disposition": `attachment; filename="invoice-2026-11.csv"`,
		"Content-Encoding":    "",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	const from, to = "2026-11-16T00:00:00.000Z", "2026-12-01T00:00:00.000Z"
	want := "tenant_id,tenant_name,kind,plan_code,plan_name,from,to,amount,currency\r\n"
	for _, tn := range []*ent.Tenant{w.Managed, w.Sibling} {
		want += testkit.ID(tn.ID) + "," + tn.DisplayName + ",TENANT,t-pro,Pro," + from + "," + to + ",150.00,EUR\r\n"
		want += testkit.ID(tn.ID) + "," + tn.DisplayName + ",SUPPORT,s-prem,Premium," + from + "," + to + ",45.00,EUR\r\n"
	}
	want += "total,,,,,,,390.00,EUR\r\n"
	if string(res.Raw) != want {
		t.Fatalf("export:\n%q\nwant:\n%q", res.Raw, want)
	}
	// A period with no lines: the header and a zero total.
	empty := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: invoiceCSVPath(testkit.ID(w.Partner.ID), "2026-10"), Token: w.Token(w.Staff)})
	if wantEmpty := "tenant_id,tenant_name,kind,plan_code,plan_name,from,to,amount,currency\r\ntotal,,,,,,,0.00,EUR\r\n"; empty.Status != http.StatusOK || string(empty.Raw) != wantEmpty {
		t.Fatalf("empty period: HTTP %d %q", empty.Status, empty.Raw)
	}
}

// trickyNames are display names and plan names a spreadsheet or a CSV
// reader could trip on. The API's name validation refuses control
// characters (tab, CR, LF), so rows holding them are written through ent,
// as older data or a direct import could hold them.
var trickyNames = []string{
	"Acme, Inc.",
	`Say "hi", Bob`,
	"two\nlines",
	"crlf\r\nlines",
	"trailing newline\n",
	"日本語の店舗",
	"العربية للتجارة",
	"=SUM(A1:A9)",
	"+46 70 123",
	"-2+3",
	"@cmd",
	"\tTabbed",
	"\rCarriage",
	"lone\rCR inside",
	" leading space",
	"plain",
}

// exportCell is what the export must read back as for a stored value: a
// formula-like start gets "'", a CRLF inside a cell reads as LF.
func exportCell(s string) string {
	if s != "" && strings.ContainsAny(s[:1], "=+-@\t\r") {
		s = "'" + s
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// trickyWorld gives w.Partner managed tenants and plans named trickyNames,
// each tenant on a plan from mid-November, some changing plan mid-month.
// It returns the plan codes, which start with formula characters too.
func trickyWorld(t *testing.T, w *testkit.World) (codes []string) {
	t.Helper()
	var specs []testkit.PlanSpec
	for i, n := range trickyNames {
		specs = append(specs, testkit.PlanSpec{Code: fmt.Sprintf("%sc%d", []string{"=", "-", "+", "@", ""}[i%5], i), Name: n, Kind: enums.PlanKindTenant, Price: int64(1_00 + 997*i), Active: true})
	}
	cat := w.Fixture.Catalog("EUR", specs...)
	start := time.Date(2026, 11, 3, 7, 8, 9, 0, time.UTC)
	change := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for i, n := range trickyNames {
		tn := w.Tenant(testkit.TenantSpec{Name: n, ManagedBy: w.Partner, CreatedAt: start})
		plan := cat.Plans[specs[i].Code]
		if i%3 == 0 {
			w.SubscribeUntil(tn, plan, w.Partner, start, &change)
			w.Subscribe(tn, cat.Plans[specs[(i+1)%len(specs)].Code], w.Partner, change)
		} else {
			w.Subscribe(tn, plan, w.Partner, start)
		}
	}
	for _, p := range specs {
		codes = append(codes, p.Code)
	}
	return codes
}

func TestInvoiceCSVTrickyCellsReadBackAlikeInGoAndPython(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	codes := trickyWorld(t, w)
	api := testkit.NewAPI(t, w.Store, nil)
	res := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: invoiceCSVPath(testkit.ID(w.Partner.ID), "2026-11"), Token: w.Token(w.PartnerAdmin)})
	if res.Status != http.StatusOK {
		t.Fatalf("HTTP %d %s", res.Status, res.Raw)
	}
	rows := readCSV(t, res.Raw)
	// Records end in CRLF; no CRLF is left inside a cell.
	if n := bytes.Count(res.Raw, []byte("\r\n")); n != len(rows) || !bytes.HasSuffix(res.Raw, []byte("\r\n")) {
		t.Errorf("%d CRLFs for %d records", n, len(rows))
	}
	seen := map[string]bool{}
	for _, row := range rows[1 : len(rows)-1] {
		seen[row[1]], seen[row[3]], seen[row[4]] = true, true, true
		for i, cell := range row {
			if cell != "" && strings.ContainsAny(cell[:1], "=+-@\t\r") {
				t.Errorf("row %q: cell %d %q starts like a formula", row, i, cell)
			}
			if strings.Contains(cell, "\r\n") {
				t.Errorf("row %q: cell %d %q holds a CRLF", row, i, cell)
			}
		}
	}
	for _, n := range append(codes, trickyNames...) {
		if !seen[exportCell(n)] {
			t.Errorf("name %q: no cell reads %q", n, exportCell(n))
		}
	}
}

const csvInvoiceQuery = `query($p: ID!, $period: String!) {
  partnerInvoice(partnerId: $p, period: $period) {
    currency
    lines { tenant { id displayName } plan { code name } kind from to amount { amount currency } }
    total { amount currency }
  }
}`

// TestInvoiceCSVMatchesPartnerInvoice reads the same invoices through
// GraphQL and the export, for several partners, periods and currencies,
// and compares them line by line.
func TestInvoiceCSVMatchesPartnerInvoice(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	trickyWorld(t, w)
	// Currencies of 0 and 3 decimals, prices that round.
	for _, cur := range []string{"JPY", "KWD"} {
		cat := w.Fixture.Catalog(cur, testkit.PlanSpec{Code: "odd", Name: "Odd", Kind: enums.PlanKindTenant, Price: 1_001, Active: true},
			testkit.PlanSpec{Code: "sup", Name: "Sup", Kind: enums.PlanKindSupport, Price: 777, Active: true})
		p := w.Tenant(testkit.TenantSpec{Name: cur + " partner", Currency: cur, Partner: true, Catalog: cat})
		w.Member(p, w.PartnerAdmin, enums.RoleAdmin)
		for i := range 3 {
			start := time.Date(2026, 11, 1+7*i, 3, 0, 1, 0, time.UTC)
			m := w.Tenant(testkit.TenantSpec{Name: fmt.Sprintf("%s, customer %d", cur, i), ManagedBy: p, CreatedAt: start})
			w.Subscribe(m, cat.Plans["odd"], p, start)
			w.Subscribe(m, cat.Plans["sup"], p, start.Add(time.Duration(i)*time.Hour))
		}
	}
	api := testkit.NewAPI(t, w.Store, nil)
	tok := w.Token(w.PartnerAdmin)
	partners, err := w.Client.Tenant.Query().All(rule.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, p := range partners {
		if !p.IsPartner {
			continue
		}
		for _, period := range []string{"2026-10", "2026-11", "2026-12"} {
			var got struct{ PartnerInvoice gqlInvoice }
			res := api.Do(t, tok, csvInvoiceQuery, map[string]any{"p": testkit.ID(p.ID), "period": period})
			csvRes := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: invoiceCSVPath(testkit.ID(p.ID), period), Token: tok})
			if len(res.Errors) > 0 {
				// Not this admin's partner: both answer the same refusal.
				if st := csvStatus(res.Code()); csvRes.Status != st || errCode(t, csvRes) != res.Code() {
					t.Errorf("%s %s: GraphQL %s, CSV HTTP %d %s", p.DisplayName, period, res.Code(), csvRes.Status, csvRes.Raw)
				}
				continue
			}
			if err := json.Unmarshal(res.Data, &got); err != nil {
				t.Fatal(err)
			}
			if csvRes.Status != http.StatusOK {
				t.Fatalf("%s %s: HTTP %d %s", p.DisplayName, period, csvRes.Status, csvRes.Raw)
			}
			rows := readCSV(t, csvRes.Raw)
			inv := got.PartnerInvoice
			if len(rows) != len(inv.Lines)+2 {
				t.Fatalf("%s %s: %d rows for %d lines", p.DisplayName, period, len(rows), len(inv.Lines))
			}
			for i, l := range inv.Lines {
				want := []string{l.Tenant.ID, exportCell(l.Tenant.DisplayName), l.Kind, exportCell(l.Plan.Code), exportCell(l.Plan.Name),
					l.From, l.To, l.Amount.Amount, l.Amount.Currency}
				if fmt.Sprintf("%q", rows[i+1]) != fmt.Sprintf("%q", want) {
					t.Errorf("%s %s line %d:\nCSV     %q\nGraphQL %q", p.DisplayName, period, i, rows[i+1], want)
				}
				compared++
			}
			wantTotal := []string{"total", "", "", "", "", "", "", inv.Total.Amount, inv.Total.Currency}
			if fmt.Sprintf("%q", rows[len(rows)-1]) != fmt.Sprintf("%q", wantTotal) {
				t.Errorf("%s %s total: %q, want %q", p.DisplayName, period, rows[len(rows)-1], wantTotal)
			}
		}
	}
	if compared < 40 {
		t.Fatalf("only %d lines compared", compared)
	}
}

type gqlInvoice struct {
	Currency string
	Lines    []struct {
		Tenant struct{ ID, DisplayName string }
		Plan   struct{ Code, Name string }
		Kind   string
		From   string
		To     string
		Amount struct{ Amount, Currency string }
	}
	Total struct{ Amount, Currency string }
}

func csvStatus(code string) int {
	return map[string]int{
		"UNAUTHENTICATED": http.StatusUnauthorized, "FORBIDDEN": http.StatusForbidden,
		"NOT_FOUND": http.StatusNotFound, "BAD_USER_INPUT": http.StatusBadRequest,
	}[code]
}

// errCode checks the REST error shape and returns its code.
func errCode(t *testing.T, res *testkit.Response) string {
	t.Helper()
	var body struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(res.Raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Error == nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("not an {\"error\": {code, message}} body (%v): HTTP %d %s", err, res.Status, res.Raw)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	return body.Error.Code
}

func TestInvoiceCSVRefusals(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	partner := testkit.ID(w.Partner.ID)
	get := func(path, token string) *testkit.Response {
		return api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: path, Token: token})
	}

	t.Run("401", func(t *testing.T) {
		for name, tok := range map[string]string{"no token": "", "unknown token": "not-a-token"} {
			res := get(invoiceCSVPath(partner, "2026-11"), tok)
			if res.Status != http.StatusUnauthorized || errCode(t, res) != "UNAUTHENTICATED" {
				t.Errorf("%s: HTTP %d %s", name, res.Status, res.Raw)
			}
			if got := res.Header.Get("WWW-Authenticate"); got != "Bearer" {
				t.Errorf("%s: WWW-Authenticate %q", name, got)
			}
		}
	})

	t.Run("404 alike for hidden, unknown and malformed", func(t *testing.T) {
		var first []byte
		for name, c := range map[string]struct{ id, token, period string }{
			"stranger":            {partner, w.Token(w.Stranger), "2026-11"},
			"other partner":       {partner, w.Token(w.OtherPartnerAdmin), "2026-11"},
			"sibling admin":       {partner, w.Token(w.SiblingAdmin), "2026-11"},
			"unknown id":          {testkit.ID(w.Partner.ID + 1_000_000), w.Token(w.PartnerAdmin), "2026-11"},
			"a user's id":         {testkit.ID(w.PartnerAdmin.ID), w.Token(w.PartnerAdmin), "2026-11"},
			"malformed id":        {"not-an-id", w.Token(w.PartnerAdmin), "2026-11"},
			"malformed, not b64":  {"!!", w.Token(w.PartnerAdmin), "2026-11"},
			"hidden, bad period":  {partner, w.Token(w.Stranger), "2026-13"},
			"unknown, bad period": {"not-an-id", w.Token(w.PartnerAdmin), "x"},
		} {
			res := get(invoiceCSVPath(c.id, c.period), c.token)
			if res.Status != http.StatusNotFound || errCode(t, res) != "NOT_FOUND" {
				t.Errorf("%s: HTTP %d %s", name, res.Status, res.Raw)
				continue
			}
			if first == nil {
				first = res.Raw
			} else if !bytes.Equal(res.Raw, first) {
				t.Errorf("%s: 404 body %q differs from %q", name, res.Raw, first)
			}
			// GraphQL says the same.
			if gql := api.Do(t, c.token, csvInvoiceQuery, map[string]any{"p": c.id, "period": c.period}); gql.Code() != "NOT_FOUND" {
				t.Errorf("%s: GraphQL answers %s", name, gql.Raw)
			}
		}
	})

	t.Run("403 where partnerInvoice is FORBIDDEN", func(t *testing.T) {
		for name, c := range map[string]struct{ id, token string }{
			"partner editor":              {partner, w.Token(w.PartnerEditor)},
			"partner viewer":              {partner, w.Token(w.PartnerViewer)},
			"admin of a non-partner":      {testkit.ID(w.Standalone.ID), w.Token(w.StandaloneAdmin)},
			"partner admin, managed one":  {testkit.ID(w.Managed.ID), w.Token(w.PartnerAdmin)},
			"managed viewer, its partner": {partner, w.Token(w.ManagedViewer)},
		} {
			gql := api.Do(t, c.token, csvInvoiceQuery, map[string]any{"p": c.id, "period": "2026-11"})
			res := get(invoiceCSVPath(c.id, "2026-11"), c.token)
			code := errCode(t, res)
			if code != gql.Code() || res.Status != csvStatus(gql.Code()) {
				t.Errorf("%s: CSV HTTP %d %s, GraphQL %s", name, res.Status, code, gql.Code())
			}
			if name == "partner editor" && res.Status != http.StatusForbidden {
				t.Errorf("partner editor: HTTP %d, want 403", res.Status)
			}
		}
	})

	t.Run("400", func(t *testing.T) {
		tok := w.Token(w.PartnerAdmin)
		for name, path := range map[string]string{
			"no parameters":       "/invoices.csv",
			"no period":           "/invoices.csv?partnerId=" + partner,
			"no partnerId":        "/invoices.csv?period=2026-11",
			"empty partnerId":     "/invoices.csv?partnerId=&period=2026-11",
			"semicolon separator": "/invoices.csv?partnerId=" + partner + ";period=2026-11",
			"two periods":         invoiceCSVPath(partner, "2026-11") + "&period=2026-12",
			"two partnerIds":      invoiceCSVPath(partner, "2026-11") + "&partnerId=" + partner,
			"month 13":            invoiceCSVPath(partner, "2026-13"),
			"one-digit month":     invoiceCSVPath(partner, "2026-1"),
			"a date":              invoiceCSVPath(partner, "2026-11-01"),
			"empty period":        invoiceCSVPath(partner, ""),
			"bad escape in query": "/invoices.csv?partnerId=" + partner + "&period=%zz",
		} {
			res := get(path, tok)
			if res.Status != http.StatusBadRequest || errCode(t, res) != "BAD_USER_INPUT" {
				t.Errorf("%s: HTTP %d %s", name, res.Status, res.Raw)
			}
		}
	})

	t.Run("405", func(t *testing.T) {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			res := api.HTTP(t, testkit.Request{Method: m, Path: invoiceCSVPath(partner, "2026-11"), Token: w.Token(w.PartnerAdmin), Body: []byte("{}")})
			if res.Status != http.StatusMethodNotAllowed || errCode(t, res) != "BAD_USER_INPUT" {
				t.Errorf("%s: HTTP %d %s", m, res.Status, res.Raw)
			}
			if allow := res.Header.Get("Allow"); allow != "GET, HEAD" {
				t.Errorf("%s: Allow %q", m, allow)
			}
		}
	})
}

func TestInvoiceCSVGzipWhenAsked(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	trickyWorld(t, w) // over 1 KiB
	api := testkit.NewAPI(t, w.Store, nil)
	path := invoiceCSVPath(testkit.ID(w.Partner.ID), "2026-11")
	plain := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: path, Token: w.Token(w.PartnerAdmin)})
	if plain.Status != http.StatusOK || plain.Header.Get("Content-Encoding") != "" || len(plain.Raw) < 1024 {
		t.Fatalf("plain: HTTP %d, Content-Encoding %q, %d bytes", plain.Status, plain.Header.Get("Content-Encoding"), len(plain.Raw))
	}
	zipped := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: path, Token: w.Token(w.PartnerAdmin), Header: map[string]string{"Accept-Encoding": "gzip"}})
	if zipped.Status != http.StatusOK || zipped.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: HTTP %d, Content-Encoding %q", zipped.Status, zipped.Header.Get("Content-Encoding"))
	}
	if ct := zipped.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("gzip: Content-Type %q", ct)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.Raw))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, plain.Raw) {
		t.Fatalf("gunzipped export differs from the plain one")
	}
}

func TestInvoiceCSVMiddlewareRefusalsAreREST(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.RatePerSecond, s.Config.RateBurst = 0.001, 1 })
	path := invoiceCSVPath(testkit.ID(w.Partner.ID), "2026-11")
	tok := w.Token(w.PartnerAdmin)
	if res := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: path, Token: tok}); res.Status != http.StatusOK {
		t.Fatalf("first: HTTP %d %s", res.Status, res.Raw)
	}
	res := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: path, Token: tok})
	if res.Status != http.StatusTooManyRequests || errCode(t, res) != "RATE_LIMITED" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("second: HTTP %d %s", res.Status, res.Raw)
	}
	// The request log names the route and the viewer.
	var logged bool
	for _, rec := range api.Log.Records() {
		if rec["path"] == "/invoices.csv" && rec["viewer_id"] == testkit.ID(w.PartnerAdmin.ID) {
			logged = true
		}
	}
	if !logged {
		t.Errorf("no request log line for the export with its viewer:\n%s", api.Log.String())
	}
}
