package billing

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/internal/clock"
)

// CSVHeader is the header row of the invoice export (SPEC 11).
var CSVHeader = []string{"tenant_id", "tenant_name", "kind", "plan_code", "plan_name", "from", "to", "amount", "currency"}

// WriteCSV writes inv as the invoice export of SPEC 11: the header row, one
// row per line in the invoice's order, then the total row
// ("total,,,,,,,<amount>,<currency>"). It renders the same PartnerInvoice as
// the GraphQL partnerInvoice: ids, amounts (Money.Format) and times
// (clock.Format) read exactly as they do there.
//
// Cells are quoted as RFC 4180 asks; records end with CRLF, line breaks
// inside a cell are LF (a CRLF in a name is written as LF: Go's
// encoding/csv reads a quoted CRLF as LF, Python's csv keeps it, so only LF
// reads back alike). A cell starting with '=', '+', '-', '@', tab or CR
// gets a leading "'" so spreadsheets do not run it as a formula.
//
// Everything is rendered before the first byte is written: an error leaves
// w untouched.
func WriteCSV(w io.Writer, inv *PartnerInvoice) error {
	rows := make([][]string, 0, len(inv.Lines)+2)
	rows = append(rows, CSVHeader)
	for _, l := range inv.Lines {
		t, p := inv.Tenants[l.TenantID], inv.Plans[l.PlanID]
		if t == nil || p == nil {
			return fmt.Errorf("billing: line of subscription %d names a row the invoice lacks", l.SubscriptionID)
		}
		amount, err := Money{Amount: l.Amount, Currency: inv.Currency}.Format()
		if err != nil {
			return err
		}
		rows = append(rows, []string{
			gid.Encode(t.ID), t.DisplayName, l.Kind, p.Code, p.Name,
			clock.Format(l.From), clock.Format(l.To), amount, inv.Currency,
		})
	}
	total, err := Money{Amount: inv.Total, Currency: inv.Currency}.Format()
	if err != nil {
		return err
	}
	rows = append(rows, []string{"total", "", "", "", "", "", "", total, inv.Currency})

	var out, rec bytes.Buffer
	cw := csv.NewWriter(&rec)
	// Not UseCRLF: it would also turn every LF inside a cell into CRLF.
	// Records end in LF here and get their CR below.
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = csvCell(c)
		}
		rec.Reset()
		if err := cw.Write(cells); err != nil {
			return err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		// A record's only unquoted LF is its last byte: LF inside a cell
		// is always within quotes.
		out.Write(rec.Bytes()[:rec.Len()-1])
		out.WriteString("\r\n")
	}
	_, err = w.Write(out.Bytes())
	return err
}

// csvCell is one cell as the export writes it: guarded against formula
// injection (on the value as stored), with CRLF line breaks made LF.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}
