package redis

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/storetest"
	"github.com/feast-go/feast-go/registry"
)

func TestConformanceStandalone(t *testing.T) {
	addr := testenv.Redis(t)
	db := 0
	storetest.Run(t, func(t *testing.T, blind bool) onlinestore.Store {
		db++ // a fresh database and project per case (a server has 16 databases)
		s, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis", ConnectionString: addr + ",db=" + itoa(db%16)},
			Options{Project: "proj" + itoa(db), SkipDedup: blind})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestConformanceCluster(t *testing.T) {
	addrs := testenv.RedisCluster(t)
	n := 0
	storetest.Run(t, func(t *testing.T, blind bool) onlinestore.Store {
		n++ // a fresh project per case (clusters have one database)
		s, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis_cluster", ConnectionString: strings.Join(addrs, ",")},
			Options{Project: "proj" + itoa(n), SkipDedup: blind, PipelineSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

var itoa = strconv.Itoa

func TestKeyTTL(t *testing.T) {
	addr := testenv.Redis(t)
	s, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis", ConnectionString: addr}, Options{Project: "p", KeyTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	k := []byte("k")
	if _, err := s.WriteView(context.Background(), onlinestore.View{Name: "v", Features: []string{"f"}}, []onlinestore.Row{{Key: k, EventTS: time.Now(), Values: [][]byte{nil}}}); err != nil {
		t.Fatal(err)
	}
	ttl := s.Client().TTL(context.Background(), "kp").Val()
	if ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, want 1h", ttl)
	}
}

func TestUnreachable(t *testing.T) {
	port := testenv.FreePort(t)
	_, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis", ConnectionString: "127.0.0.1:" + itoa(port) + ",password=topsecret"}, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestConformanceSentinel(t *testing.T) {
	SetLogger(slog.New(slog.DiscardHandler))
	sentinel := testenv.RedisSentinel(t)
	db := 0
	storetest.Run(t, func(t *testing.T, blind bool) onlinestore.Store {
		db++ // as in TestConformanceStandalone
		s, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis_sentinel", SentinelMaster: "mymaster",
			ConnectionString: sentinel + ",db=" + itoa(db%16)}, Options{Project: "proj" + itoa(db), SkipDedup: blind})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// A server that restarts without persistence has lost what it acknowledged:
// Continuity says so, naming the server.
func TestContinuityNoticesARestart(t *testing.T) {
	addr, restart := testenv.RedisRestartable(t)
	s, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis", ConnectionString: addr}, Options{Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if err := s.Continuity(context.Background()); err != nil {
		t.Fatalf("before a restart: %v", err)
	}
	restart()
	err = s.Continuity(context.Background())
	if !errors.Is(err, onlinestore.ErrDataLost) || !strings.Contains(err.Error(), addr) {
		t.Errorf("after a restart: %v, want ErrDataLost naming %s", err, addr)
	}
}

// A TLS-only server met without ssl=true: the error says what to add, not just "EOF".
func TestPlainClientOnATLSPortIsAdvised(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() { // a TLS server hangs up on a plain-text command
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 64)
			_, _ = c.Read(buf)
			_ = c.Close()
		}
	}()
	_, err = Open(context.Background(), registry.RedisConfig{RedisType: "redis", ConnectionString: ln.Addr().String()}, Options{Project: "p"})
	if err == nil || !strings.Contains(err.Error(), "add ssl=true") {
		t.Errorf("err %v, want advice to add ssl=true", err)
	}
}

// A writer that is gone (its connections closed, as when the process is
// killed) leaves notes that are dead at once, though their lease still holds.
func TestLedgerSeesAGoneWriter(t *testing.T) {
	addr := testenv.Redis(t)
	ctx := context.Background()
	open := func() *Store {
		s, err := Open(ctx, registry.RedisConfig{RedisType: "redis", ConnectionString: addr + ",db=9"}, Options{Project: "ledger"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	writer, reader := open(), open()
	if err := writer.Ledger(onlinestore.VectorDebts).Owe(ctx, []string{"svc"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	live := func() []bool {
		ds, err := reader.Ledger(onlinestore.VectorDebts).Debts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []bool
		for _, d := range ds {
			if d.Owner != writer.owner {
				t.Errorf("owner %q, want %q", d.Owner, writer.owner)
			}
			out = append(out, d.Live)
		}
		return out
	}
	if got := live(); len(got) != 1 || !got[0] {
		t.Fatalf("while the writer runs: %v, want [true]", got)
	}
	_ = writer.Close()
	var got []bool
	for range 50 { // the server notices the closed connections within milliseconds
		if got = live(); len(got) == 1 && !got[0] {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("after the writer closed: %v, want [false]", got)
}
