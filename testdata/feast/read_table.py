"""Prints, as JSON lines sorted by driver and time, the rows pyiceberg reads
from an Iceberg table of the drivers repository's SQL catalog, for the given
drivers. Usage: python read_table.py REPO_DIR NAMESPACE.TABLE DRIVER_ID..."""
import json
import math
import sys

from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import In


def clean(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def main(repo, ident, *drivers):
    cat = SqlCatalog("local", uri=f"sqlite:///{repo}/data/catalog.db", warehouse=f"file://{repo}/data/warehouse")
    tbl = cat.load_table(ident)
    rows = tbl.scan(row_filter=In("driver_id", [int(d) for d in drivers])).to_arrow().to_pylist()
    rows.sort(key=lambda r: (r["driver_id"], str(r["event_timestamp"])))
    for r in rows:
        print(json.dumps({k: clean(v) for k, v in r.items()}, sort_keys=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
