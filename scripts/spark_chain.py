"""Run the chain (cleaning → summary → CLV scores → segment scores) on a Spark cluster: the ``spark-submit`` entry.

    spark-submit --master yarn ... --py-files helpers.zip scripts/spark_chain.py /mnt/crm/orders/ /mnt/crm/chain/

Reads a log (a Parquet file or hive folder with the canonical columns or their aliases) and writes
:data:`helpers.chain.OUTPUTS` under the output folder, with the session ``spark-submit`` configured (its master,
executors, memory, shuffle partitions). Both paths must be on a file system the driver and every executor see
under the same path (a shared mount): the driver reads the Parquet footers and checks the row accounting with
DuckDB. See the README's "Large logs and Spark".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import chain  # noqa: E402
from helpers.largelog import ParquetLog  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", help="the transaction log: a Parquet file or a (hive) folder of Parquet files")
    parser.add_argument("out", help="the output folder (one sub-folder of Parquet files per step)")
    parser.add_argument("--currency", default=None, help="the dataset's currency (ISO 4217), e.g. CNY")
    parser.add_argument("--test-account", action="append", default=[], help="a staff / test customer id")
    parser.add_argument("--max-fit-customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("crm-workbook-chain").getOrCreate()
    run = chain.run_chain(ParquetLog.open(args.log), args.out, engine="spark", spark=spark, currency=args.currency,
                          test_accounts=args.test_account, max_fit_customers=args.max_fit_customers, seed=args.seed,
                          progress=True)
    print(json.dumps({"seconds": run.seconds, "quarantined": run.reasons, "fitted_on": run.fit.get("fitted_on")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
