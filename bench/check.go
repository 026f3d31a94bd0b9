package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrMismatch is a precomputed answer that differs from the regular one: the
// vector is stale.
var ErrMismatch = errors.New("precomputed and regular reads differ")

// Check is the built-in correctness check's outcome.
type Check struct {
	Entities   int      `json:"entities"`
	Features   int      `json:"features"`
	Mismatches int      `json:"mismatches"`
	IgnoredAge bool     `json:"age_status_ignored,omitempty"`
	Examples   []string `json:"examples,omitempty"`
}

// ageBlind makes PRESENT and OUTSIDE_MAX_AGE compare equal: Feast 0.67's
// feature server applies a view's ttl on its precomputed path only, so over
// HTTP the two paths legitimately disagree on that status.
func ageBlind(cell string) string {
	if rest, ok := strings.CutPrefix(cell, "OUTSIDE_MAX_AGE "); ok {
		return "PRESENT " + rest
	}
	return cell
}

// Check reads up to CheckSample entities through both paths, in one request
// each, and compares every feature's status and value. Differences are an
// error wrapping ErrMismatch naming the first few entities and features.
func (r *Runner) Check(ctx context.Context, regular, precomputed Path, service string, describe func(Entity) string) (*Check, error) {
	r.Config.defaults()
	n := min(r.Config.CheckSample, len(r.Entities))
	if n == 0 {
		return nil, ErrNoEntities
	}
	sample := r.Entities[:n]
	ra, err := regular.Read(ctx, sample)
	if err != nil {
		return nil, fmt.Errorf("correctness check, regular path: %w", err)
	}
	pa, err := precomputed.Read(ctx, sample)
	if err != nil {
		return nil, fmt.Errorf("correctness check, precomputed path: %w", err)
	}
	rc, pc := ra.Cells(), pa.Cells()
	c := &Check{Entities: n, IgnoredAge: r.Config.CheckIgnoresAge}
	for i := range sample {
		if len(rc[i]) != len(pc[i]) {
			return c, fmt.Errorf("%w: entity %s: %d features regular, %d precomputed", ErrMismatch, describe(sample[i]), len(rc[i]), len(pc[i]))
		}
		c.Features = len(rc[i])
		for j := range rc[i] {
			a, b := rc[i][j], pc[i][j]
			if c.IgnoredAge {
				a, b = ageBlind(a), ageBlind(b)
			}
			if a != b {
				c.Mismatches++
				if len(c.Examples) < 5 {
					c.Examples = append(c.Examples, fmt.Sprintf("entity %s, feature %d: regular %q, precomputed %q", describe(sample[i]), j+1, rc[i][j], pc[i][j]))
				}
			}
		}
	}
	if c.Mismatches > 0 {
		return c, fmt.Errorf("%w: %d of %d values (feature service %q; its vectors are stale: run `feast-go precompute %s`):\n  %s",
			ErrMismatch, c.Mismatches, n*c.Features, service, service, strings.Join(c.Examples, "\n  "))
	}
	return c, nil
}
