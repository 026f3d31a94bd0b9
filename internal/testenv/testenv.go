// Package testenv finds the real peers tests run against (Feast's Python in a
// virtualenv, redis-server, the Iceberg REST catalog) and decides what a test
// does when one is missing: skip on a developer's machine, fail in CI (CI=true
// or FEAST_GO_TEST_DISALLOW_SKIP=1), so CI never skips a test silently.
package testenv

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

// DisallowSkip reports whether missing peers must fail tests instead of skipping them.
func DisallowSkip() bool {
	return os.Getenv("CI") == "true" || os.Getenv("FEAST_GO_TEST_DISALLOW_SKIP") == "1"
}

// Missing skips t, or fails it where skipping is not allowed.
func Missing(t testing.TB, what string) {
	t.Helper()
	if DisallowSkip() {
		t.Fatalf("%s is required here (CI=true or FEAST_GO_TEST_DISALLOW_SKIP=1) but missing", what)
	}
	t.Skipf("%s not available; set it up with `bash .ci/run` (see README)", what)
}

// FeastPython returns the Python interpreter of a virtualenv with feast==0.67.0
// installed: $FEAST_GO_PYTHON, else ~/.cache/feast-go/venv/bin/python when it exists.
func FeastPython(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("Feast interop tests do not run with -short")
	}
	p := os.Getenv("FEAST_GO_PYTHON")
	if p == "" {
		home, _ := os.UserHomeDir()
		p = filepath.Join(home, ".cache", "feast-go", "venv", "bin", "python")
	}
	if _, err := os.Stat(p); err != nil {
		Missing(t, "Feast 0.67 in a virtualenv (FEAST_GO_PYTHON)")
	}
	return p
}

// RepoRoot is the module root (where go.mod is), for reaching testdata.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Run runs a command and fails the test with its output if it fails.
func Run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	c := exec.Command(name, args...)
	c.Dir = dir
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v in %s: %v\n%s", name, args, dir, err, out)
	}
	return string(out)
}

// CopyDir copies a folder tree (small test fixtures) into dst.
func CopyDir(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// IcebergRESTJar is Apache Iceberg's REST catalog test server, a runnable jar
// published on Maven Central as org.apache.iceberg:iceberg-open-api (main
// class org.apache.iceberg.rest.RESTCatalogServer); scripts/test-deps.sh puts
// it here.
func IcebergRESTJar() string {
	if p := os.Getenv("FEAST_GO_ICEBERG_REST_JAR"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "feast-go", "iceberg-rest-fixture-1.10.1.jar")
}

// IcebergREST starts Iceberg's REST catalog server on a free loopback port
// with a local-filesystem warehouse and returns its uri and warehouse. The
// server stops when the test ends.
func IcebergREST(t testing.TB) (uri, warehouse string) {
	t.Helper()
	if testing.Short() {
		t.Skip("the REST catalog server does not run with -short")
	}
	jar := IcebergRESTJar()
	java, err := exec.LookPath("java")
	if _, statErr := os.Stat(jar); statErr != nil || err != nil {
		Missing(t, "the Iceberg REST catalog server (java and "+jar+")")
	}
	port := FreePort(t)
	wh := t.TempDir()
	cmd := exec.Command(java, "-jar", jar)
	inGroup(cmd)
	cmd.Env = append(os.Environ(),
		"CATALOG_WAREHOUSE=file://"+wh,
		fmt.Sprintf("CATALOG_REST_PORT=%d", port),
	)
	logf, err := os.Create(filepath.Join(t.TempDir(), "rest.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start REST catalog: %v", err)
	}
	t.Cleanup(func() { stopGroup(cmd); _ = logf.Close() })
	uri = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(uri + "/v1/config")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return uri, "file://" + wh
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	out, _ := os.ReadFile(logf.Name())
	t.Fatalf("REST catalog did not answer on %s within 90s:\n%s", uri, out)
	return "", ""
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// Postgres starts a throwaway PostgreSQL server (Debian's postgresql package)
// on a free loopback port, trust authentication, and returns a
// postgresql://postgres@127.0.0.1:PORT/postgres URL. When running as root the
// server runs as the postgres user, which PostgreSQL requires.
func Postgres(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("PostgreSQL does not run with -short")
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		Missing(t, "PostgreSQL (Debian package postgresql)")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "feast-go-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	asUser := func(name string, args ...string) *exec.Cmd {
		if os.Geteuid() == 0 {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
		}
		return exec.Command(filepath.Join(bin, name), args...)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := asUser("initdb", "-A", "trust", "-U", "postgres", "-D", data).CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := FreePort(t)
	srv := asUser("postgres", "-D", data, "-k", dir, "-h", "127.0.0.1", "-p", fmt.Sprint(port))
	logf, _ := os.Create(filepath.Join(t.TempDir(), "pg.log"))
	srv.Stdout, srv.Stderr = logf, logf
	srv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // one group: runuser and the server
	if err := srv.Start(); err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-srv.Process.Pid, syscall.SIGINT) // PostgreSQL's fast shutdown
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-srv.Process.Pid, syscall.SIGKILL)
			<-done
		}
		_ = logf.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if exec.Command(filepath.Join(bin, "pg_isready"), "-h", "127.0.0.1", "-p", fmt.Sprint(port)).Run() == nil {
			return fmt.Sprintf("postgresql://postgres@127.0.0.1:%d/postgres", port)
		}
		time.Sleep(200 * time.Millisecond)
	}
	out, _ := os.ReadFile(logf.Name())
	t.Fatalf("PostgreSQL did not start on port %d:\n%s", port, out)
	return ""
}

