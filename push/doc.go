// Package push lands rows now, without waiting for the next
// materialization: rows from a Parquet, CSV or JSON-lines input go to every
// feature view fed by a push source (the online store, through
// materialize's newer-wins writer) and/or to the push source's Iceberg table
// (one append commit). The whole input is checked before anything is
// written; the vectors of the pushed entities are rebuilt once their rows
// have landed.
package push
