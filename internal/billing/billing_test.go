package billing

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"
)

// ts is the instant s (RFC 3339).
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}

// tp is ts as a pointer, for an optional end.
func tp(t testing.TB, s string) *time.Time { v := ts(t, s); return &v }

func mustPeriod(t testing.TB, s string) Period {
	t.Helper()
	p, err := ParsePeriod(s)
	if err != nil {
		t.Fatalf("ParsePeriod(%q): %v", s, err)
	}
	return p
}

func TestLineFor(t *testing.T) {
	tests := []struct {
		name   string
		period string
		price  int64
		start  string
		end    *time.Time
		want   int64 // ignored when !ok
		ok     bool
		from   string // expected From when ok; "" = skip
	}{
		// Spec example: 2026-11 has 30 days, start on the 16th leaves 15: 30000*15/30.
		{"spec Nov half", "2026-11", 30000, "2026-11-16T00:00:00Z", nil, 15000, true, "2026-11-16T00:00:00Z"},
		{"spec Dec full", "2026-12", 30000, "2026-11-16T00:00:00Z", nil, 30000, true, "2026-12-01T00:00:00Z"},
		{"spec Oct none", "2026-10", 30000, "2026-11-16T00:00:00Z", nil, 0, false, ""},

		// 28 days: Feb 10..28 is 19 days; 30000*19/28 = 20357.14 -> 20357.
		{"28-day month", "2026-02", 30000, "2026-02-10T00:00:00Z", nil, 20357, true, ""},
		// 29 days: Feb 15..29 is 15 days; 30000*15/29 = 15517.24 -> 15517.
		{"29-day month", "2028-02", 30000, "2028-02-15T00:00:00Z", nil, 15517, true, ""},
		// 30 days: from Nov 16 noon is 14.5 days; 29999*14.5/30 = 14499.52 -> 14500.
		{"30-day month", "2026-11", 29999, "2026-11-16T12:00:00Z", nil, 14500, true, ""},
		// 31 days: Dec 16..31 is 16 days; 30000*16/31 = 15483.87 -> 15484.
		{"31-day month", "2026-12", 30000, "2026-12-16T00:00:00Z", nil, 15484, true, ""},

		// Tie: 14 of 28 days of 29999 is exactly 14999.5 -> half-up 15000.
		{"tie rounds up", "2026-02", 29999, "2026-02-15T00:00:00Z", nil, 15000, true, ""},
		// One second less: 29999*(14*day-1)/(28*day) = 14999.4876 -> 14999.
		{"just below tie", "2026-02", 29999, "2026-02-15T00:00:01Z", nil, 14999, true, ""},
		// 1 JPY for half of November is exactly 0.5 -> 1.
		{"tie of one unit", "2026-11", 1, "2026-11-16T00:00:00Z", nil, 1, true, ""},

		// Ends mid-month: March 1..9 is 9 of 31 days; 30000*9/31 = 8709.68 -> 8710.
		{"ends mid-month", "2026-03", 30000, "2026-01-01T00:00:00Z", tp(t, "2026-03-10T00:00:00Z"), 8710, true, "2026-03-01T00:00:00Z"},
		{"entirely before", "2026-11", 30000, "2026-01-01T00:00:00Z", tp(t, "2026-09-01T00:00:00Z"), 0, false, ""},
		{"entirely after", "2026-11", 30000, "2027-01-05T00:00:00Z", nil, 0, false, ""},
		{"end == period start", "2026-11", 30000, "2026-01-01T00:00:00Z", tp(t, "2026-11-01T00:00:00Z"), 0, false, ""},
		{"same sub, month before", "2026-10", 30000, "2026-01-01T00:00:00Z", tp(t, "2026-11-01T00:00:00Z"), 30000, true, ""},
		{"start == period end", "2026-11", 30000, "2026-12-01T00:00:00Z", nil, 0, false, ""},
		{"end before start", "2026-11", 30000, "2026-11-20T00:00:00Z", tp(t, "2026-11-10T00:00:00Z"), 0, false, ""},
		{"empty interval", "2026-11", 30000, "2026-11-20T00:00:00Z", tp(t, "2026-11-20T00:00:00Z"), 0, false, ""},
		// Sub-second parts are truncated: .999 counts from the whole second.
		{"sub-second start", "2026-11", 30000, "2026-11-16T00:00:00.999Z", nil, 15000, true, "2026-11-16T00:00:00Z"},
		// Zoned input is the same instant in UTC.
		{"non-UTC zone", "2026-11", 30000, "2026-11-16T09:00:00+09:00", nil, 15000, true, "2026-11-16T00:00:00Z"},
		// One second of a 30-day month of 30000: 30000/2592000 = 0.0116 -> 0, but still a line.
		{"one second", "2026-11", 30000, "2026-11-30T23:59:59Z", nil, 0, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPeriod(t, tc.period)
			s := Subscription{ID: 7, TenantID: 3, PlanID: 2, Kind: "TENANT", MonthlyPrice: tc.price, Currency: "EUR", StartedAt: ts(t, tc.start), EndedAt: tc.end}
			l, ok := LineFor(s, p)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (line %+v)", ok, tc.ok, l)
			}
			if !ok {
				return
			}
			if l.Amount != tc.want {
				t.Errorf("amount = %d, want %d", l.Amount, tc.want)
			}
			if tc.from != "" && !l.From.Equal(ts(t, tc.from)) {
				t.Errorf("From = %v, want %v", l.From, tc.from)
			}
			if l.From.Location() != time.UTC || l.To.Location() != time.UTC {
				t.Errorf("From/To not UTC: %v %v", l.From, l.To)
			}
			if l.From.Before(p.Start) || l.To.After(p.End) || !l.From.Before(l.To) {
				t.Errorf("line [%v, %v) outside period %v", l.From, l.To, p)
			}
			if l.SubscriptionID != 7 || l.TenantID != 3 || l.PlanID != 2 || l.Kind != "TENANT" {
				t.Errorf("ids not copied: %+v", l)
			}
		})
	}
}

