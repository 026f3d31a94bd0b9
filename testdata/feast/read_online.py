"""Prints, as JSON, what Feast 0.67's get_online_features returns for the
drivers repository: every feature of every view, for a fixed list of entities
(present, tied, null-valued, outside the window, unknown), through the regular
per-view path, and the precomputed path of service driver_activity unless
--no-precomputed. Usage: python read_online.py REPO_DIR [--no-precomputed]"""
import json
import math
import sys

from feast import FeatureStore

DRIVERS = [1000, 1001, 1017, 2000, 3000, 3001, 99999]
CUSTOMERS = ["c0", "c1", "c2", "c3", "c\u00e9\U0001F600", "nobody"]
TRIPS = [{"driver_id": d, "customer_id": c} for d, c in
         ((1000, "c0"), (1005, "c3"), (1001, "c1000"), (1002, "c\u00e9\U0001F600"), (1000, "c1000"), (99999, "c0"))]
ZONES = [1, 2, 40, 2147483647, -5, 12345]


def clean(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, bytes):
        return v.hex()
    return v


def main(repo):
    fs = FeatureStore(repo_path=repo)
    out = {}
    for name, feats, rows in (
        ("drivers", ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "driver_hourly_stats:avg_daily_trips",
                     "driver_fresh_stats:conv_rate"], [{"driver_id": d} for d in DRIVERS]),
        ("customers", ["customer_profile:age", "customer_profile:tier", "customer_profile:tags"], [{"customer_id": c} for c in CUSTOMERS]),
        ("trips", ["driver_customer_trips:trip_count", "driver_customer_trips:avg_fare"], TRIPS),
        ("zones", ["zone_stats:demand", "zone_stats:label"], [{"zone_id": z} for z in ZONES]),
    ):
        resp = fs.get_online_features(features=feats, entity_rows=rows, full_feature_names=True).to_dict()
        out[name] = {k: [clean(v) for v in vs] for k, vs in resp.items()}
    if "--no-precomputed" in sys.argv:
        json.dump(out, sys.stdout, sort_keys=True, ensure_ascii=False)
        return
    # The precomputed path: one vector per entity (Feast needs full names, and fails
    # the whole request when one entity has no vector, so only known drivers).
    svc = fs.get_feature_service("driver_activity")
    resp = fs.get_online_features(features=svc, entity_rows=[{"driver_id": d} for d in (1017, 1000, 2000, 1001)],
                                  full_feature_names=True).to_dict()
    out["precomputed"] = {k: [clean(v) for v in vs] for k, vs in resp.items()}
    json.dump(out, sys.stdout, sort_keys=True, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
