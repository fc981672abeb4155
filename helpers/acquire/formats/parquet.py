"""Parquet: a file, or a (hive-partitioned) folder of ``*.parquet`` files. The schema is kept as written.

An integer column holding nulls comes out as Python integers (object dtype, ``None`` for the nulls), not as
pandas' float64: a float64 keeps only 15–17 significant digits, so 19-digit ids (platform user ids, order
numbers) would be rounded and different ids merged (``1234567890123456789`` and ``…790`` both become
``1.2345678901234568e+18``). Integer columns without nulls stay ``int64``.
"""

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
        return pd.read_parquet(path, to_pandas_kwargs={"integer_object_nulls": True})
    import pyarrow.dataset as ds

    files = sorted(str(p) for p in path.rglob("*.parquet"))
    return ds.dataset(files, format="parquet", partitioning=ds.HivePartitioning.discover(infer_dictionary=True),
                      partition_base_dir=str(path)).to_table().to_pandas(integer_object_nulls=True)


def read(path: Path, options: ReadOptions) -> RawTable:
    """A Parquet file or folder (:func:`_read_parquet`); no options apply."""
    try:
        df = _read_parquet(path)
    except Exception as exc:
        raise DataError(f"is not a readable Parquet file or dataset ({type(exc).__name__}: {exc})",
                        file=path, hint="write it again with pandas.DataFrame.to_parquet") from exc
    return RawTable(df)


FORMAT = FileFormat("parquet", "Parquet (.parquet or a folder)", read)
