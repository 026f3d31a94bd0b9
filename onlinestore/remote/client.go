package remote

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/feast-go/feast-go/onlinestore/retry"
)

// Options configure a Client; the zero values are Feast's defaults.
type Options struct {
	URL         string        // http(s)://host:port of the feature server
	Cert        string        // PEM certificate to trust (a self-signed server's); "" = system roots
	PoolSize    int           // idle connections kept per host; 0 = DefaultPoolSize
	IdleTimeout time.Duration // idle connections close after this; 0 = never (Feast's default is DefaultIdleTimeout)
	Retries     int           // retries after the first attempt (0 = none; Feast's default is DefaultRetries)
	Backoff     time.Duration // first retry delay, doubled each time; 0 = 500ms
	NoKeepAlive bool          // a new connection per request (the unpooled baseline)
	Timeout     time.Duration // per attempt; 0 = 30s
}

// Client is a pooled HTTP client of one feature server. It is safe for
// concurrent use.
type Client struct {
	base     string
	http     *http.Client
	retries  int
	backoff  time.Duration
	requests atomic.Int64
	retried  atomic.Int64
	dials    atomic.Int64
}

// New builds the client; nothing is sent until the first request.
func New(opts Options) (*Client, error) {
	u := strings.TrimRight(opts.URL, "/")
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return nil, fmt.Errorf("feature server %q: expected an http:// or https:// URL", opts.URL)
	}
	if opts.Retries < 0 {
		return nil, fmt.Errorf("feature server %q: %d retries: expected 0 or more", opts.URL, opts.Retries)
	}
	// The retry policy reads 0 as its default; this client reads it as none.
	c := &Client{base: u, retries: max(opts.Retries, 0), backoff: opts.Backoff}
	if c.retries == 0 {
		c.retries = -1
	}
	if c.backoff <= 0 {
		c.backoff = 500 * time.Millisecond
	}
	pool := opts.PoolSize
	if pool <= 0 {
		pool = DefaultPoolSize
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c.dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        pool,
		MaxIdleConnsPerHost: pool,
		IdleConnTimeout:     opts.IdleTimeout,
		DisableKeepAlives:   opts.NoKeepAlive,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	if opts.Cert != "" {
		pem, err := os.ReadFile(opts.Cert)
		if err != nil {
			return nil, fmt.Errorf("feature server certificate: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("feature server certificate %s: no PEM certificate found", opts.Cert)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	c.http = &http.Client{Transport: tr, Timeout: timeout}
	return c, nil
}

// Stats are the client's counters.
type Stats struct {
	Requests int64 `json:"requests"`
	Retries  int64 `json:"retries"`
	Dials    int64 `json:"connections_opened"`
}

// Stats returns the counters so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Retries: c.retried.Load(), Dials: c.dials.Load()}
}

// Close closes idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Feast's remote online store defaults (connection_retries,
// connection_pool_size, connection_idle_timeout).
const (
	DefaultRetries     = 3
	DefaultPoolSize    = 50
	DefaultIdleTimeout = 300 * time.Second
)

// ErrUnreachable is a feature server that could not be reached after every retry.
var ErrUnreachable = errors.New("feature server unreachable")

// StatusError is an HTTP error response.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("feature server answered %d: %s", e.Code, e.Body)
}

func retryable(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusInternalServerError ||
		code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

// post sends body to path and decodes the JSON answer into out, retrying
// connection errors and 429/5xx with exponential backoff.
func (c *Client) post(ctx context.Context, path string, body []byte, out any) error {
	url := c.base + path
	policy := retry.Policy{Retries: c.retries, Backoff: c.backoff, OnRetry: func() { c.retried.Add(1) }, Retryable: func(err error) bool {
		var se *StatusError
		return errors.Is(err, ErrUnreachable) || errors.As(err, &se) && retryable(se.Code)
	}}
	return retry.Do(ctx, policy, func(ctx context.Context) error {
		c.requests.Add(1)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.http.Do(req)
		if err != nil {
			return fmt.Errorf("%w: POST %s: %w", ErrUnreachable, url, err)
		}
		data, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return fmt.Errorf("%w: POST %s: %w", ErrUnreachable, url, err)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("POST %s: %w", url, &StatusError{Code: resp.StatusCode, Body: strings.TrimSpace(string(data))})
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("POST %s: the answer is not the expected JSON: %w", url, err)
		}
		return nil
	})
}
