# Feast's own definitions of the repository testdata/repos/drivers defines in YAML.
# The interop tests run `feast apply` on this and check feast-go reads the result
# as the same objects (feast-go's plan against it must be empty).
from datetime import timedelta

from feast import Entity, FeatureService, FeatureView, Field, PushSource, ValueType
from feast.infra.data_sources.contrib.iceberg_catalog.iceberg_source import IcebergSource
from feast.types import Array, Float32, Float64, Int32, Int64, String

driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64,
                description="A driver of the fleet")
customer = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.STRING)
zone = Entity(name="zone", join_keys=["zone_id"], value_type=ValueType.INT32)

driver_stats_source = IcebergSource(
    name="driver_stats_source", catalog_type="sql", catalog_name="local",
    endpoint="sqlite:///data/catalog.db", warehouse="data/warehouse", namespace="feast",
    table="driver_stats", timestamp_field="event_timestamp", created_timestamp_column="created",
)
customer_source = IcebergSource(
    name="customer_source", catalog_type="sql", catalog_name="local",
    endpoint="sqlite:///data/catalog.db", warehouse="data/warehouse", namespace="feast",
    table="customer_profile", timestamp_field="event_timestamp",
)
trips_source = IcebergSource(
    name="trips_source", catalog_type="sql", catalog_name="local",
    endpoint="sqlite:///data/catalog.db", warehouse="data/warehouse", namespace="feast",
    table="trips", timestamp_field="event_timestamp",
)
zones_source = IcebergSource(
    name="zones_source", catalog_type="sql", catalog_name="local",
    endpoint="sqlite:///data/catalog.db", warehouse="data/warehouse", namespace="feast",
    table="zones", timestamp_field="event_timestamp",
)
driver_stats_push = PushSource(name="driver_stats_push", batch_source=driver_stats_source)

driver_hourly_stats = FeatureView(
    name="driver_hourly_stats", entities=[driver], ttl=timedelta(hours=24),
    source=driver_stats_source, tags={"team": "drivers"},
    schema=[Field(name="driver_id", dtype=Int64), Field(name="conv_rate", dtype=Float32),
            Field(name="acc_rate", dtype=Float64), Field(name="avg_daily_trips", dtype=Int64)],
)
driver_fresh_stats = FeatureView(
    name="driver_fresh_stats", entities=[driver], ttl=timedelta(hours=2), source=driver_stats_push,
    schema=[Field(name="driver_id", dtype=Int64), Field(name="conv_rate", dtype=Float32)],
)
customer_profile = FeatureView(
    name="customer_profile", entities=[customer], ttl=timedelta(0), source=customer_source, online=True,
    schema=[Field(name="customer_id", dtype=String), Field(name="age", dtype=Int32),
            Field(name="tier", dtype=String), Field(name="tags", dtype=Array(String))],
)
driver_customer_trips = FeatureView(
    name="driver_customer_trips", entities=[driver, customer], ttl=timedelta(hours=48), source=trips_source,
    schema=[Field(name="driver_id", dtype=Int64), Field(name="customer_id", dtype=String),
            Field(name="trip_count", dtype=Int64), Field(name="avg_fare", dtype=Float64)],
)
zone_stats = FeatureView(
    name="zone_stats", entities=[zone], ttl=timedelta(hours=12), source=zones_source,
    schema=[Field(name="zone_id", dtype=Int32), Field(name="demand", dtype=Float64), Field(name="label", dtype=String)],
)

driver_activity = FeatureService(
    name="driver_activity", features=[driver_hourly_stats, driver_fresh_stats[["conv_rate"]]],
    precompute_online=True,
)
customer_view = FeatureService(
    name="customer_view", features=[customer_profile[["age", "tier"]].with_name("cp")],
)
