package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	goredis "github.com/redis/go-redis/v9"
)

// TestLeanMatchesGoRedis writes the same rows over the lean path and over
// go-redis into two databases of one password-protected server, and finds
// the same hashes, expiries and counts: the lean path is a faster writer of
// the same commands, not another format.
func TestLeanMatchesGoRedis(t *testing.T) {
	p := testenv.NewRedisProc(t, false, "--requirepass", "s3cret")
	view := onlinestore.View{Name: "v", Features: []string{"a", "b", "c"}}
	base := time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)
	rows := func(shift time.Duration, riders bool) []onlinestore.Row {
		var out []onlinestore.Row
		for i := range 257 { // several pipelines and script calls, the last ones partial
			r := onlinestore.Row{
				Key:     []byte{2, 0, 0, 0, byte(i), byte(i >> 8)},
				EventTS: base.Add(time.Duration(i%5)*time.Second + shift),
				Values:  [][]byte{[]byte(fmt.Sprint(i)), nil, []byte("x\r\ny")},
			}
			if riders && i%4 != 0 { // some rows carry none; the riders' times vary apart from the rows', so some are older than the stored ones
				r.Rider = &onlinestore.Row{EventTS: base.Add(time.Duration(i%3)*time.Second - shift), Values: [][]byte{[]byte(fmt.Sprint("vector ", i, shift))}}
			}
			out = append(out, r)
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		blind  bool
		ttl    time.Duration
		riders bool
	}{
		{"compare-and-set", false, 0, false},
		{"compare-and-set with TTL", false, 2 * time.Hour, false},
		{"compare-and-set with riders", false, 0, true},
		{"skip_dedup", true, 0, false},
		{"skip_dedup with TTL in seconds", true, time.Hour, false},
		{"skip_dedup with TTL in milliseconds", true, 90*time.Minute + 500*time.Millisecond, false},
		{"skip_dedup with riders and TTL", true, time.Hour, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			view := view
			if tt.riders {
				view.Rider = &onlinestore.View{Name: "__precomputed__svc", Features: []string{"vector"}}
			}
			rows := func(shift time.Duration) []onlinestore.Row { return rows(shift, tt.riders) }
			open := func(db int, lean bool) *Store {
				s, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis",
					ConnectionString: fmt.Sprintf("%s,password=s3cret,db=%d", p.Addr, db)},
					Options{Project: "proj", SkipDedup: tt.blind, KeyTTL: tt.ttl, PipelineSize: 100})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				if s.lean == nil {
					t.Fatal("a standalone store has no lean path")
				}
				if !lean {
					s.lean.close()
					s.lean = nil
				}
				return s
			}
			lean, plain := open(1, true), open(2, false)
			_ = lean.c.FlushDB(context.Background())
			_ = plain.c.FlushDB(context.Background())
			for _, shift := range []time.Duration{0, -time.Minute, time.Minute} { // new, older (skipped), newer
				a, err := lean.WriteView(context.Background(), view, rows(shift))
				if err != nil {
					t.Fatal(err)
				}
				b, err := plain.WriteView(context.Background(), view, rows(shift))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a, b) || !a.Landed() {
					t.Errorf("shift %v: lean wrote %+v, go-redis %+v", shift, a, b)
				}
			}
			if a, b := dumpDB(t, lean.c), dumpDB(t, plain.c); a != b {
				t.Errorf("databases differ:\nlean:\n%s\ngo-redis:\n%s", a, b)
			} else if !strings.Contains(a, `x\r\ny`) {
				t.Errorf("nothing written:\n%.300s", a)
			}
			keys := [][]byte{rows(0)[0].Key, rows(0)[256].Key, []byte("missing")}
			views := []onlinestore.View{view, {Name: "other", Features: []string{"z"}}}
			ra, err := lean.ReadViews(context.Background(), keys, views)
			if err != nil {
				t.Fatal(err)
			}
			rb, err := plain.ReadViews(context.Background(), keys, views)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := readDump(ra), readDump(rb); a != b {
				t.Errorf("reads differ:\nlean:     %s\ngo-redis: %s", a, b)
			} else if !strings.Contains(a, `"x\r\ny"`) || !strings.Contains(a, "found=false") {
				t.Errorf("reads miss the written rows or the missing one: %s", a)
			}
			if names := clientNames(t, lean.c); !strings.Contains(names, clientNamePrefix+lean.owner) {
				t.Errorf("the lean connections are not named for the ledger: %s", names)
			}
		})
	}
}

