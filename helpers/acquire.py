"""Acquisition (数据获取): read customer transaction data into one canonical schema.

Three ways data arrives, one schema out:

- the bundled **real** dataset, CDNOW (:func:`load_cdnow`);
- the bundled **simulated** Xiaomi-like CRM export (:func:`load_xiaomi_sim`), messy on purpose;
- the **user's own** export (:func:`read_transactions`): CSV (UTF-8, UTF-8 with BOM,
  GB18030/GBK), Excel (.xlsx, .xls) or Parquet (a file or a hive-partitioned folder).

The canonical transaction schema is ``customer_id, order_id, timestamp, amount`` plus the
optional ``quantity, product, category, channel, status``, and two lineage columns,
``source_file`` and ``source_row`` (1-based data row, header excluded), so that every
row can be traced back to the line of the raw file it came from. Values are carried
*as read* (text stays text): parsing dates and amounts is cleaning's job
(:mod:`helpers.clean`), where a value that does not parse sends its row to quarantine
with a reason instead of becoming a silent ``NaN``.

Columns that are not mapped onto the schema are not carried forward. That is also a
privacy rule: names, phone numbers and e-mails in an order export stop here; in a
customer table they are replaced by keyed pseudonyms (:mod:`helpers.privacy`).

Every read records its provenance (path, sha256, rows, encoding, format, time).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import yaml
from matplotlib.figure import Figure

from . import i18n
from .clean import parse_timestamps
from .errors import DataError
from .i18n import tr
from .largelog import LARGE_ROWS, ParquetLog, weekly_totals
from .paths import RAW, display_path, resolve_user_path, sha256_of
from .privacy import pseudonymise
from .schema import ALIASES, CANONICAL, LINEAGE, OPTIONAL, REQUIRED, resolve_columns
from .store import Acquired, Provenance, load_interim, save_interim

__all__ = [
    "ALIASES", "CANONICAL", "LINEAGE", "OPTIONAL", "REQUIRED", "Acquired", "Provenance",
    "acquire", "as_text", "bundled_sources", "column_map_table", "decode_text", "display_path",
    "load_cdnow", "load_interim", "load_xiaomi_sim", "peek_timestamps", "plot_customer_profile",
    "provenance_table", "read_manifest", "read_table", "read_transactions", "resolve_columns",
    "resolve_user_path", "save_interim", "sha256_of", "to_canonical", "weekly_lines",
]

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


# --------------------------------------------------------------------------- low level


def _row_of_offset(raw: bytes, offset: int) -> int | str:
    """1-based data row (header excluded) containing byte ``offset``, or ``"header"``."""
    row = raw.count(b"\n", 0, offset)
    return row if row > 0 else "header"


def decode_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file, returning ``(text, encoding used)``.

    An explicit ``encoding`` always wins. Otherwise strict UTF-8 (``utf-8-sig``, which
    also removes a byte-order mark), then strict GB18030 (a superset of GBK and GB2312),
    and only then a statistical detector (charset-normalizer), because detectors guess
    wrong on short Chinese files (one guessed Korean cp949 for a GB18030 CSV).
    """
    raw = path.read_bytes()
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding
        except LookupError as exc:
            raise DataError(f"unknown encoding {encoding!r}", file=path,
                            hint="use e.g. 'utf-8', 'gb18030' or 'gbk'") from exc
        except UnicodeDecodeError as exc:
            raise DataError(
                f"cannot be decoded as {encoding} (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                file=path, row=_row_of_offset(raw, exc.start),
                hint="check the file's encoding; leave encoding=None to detect UTF-8 or GB18030",
            ) from exc
    for candidate in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding and (best.percent_coherence or 0) >= 50:
        return str(best), best.encoding
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    else:  # pragma: no cover - utf-8 succeeded above
        first_bad = 0
    raise DataError(
        "is neither UTF-8 nor GB18030 and no other encoding could be recognised "
        f"(first undecodable byte 0x{raw[first_bad]:02x} at offset {first_bad})",
        file=path, row=_row_of_offset(raw, first_bad),
        hint="open it in a text editor, re-save it as UTF-8, or pass encoding='...' explicitly",
    )


