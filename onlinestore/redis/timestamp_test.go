package redis

import (
	"context"
	_ "embed"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/feast-go/feast-go/internal/testenv"
	goredis "github.com/redis/go-redis/v9"
)

//go:embed testdata/timestamp_bytewise.lua
var timestampBytewise string

// TestTimestampDecoder holds the compare-and-set scripts' decoder of a stored
// _ts to Go's encoding at every varint length, and to the byte-by-byte
// decoder it replaced on random bytes (truncated and malformed values too).
func TestTimestampDecoder(t *testing.T) {
	p := testenv.NewRedisProc(t, false)
	c := goredis.NewClient(&goredis.Options{Addr: p.Addr})
	defer func() { _ = c.Close() }()
	ctx := context.Background()
	const ret = "\nlocal s, n = timestamp(ARGV[1])\nreturn {string.format('%.17g', s), string.format('%.17g', n)}\n"
	fast, bytewise := goredis.NewScript(casCommon+ret), goredis.NewScript(timestampBytewise+ret)
	decode := func(sc *goredis.Script, b []byte) []string {
		t.Helper()
		got, err := sc.Run(ctx, c, nil, b).StringSlice()
		if err != nil {
			t.Fatalf("decode %x: %v", b, err)
		}
		return got
	}
	encode := func(secs, nanos int64) []byte {
		var b []byte
		if secs != 0 {
			b = binary.AppendUvarint(append(b, 0x08), uint64(secs))
		}
		if nanos != 0 {
			b = binary.AppendUvarint(append(b, 0x10), uint64(nanos))
		}
		return b
	}
	g := func(v int64) string { return strconv.FormatFloat(float64(v), 'g', 17, 64) }
	lengths := []int64{0, 1, 127, 128, 16383, 16384, 1<<21 - 1, 1 << 21, 1<<28 - 1, 1 << 28, 1<<35 - 1, 1 << 35, 1 << 42, 1<<49 + 3}
	for _, secs := range append(lengths, 1_767_225_600, 253_402_300_799) {
		for _, nanos := range append(lengths[:10], 999_999_999) {
			b := encode(secs, nanos)
			if got, want := decode(fast, b), []string{g(secs), g(nanos)}; !slices.Equal(got, want) {
				t.Errorf("seconds %d, nanos %d (%x): decoded %v, want %v", secs, nanos, b, got, want)
			}
		}
	}
	inputs := [][]byte{encode(-1, 0), encode(-62_135_596_800, 5000), {0x08}, {0x08, 0x80}, {0x08, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x10, 0x80, 0x80, 0x80, 0x80}}
	rng := rand.New(rand.NewPCG(18, 4))
	alphabet := []byte{0x08, 0x10, 0x00, 0x01, 0x7f, 0x80, 0x81, 0xc3, 0xff}
	for range 2000 {
		b := make([]byte, rng.IntN(15))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, b)
	}
	for _, b := range inputs {
		if got, want := decode(fast, b), decode(bytewise, b); !slices.Equal(got, want) {
			t.Fatalf("%x: decoded %v, the byte-by-byte decoder %v", b, got, want)
		}
	}
}
