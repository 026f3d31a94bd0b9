package registry

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// RedisConnection is a Feast Redis connection string, parsed:
// "host:port[,host:port...][,key=value...]".
type RedisConnection struct {
	Addrs      []string
	Username   string
	Password   string
	DB         int
	SSL        bool
	SkipVerify bool   // ssl_cert_reqs=none
	CAFile     string // ssl_ca_certs
}

// redisOptions are the key=value items feast-go understands.
const redisOptions = "password, username, db, ssl, ssl_cert_reqs or ssl_ca_certs"

// ParseRedisConnection reads the string as Feast does: items without '=' are
// nodes, key=value items are client options. ssl and db are read as JSON
// (ssl=true, db=0); username and password are taken as written. Options
// feast-go does not know are refused. Errors never quote a password.
func ParseRedisConnection(s string) (RedisConnection, error) {
	var c RedisConnection
	for n, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, isOpt := strings.Cut(item, "=")
		if !isOpt {
			if err := checkHostPort(item); err != nil {
				if strings.Contains(s, "=") { // a secret with a comma would show its tail here
					// Not quoted: it may be the tail of a password that holds a comma.
					return c, fmt.Errorf("connection string: item %d is not host:port or key=value (a password with a comma cannot be given here)", n+1)
				}
				return c, err
			}
			c.Addrs = append(c.Addrs, item)
			continue
		}
		switch k = strings.TrimSpace(k); k {
		case "password":
			c.Password = v
		case "username":
			c.Username = v
		case "db":
			n, err := strconv.Atoi(v)
			if err != nil {
				return c, fmt.Errorf("connection string: db=%s: expected a number", v)
			}
			c.DB = n
		case "ssl":
			var b bool
			if err := json.Unmarshal([]byte(strings.ToLower(v)), &b); err != nil {
				return c, fmt.Errorf("connection string: ssl=%s: expected true or false", v)
			}
			c.SSL = b
		case "ssl_cert_reqs":
			c.SkipVerify = strings.EqualFold(strings.Trim(v, `"`), "none")
		case "ssl_ca_certs":
			c.CAFile = v
		default:
			return c, fmt.Errorf("connection string: option %q is not supported; expected %s", k, redisOptions)
		}
	}
	if len(c.Addrs) == 0 {
		c.Addrs = []string{"localhost:6379"}
	}
	return c, nil
}

func checkHostPort(s string) error {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return fmt.Errorf("connection string: node %q: expected host:port", s)
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("connection string: node %q: bad port", s)
	}
	return nil
}

// RedactConnectionString is s with the values of secret items replaced.
func RedactConnectionString(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if ok && IsSecretKey(k) {
			parts[i] = k + "=" + Redacted
		}
	}
	return strings.Join(parts, ",")
}
