package redis

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/feast-go/feast-go/registry"
)

// tlsConfig is the client TLS a connection string asks for; nil without ssl=true.
func tlsConfig(c registry.RedisConnection) (*tls.Config, error) {
	if !c.SSL {
		return nil, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: c.SkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // ssl_cert_reqs=none asks for it
	if c.CAFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("connection string: ssl_ca_certs: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("connection string: ssl_ca_certs %s holds no PEM certificate", c.CAFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
