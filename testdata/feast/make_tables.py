"""Creates the drivers test repository's Iceberg tables with pyiceberg (a second
Iceberg implementation beside iceberg-go): SQL catalog "local" on
REPO/data/catalog.db, warehouse REPO/data/warehouse, empty tables. Feast's `feast apply` loads every IcebergSource's table, so
the interop tests run this first.

Usage: python make_tables.py REPO_DIR
"""
import argparse
import os

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
    args = ap.parse_args()
    data = os.path.abspath(os.path.join(args.repo, "data"))
    os.makedirs(os.path.join(data, "warehouse"), exist_ok=True)
    cat = SqlCatalog("local", uri=f"sqlite:///{data}/catalog.db", warehouse=f"file://{data}/warehouse")
    try:
        cat.create_namespace("feast")
    except NamespaceAlreadyExistsError:
        pass
    for name, schema in (("driver_stats", DRIVER_STATS), ("customer_profile", CUSTOMER_PROFILE)):
        cat.create_table_if_not_exists(f"feast.{name}", schema=schema)


if __name__ == "__main__":
    main()
