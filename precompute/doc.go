// Package precompute will build, fingerprint and read precomputed feature
// vectors per FeatureService. Not built yet: tracked in issue #5.
package precompute
