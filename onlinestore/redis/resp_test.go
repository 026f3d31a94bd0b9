package redis

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/onlinestore"
)

func TestRESPAppend(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"array", appendArray(nil, 12), "*12\r\n"},
		{"one digit", appendLen(nil, '$', 9), "$9\r\n"},
		{"two digits", appendLen(nil, '$', 45), "$45\r\n"},
		{"three digits", appendLen(nil, '$', 100), "$100\r\n"},
		{"zero", appendLen(nil, '*', 0), "*0\r\n"},
		{"negative", appendLen(nil, '*', -1), "*-1\r\n"},
		{"bulk", appendBulk(nil, []byte("a\r\nb")), "$4\r\na\r\nb\r\n"},
		{"empty bulk", appendBulk(nil, nil), "$0\r\n\r\n"},
		{"bulk string", appendBulkString(nil, "_ts:v"), "$5\r\n_ts:v\r\n"},
		{"bulk int", appendBulkInt(nil, -1700000000), "$11\r\n-1700000000\r\n"},
		{"strings", appendStrings(nil, "AUTH", "u", "pw"), "*3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$2\r\npw\r\n"},
		{"key", (&Store{opts: Options{Project: "proj"}}).appendKey(nil, []byte{2, 0, 0, 0}), "$8\r\n\x02\x00\x00\x00proj\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if string(tt.got) != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestReadInt(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		n      int64
		reply  string // the server error reply, or an unexpected reply's message
		ioErr  error  // wrapped
		inStep bool   // the next reply (":7") reads after it
	}{
		{name: "integer", in: ":42\r\n", n: 42, inStep: true},
		{name: "negative", in: ":-2\r\n", n: -2, inStep: true},
		{name: "server error", in: "-NOSCRIPT No matching script\r\n", reply: "NOSCRIPT No matching script", inStep: true},
		{name: "status", in: "+OK\r\n", reply: "expected an integer reply", inStep: true},
		{name: "bulk", in: "$3\r\nabc\r\n", reply: "expected an integer reply", inStep: true},
		{name: "nil bulk", in: "$-1\r\n", reply: "expected an integer reply", inStep: true},
		{name: "nested array", in: "*2\r\n*1\r\n$1\r\nx\r\n:1\r\n", reply: "expected an integer reply", inStep: true},
		{name: "bad integer", in: ":4x\r\n", ioErr: errProtocol},
		{name: "no type", in: "42\r\n", ioErr: errProtocol},
		{name: "no CR", in: ":42\n", ioErr: errProtocol},
		{name: "bad length", in: "$x\r\n", ioErr: errProtocol},
		{name: "closed", in: "", ioErr: io.EOF},
		{name: "cut bulk", in: "$10\r\nabc", ioErr: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.in + ":7\r\n"))
			if tt.ioErr != nil {
				r = bufio.NewReader(strings.NewReader(tt.in))
			}
			n, reply, err := readInt(r)
			if tt.ioErr != nil {
				if !errors.Is(err, tt.ioErr) {
					t.Fatalf("err = %v, want %v", err, tt.ioErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if n != tt.n {
				t.Errorf("n = %d, want %d", n, tt.n)
			}
			if (reply == nil) != (tt.reply == "") || (reply != nil && !strings.Contains(reply.Error(), tt.reply)) {
				t.Errorf("reply = %v, want %q", reply, tt.reply)
			}
			if tt.inStep {
				if n, _, err := readInt(r); n != 7 || err != nil {
					t.Errorf("next reply = %d, %v; want 7 (out of step)", n, err)
				}
			}
		})
	}
}

func TestReadBulks(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string // the values read, %q, nil as <nil>
		reply string
		ioErr error
	}{
		{name: "values and a nil", in: "*3\r\n$1\r\na\r\n$-1\r\n$4\r\nb\r\nc\r\n", want: `"a" <nil> "b\r\nc"`},
		{name: "empty value", in: "*3\r\n$0\r\n\r\n$-1\r\n$-1\r\n", want: `"" <nil> <nil>`},
		{name: "server error", in: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", reply: "WRONGTYPE"},
		{name: "integer", in: ":1\r\n", reply: "expected an array reply"},
		{name: "wrong count", in: "*2\r\n$1\r\na\r\n$1\r\nb\r\n", ioErr: errProtocol},
		{name: "not a bulk", in: "*3\r\n:1\r\n", ioErr: errProtocol},
		{name: "no CRLF after a bulk", in: "*3\r\n$1\r\nab\r\n", ioErr: errProtocol},
		{name: "cut", in: "*3\r\n$5\r\nab", ioErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf, at, reply, err := readBulks(bufio.NewReader(strings.NewReader(tt.in)), 3, []byte("before"), nil)
			if tt.ioErr != nil {
				if !errors.Is(err, tt.ioErr) {
					t.Fatalf("err = %v, want %v", err, tt.ioErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.reply != "" {
				if reply == nil || !strings.Contains(reply.Error(), tt.reply) {
					t.Fatalf("reply = %v, want %q", reply, tt.reply)
				}
				return
			}
			var got []string
			for _, a := range at {
				if a[0] < 0 {
					got = append(got, "<nil>")
					continue
				}
				got = append(got, fmt.Sprintf("%q", buf[a[0]:a[1]]))
			}
			if g := strings.Join(got, " "); g != tt.want || string(buf[:6]) != "before" {
				t.Errorf("got %s (buffer %q), want %s", g, buf, tt.want)
			}
		})
	}
}

// TestReplyErrorIsClassified: the lean path's server errors take the same
// turns as go-redis's (NOSCRIPT reloads, transient replies retry).
func TestReplyErrorIsClassified(t *testing.T) {
	if !isNoScript(replyError("NOSCRIPT No matching script")) {
		t.Error("NOSCRIPT not recognised")
	}
	if err := classify("w", replyError("LOADING Redis is loading")); !errors.Is(err, onlinestore.ErrConnection) {
		t.Errorf("LOADING not transient: %v", err)
	}
	if err := classify("w", replyError("ERR wrong number of arguments")); errors.Is(err, onlinestore.ErrConnection) {
		t.Errorf("ERR is transient: %v", err)
	}
}

func FuzzReadInt(f *testing.F) {
	for _, s := range []string{":1\r\n", "-ERR x\r\n", "$3\r\nabc\r\n", "*2\r\n:1\r\n$-1\r\n", "*-1\r\n", "$99\r\n",
		":1\r\n*2\r\n$1\r\na\r\n$-1\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReaderSize(strings.NewReader(string(in)), 16)
		for i := range 64 { // bounded: each reply consumes at least one byte or fails
			var err error
			if i%2 == 0 {
				_, _, err = readInt(r)
			} else {
				var buf []byte
				var at [][2]int
				buf, at, _, err = readBulks(r, 2, buf, at)
				for _, a := range at {
					if a[0] >= 0 && (a[0] > a[1] || a[1] > len(buf)) {
						t.Fatalf("value at %v outside the %d-byte buffer", a, len(buf))
					}
				}
			}
			if err != nil {
				return
			}
		}
	})
}
