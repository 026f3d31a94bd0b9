package registry

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
)

// icebergJSON is the custom_options configuration of Feast's IcebergSource.
type icebergJSON struct {
	CatalogType       *string           `json:"catalog_type"`
	CatalogName       *string           `json:"catalog_name"`
	Endpoint          *string           `json:"endpoint"`
	Warehouse         *string           `json:"warehouse"`
	Namespace         *string           `json:"namespace"`
	Table             *string           `json:"table"`
	TokenEnvVar       *string           `json:"token_env_var"`
	CredentialVending *bool             `json:"credential_vending"`
	CatalogProperties map[string]string `json:"catalog_properties"`
}

// decodeIcebergOptions reads the JSON with Feast's reader defaults
// (catalog_type rest, catalog_name feast_iceberg, credential_vending true).
func decodeIcebergOptions(b []byte) (*IcebergOptions, error) {
	var j icebergJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("iceberg settings are not valid JSON: %w", err)
	}
	o := &IcebergOptions{CatalogType: "rest", CatalogName: "feast_iceberg", CredentialVending: true}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&o.CatalogType, j.CatalogType)
	set(&o.CatalogName, j.CatalogName)
	set(&o.Endpoint, j.Endpoint)
	set(&o.TokenEnvVar, j.TokenEnvVar)
	for key, p := range map[string]**string{"warehouse": &j.Warehouse, "namespace": &j.Namespace, "table": &j.Table} {
		if *p == nil {
			return nil, fmt.Errorf("iceberg settings lack %q", key)
		}
	}
	o.Warehouse, o.Namespace, o.Table = *j.Warehouse, *j.Namespace, *j.Table
	if j.CredentialVending != nil {
		o.CredentialVending = *j.CredentialVending
	}
	o.CatalogProperties = cloneMap(j.CatalogProperties)
	return o, nil
}

// encode writes the settings byte for byte as Python's json.dumps does for
// Feast's IcebergSource: the same key order, ", " and ": " separators, non-ASCII
// escaped, null for an unset token_env_var. Catalog properties are sorted by key.
func (o *IcebergOptions) encode() []byte {
	var b strings.Builder
	b.WriteByte('{')
	kv := func(k, v string) {
		if b.Len() > 1 {
			b.WriteString(", ")
		}
		pyString(&b, k)
		b.WriteString(": ")
		b.WriteString(v)
	}
	str := func(s string) string { var sb strings.Builder; pyString(&sb, s); return sb.String() }
	kv("catalog_type", str(o.CatalogType))
	kv("catalog_name", str(o.CatalogName))
	kv("endpoint", str(o.Endpoint))
	kv("warehouse", str(o.Warehouse))
	kv("namespace", str(o.Namespace))
	kv("table", str(o.Table))
	if o.TokenEnvVar == "" {
		kv("token_env_var", "null")
	} else {
		kv("token_env_var", str(o.TokenEnvVar))
	}
	kv("credential_vending", map[bool]string{true: "true", false: "false"}[o.CredentialVending])
	var props strings.Builder
	props.WriteByte('{')
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range o.CatalogProperties {
			if !yield(k) {
				return
			}
		}
	})
	for i, k := range keys {
		if i > 0 {
			props.WriteString(", ")
		}
		pyString(&props, k)
		props.WriteString(": ")
		pyString(&props, o.CatalogProperties[k])
	}
	props.WriteByte('}')
	kv("catalog_properties", props.String())
	b.WriteByte('}')
	return []byte(b.String())
}

// pyString writes s as Python's json.dumps(ensure_ascii=True) would.
func pyString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r >= 0x10000:
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(b, `\u%04x\u%04x`, hi, lo)
			case r < 0x20 || r > 0x7e: // Python escapes everything outside printable ASCII
				fmt.Fprintf(b, `\u%04x`, r)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
