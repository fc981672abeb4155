"""One table formatter for every table a notebook or report shows (:func:`show`).

What a reader sees, whatever the table (a DataFrame a cell ends with, ``display(df)``, a concept
package's report table):

- **no index**: a meaningful index (named, or not the default ``0 … n-1``) becomes the first column;
- **human column names** in the current language: the canonical names (:data:`COLUMNS`: the schema's
  transaction columns, the per-customer summary, scores and segment tables) get a label and a unit
  (``monetary_value`` → "mean spend per repeat purchase (CNY)"); other names lose their ``_``; both go
  through the catalog (:func:`helpers.i18n.tr`, :func:`helpers.i18n.tr_header`);
- **numbers by unit** (:data:`FORMATS`): thousands separators, money with 2 decimals, counts with 0,
  probabilities with 3, shares as % — never e-notation; ``—`` for a missing value (never ``NaN``,
  ``<NA>``, ``None``); ✓/✗ for booleans (never ``True``/``False``);
- **no line break inside a number**: numeric cells, and text cells that are short tokens (ids, dates,
  codes), are ``white-space: nowrap``; other text wraps between words only (with ``!important`` and the
  table's own id, so the PDF's stylesheet, which lets cells wrap anywhere, does not split them);
- **values in the current language**: in the Chinese set a text cell from a known vocabulary (quarantine
  reasons as "日期无法解析 (unparseable_date)", segment names, survey wording, statuses, channels: registered
  with :func:`helpers.i18n.add_values` or in the catalog) shows its Chinese (:func:`helpers.i18n.tr_value`);
  other values, and every saved CSV, keep their text;
- **long tables cut** to the top :data:`MAX_ROWS` rows with a line "n more rows in
  ``reports/tables/<name>.csv``": the full table is written there by :func:`helpers.outputs.save_table`
  (or was already, :func:`helpers.outputs.saved_path`).

The numbers themselves are never changed: only their text. :func:`helpers.plotting.set_theme` makes
IPython show every displayed DataFrame through :func:`show`, so a cell ending in ``df`` is formatted too.

Part of the bottom layer (``docs/architecture.md``): imports no analysis module.
"""

from __future__ import annotations

import hashlib
import html as _html
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from . import i18n
from .outputs import save_table, saved_path
from .paths import reports_dir

__all__ = ["COLUMNS", "FORMATS", "MAX_ROWS", "MISSING", "ReportTable", "column_label", "format_table", "format_value",
           "kind_of", "show", "statistics_table", "to_html"]

#: Rows shown before a table is cut (the rest is in its CSV).
MAX_ROWS = 15
#: What a missing value shows as.
MISSING = "—"
_TICK, _CROSS = "✓", "✗"

#: Canonical column → (English label, kind, unit). ``{currency}`` and ``{period}`` in the unit are filled
#: from :func:`show`'s arguments; a unit whose field is not given is left out (no empty brackets).
COLUMNS: dict[str, tuple[str, str, str | None]] = {
    # transactions (helpers.schema.CANONICAL, LINEAGE)
    "customer_id": ("customer", "text", None),
    "order_id": ("order", "text", None),
    "timestamp": ("time of order", "date", None),
    "amount": ("amount", "money", "{currency}"),
    "quantity": ("quantity", "count", None),
    "product": ("product", "text", None),
    "category": ("category", "text", None),
    "channel": ("channel", "text", None),
    "status": ("status", "text", None),
    "source_file": ("source file", "text", None),
    "source_row": ("source row", "count", None),
    # per-customer summary (helpers.schema.SUMMARY_COLUMNS) and scores
    "frequency": ("repeat purchases", "count", None),
    "recency": ("time from first to last purchase", "number", "{period}"),
    "T": ("customer age", "number", "{period}"),
    "monetary_value": ("mean spend per repeat purchase", "money", "{currency}"),
    "revenue": ("revenue", "money", "{currency}"),
    "clv": ("CLV", "money", "{currency}"),
    "mean_clv": ("mean CLV", "money", "{currency}"),
    "p_alive": ("P(alive)", "probability", None),
    "mean_p_alive": ("mean P(alive)", "probability", None),
    "mean_p_alive_repeat": ("mean P(alive), repeat buyers", "probability", None),
    "expected_purchases": ("expected purchases", "number", None),
    "mean_expected_purchases": ("mean expected purchases", "number", None),
    # segment and share tables
    "segment": ("segment", "text", None),
    "customers": ("customers", "count", None),
    "orders": ("orders", "count", None),
    "lines": ("order lines", "count", None),
    "rows": ("rows", "count", None),
    "share": ("share of customers", "share", None),
    "customer_share": ("share of customers", "share", None),
    "revenue_share": ("share of revenue", "share", None),
    "value_share": ("share of value", "share", None),
    "member_share": ("forum member share", "share", None),
    "suggester_share": ("suggester share", "share", None),
    "complaint_share": ("complaint share", "share", None),
}

