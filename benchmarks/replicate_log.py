"""A k-times larger SIMULATED log from a generated one, for the scale runs of issue 20 (50M and 100M lines).

    python benchmarks/replicate_log.py data/interim/generated/xiaomi_sim_10m data/interim/generated/xiaomi_sim_100m 10

Generating 100M lines with ``make large-log`` takes ~15 minutes of one core; copying the 10M log (``make large-log
ROWS=10M``) k times takes ~1 minute. Copy 0 keeps the files as they are; copy r > 0 has every customer and order id
suffixed ``-r<r>``, so customers stay distinct across copies (the log has k times the customers, each with the same
history as its original). The manifest says so and keeps the SIMULATED label.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml


def replicate(src: Path, dst: Path, k: int) -> dict:
    """Write ``k`` copies of every Parquet file of ``src`` (a hive folder) under ``dst``; returns the manifest."""
    for path in sorted(src.glob("*/*.parquet")):
        (dst / path.parent.name).mkdir(parents=True, exist_ok=True)
        table = pq.read_table(path)
        for r in range(k):
            out = table
            for column in ("customer_id", "order_id") if r else ():
                suffix = pa.scalar(f"-r{r}", table.schema.field(column).type)
                joined = pc.binary_join_element_wise(table[column], suffix, pa.scalar("", suffix.type))
                out = out.set_column(out.schema.get_field_index(column), column, joined)
            pq.write_table(out, dst / path.parent.name / f"{path.stem}-r{r}.parquet")
    manifest = yaml.safe_load((src / "manifest.yml").read_text(encoding="utf-8"))
    manifest.update(label=f"SIMULATED log of {manifest['rows'] * k:,} lines", rows=manifest["rows"] * k,
                    customers=manifest["customers"] * k,
                    generator=f"{manifest['generator']}; copied {k} times by benchmarks/replicate_log.py "
                              f"(copy r > 0: customer and order ids suffixed -r<r>)")
    (dst / "manifest.yml").write_text("# SIMULATED data: a generated transaction log, not real customers.\n"
                                      + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("k", type=int)
    args = parser.parse_args()
    print(replicate(args.src, args.dst, args.k)["label"], "→", args.dst)


if __name__ == "__main__":
    main()
