// Package catalog will hold feast-go's cached Apache Iceberg catalogs and
// tables and the windowed scan that streams a feature view's rows as Arrow
// record batches. Not built yet: tracked in issue #3.
package catalog
