"""Prints, as JSON, what Feast 0.67 reads from a repository's registry.

Usage: python read_registry.py REPO_DIR
Used by feast-go's interop tests to check that Feast reads registries feast-go wrote.
"""
import json
import sys

from feast import FeatureStore


def field(f):
    return {"name": f.name, "dtype": str(f.dtype)}


def main(repo):
    fs = FeatureStore(repo_path=repo)
    out = {"entities": {}, "data_sources": {}, "feature_views": {}, "feature_services": {}}
    for e in fs.list_entities():
        out["entities"][e.name] = {"join_key": e.join_key, "value_type": e.value_type.name}
    for d in fs.list_data_sources():
        rec = {"class": type(d).__name__, "timestamp_field": d.timestamp_field,
               "created_timestamp_column": d.created_timestamp_column}
        if type(d).__name__ == "IcebergSource":
            rec.update(catalog_type=d.catalog_type, catalog_name=d.catalog_name, endpoint=d.endpoint,
                       warehouse=d.warehouse, namespace=d.namespace, table=d.iceberg_table)
        if type(d).__name__ == "PushSource":
            rec["batch_source"] = d.batch_source.name
        out["data_sources"][d.name] = rec
    for v in fs.list_feature_views():
        out["feature_views"][v.name] = {
            "entities": sorted(v.entities), "ttl_seconds": int(v.ttl.total_seconds()) if v.ttl else 0,
            "online": v.online, "features": [field(f) for f in v.features],
            "entity_columns": [field(f) for f in v.entity_columns],
            "batch_source": v.batch_source.name if v.batch_source else None,
            "stream_source": v.stream_source.name if v.stream_source else None,
            "tags": v.tags,
            "intervals": [[a.isoformat(), b.isoformat()] for a, b in v.materialization_intervals],
            "state": v.state.name if getattr(v, "state", None) is not None else None,
        }
    for s in fs.list_feature_services():
        out["feature_services"][s.name] = {
            "precompute_online": s.precompute_online,
            "projections": [{"view": p.name, "alias": p.name_alias, "features": [f.name for f in p.features]}
                            for p in s.feature_view_projections],
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
