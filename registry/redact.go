package registry

import (
	"net/url"
	"strings"
)

// Redacted replaces a secret wherever feast-go prints a configuration value.
const Redacted = "REDACTED"

// secretWords mark a key whose value is a secret: catalog properties
// (s3.secret-access-key, gcs.oauth2.token, adls.sas-token, client.secret),
// URL query parameters, DSN items and connection-string options.
var secretWords = []string{"password", "passwd", "pwd", "secret", "token", "credential", "sas", "private", "access-key", "access_key", "api-key", "apikey"}

// IsSecretKey reports whether a key names a secret.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// RedactURI removes the secrets of a URI or DSN: the password of its user
// info, query parameters with secret names, and secret items of a key=value
// DSN ("host=h password=p").
func RedactURI(s string) string {
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil {
			if u.User != nil {
				if _, has := u.User.Password(); has {
					u.User = url.UserPassword(u.User.Username(), Redacted)
				}
			}
			q := u.Query()
			changed := false
			for k := range q {
				if IsSecretKey(k) {
					q.Set(k, Redacted)
					changed = true
				}
			}
			if changed {
				u.RawQuery = q.Encode()
			}
			return u.String()
		}
	}
	fields := strings.Fields(s)
	for i, f := range fields {
		if k, _, ok := strings.Cut(f, "="); ok && IsSecretKey(k) {
			fields[i] = k + "=" + Redacted
		}
	}
	if len(fields) > 1 || len(fields) == 1 && fields[0] != s {
		return strings.Join(fields, " ")
	}
	return s
}