// dumpDB lists every hash of a database, sorted, with whether and roughly when it expires.
func dumpDB(t *testing.T, c goredis.UniversalClient) string {
	t.Helper()
	ctx := context.Background()
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		h, err := c.HGetAll(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		ttl := c.PTTL(ctx, k).Val().Round(time.Minute)
		out = append(out, fmt.Sprintf("%q ttl=%v %q", k, ttl, sortedPairs(h)))
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func readDump(rows [][]onlinestore.FeatureRow) string {
	var b strings.Builder
	for _, entity := range rows {
		for _, r := range entity {
			fmt.Fprintf(&b, "found=%v ts=%d %q; ", r.Found, r.EventTS.UnixNano(), r.Values)
		}
	}
	return b.String()
}

func sortedPairs(h map[string]string) []string {
	var out []string
	for k, v := range h {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

func clientNames(t *testing.T, c goredis.UniversalClient) string {
	t.Helper()
	list, err := c.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestLeanNeverWaitsForever: a server that accepts and never answers holds
// a write only until the context ends, and the connection is not reused.
func TestLeanNeverWaitsForever(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer func() { _ = c.Close() }()
		}
	}()
	o := &goredis.Options{Addr: ln.Addr().String(), PoolSize: 4}
	o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	p := newLeanPool(o)
	defer p.close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- p.do(ctx, 1, ints, func(b []byte) []byte { return appendStrings(b, "PING") })
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the context's deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the write did not return when its context ended")
	}
	if n := len(p.idle); n != 0 {
		t.Errorf("%d connections kept after a failed round trip", n)
	}
}

// TestLeanOverTLS: the lean path dials with go-redis's dialer, so a server
// that speaks only TLS (verified against its CA) gets the same writes and
// reads, and a password and database over it.
func TestLeanOverTLS(t *testing.T) {
	cert, key := testenv.SelfSigned(t, t.TempDir())
	port := testenv.FreePort(t)
	testenv.NewRedisProc(t, false, "--tls-port", strconv.Itoa(port), "--tls-cert-file", cert, "--tls-key-file", key,
		"--tls-ca-cert-file", cert, "--tls-auth-clients", "no", "--requirepass", "s3cret")
	s, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis",
		ConnectionString: fmt.Sprintf("127.0.0.1:%d,ssl=true,ssl_ca_certs=%s,password=s3cret,db=3", port, cert)},
		Options{Project: "proj"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if s.lean == nil {
		t.Fatal("no lean path")
	}
	view := onlinestore.View{Name: "v", Features: []string{"a"}}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rows := []onlinestore.Row{{Key: []byte("k1"), EventTS: at, Values: [][]byte{[]byte("one")}}}
	if st, err := s.WriteView(context.Background(), view, rows); err != nil || st.Written != 1 {
		t.Fatalf("write over TLS: %+v, %v", st, err)
	}
	got, err := s.ReadViews(context.Background(), [][]byte{[]byte("k1")}, []onlinestore.View{view})
	if err != nil {
		t.Fatal(err)
	}
	if r := got[0][0]; !r.Found || !r.EventTS.Equal(at) || string(r.Values[0]) != "one" {
		t.Errorf("read over TLS: %+v", r)
	}
	if n := s.c.Do(context.Background(), "DBSIZE").Val(); n != int64(1) {
		t.Errorf("database 3 holds %v keys, want 1", n)
	}
}
