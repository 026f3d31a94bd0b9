"""Prints, as JSON, Feast 0.67's own Redis keys and hash-field names for a table
of entity keys and feature references (feast-go's onlinestore tests compare
every byte). Values are hex-encoded feast.types.Value protos."""
import json

from feast.infra.online_stores.helpers import _mmh3, _redis_key
from feast.protos.feast.types.EntityKey_pb2 import EntityKey
from feast.protos.feast.types.Value_pb2 import Value

CASES = [
    (["driver_id"], [Value(int64_val=1001)], "drivers", "driver_hourly_stats", "conv_rate"),
    (["driver_id"], [Value(int64_val=-9223372036854775808)], "p", "v", "f"),
    (["entity"], [Value(int32_val=-7)], "test", "feature_view_1", "feature_10"),
    (["customer_id", "driver_id"], [Value(string_val="c\u00e9\U0001F600"), Value(int64_val=1)], "proj_x", "v\u00fc", "f\u00e9"),
    (["driver_id", "customer_id"], [Value(int64_val=1), Value(string_val="c1")], "p", "__precomputed__svc", "vector"),
    (["b", "a", "c"], [Value(bytes_val=b"\x00\xff"), Value(unix_timestamp_val=1700000000), Value(int32_val=3)], "p", "x" * 100, "y"),
    (["k"], [Value(string_val="")], "", "", ""),
]

out = []
for keys, values, project, view, feature in CASES:
    key = _redis_key(project, EntityKey(join_keys=keys, entity_values=values), entity_key_serialization_version=3)
    out.append({
        "keys": keys, "values": [v.SerializeToString().hex() for v in values], "project": project,
        "key": key.hex(), "view": view, "feature": feature, "field": _mmh3(f"{view}:{feature}").hex(),
    })
print(json.dumps(out))
