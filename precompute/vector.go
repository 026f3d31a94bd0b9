package precompute

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	"google.golang.org/protobuf/encoding/protowire"
)

// ViewPrefix names the synthetic feature view Feast stores a service's vectors under.
const ViewPrefix = "__precomputed__"

// VectorField is the synthetic view's only feature.
const VectorField = "vector"

// FingerprintField is the blob field number of feast-go's schema fingerprint.
const FingerprintField = 1000

// Schema is what a service's vectors hold, in blob order.
type Schema struct {
	Service     string
	Names       []string // "<alias-or-view>__<feature>" in projection order
	Types       []registry.ValueType
	Projections []registry.Projection
	Fingerprint uint64
}

// SchemaOf lays out a service's vectors as Feast does: projections in service
// order, each projection's features in order, always full names.
func SchemaOf(fs *registry.FeatureService) Schema {
	s := Schema{Service: fs.Name, Projections: fs.Projections}
	for _, p := range fs.Projections {
		for _, f := range p.Features {
			s.Names = append(s.Names, p.NameToUse()+"__"+f.Name)
			s.Types = append(s.Types, f.Type)
		}
	}
	s.Fingerprint = fingerprint(s.Names, s.Types)
	return s
}

func fingerprint(names []string, types []registry.ValueType) uint64 {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case names[a] < names[b]:
			return -1
		case names[a] > names[b]:
			return 1
		}
		return 0
	})
	h := sha256.New()
	var buf [4]byte
	for _, i := range idx {
		binary.LittleEndian.PutUint32(buf[:], uint32(len(names[i])))
		h.Write(buf[:])
		h.Write([]byte(names[i]))
		binary.LittleEndian.PutUint32(buf[:], uint32(types[i]))
		h.Write(buf[:])
	}
	return binary.BigEndian.Uint64(h.Sum(nil)[:8])
}

// StoreView is the synthetic view a service's vectors are written to.
func StoreView(service string, joinKeys []string) onlinestore.View {
	return onlinestore.View{Name: ViewPrefix + service, JoinKeys: joinKeys, Features: []string{VectorField}}
}

// ViewStamp is one projection's event time in a blob (zero: no data).
type ViewStamp struct {
	Name string
	TS   time.Time
}

// appendBlob serializes a PrecomputedFeatureVector as Feast's Python does
// (fields in number order), values given as serialized Values, plus the
// fingerprint field.
func appendBlob(dst []byte, s *Schema, values [][]byte, stamps []ViewStamp, at time.Time) []byte {
	for _, n := range s.Names {
		dst = protowire.AppendTag(dst, 1, protowire.BytesType)
		dst = protowire.AppendString(dst, n)
	}
	for _, v := range values {
		dst = protowire.AppendTag(dst, 2, protowire.BytesType)
		dst = protowire.AppendBytes(dst, v)
	}
	var ts [onlinestore.MaxTimestampLen]byte
	for _, st := range stamps {
		t := onlinestore.AppendTimestamp(ts[:0], st.TS)
		// A FeatureViewTimestamp: the name, and the time, always set as Feast sets it.
		size := 1 + protowire.SizeBytes(len(st.Name)) + 1 + protowire.SizeBytes(len(t))
		dst = protowire.AppendTag(dst, 3, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(size))
		dst = protowire.AppendTag(dst, 1, protowire.BytesType)
		dst = protowire.AppendString(dst, st.Name)
		dst = protowire.AppendTag(dst, 2, protowire.BytesType)
		dst = protowire.AppendBytes(dst, t)
	}
	dst = protowire.AppendTag(dst, 4, protowire.BytesType)
	dst = protowire.AppendBytes(dst, onlinestore.AppendTimestamp(ts[:0], at))
	dst = protowire.AppendTag(dst, FingerprintField, protowire.Fixed64Type)
	return protowire.AppendFixed64(dst, s.Fingerprint)
}

// appendVectorValue appends blob wrapped as the Value Feast stores:
// bytes_val, field 1.
func appendVectorValue(dst, blob []byte) []byte {
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	return protowire.AppendBytes(dst, blob)
}