#: Kind → how a number of that kind is written (``None``: not a number).
FORMATS: dict[str, Callable[[float], str] | None] = {
    "money": lambda v: f"{v:,.2f}",
    "count": lambda v: f"{v:,.0f}",
    "probability": lambda v: f"{v:.3f}",
    "share": lambda v: f"{v * 100:,.1f}%",
    "percent": lambda v: f"{v:,.1f}%",
    "number": lambda v: _plain(v, 2),
    "small": lambda v: _plain(v, 3),
    "integer": lambda v: f"{v:,.0f}",
    "text": None,
    "date": None,
}


def _plain(value: float, decimals: int) -> str:
    """``value`` with thousands separators and ``decimals`` decimals; a tiny non-zero value keeps its
    first significant digits (``0.00042``), never e-notation."""
    if value != 0 and abs(value) < 10 ** -decimals:
        digits = min(12, decimals - int(math.floor(math.log10(abs(value)))) + 1)
        return f"{value:.{digits}f}".rstrip("0")
    return f"{value:,.{decimals}f}"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict, set, np.ndarray)) else False
    except (TypeError, ValueError):
        return False


def format_value(value: Any, kind: str = "number") -> str:
    """One cell's text: ``—`` when missing, ✓/✗ for a boolean, a number by ``kind`` (:data:`FORMATS`),
    a date as ``YYYY-MM-DD`` (with the time when it has one), anything else as ``str``."""
    if _missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return _TICK if value else _CROSS
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else f"{stamp:%Y-%m-%d %H:%M}"
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "−∞"
        fmt = FORMATS.get(kind) or FORMATS["number"]
        if kind in ("number", "text", "date") and isinstance(value, (numbers.Integral, np.integer)):
            fmt = FORMATS["integer"]
        return fmt(number)
    text = str(value)
    return {"True": _TICK, "False": _CROSS, "nan": MISSING, "NaN": MISSING, "None": MISSING,
            "<NA>": MISSING}.get(text, text)


#: A column name saying its values are already percentages: "rate (%)", "data %", "share in percent" (not "upper 95%",
#: a bound named after its level, nor "90th percentile").
_PERCENT_NAME = re.compile(r"\(%\)|(?<![\d.])\s*%$|\bpercent\b")


def kind_of(name: Any, values: pd.Series) -> str:
    """The kind of a column: its canonical kind (:data:`COLUMNS`), else read from its name and values —
    a name with "share" and values in [0, 1] is a share, a name with "%" a percent, whole numbers a count,
    values within [-1, 1] get 3 decimals, other numbers 2 (:data:`_PERCENT_NAME` says which names are percents)."""
    if name in COLUMNS:
        return COLUMNS[name][1]
    text = str(name).lower()
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return "text"
    numeric = values
    if values.dtype == object:
        present = values[~values.map(_missing)]
        if present.map(lambda v: isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Number)).any():
            return "text"
        numeric = pd.to_numeric(present, errors="coerce")
    if not pd.api.types.is_numeric_dtype(numeric):
        return "text"
    numeric = numeric.astype(float)
    finite = numeric[np.isfinite(numeric)]
    if not len(finite):
        return "number"
    if _PERCENT_NAME.search(text):
        return "percent"
    if "share" in text and finite.between(0, 1).all():
        return "share"
    if pd.api.types.is_integer_dtype(values) or (np.mod(finite, 1) == 0).all():
        return "integer"
    if finite.abs().max() <= 1:
        return "small"
    return "number"


