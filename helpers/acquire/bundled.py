"""The datasets bundled in ``data/raw``, and their registry :data:`BUNDLED`.

- ``cdnow`` and ``cdnow_sample``: the **real** CDNOW purchases (Fader & Hardie), :func:`load_cdnow`;
- ``xiaomi_sim``: the **simulated** Xiaomi-like CRM export, messy on purpose, :func:`load_xiaomi_sim`
  (its ``manifest.yml``, read by :func:`read_manifest`, lists files, encodings and column maps).

:func:`helpers.acquire.acquire` loads a bundled dataset by its name in :data:`BUNDLED`, and
:func:`bundled_sources` lists the registry's raw files. Adding a bundled dataset is one loader and
one :class:`BundledDataset` entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import yaml

from ..paths import RAW, display_path, sha256_of
from ..privacy import pseudonymise
from ..schema import ACQUISITION_MARKS, CANONICAL, LINEAGE
from ..store import Acquired, Provenance, read_time
from .read import read_table, read_transactions, to_canonical

CDNOW_DIR = RAW / "cdnow"
XIAOMI_DIR = RAW / "xiaomi_sim"

#: The CDNOW files (whitespace-separated text): file name, header lines, column names.
_CDNOW_FILES: dict[str, tuple[str, int, list[str]]] = {
    "master": ("CDNOW_master.txt", 1, ["customer_id", "date", "number_of_cds", "dollar_value"]),
    "sample": ("CDNOW_sample.txt", 0, ["master_id", "customer_id", "date", "number_of_cds", "dollar_value"]),
}




def load_cdnow(which: str = "master", raw_dir: Path = CDNOW_DIR) -> Acquired:
    """The CDNOW dataset (real; Fader & Hardie), in the canonical schema.

    ``which="master"``: 69,659 purchases of the 23,570 customers who first bought at CDNOW
    in Q1 1997, to 1998-06-30. ``which="sample"``: the 1/10 sample (2,357 customers) used in
    Fader, Hardie & Lee (2005). Amounts are US dollars; ``quantity`` is the number of CDs.
    The files have no order id: it is ``<file>:<row>``, so repeated same-day purchases stay
    separate transactions (they are not duplicates).
    """
    if which not in _CDNOW_FILES:
        raise ValueError("which must be 'master' or 'sample'")
    file, header_lines, names = _CDNOW_FILES[which]
    path = raw_dir / file
    raw = pd.read_csv(path, sep=r"\s+", dtype=str, header=None, skiprows=header_lines, names=names)
    mapping = {"customer_id": "customer_id", "timestamp": "date", "amount": "dollar_value",
               "quantity": "number_of_cds"}
    tx = to_canonical(raw, mapping, source=path.name)
    prov = Provenance(path=display_path(path),
                      sha256=sha256_of(path), rows=len(raw), format="whitespace-separated text",
                      encoding="ascii", read_at=read_time(),
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
    marked = [c for c in ACQUISITION_MARKS if c in transactions.columns]  # marked rows stay marked for cleaning
    transactions = transactions[[c for c in CANONICAL if c in transactions.columns] + list(LINEAGE) + marked]
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


def _cdnow_files(which: str) -> list[tuple[Path, int]]:
    """The CDNOW file of ``which`` and its data rows (lines without the header), if present."""
    file, header_lines, _ = _CDNOW_FILES[which]
    path = CDNOW_DIR / file
    if not path.exists():
        return []
    with open(path, "rb") as fh:
        lines = sum(1 for _ in fh)
    return [(path, lines - header_lines)]


def _xiaomi_files() -> list[tuple[Path, int]]:
    """The simulated export's order files and customer table with their rows (``manifest.yml``)."""
    if not (XIAOMI_DIR / "manifest.yml").exists():
        return []
    manifest = read_manifest()
    files = [(spec["file"], manifest["rows"][spec["channel"]]) for spec in manifest["orders"]]
    files.append((manifest["customers"]["file"], manifest["rows"]["customers"]))
    return [(XIAOMI_DIR / name, rows) for name, rows in files]


@dataclass(frozen=True)
class BundledDataset:
    """One dataset of ``data/raw``: its loader, whether it is simulated, its folder and raw files.

    ``load()`` returns the :class:`~helpers.store.Acquired` dataset (its label says SIMULATED exactly
    when ``simulated``); ``files()`` lists ``(path, data rows)`` of the raw files it reads.
    """

    name: str
    simulated: bool
    raw_dir: Path
    load: Callable[[], Acquired]
    files: Callable[[], list[tuple[Path, int]]]

    @property
    def kind(self) -> str:
        """``"real 真实数据"`` or ``"SIMULATED 模拟数据"``."""
        return "SIMULATED 模拟数据" if self.simulated else "real 真实数据"


#: Bundled datasets by the name notebook 01's ``dataset`` parameter gives.
BUNDLED: dict[str, BundledDataset] = {
    "cdnow": BundledDataset("cdnow", False, CDNOW_DIR, lambda: load_cdnow("master"), lambda: _cdnow_files("master")),
    "cdnow_sample": BundledDataset("cdnow_sample", False, CDNOW_DIR, lambda: load_cdnow("sample"),
                                   lambda: _cdnow_files("sample")),
    "xiaomi_sim": BundledDataset("xiaomi_sim", True, XIAOMI_DIR, load_xiaomi_sim, _xiaomi_files),
}


def bundled_sources() -> pd.DataFrame:
    """The raw files bundled in ``data/raw``: dataset, real or simulated, size and sha256.

    Read from the provenance notes (``data/raw/cdnow/PROVENANCE.md``'s table is checked against
    the files by the test suite) and the simulated export's manifest.
    """
    rows = [{"dataset": entry.raw_dir.name, "kind": entry.kind, "file": path.name, "rows": n,
             "MB": round(path.stat().st_size / 1e6, 2), "sha256": sha256_of(path)[:16] + "…"}
            for entry in BUNDLED.values() for path, n in entry.files()]
    return pd.DataFrame(rows)
