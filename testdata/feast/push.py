"""Pushes the rows of a CSV file through Feast 0.67's FeatureStore.push (to the
online store), as an operator's Python job would. Timestamps are parsed as UTC.
Usage: python push.py REPO_DIR PUSH_SOURCE INPUT.csv"""
import sys

import pandas as pd
from feast import FeatureStore
from feast.data_source import PushMode


def main(repo, source, path):
    df = pd.read_csv(path)
    for col in ("event_timestamp", "created"):
        if col in df.columns:
            df[col] = pd.to_datetime(df[col], utc=True)
    FeatureStore(repo_path=repo).push(source, df, to=PushMode.ONLINE)
    print(f"pushed {len(df)} rows")


if __name__ == "__main__":
    main(*sys.argv[1:4])
