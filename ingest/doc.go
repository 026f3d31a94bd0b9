// Package ingest decodes the rows an operator pushes (Parquet, CSV or JSON
// lines) into Arrow record batches of a given schema.
//
// Every value is converted to its column's Arrow type as it is read; a value
// that does not fit is reported with the file, the line (CSV, JSON lines) or
// row (Parquet), the column, the value and the expected type. A Reader keeps
// reading after the first bad row to report up to MaxErrors of them at once,
// but hands out no batch after that, so a caller that writes only after the
// last batch writes nothing from a bad input.
package ingest
