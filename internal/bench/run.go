package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Result is one JSON line of `make bench`.
type Result struct {
	Scenario      string   `json:"scenario"`
	Concurrency   int      `json:"concurrency"`
	Requests      int      `json:"requests"`
	RPS           float64  `json:"rps"`
	P50           float64  `json:"p50_ms"`
	P95           float64  `json:"p95_ms"`
	P99           float64  `json:"p99_ms"`
	Errors        int      `json:"errors"`
	SQLPerRequest float64  `json:"sql_per_request"`
	FloorRatio    *float64 `json:"floor_ratio,omitempty"`
}

// Op is one request of a scenario: worker w's i-th. It returns the SQL
// statements the request took (-1 if unknown) and an error.
type Op func(ctx context.Context, worker, i int) (int, error)

// Run calls op from `concurrency` workers for d and summarises it.
func Run(name string, concurrency int, d time.Duration, op Op) Result {
	var t tally
	t.run(concurrency, d, op)
	return t.result(name, concurrency)
}

// Interleave runs the scenarios in turn, rounds times, each for
// d/rounds a round at the given concurrency, and summarises each over all
// its rounds. Scenarios compared against each other (the dashboard and its
// floor) are measured this way so that a machine whose speed drifts during
// a run (shared cores) slows both alike: back-to-back runs of 10 s each
// moved their ratio by a third from run to run.
func Interleave(concurrency int, d time.Duration, rounds int, names []string, ops []Op) []Result {
	tallies := make([]tally, len(ops))
	for range max(rounds, 1) {
		for k, op := range ops {
			tallies[k].run(concurrency, d/time.Duration(max(rounds, 1)), op)
		}
	}
	res := make([]Result, len(ops))
	for k := range tallies {
		res[k] = tallies[k].result(names[k], concurrency)
	}
	return res
}

// tally accumulates the requests of one scenario over one or more rounds.
type tally struct {
	latencies []time.Duration
	elapsed   time.Duration
	errs      int64
	sqlSum    int64
	sqlN      int64
}

// run adds a round: workers call op until d has passed, and the round ends
// when the last request in flight has returned.
func (t *tally) run(concurrency int, d time.Duration, op Op) {
	var (
		mu                 sync.Mutex
		errs, sqlSum, sqlN atomic.Int64
	)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				n, err := op(context.Background(), w, i)
				mine = append(mine, time.Since(t0))
				if err != nil {
					errs.Add(1)
				}
				if n >= 0 {
					sqlSum.Add(int64(n))
					sqlN.Add(1)
				}
			}
			mu.Lock()
			t.latencies = append(t.latencies, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	t.elapsed += time.Since(start)
	t.errs += errs.Load()
	t.sqlSum += sqlSum.Load()
	t.sqlN += sqlN.Load()
}

func (t *tally) result(name string, concurrency int) Result {
	latencies := slices.Clone(t.latencies)
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		i := int(p * float64(len(latencies)-1))
		return float64(latencies[i].Microseconds()) / 1000
	}
	r := Result{
		Scenario: name, Concurrency: concurrency, Requests: len(latencies),
		P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Errors: int(t.errs),
	}
	if t.elapsed > 0 {
		r.RPS = float64(len(latencies)) / t.elapsed.Seconds()
	}
	if t.sqlN > 0 {
		r.SQLPerRequest = float64(t.sqlSum) / float64(t.sqlN)
	}
	return r
}

// Client posts GraphQL requests to a server.
type Client struct {
	URL   string
	Token string
	HTTP  *http.Client
}

// Response is the part of a GraphQL response the harness reads.
type Response struct {
	Data       json.RawMessage  `json:"data"`
	Errors     []map[string]any `json:"errors"`
	Extensions struct {
		SQLStatements *int `json:"sqlStatements"`
	} `json:"extensions"`
}

// Do posts one request; GraphQL errors are errors. It returns the response
// and its SQL statement count (-1 when the server does not report it).
func (c *Client) Do(ctx context.Context, query string, vars map[string]any) (*Response, int, error) {
	var buf bytes.Buffer
	status, err := c.post(ctx, query, vars, &buf)
	if err != nil {
		return nil, -1, err
	}
	return decode(buf.Bytes(), status)
}

// DoExpect posts one request whose data must be want, byte for byte. It
// compares the bytes instead of decoding the answer: decoding a 354 kB
// dashboard cost the harness ~2 ms of the 2 cores it shares with the
// server, which floor_ratio then charged to the API. Only the envelope
// after the data (gqlgen writes errors before data, extensions after) is
// decoded; any other answer is decoded whole and is an error.
func (c *Client) DoExpect(ctx context.Context, query string, vars map[string]any, want []byte) (int, error) {
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	buf.Reset()
	status, err := c.post(ctx, query, vars, buf)
	if err != nil {
		return -1, err
	}
	raw := buf.Bytes()
	const open = `{"data":`
	if status == http.StatusOK && len(raw) > len(open)+len(want) &&
		string(raw[:len(open)]) == open && bytes.Equal(raw[len(open):len(open)+len(want)], want) {
		rest := raw[len(open)+len(want):] // `}` or `,"extensions":{...}}`
		var out Response
		if rest[0] == ',' && json.Unmarshal(append([]byte{'{'}, rest[1:]...), &out) == nil && out.Errors == nil {
			if out.Extensions.SQLStatements != nil {
				return *out.Extensions.SQLStatements, nil
			}
			return -1, nil
		}
		if string(rest) == "}" {
			return -1, nil
		}
	}
	_, n, err := decode(raw, status)
	if err != nil {
		return n, err
	}
	return n, fmt.Errorf("the answer is not the expected one: %.300s", raw)
}

// post sends one request and reads the answer into buf. It asks for gzip,
// as browsers do, and inflates with klauspost/compress, about twice as fast
// as compress/gzip, which the transport would use: the harness shares the
// machine with the server it measures.
func (c *Client) post(ctx context.Context, query string, vars map[string]any, buf *bytes.Buffer) (int, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		_, err = buf.ReadFrom(res.Body)
		return res.StatusCode, err
	}
	zr, _ := inflaters.Get().(*gzip.Reader)
	if zr == nil {
		if zr, err = gzip.NewReader(res.Body); err != nil {
			return 0, err
		}
	} else if err := zr.Reset(res.Body); err != nil {
		return 0, err
	}
	defer inflaters.Put(zr)
	_, err = buf.ReadFrom(zr)
	return res.StatusCode, err
}

var (
	buffers   = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	inflaters sync.Pool // *gzip.Reader
)

// decode reads a whole response; GraphQL errors are errors.
func decode(raw []byte, status int) (*Response, int, error) {
	var out Response
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, -1, fmt.Errorf("status %d: %.200s", status, raw)
	}
	n := -1
	if out.Extensions.SQLStatements != nil {
		n = *out.Extensions.SQLStatements
	}
	if status != http.StatusOK || len(out.Errors) > 0 {
		return &out, n, fmt.Errorf("status %d: %.300s", status, raw)
	}
	return &out, n, nil
}