def _sniff_sep(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


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


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    sep: str | None = None,
) -> tuple[pd.DataFrame, Provenance]:
    """Read any supported file into a DataFrame of raw values plus its :class:`Provenance`.

    CSV values are read as text (nothing converted, empty cells missing); Excel cells keep
    the type Excel stored (dates as datetimes); Parquet keeps its schema.

    Raises
    ------
    DataError
        File missing, unknown format, empty, header-only, or undecodable.
    """
    path = resolve_user_path(path)
    if not path.exists():
        raise DataError("file not found", file=path,
                        hint="check the path (relative paths are tried from the current folder, "
                             "then from the project root)")
    suffix = path.suffix.lower()
    is_parquet_dir = path.is_dir() and any(path.rglob("*.parquet"))
    if path.is_file() and path.stat().st_size == 0:
        raise DataError("file is empty (0 bytes)", file=path, hint="export the data again")
    used_encoding: str | None = None
    used_sheet: str | None = None
    if suffix in CSV_SUFFIXES:
        text, used_encoding = decode_text(path, encoding)
        if not text.strip():
            raise DataError("file contains no text", file=path, hint="export the data again")
        delimiter = sep or ("\t" if suffix == ".tsv" else _sniff_sep(text))
        try:
            df = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                             na_values=[""], skipinitialspace=True,
                             engine="python" if len(delimiter) > 1 else "c")
        except pd.errors.ParserError as exc:
            match = re.search(r"line (\d+)", str(exc))
            row = int(match.group(1)) - 1 if match else None
            raise DataError(f"is not a well-formed delimited file ({exc})", file=path, row=row,
                            hint="check the delimiter (pass sep=...) and quoting around that row") from exc
        fmt = "csv"
    elif suffix in EXCEL_SUFFIXES:
        engine = "calamine" if suffix == ".xls" else "openpyxl"
        try:
            book = pd.read_excel(path, sheet_name=None if sheet is None else sheet, dtype=object,
                                 engine=engine)
        except ValueError as exc:
            raise DataError(f"cannot read this Excel sheet ({exc})", file=path,
                            hint="check the sheet name or export the data again") from exc
        except Exception as exc:  # zip/BIFF errors come in many types
            raise DataError(f"is not a readable Excel workbook ({type(exc).__name__}: {exc})",
                            file=path, hint="open and re-save it in Excel, or export it as CSV") from exc
        if isinstance(book, dict):
            if not book:
                raise DataError("workbook has no sheets", file=path)
            used_sheet, df = next(iter(book.items()))
        else:
            used_sheet, df = str(sheet), book
        fmt = "excel"
    elif suffix in PARQUET_SUFFIXES or is_parquet_dir:
        try:
            df = _read_parquet(path)
        except Exception as exc:
            raise DataError(f"is not a readable Parquet file or dataset ({type(exc).__name__}: {exc})",
                            file=path, hint="write it again with pandas.DataFrame.to_parquet") from exc
        fmt = "parquet"
    else:
        raise DataError(
            f"unknown format {suffix or '(no extension)'!r}", file=path,
            hint="supported: CSV (.csv/.txt/.tsv), Excel (.xlsx/.xls) and Parquet (.parquet or a folder)",
        )
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) == 0:
        raise DataError("has no columns", file=path, hint="export the data again with a header row")
    if len(df) == 0:
        raise DataError("has a header but no data rows", file=path,
                        hint=f"columns found: {list(df.columns)}; export the data rows too")
    prov = Provenance(
        path=display_path(path), sha256=sha256_of(path), rows=len(df), format=fmt, encoding=used_encoding,
        read_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), sheet=used_sheet,
    )
    return df, prov


