"""The file-format registry: which reader reads a file, by what :func:`helpers.paths.file_format` says of it.

:data:`FORMATS` maps a format's name to its :class:`FileFormat` (name, title for messages,
reader); :func:`helpers.acquire.read_table` looks a path's format up here and nowhere else. One
module per format:

- :mod:`~helpers.acquire.formats.csv`: CSV/TSV/TXT, with decoding (:func:`decode_text`: UTF-8,
  UTF-8 with BOM, GB18030/GBK, detected) and delimiter sniffing;
  regular files are read by Arrow (:mod:`~helpers.acquire.formats.arrow`, the same values as pandas; from the
  file's bytes when no encoding is given, :mod:`~helpers.acquire.formats.direct`; a GB18030 file parsed as bytes
  and only its non-ASCII columns decoded, :mod:`~helpers.acquire.formats.transcode`), the rest line by line with
  :mod:`csv`;
- :mod:`~helpers.acquire.formats.excel`: Excel workbooks (.xlsx, .xlsm, .xls);
- :mod:`~helpers.acquire.formats.parquet`: a Parquet file or a hive-partitioned folder.

Adding a format is one module defining ``FORMAT = FileFormat(name, title, read)`` and one entry in
:data:`FORMATS` (its file endings go to :data:`helpers.paths.FILE_FORMATS`, the one detection by
ending). An export *layout* — the known shape of one system's export, such as the UCI Online Retail
workbook, Online Retail II with one sheet per year, Taobao/Tmall GB18030 exports or Shopify — is an
entry of the layout registry, :data:`helpers.acquire.layouts.LAYOUTS`, which works on what these
readers return (so one layout reads an export's CSV copy and its workbook alike).
"""

from __future__ import annotations

from . import csv, excel, parquet
from .base import FileFormat, RawTable, ReadOptions
from .csv import decode_text

#: Readers by format name (the order is the order the unknown-format error lists them in).
FORMATS: dict[str, FileFormat] = {f.name: f for f in (csv.FORMAT, excel.FORMAT, parquet.FORMAT)}


def supported_formats() -> str:
    """The formats as the unknown-format error lists them: ``"CSV (…), Excel (…) and Parquet (…)"``."""
    titles = [f.title for f in FORMATS.values()]
    return ", ".join(titles[:-1]) + " and " + titles[-1] if len(titles) > 1 else titles[0]


__all__ = ["FORMATS", "FileFormat", "RawTable", "ReadOptions", "decode_text", "supported_formats"]
