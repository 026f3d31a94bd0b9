package registry

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRedactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgresql://feast:s3cret@db:5432/iceberg", "postgresql://feast:REDACTED@db:5432/iceberg"},
		{"postgresql+psycopg://db/iceberg?user=feast&password=s3cret", "postgresql+psycopg://db/iceberg?password=REDACTED&user=feast"},
		{"host=db user=feast password=s3cret dbname=iceberg", "host=db user=feast password=REDACTED dbname=iceberg"},
		{"https://catalog:8181/api?token=abc", "https://catalog:8181/api?token=REDACTED"},
		{"sqlite:///data/catalog.db", "sqlite:///data/catalog.db"},
		{"data/warehouse", "data/warehouse"},
		{"s3://bucket/wh", "s3://bucket/wh"},
	}
	for _, tt := range tests {
		if got := RedactURI(tt.in); got != tt.want {
			t.Errorf("RedactURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, k := range []string{"s3.secret-access-key", "s3.access-key-id", "gcs.oauth2.token", "adls.sas-token.acct", "client.secret", "password"} {
		if !IsSecretKey(k) {
			t.Errorf("%q is not taken for a secret", k)
		}
	}
	for _, k := range []string{"s3.endpoint", "s3.region", "warehouse", "uri"} {
		if IsSecretKey(k) {
			t.Errorf("%q is taken for a secret", k)
		}
	}
}

// A plan shows that a secret changed, never the secret: text and JSON.
func TestPlanRedactsSecrets(t *testing.T) {
	src := func(token, pass string) *Objects {
		return &Objects{Project: "p", DataSources: []*DataSource{{Name: "s", Type: SourceIceberg, Iceberg: &IcebergOptions{
			CatalogType: "sql", Endpoint: "postgresql://feast:" + pass + "@db/iceberg",
			CatalogProperties: map[string]string{"s3.secret-access-key": token, "s3.region": "eu"}}}}}
	}
	p := Diff(src("old-token", "old-pass"), src("new-token", "new-pass"))
	if len(p.Changes) != 1 || len(p.Changes[0].Fields) != 2 {
		t.Fatalf("the secret changes were not planned: %+v", p.Changes)
	}
	var text bytes.Buffer
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(p)
	for _, out := range []string{text.String(), string(js)} {
		for _, secret := range []string{"old-token", "new-token", "old-pass", "new-pass"} {
			if strings.Contains(out, secret) {
				t.Errorf("the plan prints %q:\n%s", secret, out)
			}
		}
		if !strings.Contains(out, "REDACTED") || !strings.Contains(out, "s3.region=eu") {
			t.Errorf("the plan hides too much or too little:\n%s", out)
		}
	}
}
