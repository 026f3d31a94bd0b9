package onlinestore

import (
	"context"
	"errors"
	"time"
)

// View is what a store needs to know of a feature view to write or read it:
// its name (the prefix of its hash fields), join keys and feature names.
type View struct {
	Name     string
	JoinKeys []string
	Features []string
	// Rider, when set, is another view the rows of a write may carry a row
	// of (Row.Rider): a precomputed vector built with the row.
	Rider *View
}

// Row is one entity's latest values of one view: the serialized entity key
// (without the project), the event time, and one serialized Value per feature
// in View.Features order (empty = null).
type Row struct {
	Key       []byte
	EventTS   time.Time
	CreatedTS time.Time // zero when the source has no created column (SQLite keeps it)
	Values    [][]byte
	// Rider, when set, is the entity's row of View.Rider (its Key is the
	// row's, whatever it holds). It lands with the row, in
	// the same command where the store can, and only when the row lands;
	// unless the store writes blindly, only when it is newer than the
	// stored rider too (a newer one may be there: it is kept, not counted).
	Rider *Row
}

// WriteStats counts what a write did.
type WriteStats struct {
	Written      int64 `json:"written"`
	SkippedOlder int64 `json:"skipped_older"` // rows not newer than what the store holds
	// Older lists, in order, the indexes (into the rows of one WriteView
	// call) of the rows skipped as older. A store that cannot tell which
	// rows it skipped leaves it shorter than SkippedOlder; callers then know
	// of none of that call's rows whether it landed.
	Older []int `json:"-"`
}

// Landed reports whether every row of the call but those in Older is in
// the store: whether Older is complete.
func (w *WriteStats) Landed() bool { return int64(len(w.Older)) == w.SkippedOlder }

// Add sums the counts (Older belongs to one call and is not summed).
func (w *WriteStats) Add(o WriteStats) {
	w.Written += o.Written
	w.SkippedOlder += o.SkippedOlder
}

// Append adds the stats of a write of the rows that follow the first from
// of the same call: the counts, and o's Older shifted by from.
func (w *WriteStats) Append(o WriteStats, from int) {
	w.Add(o)
	for _, i := range o.Older {
		w.Older = append(w.Older, from+i)
	}
}

// FeatureRow is one entity's stored values of one view.
type FeatureRow struct {
	Found   bool      // the view has data for the entity
	EventTS time.Time // zero when not found
	Values  [][]byte  // serialized Values in View.Features order; nil/empty = null
}

// Traits are what a store keeps and does well.
type Traits struct {
	// TimeResolution is the finest event time the store keeps: a row
	// written at t reads back at t truncated to it.
	TimeResolution time.Duration
	// Riders: the store writes a row's rider in the row's own command,
	// at little cost over the row; otherwise in a second write.
	Riders bool
}

// Store is an online store in Feast's layout.
type Store interface {
	// WriteView writes rows of one view. Unless the store was opened for
	// blind writes, a row older than (or as old as) the stored one is skipped,
	// decided atomically by the store. The rows, and the bytes they point
	// to, are the caller's again once WriteView returns (materialize reuses
	// them): a store copies whatever it keeps.
	WriteView(ctx context.Context, v View, rows []Row) (WriteStats, error)
	// ReadViews reads views sharing the same join keys for the given entity
	// keys, in one round trip; out[i][j] is key i, view j.
	ReadViews(ctx context.Context, keys [][]byte, views []View) ([][]FeatureRow, error)
	// DeleteView removes a view's fields from every entity of its join keys.
	DeleteView(ctx context.Context, v View) (int64, error)
	// Continuity reports ErrDataLost when writes acknowledged since the store
	// was opened may be gone (a server restarted without persistence), so a
	// flow does not record as written what is no longer there.
	Continuity(ctx context.Context) error
	// Ledger is one of the store's ledgers (owed vectors, view claims), or
	// nil when the store cannot be written.
	Ledger(kind LedgerKind) Ledger
	// RunLog is the store's history of runs, or nil when the store cannot
	// be written.
	RunLog() RunLog
	// RunBoard is the store's record of sharded runs, or nil when the
	// store cannot keep one.
	RunBoard() RunBoard
	// KeyGroups is the order in which the store writes a view's rows best.
	KeyGroups() KeyGroups
	// Traits are what the store keeps and does well.
	Traits() Traits
	Close() error
}

// ErrDataLost is a store that may have lost acknowledged writes.
var ErrDataLost = errors.New("the online store may have lost acknowledged writes")

// ErrConnection is a store that could not be reached or dropped the connection.
var ErrConnection = errors.New("online store connection failed")

// KeyScanner is a store that can list the entity keys (serialized, without
// the project) that have rows of a view, in batches.
type KeyScanner interface {
	ScanKeys(ctx context.Context, v View, fn func(keys [][]byte) error) error
}