// redisServer starts one redis-server on a free loopback port with extra
// arguments and returns its address.
func redisServer(t testing.TB, extra ...string) string {
	t.Helper()
	addr, _ := redisRestartable(t, extra...)
	return addr
}

// redisRestartable is redisServer with a restart: the server is killed and a
// new, empty one (no persistence) starts on the same port.
func redisRestartable(t testing.TB, extra ...string) (addr string, restart func()) {
	t.Helper()
	p := NewRedisProc(t, false, extra...)
	return p.Addr, func() { p.Kill(); p.Start() }
}

// RedisProc is a redis-server a test controls: it can be killed and started
// again on the same port, with the data of its append-only file when it
// persists, or empty.
type RedisProc struct {
	Addr string
	t    testing.TB
	bin  string
	args []string
	dir  string
	log  *os.File
	cmd  *exec.Cmd
}

// NewRedisProc starts a redis-server on a free loopback port; persist turns
// on its append-only file (written on every command, so that a killed
// server restarts with every acknowledged write).
func NewRedisProc(t testing.TB, persist bool, extra ...string) *RedisProc {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		Missing(t, "redis-server (Debian package redis-server)")
	}
	port := FreePort(t)
	p := &RedisProc{t: t, bin: bin, dir: t.TempDir(), Addr: fmt.Sprintf("127.0.0.1:%d", port)}
	aof := "no"
	if persist {
		aof = "yes"
	}
	p.args = append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", aof,
		"--appendfsync", "no", "--dir", p.dir}, extra...)
	p.log, _ = os.Create(filepath.Join(p.dir, "redis.log"))
	p.Start()
	t.Cleanup(func() { p.Kill(); _ = p.log.Close() })
	return p
}

// Start starts the server (again) and waits until it listens.
func (p *RedisProc) Start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, p.args...)
	inGroup(p.cmd)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", p.Addr, time.Second); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, _ := os.ReadFile(p.log.Name())
	p.t.Fatalf("redis-server did not listen on %s:\n%s", p.Addr, out)
}

// Kill kills the server (SIGKILL) and reaps it.
func (p *RedisProc) Kill() {
	if p.cmd != nil {
		stopGroup(p.cmd)
		p.cmd = nil
	}
}

// Wipe removes the data files of a killed server: it starts empty.
func (p *RedisProc) Wipe() {
	p.t.Helper()
	if err := os.RemoveAll(filepath.Join(p.dir, "appendonlydir")); err != nil {
		p.t.Fatal(err)
	}
}

// RedisRestartable starts a standalone redis-server without persistence and
// returns its address and a function that restarts it empty, as a crash of a
// server without persistence would.
func RedisRestartable(t testing.TB) (string, func()) {
	t.Helper()
	if testing.Short() {
		t.Skip("redis-server does not run with -short")
	}
	return redisRestartable(t)
}

// Redis starts a standalone redis-server for the test and returns host:port.
func Redis(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("redis-server does not run with -short")
	}
	return redisServer(t)
}

