package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds phystack-api once for the fault tests, which need a real
// process (signals, exit codes).
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "phystack-faults")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "phystack-api")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type faultServer struct {
	t     *testing.T
	cmd   *exec.Cmd
	base  string
	token string
	proxy *testkit.Proxy
	logs  *bytes.Buffer
	done  chan error
}

// startBehindProxy starts serve on a scratch PostgreSQL database reached
// through a TCP proxy, with a token of an admin of one tenant.
func startBehindProxy(t *testing.T, cutFirst bool) *faultServer {
	t.Helper()
	if testkit.PostgresURL() == "" {
		t.Skip("fault tests cut a TCP connection to PostgreSQL: set TEST_DATABASE_URL")
	}
	st, dbURL := testkit.StoreURL(t)
	f := testkit.NewFixture(t, st.Client)
	u := f.User("ops@example.com")
	f.Member(f.Tenant(testkit.TenantSpec{Name: "Ops"}), u, enums.RoleAdmin)
	token := f.Token(u)

	parsed, _ := url.Parse(dbURL)
	proxy := testkit.NewProxy(t, parsed.Host)
	parsed.Host = proxy.Addr
	if cutFirst {
		proxy.Cut()
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()

	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+parsed.String(), "ADDR="+addr)
	logs := &bytes.Buffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var mu sync.Mutex
	go func() {
		s := bufio.NewScanner(pr)
		for s.Scan() {
			mu.Lock()
			logs.WriteString(s.Text() + "\n")
			mu.Unlock()
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fs := &faultServer{t: t, cmd: cmd, base: "http://" + addr, token: token, proxy: proxy, logs: logs, done: make(chan error, 1)}
	go func() { fs.done <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	fs.waitFor(func() bool { return fs.status("/healthz") == http.StatusOK }, 20*time.Second, "healthz 200")
	return fs
}

func (s *faultServer) status(path string) int {
	res, err := http.Get(s.base + path)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func (s *faultServer) query() (int, string, time.Duration) {
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPost, s.base+"/query", strings.NewReader(`{"query":"{ viewer { user { email } } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error(), time.Since(start)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), time.Since(start)
}

func (s *faultServer) waitFor(ok func() bool, within time.Duration, what string) {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("no %s within %s; server log:\n%s", what, within, s.logs.String())
}

func answered(body string) bool { return strings.Contains(body, `"email":"ops@example.com"`) }

func codeOf(body string) string {
	var r struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	_ = json.Unmarshal([]byte(body), &r)
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Database down at start: serve is up (healthz), not ready (readyz 503,
// queries 503 INTERNAL at once), and becomes ready when the database comes.
func TestServeWaitsForTheDatabase(t *testing.T) {
	s := startBehindProxy(t, true)
	if got := s.status("/readyz"); got != http.StatusServiceUnavailable {
		t.Fatalf("readyz while the database is down = %d", got)
	}
	status, body, took := s.query()
	if status != http.StatusServiceUnavailable || codeOf(body) != "INTERNAL" || took > 2*time.Second {
		t.Fatalf("query while starting: %d %s in %s", status, body, took)
	}
	time.Sleep(500 * time.Millisecond) // a few failed attempts
	s.proxy.Restore()
	s.waitFor(func() bool { return s.status("/readyz") == http.StatusOK }, 20*time.Second, "readyz 200 after the database came")
	if status, body, _ := s.query(); status != http.StatusOK || !answered(body) {
		t.Fatalf("query when ready: %d %s", status, body)
	}
	if !strings.Contains(s.logs.String(), "database not ready; retrying") {
		t.Fatalf("no retry logged:\n%s", s.logs.String())
	}
}

// Database lost while running: requests fail fast with INTERNAL and no
// driver text, readyz says 503; when it returns, requests work again
// without a restart.
func TestDatabaseLostAndRecovered(t *testing.T) {
	s := startBehindProxy(t, false)
	s.waitFor(func() bool { return s.status("/readyz") == http.StatusOK }, 20*time.Second, "readyz 200")
	if status, body, _ := s.query(); status != http.StatusOK || !answered(body) {
		t.Fatalf("query before the cut: %d %s", status, body)
	}
	s.proxy.Cut()
	status, body, took := s.query()
	if codeOf(body) != "INTERNAL" || took > 5*time.Second {
		t.Fatalf("query with the database gone: %d %s in %s", status, body, took)
	}
	for _, leak := range []string{"pq:", "dial", "connection", "EOF", "127.0.0.1"} {
		if strings.Contains(body, leak) {
			t.Fatalf("the error leaks %q: %s", leak, body)
		}
	}
	if got := s.status("/readyz"); got != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database gone = %d", got)
	}
	s.proxy.Restore()
	s.waitFor(func() bool { status, body, _ := s.query(); return status == http.StatusOK && answered(body) },
		15*time.Second, "a working query after the database returned")
	if got := s.status("/readyz"); got != http.StatusOK {
		t.Fatalf("readyz after recovery = %d", got)
	}
}

// SIGTERM: in-flight requests finish, then the process exits 0.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	s := startBehindProxy(t, false)
	s.waitFor(func() bool { return s.status("/readyz") == http.StatusOK }, 20*time.Second, "readyz 200")
	s.query() // warm the connection pool

	s.proxy.Hold() // the next query's database reply waits
	type result struct {
		status int
		body   string
	}
	inflight := make(chan result, 1)
	go func() { st, b, _ := s.query(); inflight <- result{st, b} }()
	time.Sleep(300 * time.Millisecond)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	select {
	case err := <-s.done:
		t.Fatalf("exited before its in-flight request finished: %v", err)
	default:
	}
	s.proxy.Release()
	select {
	case r := <-inflight:
		if r.status != http.StatusOK || !answered(r.body) {
			t.Fatalf("in-flight request: %d %s", r.status, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request never finished")
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, s.logs.String())
		}
	case <-time.After(12 * time.Second):
		t.Fatal("no exit within 12 s of SIGTERM")
	}
}
