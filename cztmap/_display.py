"""Compact HTML summaries for notebooks (``_repr_html_`` of Dataset, Itinerary, Comparison).

Foundation module: plain strings, every value HTML-escaped, no imports from cztmap.

Examples
--------
>>> html = summary_html("Dataset", [("as of", "2024-01-01"), ("stations", 168)])
>>> "<table" in html and "2024-01-01" in html
True
>>> table_html(["a", "b"], [["<x>", 1.5]])
'<table class="cztmap-table"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>&lt;x&gt;</td><td style="text-align:right">1.5</td></tr></tbody></table>'
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["summary_html", "table_html"]

_STYLE = "font-size:12px;border-collapse:collapse"


def _cell(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return f"<td>{html.escape(str(v))}</td>"
    return f'<td style="text-align:right">{html.escape(str(v))}</td>'


def table_html(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A small HTML table; numbers right-aligned, everything escaped."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in rows)
    return f'<table class="cztmap-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def summary_html(title: str, pairs: Iterable[tuple[str, Any]], *tables: tuple[str, str]) -> str:
    """A titled key/value box followed by optional ``(caption, table_html)`` sections."""
    rows = "".join(
        f'<tr><th style="text-align:left;padding-right:1em">{html.escape(str(k))}</th>'
        f"<td>{html.escape(str(v))}</td></tr>"
        for k, v in pairs
    )
    parts = [f'<div class="cztmap-repr"><b>{html.escape(title)}</b>', f'<table style="{_STYLE}">{rows}</table>']
    for caption, tab in tables:
        parts.append(f"<div style='margin-top:6px'><i>{html.escape(caption)}</i></div>{tab}")
    parts.append("</div>")
    return "".join(parts)
