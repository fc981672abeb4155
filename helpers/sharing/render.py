"""Report sections as HTML for the sharing end's pages: the same sections the PDF knowledge reports show.

:func:`sections_html` turns the ``(heading, content)`` pairs of :func:`helpers.knowledge.customer_sections`
and :func:`~helpers.knowledge.segment_sections` into HTML: tables by the one formatter
(:func:`helpers.tables.show`, every cell escaped), text by markdown-it-py with raw HTML switched off (data
typed by people stay text), figures as images the page loads from their own address.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from .. import tables
from ..i18n import chinese_part, get_language, tr_value
from ..knowledge import Deferred

_MD = MarkdownIt("commonmark", {"html": False})


def markdown(text: str) -> Markup:
    """Markdown as HTML; any HTML in the text is shown as text, never interpreted."""
    return Markup(_MD.render(text))


def heading(text: str) -> tuple[int, str]:
    """``"## 1 · 客户概况 Profile"`` → ``(2, "1 · 客户概况 Profile")``; in Chinese its Chinese part."""
    level = len(text) - len(text.lstrip("#"))
    body = text[level:].strip()
    if get_language() == "zh":
        body = chinese_part(body) or body
    return level, body


def content_html(content: Any, figure_url: Callable[[str], str], alt: str = "") -> Markup:
    """One section's content as HTML (a Styler, a Markdown string or a :class:`~helpers.knowledge.Deferred`)."""
    if isinstance(content, Deferred):
        return Markup('<img class="figure" src="{}" alt="{}">').format(figure_url(content.name), alt)
    if isinstance(content, str):
        return markdown(content)
    if isinstance(content, pd.DataFrame):
        return Markup(tables.to_html(content))
    if hasattr(content, "to_html"):  # a Styler from helpers.tables.show: cells escaped there
        return Markup(content.to_html())
    return Markup("<p>{}</p>").format(escape(str(content)))


def sections_html(sections: list[tuple[str, Any]], figure_url: Callable[[str], str]) -> list[dict[str, Any]]:
    """``[{"level", "heading", "html"}, ...]``: a section with an empty heading continues the one before."""
    out: list[dict[str, Any]] = []
    for text, content in sections:
        level, title = heading(text) if text else (0, "")
        out.append({"level": level, "heading": title,
                    "html": content_html(content, figure_url, alt=title or (out[-1]["heading"] if out else ""))})
    return out


def link_table(frame: pd.DataFrame, link: str, url: Callable[[Any], str], currency: str | None = None) -> dict:
    """A result table whose ``link`` column links to each row's page: ``{"headers", "rows"}`` with every value
    formatted as the report tables format it (:func:`helpers.tables.column_label`, ``kind_of``,
    ``format_value``, known values in the reader's language); the template escapes them."""
    kinds = {c: tables.kind_of(c, frame[c]) for c in frame.columns}
    headers = [tables.column_label(c, currency=currency) for c in frame.columns]
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for column, value in record.items():
            kind = kinds[column]
            shown = tables.format_value(tr_value(value) if kind in ("text", "date") else value, kind)
            cells.append({"text": shown, "url": url(value) if column == link else None,
                          "numeric": kind not in ("text", "date")})
        rows.append(cells)
    return {"headers": headers, "rows": rows}


def figure_svg(fig) -> bytes:
    """A matplotlib figure as SVG bytes (then closed)."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="svg", bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


def pager(total: int, page: int, per_page: int) -> dict[str, int]:
    """Where a page of results is: ``page, pages, first, last, total`` (first/last are 1-based row numbers)."""
    pages = max(1, math.ceil(total / per_page))
    return {"page": page, "pages": pages, "total": total, "first": min(total, (page - 1) * per_page + 1),
            "last": min(total, page * per_page)}