def _fill(unit: str | None, fields: Mapping[str, str | None]) -> str | None:
    if unit is None:
        return None
    try:
        return unit.format(**{k: v for k, v in fields.items() if v}) or None
    except KeyError:
        return None


def column_label(name: Any, *, labels: Mapping[str, str] | None = None, currency: str | None = None,
                 period: str | None = None) -> str:
    """The header a reader sees for column ``name`` in the current language.

    ``labels`` (a notebook's own names, English source strings) wins; then the canonical label with
    its unit (:data:`COLUMNS`; ``currency`` such as ``"CNY"``, ``period`` such as ``"week"`` fill the
    unit); else the name with blanks for ``_``. Looked up in the catalog (unknown names kept as they are).
    """
    if labels and name in labels:
        return i18n.tr_header(labels[name])
    if name in COLUMNS:
        text, _, unit = COLUMNS[name]
        period_text = i18n.tr(f"{period}s") if period else None
        unit_text = _fill(unit, {"currency": currency, "period": period_text})
        text = i18n.tr(text)
        return f"{text} ({unit_text})" if unit_text else text
    return i18n.tr_header(str(name).replace("_", " ").strip() if isinstance(name, str) else str(name))


def _flat(table: pd.DataFrame) -> pd.DataFrame:
    """A meaningful index as the first column(s); the default 0 … n-1 index dropped; column levels joined.
    The table itself when there is nothing to change (it is only read)."""
    index = table.index
    default = (not isinstance(index, pd.MultiIndex) and index.name is None
               and isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1)
    if default and not isinstance(table.columns, pd.MultiIndex):
        return table
    out = table.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" ".join(str(x) for x in level if str(x)) for level in out.columns]
    if default:
        return out.reset_index(drop=True)
    names = [n if n is not None else ("" if index.nlevels == 1 else f"level {i}")
             for i, n in enumerate(index.names)]
    out.index = out.index.set_names(names)
    taken = [n for n in names if n in out.columns]
    if taken:  # a column of the same name: keep the index under a distinct name
        out.index = out.index.set_names([f"{n} " if n in taken else n for n in names])
    return out.reset_index()


#: Text cells up to this many characters without a blank or a joint (ids, dates, codes) never wrap.
TOKEN_CHARS = 20


def _short_tokens(texts: list[str]) -> bool:
    """Whether every cell of a text column is one short token (or two, like a date and a time)."""
    return all(len(t) <= TOKEN_CHARS and t.count(" ") <= 1 and not _JOINTS.search(t) for t in texts)


def _shown_path(path) -> str:
    """Where the full table is, as a reader of the report finds it: ``reports/tables/<file>`` (the report
    folder's own name, so the path holds no home folder or temporary directory)."""
    folder = reports_dir()
    try:
        return (folder.name / path.resolve().relative_to(folder.resolve())).as_posix()
    except ValueError:
        return path.name


#: Places a long text cell may wrap besides blanks (``orders_<wbr>online_<wbr>mall.csv``), never inside a number.
_JOINTS = re.compile(r"(?<=[_/])")


def _cell_html(text: str, joints: bool) -> str:
    """A cell's text escaped for HTML (data are never markup), with ``<wbr>`` at the joints of long words."""
    escaped = _html.escape(text, quote=False)
    return _JOINTS.sub("<wbr>", escaped) if joints else escaped


_KEEP = "white-space: nowrap !important; overflow-wrap: normal !important; word-break: normal !important;"
_WORDS = "overflow-wrap: break-word !important; word-break: normal !important;"
_HEADER_CSS = "word-break: normal !important; overflow-wrap: normal !important; text-align: left;"
_CAPTION_CSS = "caption-side: bottom; text-align: left; font-style: italic;"


