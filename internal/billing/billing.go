// Package billing turns subscriptions into monthly partner invoices.
//
// Money is held as int64 counts of the currency's minor unit (cents, yen,
// fils) and never as floats, so sums are exact and an invoice total always
// equals the sum of its printed lines. A subscription that covers part of a
// month is charged monthlyPrice * overlapSeconds / secondsInMonth, computed
// exactly and rounded half-up to a whole minor unit once per line; rounding
// per line (not per invoice) is what lets a customer re-add the lines and
// get the total.
package billing

import (
	"cmp"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"
)

// ErrBadPeriod is returned for any period string that is not a valid YYYY-MM.
var ErrBadPeriod = errors.New("billing: period must be YYYY-MM")

// ErrCurrency is returned for an unknown or malformed ISO 4217 code, or for
// subscriptions whose currency differs from the invoice's.
var ErrCurrency = errors.New("billing: invalid or mismatched currency")

// Period is one calendar month in UTC, the half-open interval [Start, End).
type Period struct{ Start, End time.Time }

// ParsePeriod parses exactly "YYYY-MM" with ASCII digits, year 0001..9999 and
// month 01..12. It rejects everything else, including padding, signs and
// non-ASCII digits, which time.Parse or strconv would be laxer about.
// The last period is 9999-11: the end of 9999-12 has no RFC 3339 form.
func ParsePeriod(s string) (Period, error) {
	if len(s) != 7 || s[4] != '-' {
		return Period{}, fmt.Errorf("%w: %q", ErrBadPeriod, s)
	}
	n := 0
	for i := 0; i < 7; i++ {
		if i == 4 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return Period{}, fmt.Errorf("%w: %q", ErrBadPeriod, s)
		}
		n = n*10 + int(s[i]-'0')
	}
	year, month := n/100, n%100
	// 9999-12 ends in year 10000, which RFC 3339 (our Time) cannot write.
	if year < 1 || month < 1 || month > 12 || (year == 9999 && month == 12) {
		return Period{}, fmt.Errorf("%w: %q", ErrBadPeriod, s)
	}
	start := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	return Period{Start: start, End: start.AddDate(0, 1, 0)}, nil
}

// PeriodOf is the period that contains t.
func PeriodOf(t time.Time) Period {
	y, m, _ := t.UTC().Date()
	start := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return Period{Start: start, End: start.AddDate(0, 1, 0)}
}

// String returns the period as "YYYY-MM".
func (p Period) String() string {
	return fmt.Sprintf("%04d-%02d", p.Start.Year(), int(p.Start.Month()))
}

// Seconds is the length of the period in seconds (UTC has no DST, and Go's
// time ignores leap seconds, so this is days*86400).
func (p Period) Seconds() int64 { return p.End.Unix() - p.Start.Unix() }

// valid reports whether p is exactly what ParsePeriod would return for it.
func (p Period) valid() bool {
	q, err := ParsePeriod(p.String())
	return err == nil && q.Start.Equal(p.Start) && q.End.Equal(p.End)
}

