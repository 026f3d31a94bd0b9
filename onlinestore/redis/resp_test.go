package redis

import (
	"bufio"
	"errors"
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
	for _, s := range []string{":1\r\n", "-ERR x\r\n", "$3\r\nabc\r\n", "*2\r\n:1\r\n$-1\r\n", "*-1\r\n", "$99\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReaderSize(strings.NewReader(string(in)), 16)
		for range 64 { // bounded: each reply consumes at least one byte or fails
			_, _, err := readInt(r)
			if err != nil {
				return
			}
		}
	})
}
