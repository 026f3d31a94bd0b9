package runlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/materialize"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/push"
)

// Outcomes of a run.
const (
	Success     = "success"
	Partial     = "partial"
	Failure     = "failure"
	Interrupted = "interrupted"
)

// DefaultKeep is how many runs the history keeps.
const DefaultKeep = 100

// Record is one finished run.
type Record struct {
	ID       string    `json:"id"`
	Command  string    `json:"command"`
	Project  string    `json:"project"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	Seconds  float64   `json:"seconds"`
	Outcome  string    `json:"outcome"`
	ExitCode int       `json:"exit_code"`
	Error    string    `json:"error,omitempty"`
	Views    []View    `json:"views,omitempty"`
	Vectors  []Vectors `json:"vectors,omitempty"`
	// VectorsPending names the services whose vectors the run left owed.
	VectorsPending []string `json:"vectors_pending,omitempty"`
	Push           *Push    `json:"push,omitempty"`
	// Shard is a sharded run's shard: its views succeed when its part
	// landed, and the run's commit is in Shard.Committed.
	Shard        *materialize.ShardReport `json:"shard,omitempty"`
	CatalogLoads int64                    `json:"catalog_loads,omitempty"`
	TableLoads   int64                    `json:"table_loads,omitempty"`
}

// View is one feature view's part of a run.
type View struct {
	View         string    `json:"view"`
	Start        time.Time `json:"start,omitzero"`
	End          time.Time `json:"end,omitzero"`
	Succeeded    bool      `json:"succeeded"`
	Seconds      float64   `json:"seconds"`
	RowsScanned  int64     `json:"rows_scanned"`
	NullKeys     int64     `json:"null_keys_skipped,omitempty"`
	OutOfRange   int64     `json:"out_of_range_skipped,omitempty"`
	Entities     int64     `json:"entities"`
	Written      int64     `json:"written"`
	SkippedOlder int64     `json:"skipped_older"`
	BytesPlanned int64     `json:"bytes_planned,omitempty"`
	Error        string    `json:"error,omitempty"`
}

// Vectors is one precomputed service's rebuild in a run.
type Vectors struct {
	Service  string  `json:"service"`
	Entities int64   `json:"entities"`
	Written  int64   `json:"written"`
	Seconds  float64 `json:"seconds"`
	Healed   bool    `json:"healed,omitempty"`
}

// Push is what a push run carried.
type Push struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Rows   int64  `json:"rows"`
}

// New starts a record of command in project; Finish completes it.
func New(command, project string, started time.Time) *Record {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &Record{ID: started.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]), Command: command, Project: project, Started: started}
}

// Finish sets the outcome from the exit code and the error.
func (r *Record) Finish(ended time.Time, exitCode int, err error) {
	r.Ended, r.ExitCode = ended, exitCode
	r.Seconds = ended.Sub(r.Started).Seconds()
	switch exitCode {
	case 0:
		r.Outcome = Success
	case 3:
		r.Outcome = Partial
	case 130:
		r.Outcome = Interrupted
	default:
		r.Outcome = Failure
	}
	if err != nil {
		r.Error = err.Error()
	}
}

// AddMaterialize takes the views, vectors and catalog counts of a materialization.
func (r *Record) AddMaterialize(sum *materialize.Summary) {
	if sum == nil {
		return
	}
	r.Shard = sum.Shard
	for _, v := range sum.Views {
		r.Views = append(r.Views, View{View: v.View, Start: v.Start, End: v.End, Succeeded: v.Error == "" && (v.Recorded || sum.Shard != nil),
			Seconds: v.Seconds, RowsScanned: v.RowsScanned, NullKeys: v.NullKeys, OutOfRange: v.OutOfRange, Entities: v.Entities,
			Written: v.Written, SkippedOlder: v.SkippedOlder, BytesPlanned: v.BytesPlanned, Error: v.Error})
	}
	r.addVectors(sum.Precompute, sum.VectorsPending)
	r.CatalogLoads, r.TableLoads = sum.Catalog.CatalogLoads, sum.Catalog.TableLoads
}

// AddPush takes the views and vectors of a push.
func (r *Record) AddPush(source, target string, sum *push.Summary) {
	r.Push = &Push{Source: source, Target: target}
	if sum == nil {
		return
	}
	r.Push.Rows = sum.Rows
	for _, v := range sum.Views {
		r.Views = append(r.Views, View{View: v.View, Succeeded: v.Landed, Entities: v.Entities, Written: v.Written,
			SkippedOlder: v.SkippedOlder, Error: v.Error})
	}
	r.addVectors(sum.Precompute, sum.VectorsPending)
}

// AddPrecompute takes the services a precompute rebuilt.
func (r *Record) AddPrecompute(stats []precompute.Stats) { r.addVectors(stats, nil) }

func (r *Record) addVectors(stats []precompute.Stats, pending []string) {
	for _, s := range stats {
		r.Vectors = append(r.Vectors, Vectors{Service: s.Service, Entities: s.Entities, Written: s.Written, Seconds: s.Seconds, Healed: s.Healed})
	}
	r.VectorsPending = pending
}

// Append adds the record to the store's history, keeping the newest keep.
func Append(ctx context.Context, log onlinestore.RunLog, r *Record, keep int) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := log.AppendRun(ctx, b, keep); err != nil {
		return fmt.Errorf("run history: %w", err)
	}
	return nil
}

// Read returns up to n records, newest first.
func Read(ctx context.Context, log onlinestore.RunLog, n int) ([]Record, error) {
	raw, err := log.Runs(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("run history: %w", err)
	}
	out := make([]Record, 0, len(raw))
	for i, b := range raw {
		var r Record
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("run history: record %d: %w", i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// LastSuccess is, per view, the end of the newest run in which the view
// succeeded, from a history (newest first).
func LastSuccess(history []Record) map[string]time.Time {
	out := map[string]time.Time{}
	for _, r := range history {
		for _, v := range r.Views {
			if _, seen := out[v.View]; !seen && v.Succeeded {
				out[v.View] = r.Ended
			}
		}
	}
	return out
}
