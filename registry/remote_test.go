package registry

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestRemoteRegistryTLS: feast-go reaches a registry server that speaks TLS
// when the configuration trusts its certificate, and refuses it, naming the
// registry, when it does not.
func TestRemoteRegistryTLS(t *testing.T) {
	python := testenv.FeastPython(t)
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
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
