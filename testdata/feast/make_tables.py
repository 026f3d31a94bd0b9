"""Creates the drivers test repository's Iceberg tables with pyiceberg (a second
Iceberg implementation beside iceberg-go): SQL catalog "local" on
REPO/data/catalog.db, warehouse REPO/data/warehouse. `feast apply` loads every
IcebergSource's table, so the interop tests run this first.

With --rows, the tables get deterministic rows covering what byte
compatibility must survive: nulls and NaN, unicode strings, duplicate event
times broken by the created time, rows exactly on the window edges
(2026-10-01T00:00:00Z and 2026-10-03T00:00:00Z) and rows outside them, a
composite key (driver_id, customer_id; Feast sorts join keys by name), and
an Int32 entity read from a long column (zone_id, up to 2^31-1 and negative).

Usage: python make_tables.py REPO_DIR [--rows]
"""
import argparse
import math
import os
from datetime import datetime, timedelta, timezone

import pyarrow as pa

from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NamespaceAlreadyExistsError
from pyiceberg.schema import Schema
from pyiceberg.types import (DoubleType, FloatType, IntegerType, ListType, LongType, NestedField,
                             StringType, TimestampType, TimestamptzType)

DRIVER_STATS = Schema(
    NestedField(1, "driver_id", LongType(), required=False),
    NestedField(2, "conv_rate", FloatType(), required=False),
    NestedField(3, "acc_rate", DoubleType(), required=False),
    NestedField(4, "avg_daily_trips", LongType(), required=False),
    NestedField(5, "event_timestamp", TimestamptzType(), required=False),
    NestedField(6, "created", TimestampType(), required=False),
)
TRIPS = Schema(  # a composite key: driver_id and customer_id
    NestedField(1, "driver_id", LongType(), required=False),
    NestedField(2, "customer_id", StringType(), required=False),
    NestedField(3, "trip_count", LongType(), required=False),
    NestedField(4, "avg_fare", DoubleType(), required=False),
    NestedField(5, "event_timestamp", TimestamptzType(), required=False),
)
ZONES = Schema(  # zone_id is a long here; the Int32 entity makes it an int32 key
    NestedField(1, "zone_id", LongType(), required=False),
    NestedField(2, "demand", DoubleType(), required=False),
    NestedField(3, "label", StringType(), required=False),
    NestedField(4, "event_timestamp", TimestamptzType(), required=False),
)
CUSTOMER_PROFILE = Schema(
    NestedField(1, "customer_id", StringType(), required=False),
    NestedField(2, "age", IntegerType(), required=False),
    NestedField(3, "tier", StringType(), required=False),
    NestedField(4, "tags", ListType(5, StringType(), element_required=False), required=False),
    NestedField(6, "event_timestamp", TimestamptzType(), required=False),
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repo")
    ap.add_argument("--rows", action="store_true")
    ap.add_argument("--created-always", action="store_true",
                    help="give every row a created time (Feast 0.67's SQLite writer fails on a null one: NaTType binding error)")
    args = ap.parse_args()
    data = os.path.abspath(os.path.join(args.repo, "data"))
    os.makedirs(os.path.join(data, "warehouse"), exist_ok=True)
    cat = SqlCatalog("local", uri=f"sqlite:///{data}/catalog.db", warehouse=f"file://{data}/warehouse")
    try:
        cat.create_namespace("feast")
    except NamespaceAlreadyExistsError:
        pass
    tables = {}
    for name, schema in (("driver_stats", DRIVER_STATS), ("customer_profile", CUSTOMER_PROFILE), ("trips", TRIPS), ("zones", ZONES)):
        tables[name] = cat.create_table_if_not_exists(f"feast.{name}", schema=schema)
    if args.rows:
        rows = driver_rows(tables["driver_stats"].schema().as_arrow())
        if args.created_always:
            created = [c if c is not None else e.replace(tzinfo=None)
                       for c, e in zip(rows.column("created").to_pylist(), rows.column("event_timestamp").to_pylist())]
            rows = rows.set_column(rows.schema.get_field_index("created"), rows.schema.field("created"), pa.array(created, rows.schema.field("created").type))
        tables["driver_stats"].append(rows)
        tables["customer_profile"].append(customer_rows(tables["customer_profile"].schema().as_arrow()))
        tables["trips"].append(trip_rows(tables["trips"].schema().as_arrow()))
        tables["zones"].append(zone_rows(tables["zones"].schema().as_arrow()))


START = datetime(2026, 10, 1, tzinfo=timezone.utc)
END = datetime(2026, 10, 3, tzinfo=timezone.utc)


def driver_rows(schema):
    rows = []
    for d in range(40):
        for h in range(0, 49, 6):  # 2026-10-01T00:00 .. 2026-10-03T00:00 inclusive, every 6 hours
            ts = START + timedelta(hours=h)
            rows.append(dict(driver_id=1000 + d, conv_rate=(d * 7 + h) % 100 / 100.0, acc_rate=d / 3.0,
                             avg_daily_trips=d * 10 + h, event_timestamp=ts, created=(ts + timedelta(minutes=1)).replace(tzinfo=None)))
    # Ties on the event time, broken by the created time (the later created wins).
    last = END
    rows.append(dict(driver_id=1001, conv_rate=0.99, acc_rate=1.5, avg_daily_trips=-1, event_timestamp=last,
                     created=(last + timedelta(hours=1)).replace(tzinfo=None)))
    rows.append(dict(driver_id=1001, conv_rate=0.01, acc_rate=0.5, avg_daily_trips=-2, event_timestamp=last,
                     created=(last - timedelta(hours=1)).replace(tzinfo=None)))
    # Nulls and NaN.
    rows.append(dict(driver_id=2000, conv_rate=None, acc_rate=math.nan, avg_daily_trips=None, event_timestamp=START + timedelta(hours=3), created=None))
    # Outside the window: never written.
    rows.append(dict(driver_id=3000, conv_rate=0.5, acc_rate=0.5, avg_daily_trips=5, event_timestamp=END + timedelta(seconds=1), created=None))
    rows.append(dict(driver_id=3001, conv_rate=0.5, acc_rate=0.5, avg_daily_trips=5, event_timestamp=START - timedelta(seconds=1), created=None))
    return pa.Table.from_pylist(rows, schema=schema)


def customer_rows(schema):
    tiers = ["gold", "silver", "été 😀", ""]
    rows = []
    for c in range(30):
        rows.append(dict(customer_id=f"c{c}", age=20 + c, tier=tiers[c % 4], tags=[f"t{c}", "ü"] if c % 3 else None,
                         event_timestamp=START + timedelta(hours=c)))
    rows.append(dict(customer_id="cé😀", age=None, tier=None, tags=[], event_timestamp=END))
    return pa.Table.from_pylist(rows, schema=schema)


def trip_rows(schema):
    rows = []
    for d in range(6):
        for c in range(4):
            for h in (0, 24, 48):  # the window's edges and middle
                rows.append(dict(driver_id=1000 + d, customer_id=f"c{c}", trip_count=d * 10 + c + h, avg_fare=(d + c) * 1.25 + h,
                                 event_timestamp=START + timedelta(hours=h)))
    # The same pair keys in the other order must not collide: driver 1001 with customer "c1000".
    rows.append(dict(driver_id=1001, customer_id="c1000", trip_count=7, avg_fare=math.nan, event_timestamp=START + timedelta(hours=5)))
    rows.append(dict(driver_id=1002, customer_id="cé😀", trip_count=None, avg_fare=None, event_timestamp=START + timedelta(hours=6)))
    return pa.Table.from_pylist(rows, schema=schema)


def zone_rows(schema):
    rows = [dict(zone_id=z, demand=z / 7.0, label=f"zone {z} ☂", event_timestamp=START + timedelta(hours=z % 48))
            for z in (1, 2, 3, 40, 2147483647)]
    rows.append(dict(zone_id=-5, demand=None, label=None, event_timestamp=END))
    return pa.Table.from_pylist(rows, schema=schema)


if __name__ == "__main__":
    main()
