package redis

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The bulk write path speaks RESP2 itself: it appends a chunk's commands to
// one buffer, sends it in one write and reads the integer replies. go-redis
// builds an object per command and writes each argument through a type
// switch and a buffered writer byte by byte, which cost more client CPU than
// everything else a row needs (BENCHMARKS.md, issue #18).

// appendLen appends a header line: the type byte, n and CRLF. Most lengths
// are of one or two digits (values of 9 bytes, keys of 45), written directly.
func appendLen(b []byte, kind byte, n int) []byte {
	switch {
	case n >= 0 && n < 10:
		return append(b, kind, byte('0'+n), '\r', '\n')
	case n >= 10 && n < 100:
		return append(b, kind, byte('0'+n/10), byte('0'+n%10), '\r', '\n')
	}
	b = append(b, kind)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

// appendArray appends the header of a command of n arguments.
func appendArray(b []byte, n int) []byte { return appendLen(b, '*', n) }

// appendBulk appends one argument.
func appendBulk(b, v []byte) []byte {
	b = appendLen(b, '$', len(v))
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// appendBulkString appends one argument.
func appendBulkString(b []byte, v string) []byte {
	b = appendLen(b, '$', len(v))
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// appendBulkInt appends an integer argument in decimal, as Redis reads it.
func appendBulkInt(b []byte, v int64) []byte {
	var d [20]byte
	return appendBulk(b, strconv.AppendInt(d[:0], v, 10))
}

// replyError is an error reply of the server ("-ERR ...", "-NOSCRIPT ...").
// It satisfies go-redis's Error interface, so classify and isNoScript treat
// it as they treat go-redis's.
type replyError string

func (e replyError) Error() string { return string(e) }

// RedisError marks the type as a server reply (go-redis's redis.Error).
func (replyError) RedisError() {}

// errProtocol is a reply feast-go cannot parse: the connection is not reused.
var errProtocol = errors.New("redis: malformed reply")

// readInt reads one reply that should be an integer. A server error comes
// back as a replyError with a nil I/O error: the connection is still in step.
// Any other reply is skipped whole and reported as unexpected.
func readInt(r *bufio.Reader) (n int64, reply, err error) {
	line, err := readLine(r)
	if err != nil {
		return 0, nil, err
	}
	switch line[0] {
	case ':':
		n, err = strconv.ParseInt(string(line[1:]), 10, 64)
		if err != nil {
			return 0, nil, fmt.Errorf("%w: integer %q", errProtocol, line)
		}
		return n, nil, nil
	case '-':
		return 0, replyError(line[1:]), nil
	default:
		if err = skipRest(r, line); err != nil {
			return 0, nil, err
		}
		return 0, fmt.Errorf("redis: expected an integer reply, got %q", line[:1]), nil
	}
}

// readOK reads one reply that should be +OK, as AUTH, SELECT and CLIENT
// SETNAME answer; like readInt, it returns a server's error apart.
func readOK(r *bufio.Reader) (reply, err error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	switch {
	case string(line) == "+OK":
		return nil, nil
	case line[0] == '-':
		return replyError(line[1:]), nil
	default:
		if err = skipRest(r, line); err != nil {
			return nil, err
		}
		return fmt.Errorf("redis: expected OK, got %q", line), nil
	}
}

// readBulks reads one reply that should be an array of n bulk strings (an
// HMGET's) and appends each to buf, reporting where it lies: a missing field
// (a nil bulk) is {-1, -1}. A server's error reply comes back apart, as in
// readInt.
func readBulks(r *bufio.Reader, n int, buf []byte, at [][2]int) (_ []byte, _ [][2]int, reply, err error) {
	line, err := readLine(r)
	if err != nil {
		return buf, at, nil, err
	}
	if line[0] == '-' {
		return buf, at, replyError(line[1:]), nil
	}
	if line[0] != '*' {
		if err = skipRest(r, line); err != nil {
			return buf, at, nil, err
		}
		return buf, at, fmt.Errorf("redis: expected an array reply, got %q", line[:1]), nil
	}
	got, err := strconv.Atoi(string(line[1:]))
	if err != nil || got != n {
		return buf, at, nil, fmt.Errorf("%w: array of %q elements, want %d", errProtocol, line[1:], n)
	}
	for range n {
		line, err := readLine(r)
		if err != nil {
			return buf, at, nil, err
		}
		if line[0] != '$' {
			return buf, at, nil, fmt.Errorf("%w: element %q", errProtocol, line)
		}
		size, err := strconv.Atoi(string(line[1:]))
		if err != nil || size < -1 {
			return buf, at, nil, fmt.Errorf("%w: length %q", errProtocol, line)
		}
		if size == -1 {
			at = append(at, [2]int{-1, -1})
			continue
		}
		start := len(buf)
		buf = append(buf, make([]byte, size+2)...)
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return buf, at, nil, err
		}
		if buf[len(buf)-2] != '\r' || buf[len(buf)-1] != '\n' {
			return buf, at, nil, fmt.Errorf("%w: bulk of %d bytes not ended by CRLF", errProtocol, size)
		}
		buf = buf[:len(buf)-2]
		at = append(at, [2]int{start, len(buf)})
	}
	return buf, at, nil, nil
}

// readInts reads one reply that should be an array of integers of at most
// max elements (the rows a compare-and-set call skipped) and appends them
// to dst. A server's error reply comes back apart, as in readInt.
func readInts(r *bufio.Reader, max int, dst []int64) (_ []int64, reply, err error) {
	line, err := readLine(r)
	if err != nil {
		return dst, nil, err
	}
	if line[0] == '-' {
		return dst, replyError(line[1:]), nil
	}
	if line[0] != '*' {
		if err = skipRest(r, line); err != nil {
			return dst, nil, err
		}
		return dst, fmt.Errorf("redis: expected an array reply, got %q", line[:1]), nil
	}
	n, err := strconv.Atoi(string(line[1:]))
	if err != nil || n < 0 || n > max {
		return dst, nil, fmt.Errorf("%w: array of %q elements, want at most %d", errProtocol, line[1:], max)
	}
	for range n {
		v, reply, err := readInt(r)
		if err != nil {
			return dst, nil, err
		}
		if reply != nil { // an element that is not an integer
			return dst, nil, fmt.Errorf("%w: %v", errProtocol, reply)
		}
		dst = append(dst, v)
	}
	return dst, nil, nil
}

// readLine reads a reply line without its CRLF; it is valid until the next read.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line longer than %d bytes", errProtocol, r.Size())
		}
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: %q", errProtocol, line)
	}
	return line[:len(line)-2], nil
}

// skipRest consumes the rest of a reply whose first line was read.
func skipRest(r *bufio.Reader, line []byte) error {
	switch line[0] {
	case '+', '-', ':':
		return nil
	case '$', '*':
		n, err := strconv.Atoi(string(line[1:]))
		if err != nil {
			return fmt.Errorf("%w: length %q", errProtocol, line)
		}
		if n < 0 {
			return nil
		}
		if line[0] == '$' {
			_, err := r.Discard(n + 2)
			return err
		}
		for range n {
			next, err := readLine(r)
			if err != nil {
				return err
			}
			if err := skipRest(r, next); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("%w: type %q", errProtocol, line[:1])
	}
}
