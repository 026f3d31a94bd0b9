// Package remote talks to a Feast feature server over HTTP: a pooled client
// for POST /get-online-features (used by `feast-go bench --target` and by the
// `remote` online store type), with Feast's remote store settings: pool size,
// idle timeout, retries with exponential backoff on connection errors and
// 429/5xx, and a certificate to trust for TLS.
package remote
