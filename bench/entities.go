package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/remote"
)

var errEnough = errors.New("enough entities")

// SampleEntities lists up to limit entity keys of the view's join keys from
// the store (in the store's scan order, which for Redis is hash order).
func SampleEntities(ctx context.Context, s onlinestore.KeyScanner, v onlinestore.View, limit int) ([]Entity, error) {
	var out []Entity
	err := s.ScanKeys(ctx, v, func(keys [][]byte) error {
		for _, k := range keys {
			e, err := entityOf(k)
			if err != nil {
				return err
			}
			out = append(out, e)
			if len(out) >= limit {
				return errEnough
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, fmt.Errorf("sampling entities of %q: %w", v.Name, err)
	}
	return out, nil
}

func entityOf(key []byte) (Entity, error) {
	names, vals, err := onlinestore.DecodeEntityKey(key)
	if err != nil {
		return Entity{}, err
	}
	e := Entity{Key: append([]byte(nil), key...), Values: make(map[string]any, len(names))}
	for i, n := range names {
		e.Values[n] = remote.JSONValue(vals[i])
	}
	return e, nil
}