func TestMinorDigits(t *testing.T) {
	for code, want := range map[string]int{"JPY": 0, "EUR": 2, "USD": 2, "KWD": 3, "SEK": 2} {
		got, err := MinorDigits(code)
		if err != nil || got != want {
			t.Errorf("MinorDigits(%q) = %d, %v; want %d", code, got, err, want)
		}
	}
	for _, code := range []string{"eur", "Eur", "XXXX", "", "ZZZ", "XXX", "EU", "E1R", "EU\x00", "\xff\xfe\xfd"} {
		if _, err := MinorDigits(code); !errors.Is(err, ErrCurrency) {
			t.Errorf("MinorDigits(%q) err = %v, want ErrCurrency", code, err)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{Money{15000, "EUR"}, "150.00"},
		{Money{4900, "JPY"}, "4900"},
		{Money{1234, "KWD"}, "1.234"},
		{Money{5, "EUR"}, "0.05"},
		{Money{0, "EUR"}, "0.00"},
		{Money{-5, "EUR"}, "-0.05"},
		{Money{0, "JPY"}, "0"},
		{Money{-4900, "JPY"}, "-4900"},
		{Money{7, "KWD"}, "0.007"},
		{Money{math.MaxInt64, "EUR"}, "92233720368547758.07"},
		{Money{math.MinInt64, "EUR"}, "-92233720368547758.08"},
	}
	for _, tc := range tests {
		got, err := tc.m.Format()
		if err != nil || got != tc.want {
			t.Errorf("%+v.Format() = %q, %v; want %q", tc.m, got, err, tc.want)
		}
	}
	if _, err := (Money{1, "ZZZ"}).Format(); !errors.Is(err, ErrCurrency) {
		t.Errorf("Format with unknown currency: err = %v, want ErrCurrency", err)
	}
}

func TestParsePeriod(t *testing.T) {
	for _, s := range []string{"2026-11", "0001-01", "9999-11", "2028-02"} {
		p, err := ParsePeriod(s)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", s, err)
			continue
		}
		if p.String() != s {
			t.Errorf("ParsePeriod(%q).String() = %q", s, p.String())
		}
		if p.Start.Location() != time.UTC || p.Start.Day() != 1 || p.Start.Hour() != 0 ||
			!p.End.Equal(p.Start.AddDate(0, 1, 0)) {
			t.Errorf("ParsePeriod(%q) = [%v, %v)", s, p.Start, p.End)
		}
	}
	bad := []string{
		"2026-13", "2026-00", "2026-1", "26-11", "2026/11", " 2026-11", "2026-11 ",
		"２０２６-11", "", "2026-11-01", "+2026-11", "-2026-11", "0000-01", "2026-+1",
		"9999-12", // its end, year 10000, has no RFC 3339 form
		"2026-1\x00", "2026\x00-11", "\xff\xfe\xfd\xfc-11", "2026-1\xff", "20a6-11",
	}
	for _, s := range bad {
		if _, err := ParsePeriod(s); !errors.Is(err, ErrBadPeriod) {
			t.Errorf("ParsePeriod(%q) err = %v, want ErrBadPeriod", s, err)
		}
	}
	if _, err := ParsePeriod(string(make([]byte, 1<<20))); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("huge input: err = %v", err)
	}

	for s, want := range map[string]int64{
		"2026-02": 28 * 86400, "2028-02": 29 * 86400, "2026-11": 30 * 86400, "2026-12": 31 * 86400,
	} {
		if got := mustPeriod(t, s).Seconds(); got != want {
			t.Errorf("%s.Seconds() = %d, want %d", s, got, want)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-11", "9999-12", "2026-13", "２０２６-11", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			if !errors.Is(err, ErrBadPeriod) {
				t.Fatalf("ParsePeriod(%q) err = %v", s, err)
			}
			return
		}
		if p.String() != s || p.Seconds() < 28*86400 || p.Seconds() > 31*86400 {
			t.Fatalf("ParsePeriod(%q) = %v (%d s)", s, p, p.Seconds())
		}
	})
}

