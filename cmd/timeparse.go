package cmd

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// parseTime reads START/END/--since: RFC 3339 or ISO 8601 with or without a
// zone (no zone = UTC, as Feast), a date, `now`, or `now` minus a duration
// written as `-1h`, `-30m`, `-2d`.
func parseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "now" {
		return now.UTC(), nil
	}
	s = strings.TrimPrefix(s, "now") // "now-2d" is "-2d"
	if strings.HasPrefix(s, "-") {
		d, err := parseAgo(s[1:])
		if err != nil {
			return time.Time{}, usageErrorf("time %q: %v", s, err)
		}
		return now.UTC().Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageErrorf("time %q: expected RFC 3339 / ISO 8601 (2026-11-23T06:00:00Z, 2026-11-23T06:00:00, 2026-11-23), now, or -1h / -2d", s)
}

func parseAgo(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days float64
		if _, err := fmt.Sscanf(n, "%g", &days); err != nil || days < 0 {
			return 0, fmt.Errorf("bad number of days")
		}
		return time.Duration(days * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration")
	}
	return d, nil
}

// relativeTime is a time written as now minus a duration: -2d, -1.5h, -30m.
var relativeTime = regexp.MustCompile(`^-[0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h|d)$`)

// protectRelativeTimes rewrites "-2d" as "now-2d" so that the flag parser
// does not take a relative time for a shorthand flag ("unknown shorthand flag
// '2'"): `materialize -2d now` works as its help says. Everything after
// "--" is left alone.
func protectRelativeTimes(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		if relativeTime.MatchString(a) {
			a = "now" + a
		}
		out[i] = a
	}
	return out
}
