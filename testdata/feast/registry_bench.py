"""Times Feast 0.67's own registry calls on a repository's registry, for BENCHMARKS.md.

Usage: python registry_bench.py REPO_DIR VIEW N
Prints JSON: the mean seconds of a full registry refresh (what a Feast command reads at start)
and of apply_materialization (what Feast records per materialized view), over N calls each.
"""
import json
import sys
import time
from datetime import datetime, timedelta, timezone

from feast import FeatureStore


def main(repo, view, n):
    n = int(n)
    store = FeatureStore(repo_path=repo)
    reg, project = store.registry, store.project
    t = time.perf_counter()
    for _ in range(n):
        reg.refresh(project)
    read = (time.perf_counter() - t) / n
    fv = reg.get_feature_view(view, project)
    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    t = time.perf_counter()
    for i in range(n):
        s = start + timedelta(hours=i)
        reg.apply_materialization(fv, project, s, s + timedelta(hours=1))
    append = (time.perf_counter() - t) / n
    json.dump({"read_s": read, "append_s": append}, sys.stdout)
    print()


if __name__ == "__main__":
    main(*sys.argv[1:])