// monthsFrom returns n consecutive periods starting with the month of from.
func monthsFrom(t testing.TB, from time.Time, n int) []Period {
	t.Helper()
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC) // AddDate on the 31st would skip months
	ps := make([]Period, n)
	for i := range ps {
		ps[i] = mustPeriod(t, first.AddDate(0, i, 0).Format("2006-01"))
	}
	return ps
}

func sumInvoices(t testing.TB, ps []Period, s Subscription) int64 {
	t.Helper()
	var sum int64
	for _, p := range ps {
		inv, err := BuildInvoice(p, s.Currency, []Subscription{s})
		if err != nil {
			t.Fatal(err)
		}
		sum += inv.Total
	}
	return sum
}

// A year billed month by month adds up to twelve monthly prices.
func TestYearSumsToTwelvePrices(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	prices := []int64{29999, 1, 99999999999, 30000, 7, 1e15}
	for range 300 {
		prices = append(prices, rng.Int64N(1e15)+1)
	}
	currencies := []string{"EUR", "JPY", "KWD", "USD"}
	for i, price := range prices {
		cur := currencies[i%len(currencies)]

		// All of calendar 2027: every month is whole, so the sum is exact.
		full := Subscription{ID: 1, Kind: "TENANT", MonthlyPrice: price, Currency: cur,
			StartedAt: ts(t, "2027-01-01T00:00:00Z"), EndedAt: tp(t, "2028-01-01T00:00:00Z")}
		if got := sumInvoices(t, monthsFrom(t, full.StartedAt, 12), full); got != 12*price {
			t.Fatalf("%d %s over 2027: sum %d, want %d", price, cur, got, 12*price)
		}

		// Twelve months from a random second of 2026: the 13 invoices are a
		// partial month, 11 whole ones and the same calendar month of 2027
		// (same length, as neither year is leap), whose partials add to one
		// month exactly. Only the two partial lines round, each by at most
		// half a unit, so the sum is within 1 (well inside the 12 allowed).
		start := ts(t, "2026-01-01T00:00:00Z").Add(time.Duration(rng.Int64N(365*86400)) * time.Second)
		end := start.AddDate(1, 0, 0)
		mid := Subscription{ID: 2, Kind: "TENANT", MonthlyPrice: price, Currency: cur, StartedAt: start, EndedAt: &end}
		got := sumInvoices(t, monthsFrom(t, start, 13), mid)
		if d := got - 12*price; d < -1 || d > 1 {
			t.Fatalf("%d %s from %v: sum %d, want 12*price = %d (diff %d)", price, cur, start, got, 12*price, d)
		}
	}
}

