package redis

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ConnOptions is a Feast connection string: "host:port[,host:port...][,key=value...]".
type ConnOptions struct {
	Addrs    []string
	Username string
	Password string
	DB       int
	TLS      *tls.Config // nil without ssl=true
}

// ParseConnectionString reads the string as Feast does: items without '=' are
// nodes, key=value items are client options whose values are JSON when they
// parse as JSON (ssl=true, db=0). Options feast-go does not know are refused.
func ParseConnectionString(s string) (ConnOptions, error) {
	var o ConnOptions
	var ssl, skipVerify bool
	var caFile string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, isOpt := strings.Cut(item, "=")
		if !isOpt {
			if _, _, err := splitHostPort(item); err != nil {
				return o, err
			}
			o.Addrs = append(o.Addrs, item)
			continue
		}
		val := jsonish(v)
		switch strings.TrimSpace(k) {
		case "password":
			o.Password = fmt.Sprint(val)
		case "username":
			o.Username = fmt.Sprint(val)
		case "db":
			n, err := strconv.Atoi(fmt.Sprint(val))
			if err != nil {
				return o, fmt.Errorf("connection string: db=%s: expected a number", v)
			}
			o.DB = n
		case "ssl":
			b, ok := val.(bool)
			if !ok {
				return o, fmt.Errorf("connection string: ssl=%s: expected true or false", v)
			}
			ssl = b
		case "ssl_cert_reqs":
			skipVerify = strings.EqualFold(fmt.Sprint(val), "none")
		case "ssl_ca_certs":
			caFile = fmt.Sprint(val)
		default:
			return o, fmt.Errorf("connection string: option %q is not supported; expected password, username, db, ssl, ssl_cert_reqs or ssl_ca_certs", k)
		}
	}
	if len(o.Addrs) == 0 {
		o.Addrs = []string{"localhost:6379"}
	}
	if ssl {
		o.TLS = &tls.Config{InsecureSkipVerify: skipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // ssl_cert_reqs=none asks for it
		if caFile != "" {
			pem, err := os.ReadFile(caFile)
			if err != nil {
				return o, fmt.Errorf("connection string: ssl_ca_certs: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return o, fmt.Errorf("connection string: ssl_ca_certs %s holds no PEM certificate", caFile)
			}
			o.TLS.RootCAs = pool
		}
	}
	return o, nil
}

func jsonish(v string) any {
	var out any
	if err := json.Unmarshal([]byte(v), &out); err == nil {
		return out
	}
	return v
}

func splitHostPort(s string) (string, int, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return "", 0, fmt.Errorf("connection string: node %q: expected host:port", s)
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil || p <= 0 || p > 65535 {
		return "", 0, fmt.Errorf("connection string: node %q: bad port", s)
	}
	return s[:i], p, nil
}