// RedisCluster starts a 3-master Redis Cluster on loopback and returns the
// node addresses.
func RedisCluster(t testing.TB) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("redis-server does not run with -short")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		Missing(t, "redis-cli (Debian package redis-tools)")
	}
	var addrs []string
	for range 3 {
		addrs = append(addrs, redisServer(t, "--cluster-enabled", "yes", "--cluster-node-timeout", "2000"))
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := exec.Command(cli, "-h", "127.0.0.1", "-p", addrs[0][strings.LastIndexByte(addrs[0], ':')+1:], "cluster", "info").Output()
		if strings.Contains(string(out), "cluster_state:ok") {
			return addrs
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("Redis Cluster did not reach cluster_state:ok")
	return nil
}

// RedisSentinel starts a redis-server and one sentinel monitoring it under the
// master name "mymaster"; it returns the sentinel's address.
func RedisSentinel(t testing.TB) string {
	t.Helper()
	master := Redis(t)
	dir := t.TempDir()
	port := FreePort(t)
	conf := filepath.Join(dir, "sentinel.conf")
	host, mport, _ := strings.Cut(master, ":")
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor mymaster %s %s 1\n", port, dir, host, mport)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", conf, "--sentinel")
	inGroup(cmd)
	logf, _ := os.Create(filepath.Join(dir, "sentinel.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sentinel: %v", err)
	}
	t.Cleanup(func() { stopGroup(cmd); _ = logf.Close() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("redis-cli", "-p", fmt.Sprint(port), "sentinel", "get-master-addr-by-name", "mymaster").Output()
		if strings.Contains(string(out), mport) {
			return addr
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(logf.Name())
	t.Fatalf("sentinel did not report the master:\n%s", out)
	return ""
}

// FeastServe starts Feast's own HTTP feature server (`feast serve`) of the
// repository in dir on a free loopback port and returns its base URL. The
// server is stopped when the test ends.
func FeastServe(t testing.TB, python, dir string) string {
	t.Helper()
	port := FreePort(t)
	cmd := exec.Command(filepath.Join(filepath.Dir(python), "feast"), "serve", "-h", "127.0.0.1", "-p", fmt.Sprint(port), "--no-access-log")
	inGroup(cmd) // feast serve starts workers: the whole group must go
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FEAST_USAGE=False")
	logf, _ := os.Create(filepath.Join(t.TempDir(), "feast-serve.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start feast serve: %v", err)
	}
	t.Cleanup(func() { stopGroup(cmd); _ = logf.Close() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(url + "/health"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	out, _ := os.ReadFile(logf.Name())
	t.Fatalf("feast serve did not answer on %s/health:\n%s", url, out)
	return ""
}

// JSONSummary returns the message_type "summary" record of feast-go --json
// output; every line must be JSON.
func JSONSummary(t testing.TB, stdout string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stdout line is not JSON: %q", line)
		}
		if rec["message_type"] == "summary" {
			return rec
		}
	}
	t.Fatalf("no JSON summary in %q", stdout)
	return nil
}

// DecodeVector parses a stored precomputed vector Value (bytes_val holding a
// PrecomputedFeatureVector) with the generated code, for tests that compare
// vectors field by field.
func DecodeVector(value []byte) (*feastpb.PrecomputedFeatureVector, error) {
	var v feastpb.Value
	if err := proto.Unmarshal(value, &v); err != nil {
		return nil, fmt.Errorf("vector value: %w", err)
	}
	blob, ok := v.GetVal().(*feastpb.Value_BytesVal)
	if !ok {
		return nil, fmt.Errorf("vector value is not bytes_val")
	}
	var pv feastpb.PrecomputedFeatureVector
	if err := proto.Unmarshal(blob.BytesVal, &pv); err != nil {
		return nil, fmt.Errorf("vector blob: %w", err)
	}
	return &pv, nil
}

// inGroup makes cmd the leader of a process group of its own, so that
// stopGroup ends it with every process it started.
func inGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// stopGroup kills cmd's whole process group and reaps cmd.
func stopGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
}

// cachedBin is a server scripts/test-deps.sh builds into ~/.cache/feast-go/bin;
// a test that needs it skips with -short, and is told what is missing.
func cachedBin(t testing.TB, file, what string) string {
	t.Helper()
	if testing.Short() {
		t.Skip(what + " does not run with -short")
	}
	home, _ := os.UserHomeDir()
	bin := filepath.Join(home, ".cache", "feast-go", "bin", file)
	if _, err := os.Stat(bin); err != nil {
		Missing(t, what+" (scripts/test-deps.sh builds it)")
	}
	return bin
}

// PushgatewayVersion is the Pushgateway scripts/test-deps.sh builds.
const PushgatewayVersion = "v1.11.1"

// Pushgateway starts a Prometheus Pushgateway (built by
// scripts/test-deps.sh) on a free loopback port and returns its URL.
func Pushgateway(t testing.TB) string {
	t.Helper()
	bin := cachedBin(t, "pushgateway-"+PushgatewayVersion, "the Prometheus Pushgateway")
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	serve(t, exec.Command(bin, "--web.listen-address="+addr), "pushgateway", addr)
	return "http://" + addr
}
