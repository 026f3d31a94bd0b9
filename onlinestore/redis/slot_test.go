package redis

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/internal/testenv"
	goredis "github.com/redis/go-redis/v9"
)

func TestSlotVectors(t *testing.T) {
	if got := crc16([]byte("123456789")); got != 0x31C3 { // the cluster specification's check value
		t.Errorf("crc16(123456789) = %#x, want 0x31c3", got)
	}
	tests := []struct {
		key  string
		same string // a key that must share the slot ("" = none)
		slot int    // -1 = not checked
	}{
		{"foo", "", 12182},
		{"{user1000}.following", "user1000", -1},
		{"foo{}{bar}", "", Slot([]byte("foo{}{bar}"))}, // "{}": the whole key
		{"foo{{bar}}zap", "{bar", -1},
		{"foo{bar}{zap}", "bar", -1},
		{"{", "", Slot([]byte("{"))},
	}
	for _, tt := range tests {
		got := Slot([]byte(tt.key))
		if tt.slot >= 0 && got != tt.slot {
			t.Errorf("Slot(%q) = %d, want %d", tt.key, got, tt.slot)
		}
		if tt.same != "" && got != Slot([]byte(tt.same)) {
			t.Errorf("Slot(%q) = %d, want Slot(%q) = %d", tt.key, got, tt.same, Slot([]byte(tt.same)))
		}
	}
}

// TestSlotMatchesServer compares Slot with CLUSTER KEYSLOT on random binary
// keys, braces among them.
func TestSlotMatchesServer(t *testing.T) {
	addrs := testenv.RedisCluster(t)
	c := goredis.NewClient(&goredis.Options{Addr: addrs[0]})
	defer func() { _ = c.Close() }()
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("{}ab\x00\xff")
	for i := range 500 {
		k := make([]byte, 1+rng.IntN(24))
		for j := range k {
			if i%2 == 0 {
				k[j] = alphabet[rng.IntN(len(alphabet))]
			} else {
				k[j] = byte(rng.IntN(256))
			}
		}
		want, err := c.ClusterKeySlot(context.Background(), string(k)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := Slot(k); int64(got) != want {
			t.Fatalf("Slot(%q) = %d, server says %d", strings.ToValidUTF8(string(k), "?"), got, want)
		}
	}
}

func BenchmarkSlot(b *testing.B) {
	k := []byte("\x02\x00\x00\x00\x09\x00\x00\x00driver_id\x04\x00\x00\x00\x08\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08project")
	b.ReportAllocs()
	for b.Loop() {
		Slot(k)
	}
}
