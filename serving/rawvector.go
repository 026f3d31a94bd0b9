package serving

import (
	"errors"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/precompute"
	"google.golang.org/protobuf/encoding/protowire"
)

// rawVector is a vector blob read without unmarshalling its Values: each
// value stays the serialized feast.types.Value it was stored as, so the
// read path hands the bytes on without decoding and re-encoding them.
type rawVector struct {
	names  [][]byte // feature_names; all sub-slices of the blob
	values [][]byte // serialized Values (empty = null)
	stamps []rawStamp
	fp     uint64 // feast-go's schema fingerprint; 0 when absent (Feast wrote it)
}

type rawStamp struct {
	name []byte
	ts   time.Time
}

var errBadVector = errors.New("malformed precomputed vector")

// parseVector reads the stored Value (bytes_val = PrecomputedFeatureVector)
// into v, reusing its slices.
func parseVector(value []byte, v *rawVector) error {
	var blob []byte
	found := false
	err := eachField(value, func(num protowire.Number, typ protowire.Type, b []byte, _ uint64) error {
		if num == 1 && typ == protowire.BytesType {
			blob, found = b, true
		}
		return nil
	})
	if err != nil || !found {
		return fmt.Errorf("vector value is not bytes_val: %w", errBadVector)
	}
	v.names, v.values, v.stamps, v.fp = v.names[:0], v.values[:0], v.stamps[:0], 0
	err = eachField(blob, func(num protowire.Number, typ protowire.Type, b []byte, n uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			v.names = append(v.names, b)
		case num == 2 && typ == protowire.BytesType:
			v.values = append(v.values, b)
		case num == 3 && typ == protowire.BytesType:
			st, err := parseStamp(b)
			if err != nil {
				return err
			}
			v.stamps = append(v.stamps, st)
		case num == precompute.FingerprintField && typ == protowire.Fixed64Type:
			v.fp = n
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("vector blob: %w", err)
	}
	return nil
}

// eachField calls fn for every field of a message: bytes for length-delimited
// fields, the number for varint and fixed fields.
func eachField(b []byte, fn func(protowire.Number, protowire.Type, []byte, uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errBadVector
		}
		b = b[n:]
		var bytes []byte
		var u uint64
		switch typ {
		case protowire.BytesType:
			bytes, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			u, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			u, n = protowire.ConsumeFixed64(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errBadVector
		}
		b = b[n:]
		if err := fn(num, typ, bytes, u); err != nil {
			return err
		}
	}
	return nil
}

func parseStamp(b []byte) (rawStamp, error) {
	var st rawStamp
	err := eachField(b, func(num protowire.Number, typ protowire.Type, f []byte, _ uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			st.name = f
		case num == 2 && typ == protowire.BytesType:
			var secs, nanos uint64
			err := eachField(f, func(num protowire.Number, typ protowire.Type, _ []byte, u uint64) error {
				switch {
				case num == 1 && typ == protowire.VarintType:
					secs = u
				case num == 2 && typ == protowire.VarintType:
					nanos = u
				}
				return nil
			})
			if err != nil {
				return err
			}
			st.ts = time.Unix(int64(secs), int64(int32(nanos))).UTC()
		}
		return nil
	})
	return st, err
}
