"""Acquisition (数据获取): read customer transaction data into one canonical schema.

Three ways data arrives, one schema out:

- the bundled **real** dataset, CDNOW (:func:`load_cdnow`);
- the bundled **simulated** Xiaomi-like CRM export (:func:`load_xiaomi_sim`), messy on purpose;
- the **user's own** export (:func:`read_transactions`): CSV (UTF-8, UTF-8 with BOM,
  GB18030/GBK), Excel (.xlsx, .xls; every sheet when they share one header) or Parquet (a file or a
  hive-partitioned folder). Known exports (:data:`LAYOUTS`: UCI Online Retail and Online Retail II,
  the Taobao/Tmall order report, the Shopify orders export) are recognised by their header and read
  with no column map; any other file is mapped by a column map and common header names.

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

Modules
-------
- :mod:`~helpers.acquire.formats`: the file-format registry :data:`FORMATS` (one module per format:
  ``csv`` with :func:`decode_text`, ``excel``, ``parquet``), keyed by :func:`helpers.paths.file_format`;
- :mod:`~helpers.acquire.layouts`: the export-layout registry :data:`LAYOUTS` (one module per export:
  ``uci_online_retail``, ``online_retail_ii``, ``taobao``, ``shopify``) and :func:`detect_layout`;
- :mod:`~helpers.acquire.read`: :func:`read_table` (through the registry), :func:`as_text`,
  :func:`to_canonical`, :func:`read_transactions` (a layout when the header is one, else the column map),
  :func:`existing_source` (a missing file, a broken link, a folder without data named as such);
- :mod:`~helpers.acquire.rows`: rows that are not orders (empty rows skipped; a repeated header and a totals
  row marked for cleaning, :data:`~helpers.schema.ACQUISITION_MARKS`; a header further down named);
- :mod:`~helpers.acquire.values`: ids compared as people read them (NFKC, invisible spaces), ids whose digits
  are lost refused, amount = unit price × quantity where there is no amount, Unix times read as UTC;
- :mod:`~helpers.acquire.bundled`: the bundled-dataset registry :data:`BUNDLED`, :func:`load_cdnow`,
  :func:`load_xiaomi_sim`, :func:`read_manifest`, :func:`bundled_sources`;
- :mod:`~helpers.acquire.datasets`: :func:`acquire` (a dataset by name, a user's file, a large log);
- :mod:`~helpers.acquire.tables`: :func:`provenance_table`, :func:`column_map_table`,
  :func:`weekly_lines`, :func:`peek_timestamps`, :func:`plot_customer_profile`.

The schema (:data:`CANONICAL`, :data:`ALIASES`, :func:`resolve_columns` …) is :mod:`helpers.schema`'s, and
:class:`Acquired` and :class:`Provenance`, what :func:`acquire` returns, are :mod:`helpers.store`'s, which also
writes and reads the acquired dataset (:func:`helpers.store.save_interim`, :func:`helpers.store.load_interim`).
"""

from ..schema import ALIASES, CANONICAL, LINEAGE, OPTIONAL, REQUIRED, resolve_columns
from ..store import Acquired, Provenance
from .bundled import (BUNDLED, CDNOW_DIR, XIAOMI_DIR, BundledDataset, bundled_sources, load_cdnow, load_xiaomi_sim,
                      read_manifest)
from .datasets import acquire
from .formats import FORMATS, FileFormat, decode_text
from .layouts import LAYOUTS, Layout, detect_layout
from .read import as_text, existing_source, read_table, read_transactions, to_canonical
from .tables import column_map_table, peek_timestamps, plot_customer_profile, provenance_table, weekly_lines

__all__ = [
    "ALIASES", "BUNDLED", "CANONICAL", "CDNOW_DIR", "FORMATS", "LAYOUTS", "LINEAGE", "OPTIONAL", "REQUIRED",
    "XIAOMI_DIR", "Acquired", "BundledDataset", "FileFormat", "Layout", "Provenance", "acquire", "as_text",
    "bundled_sources", "column_map_table", "decode_text", "detect_layout", "existing_source", "load_cdnow", "load_xiaomi_sim",
    "peek_timestamps",
    "plot_customer_profile", "provenance_table", "read_manifest", "read_table", "read_transactions",
    "resolve_columns", "to_canonical", "weekly_lines",
]