class ReportTable:
    """A table as :func:`format_table` formats it for a reader: headers and cells as escaped HTML text (column
    by column), the CSS of each column, and the note under it (``caption``).

    :meth:`to_html` writes its HTML directly; :meth:`styler` gives the same table as a pandas Styler (what
    :func:`show` returns, for notebooks that style further). The HTML of both is the same, byte for byte
    (``tests/test_tables.py``). Why write it directly: building and rendering a Styler (its Jinja templates)
    costs a few milliseconds per table, and the sharing end's profile page shows seven
    (``benchmarks/bench_sharing.py``).
    """

    def __init__(self, headers: list[str], cells: list[list[str]], styles: list[tuple[str, str]],
                 caption: str | None, hidden_rows: int):
        self.headers, self.cells, self.styles, self.caption = headers, cells, styles, caption
        self.crm_hidden_rows = hidden_rows  # for tests and callers: how many rows the cut left out
        self.uuid = hashlib.sha1("\x1f".join(["|".join(headers), *("\x1e".join(c) for c in cells)])
                                 .encode("utf-8")).hexdigest()[:10]  # from the content: no random id

    @property
    def n_rows(self) -> int:
        return len(self.cells[0]) if self.cells else 0

    def frame(self) -> pd.DataFrame:
        """The cells as a DataFrame of strings (columns: the headers, made unique with zero-width spaces)."""
        out = pd.DataFrame({j: column for j, column in enumerate(self.cells)}, columns=range(len(self.cells)))
        out.columns = self.headers
        return out

    def styler(self) -> Styler:
        """The table as a pandas Styler (no index, the column CSS, the caption)."""
        styler = Styler(self.frame(), uuid=self.uuid, cell_ids=False)
        styler = styler.hide(axis="index").set_table_attributes('class="dataframe crm-table"')
        styler = styler.set_table_styles([{"selector": sel, "props": props} for sel, props in self.styles])
        if self.caption:
            styler = styler.set_caption(self.caption)
        styler.crm_hidden_rows = self.crm_hidden_rows
        return styler

    def to_html(self) -> str:
        """The HTML: a ``<style>`` block for this table's id, then the table (pandas Styler's markup)."""
        tid = f"T_{self.uuid}"
        out = ['<style type="text/css">\n']
        for selector, props in self.styles:
            out.append(f"#{tid} {selector} {{\n")
            out += [f"  {p.strip()}: {v.strip()};\n" for p, v in
                    (item.split(":", 1) for item in props.split(";") if item.strip())]
            out.append("}\n")
        out.append(f'</style>\n<table id="{tid}" class="dataframe crm-table">\n')
        if self.caption:
            out.append(f"  <caption>{self.caption}</caption>\n")
        out.append("  <thead>\n")
        if self.headers:
            out.append("    <tr>\n")
            out += [f'      <th class="col_heading level0 col{j}" >{h}</th>\n' for j, h in enumerate(self.headers)]
            out.append("    </tr>\n")
        out.append("  </thead>\n  <tbody>\n")
        for i in range(self.n_rows):
            out.append("    <tr>\n")
            out += [f'      <td class="data row{i} col{j}" >{column[i]}</td>\n' for j, column in enumerate(self.cells)]
            out.append("    </tr>\n")
        out.append("  </tbody>\n</table>\n")
        return "".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()


