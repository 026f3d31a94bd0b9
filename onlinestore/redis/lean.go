package redis

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// leanTimeout bounds one pipeline's round trip, as go-redis's read and write
// timeouts bound its own: a server that stops answering fails the chunk
// (and the retry layer tries again) instead of holding the run forever.
const leanTimeout = 30 * time.Second

// leanPool holds the connections over which a standalone server gets the
// bulk writes (WriteView) and reads (ReadViews). They are dialed with go-redis's own dialer (so TLS is the same) and set up
// as go-redis sets up its own: AUTH when there is a password, SELECT for a
// database other than 0, and the client name the ledger looks for.
type leanPool struct {
	dial  func(ctx context.Context) (net.Conn, error)
	setup []byte // the commands a new connection sends first
	nset  int    // how many
	mu    sync.Mutex
	idle  []*leanConn
	max   int // idle connections kept
	shut  bool
}

type leanConn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

func newLeanPool(o *goredis.Options) *leanPool {
	p := &leanPool{max: o.PoolSize}
	dialer, addr := o.Dialer, o.Addr
	p.dial = func(ctx context.Context) (net.Conn, error) { return dialer(ctx, "tcp", addr) }
	if o.Password != "" {
		if o.Username != "" {
			p.setup = appendStrings(p.setup, "AUTH", o.Username, o.Password)
		} else {
			p.setup = appendStrings(p.setup, "AUTH", o.Password)
		}
		p.nset++
	}
	if o.DB != 0 {
		p.setup = appendStrings(p.setup, "SELECT", strconv.Itoa(o.DB))
		p.nset++
	}
	if o.ClientName != "" {
		p.setup = appendStrings(p.setup, "CLIENT", "SETNAME", o.ClientName)
		p.nset++
	}
	return p
}

func appendStrings(b []byte, args ...string) []byte {
	b = appendArray(b, len(args))
	for _, a := range args {
		b = appendBulkString(b, a)
	}
	return b
}

// get returns an idle connection or dials a new one.
func (p *leanPool) get(ctx context.Context) (*leanConn, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	nc, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	c := &leanConn{c: nc, r: bufio.NewReaderSize(nc, 32<<10)}
	if p.nset > 0 {
		c.buf = append(c.buf[:0], p.setup...)
		if err := c.roundTrip(ctx, p.nset, func(r *bufio.Reader, _ int) (error, error) { return readOK(r) }); err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("redis: set up a connection: %w", err)
		}
	}
	return c, nil
}

// put keeps a healthy connection for the next chunk.
func (p *leanPool) put(c *leanConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shut || len(p.idle) >= p.max {
		_ = c.c.Close()
		return
	}
	p.idle = append(p.idle, c)
}

func (p *leanPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shut = true
	for _, c := range p.idle {
		_ = c.c.Close()
	}
	p.idle = nil
}

// do sends the commands that fill appends to a connection's buffer, n of
// them, and reads their n replies with read. The first error reply is
// returned after every reply has been read, so the connection goes back to
// the pool in step; a connection that failed otherwise is closed.
func (p *leanPool) do(ctx context.Context, n int, read func(r *bufio.Reader, i int) (reply, err error), fill func([]byte) []byte) error {
	c, err := p.get(ctx)
	if err != nil {
		return err
	}
	c.buf = fill(c.buf[:0])
	if err := c.roundTrip(ctx, n, read); err != nil {
		var reply replyError
		if errors.As(err, &reply) {
			p.put(c)
		} else {
			_ = c.c.Close()
		}
		return err
	}
	p.put(c)
	return nil
}

// ints reads integer replies and drops their values.
func ints(r *bufio.Reader, _ int) (reply, err error) {
	_, reply, err = readInt(r)
	return reply, err
}

// roundTrip writes the buffer and reads n replies with read, which returns
// a server's error reply apart from a failure to read. Cancelling ctx
// unblocks it at once (the deadline is moved to the past).
func (c *leanConn) roundTrip(ctx context.Context, n int, read func(r *bufio.Reader, i int) (reply, err error)) error {
	if err := c.c.SetDeadline(time.Now().Add(leanTimeout)); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := c.c.Write(c.buf); err != nil {
		return c.failed(ctx, err)
	}
	var first error
	for i := range n {
		reply, err := read(c.r, i)
		if err != nil {
			return c.failed(ctx, err)
		}
		if reply != nil && first == nil {
			first = reply
		}
	}
	return first
}

// failed prefers the context's error to the I/O error that cancelling caused.
func (c *leanConn) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
