package onlinestore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"
)

// LedgerKind names one of a store's ledgers.
type LedgerKind string

// The ledgers: notes of owed vectors, and claims on the feature views a run
// is materializing (the run lock).
const (
	VectorDebts LedgerKind = "vector-debts"
	ViewClaims  LedgerKind = "view-claims"
)

// Ledger is a store's durable record of notes that writers hold, each seen
// as live while its writer runs. In VectorDebts, a writer notes the
// services whose views it is about to write before its first row lands and
// settles each one once its vectors are rebuilt; a note left by a writer
// that is gone (killed, interrupted, failed) tells a later run to rebuild
// that service's vectors in full: that is how a rerun finishes what an
// interrupted run left undone. In ViewClaims, the notes name feature views
// (in the service field) that a run is materializing.
type Ledger interface {
	// Owe notes, for each service, that this store's writer may leave its
	// vectors stale. The note lives for lease unless renewed; a lease of 0
	// ends it now: the writer gives up and a later run rebuilds.
	Owe(ctx context.Context, services []string, lease time.Duration) error
	// Settle removes owner's note for service ("" = this store's writer).
	Settle(ctx context.Context, service, owner string) error
	// Debts lists every note, with whether its writer still lives.
	Debts(ctx context.Context) ([]Debt, error)
	// Owner is the name under which this store's writer notes (Debt.Owner).
	Owner() string
}

// Debt is one writer's note that a service's vectors may be stale.
type Debt struct {
	Service string `json:"service"`
	Owner   string `json:"owner"` // host-pid-random of the writer
	Live    bool   `json:"live"`  // the writer still runs (its lease holds)
}

// NewOwner names a writer for its ledger notes: host, process and a random
// suffix, so that an operator can tell whose note it is and two writers
// never share a name.
func NewOwner() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' {
			return '_'
		}
		return r
	}, host)
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// RunLog is a store's bounded history of feast-go runs, kept beside the
// features so that every host that runs feast-go against the store sees
// the same history. Records are opaque to the store.
type RunLog interface {
	// AppendRun adds a record and drops all but the newest keep.
	AppendRun(ctx context.Context, record []byte, keep int) error
	// Runs returns up to n records, newest first.
	Runs(ctx context.Context, n int) ([][]byte, error)
}