// MinorDigits returns the number of decimals of the currency's minor unit,
// as given by CLDR through golang.org/x/text/currency (standard rounding).
// code must be three upper-case ASCII letters naming a known currency; "XXX"
// (no currency) is rejected.
func MinorDigits(code string) (int, error) {
	// currency.ParseISO also accepts lower case; the API stores upper case only.
	if len(code) != 3 || strings.IndexFunc(code, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return 0, fmt.Errorf("%w: %q", ErrCurrency, code)
	}
	u, err := currency.ParseISO(code)
	if err != nil || u == (currency.Unit{}) {
		return 0, fmt.Errorf("%w: %q", ErrCurrency, code)
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, nil
}

// Money is an amount in minor units of Currency.
type Money struct {
	Amount   int64
	Currency string
}

// Format renders the amount as a plain decimal with exactly MinorDigits
// decimals ("150.00", JPY "4900", KWD "1.234", "-0.05"), the GraphQL Money
// amount string. It is done on the integer digits, so nothing is lost.
func (m Money) Format() (string, error) {
	d, err := MinorDigits(m.Currency)
	if err != nil {
		return "", err
	}
	mag := uint64(m.Amount)
	if m.Amount < 0 {
		mag = -mag // two's complement: also right for math.MinInt64
	}
	s := strconv.FormatUint(mag, 10)
	if len(s) <= d {
		s = strings.Repeat("0", d+1-len(s)) + s
	}
	if d > 0 {
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if m.Amount < 0 {
		s = "-" + s
	}
	return s, nil
}

// Prorate returns monthlyPrice * overlapSeconds / monthSeconds rounded to the
// nearest integer, halves away from zero (half-up for the non-negative prices
// billing uses). overlapSeconds is clamped to [0, monthSeconds]. The product
// is formed in 128 bits, so it is exact for every int64 price. It panics if
// monthSeconds <= 0, which is a programming error.
func Prorate(monthlyPrice, overlapSeconds, monthSeconds int64) int64 {
	if monthSeconds <= 0 {
		panic("billing: Prorate with non-positive monthSeconds")
	}
	overlap := min(max(overlapSeconds, 0), monthSeconds)
	price := uint64(monthlyPrice)
	if monthlyPrice < 0 {
		price = -price
	}
	// price*overlap < 2^64*monthSeconds because overlap <= monthSeconds, so
	// the high word is below the divisor and Div64 cannot overflow.
	hi, lo := bits.Mul64(price, uint64(overlap))
	q, r := bits.Div64(hi, lo, uint64(monthSeconds))
	if r >= uint64(monthSeconds)-r { // r/monthSeconds >= 1/2
		q++
	}
	// q <= |monthlyPrice|, so converting back cannot overflow.
	if monthlyPrice < 0 {
		return int64(-q)
	}
	return int64(q)
}

// Subscription is one billable subscription of a tenant.
type Subscription struct {
	ID, TenantID, PlanID int
	Kind                 string // "TENANT" or "SUPPORT"
	MonthlyPrice         int64  // minor units
	Currency             string
	StartedAt            time.Time
	EndedAt              *time.Time // nil = still running
}

// Line is the charge for one subscription in one period.
type Line struct {
	SubscriptionID, TenantID, PlanID int
	Kind                             string
	From, To                         time.Time // UTC, [From, To)
	Amount                           int64     // minor units
}

// Invoice is a partner's bill for one period.
type Invoice struct {
	Period   Period
	Currency string
	Lines    []Line
	Total    int64
}

// LineFor returns the line of s for p, or false when they do not overlap.
// From is the later of s.StartedAt and p.Start, To the earlier of s.EndedAt
// and p.End. Overlap is counted in whole seconds: the subscription's instants
// are truncated down to the second first (period bounds already are), so
// From, To and the amount all agree, and an interval that is empty at second
// resolution (including one ending exactly at p.Start or starting exactly at
// p.End) yields no line.
func LineFor(s Subscription, p Period) (Line, bool) {
	from := s.StartedAt.UTC().Truncate(time.Second)
	if from.Before(p.Start) {
		from = p.Start
	}
	to := p.End
	if s.EndedAt != nil {
		if end := s.EndedAt.UTC().Truncate(time.Second); end.Before(to) {
			to = end
		}
	}
	if !from.Before(to) {
		return Line{}, false
	}
	return Line{
		SubscriptionID: s.ID,
		TenantID:       s.TenantID,
		PlanID:         s.PlanID,
		Kind:           s.Kind,
		From:           from,
		To:             to,
		Amount:         Prorate(s.MonthlyPrice, to.Unix()-from.Unix(), p.Seconds()),
	}, true
}

// kindRank orders TENANT lines before SUPPORT lines, then any other kind.
func kindRank(k string) int {
	switch k {
	case "TENANT":
		return 0
	case "SUPPORT":
		return 1
	}
	return 2
}

// BuildInvoice makes one line per subscription overlapping p, ordered by
// From, TenantID, Kind (TENANT before SUPPORT) and SubscriptionID, with Total
// the sum of the line amounts. All subscriptions must be in currency.
func BuildInvoice(p Period, currency string, subs []Subscription) (Invoice, error) {
	if !p.valid() {
		return Invoice{}, fmt.Errorf("%w: %v..%v is not a calendar month", ErrBadPeriod, p.Start, p.End)
	}
	if _, err := MinorDigits(currency); err != nil {
		return Invoice{}, err
	}
	inv := Invoice{Period: p, Currency: currency, Lines: []Line{}}
	for _, s := range subs {
		if s.Currency != currency {
			return Invoice{}, fmt.Errorf("%w: subscription %d is in %q, invoice in %q", ErrCurrency, s.ID, s.Currency, currency)
		}
		l, ok := LineFor(s, p)
		if !ok {
			continue
		}
		sum, overflow := addInt64(inv.Total, l.Amount)
		if overflow {
			return Invoice{}, fmt.Errorf("billing: invoice total for %s overflows int64", p)
		}
		inv.Total = sum
		inv.Lines = append(inv.Lines, l)
	}
	slices.SortFunc(inv.Lines, func(a, b Line) int {
		return cmp.Or(
			a.From.Compare(b.From),
			cmp.Compare(a.TenantID, b.TenantID),
			cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
			strings.Compare(a.Kind, b.Kind),
			cmp.Compare(a.SubscriptionID, b.SubscriptionID),
		)
	})
	return inv, nil
}

// addInt64 adds and reports signed overflow; a wrong total is worse than none.
func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0)
}
