package materialize

import "fmt"

// The pointer-free stores of a Latest: the garbage collector never scans them.

const blockBytes = 4 << 20

// arena stores records in fixed 4 MiB blocks; an address is
// block*blockBytes + offset. Blocks never move.
type arena struct{ blocks [][]byte }

// add stores the record a then b, contiguous, and returns its address.
func (a *arena) add(x, y []byte) int64 {
	n := len(x) + len(y)
	last := len(a.blocks) - 1
	if last < 0 || cap(a.blocks[last])-len(a.blocks[last]) < n {
		if n > blockBytes {
			panic(fmt.Sprintf("materialize: a %d-byte row does not fit an arena block", n))
		}
		a.blocks = append(a.blocks, make([]byte, 0, blockBytes))
		last++
	}
	off := len(a.blocks[last])
	a.blocks[last] = append(append(a.blocks[last], x...), y...)
	return int64(last)*blockBytes + int64(off)
}

func (a *arena) bytes(addr int64, n int) []byte {
	blk, off := addr/blockBytes, addr%blockBytes
	return a.blocks[blk][off : off+int64(n) : off+int64(n)]
}

// blocks is a growable slice in fixed blocks: growth never copies.
type blocks[T any] struct {
	list [][]T
	n    int
}

const blockLen = 1 << 16

func (b *blocks[T]) add(v T) {
	if b.n%blockLen == 0 {
		b.list = append(b.list, make([]T, 0, blockLen))
	}
	last := len(b.list) - 1
	b.list[last] = append(b.list[last], v)
	b.n++
}

func (b *blocks[T]) at(i int32) *T { return &b.list[int(i)/blockLen][int(i)%blockLen] }
func (b *blocks[T]) len() int      { return b.n }

// index maps key hashes to slot numbers: open addressing with linear probing
// over a power-of-two table of entries, each the top 32 bits of a key's hash
// (which also place it) and its slot number + 1 (0: empty). That is 8 bytes
// an entry at a load of 3/8 to 3/4, against about 36 for a Go map of the
// same. Keys whose hashes share the top bits are told apart by the caller,
// which compares the keys themselves.
type index struct {
	entries []uint64
	n       int
}

// next walks the entries from a hash's place: call it with pos = -1 first;
// it returns the next position and the slot there, until the slot is -1 (an
// empty entry: the key is not in the table). Only entries whose top bits
// match are returned.
func (x *index) next(h uint64, pos int) (int, int32) {
	if len(x.entries) == 0 {
		return 0, -1
	}
	fp, mask := h>>32, len(x.entries)-1
	if pos < 0 {
		pos = int(fp) & mask
	} else {
		pos = (pos + 1) & mask
	}
	for ; ; pos = (pos + 1) & mask {
		e := x.entries[pos]
		if e == 0 {
			return pos, -1
		}
		if e>>32 == fp {
			return pos, int32(uint32(e)) - 1
		}
	}
}

// insert adds slot idx for hash h (a key not in the table).
func (x *index) insert(h uint64, idx int32) {
	if (x.n+1)*4 > len(x.entries)*3 {
		x.grow()
	}
	x.put(h>>32<<32 | uint64(uint32(idx+1)))
	x.n++
}

func (x *index) put(e uint64) {
	mask := len(x.entries) - 1
	pos := int(e>>32) & mask
	for x.entries[pos] != 0 {
		pos = (pos + 1) & mask
	}
	x.entries[pos] = e
}

// grow doubles the table; an entry's top bits place it, so no key is hashed again.
func (x *index) grow() {
	old := x.entries
	x.entries = make([]uint64, max(2*len(old), 1024))
	for _, e := range old {
		if e != 0 {
			x.put(e)
		}
	}
}
