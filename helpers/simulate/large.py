"""A large SIMULATED transaction log for the scale runs: :func:`write_large_log` (hive-partitioned Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .crm import simulate_transactions
from .groups import DEFAULT_SEED


def write_large_log(out: Path, n_rows: int, seed: int = DEFAULT_SEED, chunk_customers: int = 500_000,
                    seasonality: float = 1.0, progress: bool = True) -> dict[str, Any]:
    """Write a SIMULATED transaction log of exactly ``n_rows`` clean lines as a hive-partitioned
    Parquet folder (``out/year=YYYY/chunk-NNNN.parquet``) with a ``manifest.yml``, chunk by chunk.

    Each chunk is :func:`simulate_transactions` of ``chunk_customers`` customers with seed
    ``seed + chunk`` (the same BG/NBD groups, seasonality, products and channels as the bundled
    export), so memory stays at one chunk (~1.7M lines) whatever ``n_rows`` is. Customer and
    order ids get the chunk number as a prefix (``"C0003-47970929"``) so they stay unique; the
    last chunk is cut at ``n_rows`` lines (its last customers lose later purchases). Written for
    the scale runs of issue 6 (notebooks on 50M lines, the 100M memory-limited summary).

    Returns the manifest (also written to ``out/manifest.yml``): rows, customers, chunks, seed.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm.auto import tqdm

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: choose a new folder (the log is written once, never edited)")
    out.mkdir(parents=True, exist_ok=True)
    written = customers = chunk = 0
    columns = ["customer_id", "order_id", "timestamp", "amount", "quantity", "product", "category", "channel"]
    with tqdm(total=n_rows, unit="lines", unit_scale=True, desc="SIMULATED log", disable=not progress) as bar:
        while written < n_rows:
            tx = simulate_transactions(chunk_customers, seed=seed + chunk, seasonality=seasonality)[columns]
            tx = tx.iloc[: n_rows - written]
            prefix = f"C{chunk:04d}-"
            tx["customer_id"] = prefix + tx["customer_id"].astype(str)
            tx["order_id"] = prefix + tx["order_id"].astype(str)
            years = tx["timestamp"].dt.year
            for year, part in tx.groupby(years, sort=True):
                folder = out / f"year={year}"
                folder.mkdir(exist_ok=True)
                table = pa.Table.from_pandas(part.reset_index(drop=True), preserve_index=False)
                pq.write_table(table, folder / f"chunk-{chunk:04d}.parquet", row_group_size=1_000_000)
            written += len(tx)
            customers += tx["customer_id"].nunique()
            chunk += 1
            bar.update(len(tx))
    manifest = {"simulated": True, "label": f"SIMULATED log of {written:,} lines", "rows": written,
                "customers": customers, "chunks": chunk, "chunk_customers": chunk_customers, "seed": seed,
                "seasonality": seasonality, "columns": columns, "partitioning": "hive: year",
                "generator": f"helpers.simulate.write_large_log(n_rows={n_rows}, seed={seed}, "
                             f"chunk_customers={chunk_customers})"}
    with open(out / "manifest.yml", "w", encoding="utf-8") as fh:
        fh.write("# SIMULATED data: a generated transaction log, not real customers.\n")
        yaml.safe_dump(manifest, fh, allow_unicode=True, sort_keys=False)
    return manifest