def _cell_text(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return pd.NA
    if isinstance(value, float):
        if value != value:
            return pd.NA
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        return pd.Timestamp(value).isoformat(sep=" ")
    if hasattr(value, "isoformat"):  # datetime.date, datetime.time
        return value.isoformat()
    return str(value)


def as_text(values: pd.Series) -> pd.Series:
    """Values as text (``string`` dtype), missing stays missing; dates as ISO text."""
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        return values.astype("string")
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d %H:%M:%S")
        return text.astype("string")
    return values.astype(object).map(_cell_text).astype("string")


def to_canonical(
    df: pd.DataFrame,
    mapping: Mapping[str, str],
    *,
    source: str,
) -> pd.DataFrame:
    """Select and rename mapped columns into the canonical order, adding lineage columns."""
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for canonical in CANONICAL:
        if canonical in mapping:
            out[canonical] = df[mapping[canonical]].to_numpy()
    rows = pd.Series(range(1, len(df) + 1), dtype="int64")
    if "order_id" not in mapping:
        out["order_id"] = (source + ":" + rows.astype(str)).to_numpy()
    out["source_file"] = pd.Series([source] * len(df), dtype="string")
    out["source_row"] = rows.to_numpy()
    # every value column becomes text, as read: ids keep leading zeros, Excel date cells
    # become ISO text, and cleaning parses all sources the same way
    for column in out.columns:
        if column in LINEAGE:
            continue
        out[column] = as_text(out[column])
    for column in ("customer_id", "order_id"):
        out.loc[out[column].str.strip().fillna("") == "", column] = pd.NA
    ordered = [c for c in CANONICAL if c in out.columns] + list(LINEAGE)
    return out[ordered]


def read_transactions(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    *,
    sheet: str | int | None = None,
    sep: str | None = None,
) -> pd.DataFrame:
    """Read a user's transaction export into the canonical schema.

    Parameters
    ----------
    path
        CSV/TSV/TXT (UTF-8, UTF-8 with BOM, GB18030/GBK detected or given), Excel
        (.xlsx, .xls: the first sheet unless ``sheet`` is given) or Parquet (file or
        hive-partitioned folder).
    columns
        ``{canonical name: your column}``, e.g. ``{"customer_id": "客户ID",
        "timestamp": "下单时间", "amount": "实付金额"}``. Unmapped canonical columns are
        looked up by common English and Chinese names (:data:`ALIASES`).
    encoding
        Text encoding of a CSV; detected when ``None``.
    sheet, sep
        Excel sheet; CSV delimiter (sniffed when ``None``).

    Returns
    -------
    DataFrame
        Columns ``customer_id, order_id, timestamp, amount`` (+ mapped optional columns)
        ``, source_file, source_row``, raw values as read; ``df.attrs["provenance"]`` holds
        the :class:`Provenance` as a dict.
    """
    raw, prov = read_table(path, encoding=encoding, sheet=sheet, sep=sep)
    mapping = resolve_columns(raw.columns, columns, file=path)
    out = to_canonical(raw, mapping, source=resolve_user_path(path).name)
    prov.columns = dict(mapping)
    if "order_id" not in mapping:
        prov.notes.append("no order id column: order_id generated as '<file>:<row>' "
                          "(exact duplicates cannot then be told from repeated purchases)")
    out.attrs["provenance"] = prov.to_dict()
    return out


# --------------------------------------------------------------------------- bundled data

CDNOW_DIR = RAW / "cdnow"
XIAOMI_DIR = RAW / "xiaomi_sim"


def load_cdnow(which: str = "master", raw_dir: Path = CDNOW_DIR) -> Acquired:
    """The CDNOW dataset (real; Fader & Hardie), in the canonical schema.

    ``which="master"``: 69,659 purchases of the 23,570 customers who first bought at CDNOW
    in Q1 1997, to 1998-06-30. ``which="sample"``: the 1/10 sample (2,357 customers) used in
    Fader, Hardie & Lee (2005). Amounts are US dollars; ``quantity`` is the number of CDs.
    The files have no order id: it is ``<file>:<row>``, so repeated same-day purchases stay
    separate transactions (they are not duplicates).
    """
    if which == "master":
        path = raw_dir / "CDNOW_master.txt"
        names = ["customer_id", "date", "number_of_cds", "dollar_value"]
        raw = pd.read_csv(path, sep=r"\s+", dtype=str, skiprows=1, names=names)
    elif which == "sample":
        path = raw_dir / "CDNOW_sample.txt"
        names = ["master_id", "customer_id", "date", "number_of_cds", "dollar_value"]
        raw = pd.read_csv(path, sep=r"\s+", dtype=str, header=None, names=names)
    else:
        raise ValueError("which must be 'master' or 'sample'")
    mapping = {"customer_id": "customer_id", "timestamp": "date", "amount": "dollar_value",
               "quantity": "number_of_cds"}
    tx = to_canonical(raw, mapping, source=path.name)
    prov = Provenance(path=display_path(path),
                      sha256=sha256_of(path), rows=len(raw), format="whitespace-separated text",
                      encoding="ascii", read_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      columns=mapping)
    return Acquired(name="cdnow" if which == "master" else "cdnow_sample",
                    label=f"CDNOW {which} (real data, Fader & Hardie)", simulated=False,
                    currency="USD", transactions=tx, customers=None, provenance=[prov])


def read_manifest(raw_dir: Path = XIAOMI_DIR) -> dict[str, Any]:
    """The simulated export's ``manifest.yml``: files, encodings and column maps."""
    with open(raw_dir / "manifest.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_xiaomi_sim(raw_dir: Path = XIAOMI_DIR, key: bytes | None = None) -> Acquired:
    """The simulated Xiaomi-like CRM export (SIMULATED data), as real exports arrive.

    Reads the order files listed in ``manifest.yml`` (a GB18030 CSV with Chinese headers
    from the online mall, an Excel workbook from the carrier partner, a UTF-8-with-BOM CSV
    from the offline stores) through :func:`read_transactions` with their column maps,
    stacks them, and reads the customer table with names, phone numbers and e-mails
    replaced by keyed pseudonyms. Staff test accounts are listed from the customer table's
    account-type column for cleaning to quarantine.
    """
    manifest = read_manifest(raw_dir)
    parts, provs = [], []
    for spec in manifest["orders"]:
        tx = read_transactions(raw_dir / spec["file"], columns=spec["columns"],
                               encoding=spec.get("encoding"), sheet=spec.get("sheet"))
        if spec.get("channel") and "channel" not in spec["columns"]:
            tx["channel"] = pd.Series(spec["channel"], index=tx.index, dtype="string")
        parts.append(tx)
        provs.append(Provenance(**tx.attrs["provenance"]))
    transactions = pd.concat(parts, ignore_index=True)
    transactions = transactions[[c for c in CANONICAL if c in transactions.columns] + list(LINEAGE)]
    transactions.attrs = {}
    cust_spec = manifest["customers"]
    raw_customers, cprov = read_table(raw_dir / cust_spec["file"], encoding=cust_spec.get("encoding"))
    customers = raw_customers.rename(columns={v: k for k, v in cust_spec["columns"].items()})
    customers = customers[list(cust_spec["columns"])]
    customers = pseudonymise(customers, cust_spec["personal"], key=key)
    cprov.columns = dict(cust_spec["columns"])
    cprov.notes.append(f"personal columns pseudonymised: {sorted(cust_spec['personal'])}")
    is_test = customers["account_type"].astype(str).isin(cust_spec["test_account_values"])
    return Acquired(
        name="xiaomi_sim", label=manifest["label"], simulated=True, currency=manifest["currency"],
        transactions=transactions, customers=customers.reset_index(drop=True),
        provenance=provs + [cprov],
        test_accounts=sorted(customers.loc[is_test, "customer_id"].astype(str)),
    )


def acquire(
    dataset: str = "xiaomi_sim",
    *,
    source_path: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    currency: str = "CNY",
    test_accounts: Iterable[str] = (),
    max_rows_in_memory: int | None = LARGE_ROWS,
) -> Acquired:
    """Acquire a dataset by name, the way notebook 01's parameters choose it.

    ``dataset`` is ``"cdnow"``, ``"cdnow_sample"``, ``"xiaomi_sim"``, or any other name
    together with ``source_path`` (and usually ``columns``) for the user's own file.

    A Parquet source (file or hive-partitioned folder) with more than ``max_rows_in_memory``
    lines is not loaded: ``transactions`` is then a :class:`~helpers.largelog.ParquetLog` that
    the later steps scan with DuckDB (``None``: always load). A folder whose ``manifest.yml``
    says ``simulated: true`` (e.g. from ``python -m helpers.simulate --large-log 50M``) is
    labelled SIMULATED.
    """
    if source_path and _is_parquet(resolve_user_path(source_path)) and max_rows_in_memory is not None:
        log = ParquetLog.open(source_path, columns)
        if len(log) > max_rows_in_memory:
            return _acquire_log(dataset, log, currency, test_accounts)
    if source_path:
        tx = read_transactions(source_path, columns=columns, encoding=encoding, sheet=sheet)
        prov = Provenance(**tx.attrs["provenance"])
        tx.attrs = {}
        name = dataset if dataset not in ("cdnow", "cdnow_sample", "xiaomi_sim") else "own"
        simulated, label = _source_label(resolve_user_path(source_path))
        return Acquired(name=name, label=label, simulated=simulated,
                        currency=currency, transactions=tx, customers=None, provenance=[prov],
                        test_accounts=list(test_accounts))
    if dataset == "cdnow":
        return load_cdnow("master")
    if dataset == "cdnow_sample":
        return load_cdnow("sample")
    if dataset == "xiaomi_sim":
        return load_xiaomi_sim()
    raise DataError(
        f"unknown dataset {dataset!r}",
        hint="use 'cdnow', 'cdnow_sample', 'xiaomi_sim', or give source_path= (and columns=) for your own file",
    )


def _is_parquet(path: Path) -> bool:
    if path.is_dir():
        return any(path.rglob("*.parquet"))
    return path.suffix.lower() in PARQUET_SUFFIXES


def _source_label(path: Path) -> tuple[bool, str]:
    """``(simulated, label)`` of a user's source: a folder (or a file next to a ``manifest.yml``)
    whose manifest says ``simulated: true`` is SIMULATED, whatever its size; anything else is own data."""
    folder = path if path.is_dir() else path.parent
    manifest = (read_manifest(folder) or {}) if (folder / "manifest.yml").exists() else {}
    if not manifest.get("simulated"):
        return False, f"own data: {path.name}"
    given = str(manifest.get("label", path.name))
    return True, given if "SIMULATED" in given else f"SIMULATED: {given}"


def _acquire_log(dataset: str, log: ParquetLog, currency: str, test_accounts: Iterable[str]) -> Acquired:
    """A large Parquet log, acquired without loading it: provenance, label, lineage by file row."""
    simulated, label = _source_label(log.path)
    files = sorted(log.path.rglob("*.parquet")) if log.path.is_dir() else [log.path]
    prov = Provenance(path=display_path(log.path), sha256=sha256_of(log.path), rows=len(log),
                      format="parquet (hive folder)" if log.path.is_dir() else "parquet", encoding=None,
                      read_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), columns=dict(log.mapping),
                      notes=[f"{len(files)} Parquet file(s), scanned by DuckDB, not loaded into memory"])
    name = dataset if dataset not in ("cdnow", "cdnow_sample", "xiaomi_sim") else "own"
    return Acquired(name=name, label=label, simulated=simulated, currency=currency, transactions=log,
                    customers=None, provenance=[prov], test_accounts=list(test_accounts))


def provenance_table(provenance: Iterable[Provenance]) -> pd.DataFrame:
    """One row per source file: name, format, encoding, rows, sha256 (first 16 hex digits)."""
    rows = [{
        "file": Path(p.path).name, "format": p.format, "encoding": p.encoding or "",
        "sheet": p.sheet or "", "rows": p.rows, "sha256": p.sha256[:16] + "…",
    } for p in provenance]
    return pd.DataFrame(rows)


def bundled_sources() -> pd.DataFrame:
    """The raw files bundled in ``data/raw``: dataset, real or simulated, size and sha256.

    Read from the provenance notes (``data/raw/cdnow/PROVENANCE.md``'s table is checked against
    the files by the test suite) and the simulated export's manifest.
    """
    rows = []
    for path in sorted(CDNOW_DIR.glob("CDNOW_*.txt")):
        with open(path, "rb") as fh:
            lines = sum(1 for _ in fh)
        rows.append({"dataset": "cdnow", "kind": "real 真实数据", "file": path.name,
                     "rows": lines - (1 if "master" in path.name else 0),
                     "MB": round(path.stat().st_size / 1e6, 2), "sha256": sha256_of(path)[:16] + "…"})
    if (XIAOMI_DIR / "manifest.yml").exists():
        manifest = read_manifest()
        files = [spec["file"] for spec in manifest["orders"]] + [manifest["customers"]["file"]]
        rows_by_file = dict(zip(files, [manifest["rows"][k] for k in ("online_mall", "carrier", "offline_store",
                                                                       "customers")]))
        for name in files:
            path = XIAOMI_DIR / name
            rows.append({"dataset": "xiaomi_sim", "kind": "SIMULATED 模拟数据", "file": name,
                         "rows": rows_by_file[name], "MB": round(path.stat().st_size / 1e6, 2),
                         "sha256": sha256_of(path)[:16] + "…"})
    return pd.DataFrame(rows)


def column_map_table(provenance: Iterable[Provenance]) -> pd.DataFrame:
    """Each source's column map side by side: one row per canonical column, one column per file.

    Empty cells mean the file has no column for it.
    """
    maps = {Path(p.path).name: p.columns for p in provenance if p.columns}
    names: list[str] = [c for c in CANONICAL if any(c in m for m in maps.values())]
    names += [c for m in maps.values() for c in m if c not in names]
    table = pd.DataFrame({file: [m.get(c, "") for c in names] for file, m in maps.items()}, index=names)
    table.index.name = "canonical column"
    return table


def weekly_lines(transactions: pd.DataFrame | ParquetLog) -> pd.Series:
    """Order lines per week (weeks start Monday) at a first look, before cleaning.

    ``attrs``: ``rows``, ``unparsed`` (dates that do not parse), ``first``, ``last``. A large
    log is counted by DuckDB; a DataFrame's raw dates are parsed as cleaning will parse them
    (:func:`peek_timestamps`). Both through :func:`helpers.largelog.weekly_totals`.
    """
    if isinstance(transactions, ParquetLog):
        return weekly_totals(transactions)
    return weekly_totals(peek_timestamps(transactions))


def peek_timestamps(transactions: pd.DataFrame) -> pd.Series:
    """Parse the raw ``timestamp`` column for a first look (``NaT`` where it does not parse).

    Uses the same parser as cleaning (:func:`helpers.clean.parse_timestamps`); nothing is dropped.
    """
    return parse_timestamps(transactions["timestamp"])


def plot_customer_profile(customers: pd.DataFrame, *, label: str | None = None) -> Figure:
    """Age distribution (years), acquisition channel and community membership of customers."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.4, 1, 1]})
    ages = pd.to_numeric(customers["age"], errors="coerce").dropna()
    sns.histplot(ages, bins=range(int(ages.min()), int(ages.max()) + 2), ax=axes[0])
    axes[0].axvspan(18, 36, color="orange", alpha=0.12, label="18–35")
    axes[0].legend(loc="upper right", fontsize=8)
    axes[0].set_xlabel(tr("age (years, 年龄)"))
    axes[0].set_ylabel(tr("customers (客户数)"))
    axes[0].set_title(tr("Age 年龄"), loc="left")
    shares = customers["channel"].value_counts(normalize=True).mul(100).rename("share").reset_index()
    shares["channel"] = i18n.tr_labels(shares["channel"].astype(str), lenient=True)
    sns.barplot(data=shares, y="channel", x="share", hue="channel", legend=False, ax=axes[1])
    axes[1].set_xlabel(tr("share of customers (%)"))
    axes[1].set_ylabel("")
    axes[1].set_title(tr("Acquisition channel 获客渠道"), loc="left")
    member = pd.DataFrame({
        "membership": i18n.tr_labels(["MIUI user", "forum member 论坛会员"]),
        "share": [customers["miui_user"].eq("是").mean() * 100, customers["forum_member"].eq("是").mean() * 100],
    })
    sns.barplot(data=member, y="membership", x="share", hue="membership", legend=False, ax=axes[2])
    axes[2].set_xlim(0, 100)
    axes[2].set_xlabel(tr("share of customers (%)"))
    axes[2].set_ylabel("")
    axes[2].set_title(tr("Community 社区"), loc="left")
    if label:
        fig.suptitle(i18n.with_label(tr("Customer profile 客户画像"), label, sep=" — "), x=0.01, ha="left",
                     fontweight="bold")
    fig.tight_layout()
    return fig
