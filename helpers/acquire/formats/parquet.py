"""Parquet: a file, or a (hive-partitioned) folder of ``*.parquet`` files. The schema is kept as written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...errors import DataError
from .base import FileFormat, RawTable, ReadOptions


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file, or the ``*.parquet`` files of a (hive-partitioned) folder, as pandas reads a folder
    (partition keys as categoricals). Only ``*.parquet`` files are read, so a ``manifest.yml`` beside
    them (e.g. from ``python -m helpers.simulate --large-log``) is not taken for a broken data file."""
    if not path.is_dir():
        return pd.read_parquet(path)
    import pyarrow.dataset as ds

    files = sorted(str(p) for p in path.rglob("*.parquet"))
    return ds.dataset(files, format="parquet", partitioning=ds.HivePartitioning.discover(infer_dictionary=True),
                      partition_base_dir=str(path)).to_table().to_pandas()


def read(path: Path, options: ReadOptions) -> RawTable:
    """A Parquet file or folder (:func:`_read_parquet`); no options apply."""
    try:
        df = _read_parquet(path)
    except Exception as exc:
        raise DataError(f"is not a readable Parquet file or dataset ({type(exc).__name__}: {exc})",
                        file=path, hint="write it again with pandas.DataFrame.to_parquet") from exc
    return RawTable(df)


FORMAT = FileFormat("parquet", "Parquet (.parquet or a folder)", read)