def format_table(table: pd.DataFrame | pd.Series, name: str | None = None, *, labels: Mapping[str, str] | None = None,
                 kinds: Mapping[str, str | Callable[[Any], str]] | None = None, currency: str | None = None,
                 period: str | None = None, max_rows: int | None = MAX_ROWS, label: str | None = None,
                 columns: list[str] | None = None) -> ReportTable:
    """``table`` formatted for a reader (the rules in the module docstring), as a :class:`ReportTable`.

    Parameters
    ----------
    table
        The table (a Series is shown as a one-column table); it is not modified.
    name
        File name (without ``.csv``) under ``reports/tables/`` for the full table when it is cut: written
        with :func:`helpers.outputs.save_table` (``label`` as its dataset column) unless this very table
        was saved before. Without a name the note says how many rows are not shown.
    labels, kinds
        Column → English label (translated through the catalog) and column → kind (:data:`FORMATS`, or a
        function writing one number, e.g. ``"{:.0%}".format``) for names :data:`COLUMNS` does not know
        or that the notebook names otherwise.
    currency, period
        Units of the canonical money and time columns (``"CNY"``, ``"week"``).
    max_rows
        Rows shown (``None``: all).
    columns
        Columns to show, in this order (after a meaningful index became a column).
    """
    source = table.to_frame() if isinstance(table, pd.Series) else table
    data = _flat(source)
    if columns is not None:
        data = data[list(columns)]
    kinds = dict(kinds or {})
    column_kinds = {c: kinds.get(c) or kind_of(c, data[c]) for c in data.columns}
    hidden = 0
    note = ""
    if max_rows is not None and len(data) > max_rows:
        hidden = len(data) - max_rows
        path = saved_path(table)
        if path is None and name is not None:
            path = save_table(data, name, label=label)
        where = _shown_path(path) if path is not None else None
        note = (i18n.tr("{n:,} more rows in {path}", n=hidden, path=where) if where
                else i18n.tr("{n:,} more rows not shown", n=hidden))
        data = data.head(max_rows)
    headers = [column_label(c, labels=labels, currency=currency, period=period) for c in data.columns]
    texts: list[list[str]] = []
    for j in range(data.shape[1]):
        kind, values = column_kinds[data.columns[j]], data.iloc[:, j].tolist()
        if callable(kind):
            texts.append([format_value(v, "text") if _missing(v) or not isinstance(v, numbers.Number)
                          or isinstance(v, (bool, np.bool_)) else kind(v) for v in values])
        elif kind in ("text", "date"):  # known vocabularies (reasons, segments, statuses …) in the current language
            texts.append([format_value(i18n.tr_value(v), kind) for v in values])
        else:
            texts.append([format_value(v, kind) for v in values])
    headers = [_html.escape(h, quote=False) for h in headers]
    headers = [h + "\u200b" * i if headers.count(h) > 1 else h for i, h in enumerate(headers)]  # unique
    numeric = [j for j, c in enumerate(data.columns)
               if callable(column_kinds[c]) or FORMATS.get(column_kinds[c]) is not None]
    tokens = [j for j in range(data.shape[1]) if j not in numeric and _short_tokens(texts[j])]
    cells = [[_cell_html(t, joints=j not in numeric and j not in tokens) for t in column]
             for j, column in enumerate(texts)]
    prose = [j for j in range(data.shape[1]) if j not in numeric and j not in tokens]
    styles = [(f"td.col{j}", _KEEP + " text-align: right;") for j in numeric]
    styles += [(f"td.col{j}", _KEEP + " text-align: left;") for j in tokens]
    styles += [(f"td.col{j}", _WORDS + " text-align: left;") for j in prose]
    if prose:  # prose: use the page width
        styles.append(("", "width: 100% !important;"))
    styles += [("th", _HEADER_CSS), ("caption", _CAPTION_CSS)]
    return ReportTable(headers, cells, styles, _html.escape(note) if note else None, hidden)


def show(table: pd.DataFrame | pd.Series, name: str | None = None, **options: Any) -> Styler:
    """``table`` as a report-ready pandas Styler: :func:`format_table`'s table (same parameters) as a Styler."""
    return format_table(table, name, **options).styler()


def to_html(table: pd.DataFrame | pd.Series, **options: Any) -> str:
    """The HTML of :func:`format_table` (what IPython displays for a DataFrame once
    :func:`helpers.plotting.set_theme` ran), written without a Styler."""
    return format_table(table, **options).to_html()


def statistics_table(table: pd.DataFrame, columns: list[str] | None = None, *, labels: Mapping[str, str] | None = None,
                     currency: str | None = None, period: str | None = None) -> pd.DataFrame:
    """A compact description of numeric columns, one row per column, instead of a ``describe()`` dump:
    the column's label with its unit (:func:`column_label`), customers (non-missing values), mean,
    median, 90th percentile and maximum (``numpy.percentile``, linear interpolation), in that column's unit."""
    picked = columns or [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])
                         and not pd.api.types.is_bool_dtype(table[c])]
    rows = []
    for column in picked:
        values = pd.to_numeric(table[column], errors="coerce").dropna()
        rows.append({"measure": column_label(column, labels=labels, currency=currency, period=period),
                     "values": len(values),
                     "mean": values.mean() if len(values) else np.nan,
                     "median": values.median() if len(values) else np.nan,
                     "90th percentile": values.quantile(0.9) if len(values) else np.nan,
                     "maximum": values.max() if len(values) else np.nan})
    return pd.DataFrame(rows, columns=["measure", "values", "mean", "median", "90th percentile", "maximum"])
