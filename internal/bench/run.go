package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
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

// Run calls op from `concurrency` workers for d and summarises it. op
// returns the SQL statements the request took (-1 if unknown) and an error.
func Run(name string, concurrency int, d time.Duration, op func(ctx context.Context, worker, i int) (int, error)) Result {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		sqlSum    atomic.Int64
		sqlN      atomic.Int64
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
			latencies = append(latencies, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
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
		RPS: float64(len(latencies)) / elapsed.Seconds(),
		P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Errors: int(errs.Load()),
	}
	if sqlN.Load() > 0 {
		r.SQLPerRequest = float64(sqlSum.Load()) / float64(sqlN.Load())
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
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, -1, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, -1, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, -1, err
	}
	var out Response
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, -1, fmt.Errorf("status %d: %.200s", res.StatusCode, raw)
	}
	n := -1
	if out.Extensions.SQLStatements != nil {
		n = *out.Extensions.SQLStatements
	}
	if res.StatusCode != http.StatusOK || len(out.Errors) > 0 {
		return &out, n, fmt.Errorf("status %d: %.300s", res.StatusCode, raw)
	}
	return &out, n, nil
}
