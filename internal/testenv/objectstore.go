package testenv

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FakeGCSVersion is the fake-gcs-server scripts/test-deps.sh builds.
const FakeGCSVersion = "v1.56.1"

// S3 starts moto's S3-compatible server (from the Feast virtualenv) on a free
// loopback port, creates bucket, and returns the endpoint URL. It sets the
// AWS variables a client needs for the rest of the test.
func S3(t testing.TB, bucket string) string {
	t.Helper()
	python := FeastPython(t)
	bin := filepath.Join(filepath.Dir(python), "moto_server")
	if _, err := os.Stat(bin); err != nil {
		Missing(t, "moto_server (moto[server] in the Feast virtualenv)")
	}
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strings.Split(addr, ":")[1])
	endpoint := "http://" + addr
	serve(t, cmd, "moto_server", addr)
	t.Setenv("AWS_ACCESS_KEY_ID", "feastgo-test-key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "feastgo-test-secret-value")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_DEFAULT_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	req, _ := http.NewRequest(http.MethodPut, endpoint+"/"+bucket, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create bucket %s: %s", bucket, resp.Status)
	}
	return endpoint
}

// GCS starts fake-gcs-server (built by scripts/test-deps.sh) over HTTP on a
// free loopback port with bucket, sets STORAGE_EMULATOR_HOST for the rest of
// the test and returns the emulator's URL.
func GCS(t testing.TB, bucket string) string {
	t.Helper()
	bin := cachedBin(t, "fake-gcs-server-"+FakeGCSVersion, "fake-gcs-server")
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, bucket), 0o755); err != nil { // a folder under -data is a bucket
		t.Fatal(err)
	}
	port := FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "-scheme", "http", "-host", "127.0.0.1", "-port", fmt.Sprint(port), "-backend", "memory",
		"-data", data, "-public-host", addr, "-external-url", "http://"+addr, "-log-level", "warn")
	serve(t, cmd, "fake-gcs-server", addr)
	t.Setenv("STORAGE_EMULATOR_HOST", "http://"+addr)
	return "http://" + addr
}

// serve starts a server process in its own group, stops it at cleanup, and
// waits up to 30 s for addr to accept connections.
func serve(t testing.TB, cmd *exec.Cmd, name, addr string) {
	t.Helper()
	inGroup(cmd)
	logf, _ := os.Create(filepath.Join(t.TempDir(), name+".log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() { stopGroup(cmd); _ = logf.Close() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, _ := os.ReadFile(logf.Name())
	t.Fatalf("%s did not listen on %s:\n%s", name, addr, out)
}

// RegistryServer starts Feast's registry server for the repository in dir
// (testdata/feast/serve_registry.py: `feast serve_registry` bound to
// 127.0.0.1), over TLS when cert and key are given, and returns its address.
func RegistryServer(t testing.TB, python, dir, cert, key string) string {
	t.Helper()
	port := FreePort(t)
	args := []string{filepath.Join(RepoRoot(), "testdata", "feast", "serve_registry.py"), dir, fmt.Sprint(port)}
	if cert != "" {
		args = append(args, cert, key)
	}
	cmd := exec.Command(python, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FEAST_USAGE=False")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	serve(t, cmd, "feast-serve-registry", addr)
	return addr
}