func TestBuildInvoice(t *testing.T) {
	p := mustPeriod(t, "2026-11")
	subs := []Subscription{
		{ID: 10, TenantID: 2, Kind: "SUPPORT", MonthlyPrice: 5000, Currency: "EUR", StartedAt: ts(t, "2026-01-01T00:00:00Z")},
		{ID: 11, TenantID: 2, Kind: "TENANT", MonthlyPrice: 30000, Currency: "EUR", StartedAt: ts(t, "2026-01-01T00:00:00Z")},
		{ID: 12, TenantID: 1, Kind: "TENANT", MonthlyPrice: 30000, Currency: "EUR", StartedAt: ts(t, "2026-11-16T00:00:00Z")},
		{ID: 9, TenantID: 1, Kind: "SUPPORT", MonthlyPrice: 1000, Currency: "EUR", StartedAt: ts(t, "2026-05-01T00:00:00Z")},
		{ID: 8, TenantID: 1, Kind: "SUPPORT", MonthlyPrice: 1000, Currency: "EUR", StartedAt: ts(t, "2026-05-01T00:00:00Z")},
		{ID: 13, TenantID: 3, Kind: "TENANT", MonthlyPrice: 30000, Currency: "EUR", StartedAt: ts(t, "2026-01-01T00:00:00Z"), EndedAt: tp(t, "2026-11-01T00:00:00Z")},
	}
	inv, err := BuildInvoice(p, "EUR", subs)
	if err != nil {
		t.Fatal(err)
	}
	// Nov 1 lines: tenant 1 (SUPPORT 8, 9), tenant 2 (TENANT 11, SUPPORT 10); then Nov 16: 12. 13 ended at the period start.
	wantIDs := []int{8, 9, 11, 10, 12}
	var ids []int
	var sum int64
	for _, l := range inv.Lines {
		ids = append(ids, l.SubscriptionID)
		sum += l.Amount
	}
	if fmt.Sprint(ids) != fmt.Sprint(wantIDs) {
		t.Errorf("order = %v, want %v", ids, wantIDs)
	}
	if want := int64(1000 + 1000 + 30000 + 5000 + 15000); inv.Total != want || sum != want {
		t.Errorf("Total = %d (lines sum %d), want %d", inv.Total, sum, want)
	}
	if inv.Currency != "EUR" || inv.Period != p {
		t.Errorf("invoice header = %v %v", inv.Currency, inv.Period)
	}

	empty, err := BuildInvoice(p, "JPY", nil)
	if err != nil || empty.Lines == nil || len(empty.Lines) != 0 || empty.Total != 0 {
		t.Errorf("empty invoice = %+v, %v", empty, err)
	}

	mixed := append([]Subscription{{ID: 99, Currency: "USD", MonthlyPrice: 1, StartedAt: ts(t, "2026-11-02T00:00:00Z")}}, subs...)
	if _, err := BuildInvoice(p, "EUR", mixed); !errors.Is(err, ErrCurrency) {
		t.Errorf("mixed currencies: err = %v, want ErrCurrency", err)
	}
	for _, cur := range []string{"eur", "ZZZ", ""} {
		if _, err := BuildInvoice(p, cur, nil); !errors.Is(err, ErrCurrency) {
			t.Errorf("BuildInvoice currency %q: err = %v, want ErrCurrency", cur, err)
		}
	}
	if _, err := BuildInvoice(Period{}, "EUR", subs); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("zero Period: err = %v, want ErrBadPeriod", err)
	}
	huge := []Subscription{
		{ID: 1, MonthlyPrice: math.MaxInt64, Currency: "EUR", StartedAt: ts(t, "2026-01-01T00:00:00Z")},
		{ID: 2, MonthlyPrice: math.MaxInt64, Currency: "EUR", StartedAt: ts(t, "2026-01-01T00:00:00Z")},
	}
	if _, err := BuildInvoice(p, "EUR", huge); err == nil {
		t.Error("overflowing total: want error")
	}
}

