// Package sqlitefile turns a SQLite database path into the `file:` URI the
// pure-Go driver opens, so that a folder named with `#`, `?` or `%` is not
// read as the URI's fragment, query or an escape.
package sqlitefile

import "strings"

var escaper = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// URI is the `file:` URI of path with the query params (without `?`).
func URI(path, params string) string {
	u := "file:" + escaper.Replace(path)
	if params != "" {
		u += "?" + params
	}
	return u
}
