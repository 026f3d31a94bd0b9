package registry

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
)

// TestRemoteRegistryTLS: feast-go reaches a registry server that speaks TLS
// when the configuration trusts its certificate, and refuses it, naming the
// registry, when it does not.
func TestRemoteRegistryTLS(t *testing.T) {
	python := testenv.FeastPython(t)
	dir := t.TempDir()
	cert, key := testenv.SelfSigned(t, dir)
	addr := testenv.RegistryServer(t, python, serverRepo(t), cert, key)
	ctx := context.Background()
	trusted := openTestStore(t, &Config{Project: "drivers", Dir: dir, Registry: RegistryConfig{Type: "remote", Path: addr, IsTLS: true, Cert: cert}})
	if _, err := Apply(ctx, trusted, loadDriversDefs(t, nil), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if v := viewOf(t, trusted, "driver_hourly_stats"); v.Name != "driver_hourly_stats" {
		t.Fatalf("read %+v", v)
	}
	t.Setenv("SSL_CERT_FILE", "")
	t.Setenv("REQUESTS_CA_BUNDLE", "")
	for name, c := range map[string]RegistryConfig{
		"untrusted": {Type: "remote", Path: addr, IsTLS: true},
		"plain":     {Type: "remote", Path: addr},
	} {
		s := openTestStore(t, &Config{Project: "drivers", Dir: dir, Registry: c})
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		_, err := s.Read(cctx)
		cancel()
		if !errors.Is(err, ErrRegistryUnreadable) || !strings.Contains(err.Error(), addr) {
			t.Errorf("%s: %v, want a registry error naming %s", name, err, addr)
		}
	}
	if _, err := OpenStore(&Config{Project: "drivers", Registry: RegistryConfig{Type: "remote", Path: addr, ClientCert: cert}}); err == nil {
		t.Error("client_cert without client_key was accepted")
	}
}