// refProrate rounds the exact rational half-up via its fractional part.
func refProrate(t testing.TB, price, overlap, month int64) int64 {
	t.Helper()
	x := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(price), big.NewInt(overlap)), big.NewInt(month))
	fl := new(big.Int).Quo(x.Num(), x.Denom()) // non-negative, so truncation is floor
	frac := new(big.Rat).Sub(x, new(big.Rat).SetInt(fl))
	if frac.Cmp(big.NewRat(1, 2)) >= 0 {
		fl.Add(fl, big.NewInt(1))
	}
	if !fl.IsInt64() {
		t.Fatalf("reference: %d*%d/%d overflows int64", price, overlap, month)
	}
	return fl.Int64()
}

func TestProrate(t *testing.T) {
	const month = 31 * 86400
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		price := rng.Int64N(1e15 + 1)
		if i%5 == 0 {
			price = 1e15 - rng.Int64N(100)
		}
		overlap := rng.Int64N(month + 1)
		if got, want := Prorate(price, overlap, month), refProrate(t, price, overlap, month); got != want {
			t.Fatalf("Prorate(%d, %d, %d) = %d, want %d", price, overlap, month, got, want)
		}
	}
	tests := []struct{ price, overlap, month, want int64 }{
		{1e15, month, month, 1e15},
		{1e15, 1, month, 373357228}, // 1e15/2678400 = 373357228.196
		{math.MaxInt64, month, month, math.MaxInt64},
		{math.MaxInt64, month - 1, month, refProrate(t, math.MaxInt64, month-1, month)},
		{30000, -5, month, 0},                // clamped to 0
		{30000, month + 5, month, 30000},     // clamped to the month
		{3, 1, 2, 2},                         // 1.5 -> 2
		{5, 1, 4, 1},                         // 1.25 -> 1
		{-3, 1, 2, -2},                       // halves go away from zero
		{math.MinInt64, 1, 1, math.MinInt64}, // no overflow at the edge
	}
	for _, tc := range tests {
		if got := Prorate(tc.price, tc.overlap, tc.month); got != tc.want {
			t.Errorf("Prorate(%d, %d, %d) = %d, want %d", tc.price, tc.overlap, tc.month, got, tc.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Prorate with monthSeconds 0 did not panic")
		}
	}()
	Prorate(1, 1, 0)
}

func BenchmarkProrate(b *testing.B) {
	var sink int64
	for b.Loop() {
		sink += Prorate(999999999999999, 1234567, 31*86400)
	}
	_ = sink
}

func BenchmarkBuildInvoice(b *testing.B) {
	p := mustPeriod(b, "2026-11")
	subs := make([]Subscription, 100)
	for i := range subs {
		subs[i] = Subscription{
			ID: i, TenantID: i % 17, Kind: []string{"TENANT", "SUPPORT"}[i%2],
			MonthlyPrice: int64(10000 + i), Currency: "EUR",
			StartedAt: ts(b, "2026-10-01T00:00:00Z").Add(time.Duration(i) * 7 * time.Hour),
		}
	}
	for b.Loop() {
		if _, err := BuildInvoice(p, "EUR", subs); err != nil {
			b.Fatal(err)
		}
	}
}
