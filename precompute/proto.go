package precompute

import (
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

func unmarshal(b []byte, m proto.Message) error { return proto.Unmarshal(b, m) }

func marshalValue(v *feastpb.Value) ([]byte, error) { return proto.Marshal(v) }
