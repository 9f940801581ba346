"""Escaping and small safe folium elements shared by every map builder.

Every user-visible string (station, line, zone names; they may come from GTFS feeds) is HTML-escaped
with :func:`esc`, and text that ends up inside ``<script>`` is JSON-encoded with :func:`js` (``<``, ``>``
and ``&`` escaped), so a name can neither inject markup nor close the script.

Examples
--------
>>> esc("<b>x</b>")
'&lt;b&gt;x&lt;/b&gt;'
>>> js("</script>")
'"\\\\u003c/script\\\\u003e"'
>>> fmt_num(1882894.0)
'1,882,894'
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from branca.element import MacroElement
from folium.template import Template

__all__ = [
    "Bind",
    "Panel",
    "Script",
    "Style",
    "colour",
    "esc",
    "fmt_num",
    "is_missing",
    "js",
    "popup",
    "rows",
    "title_panel",
    "tooltip",
]


def is_missing(value: Any) -> bool:
    """True for None / NaN / NaT (and anything pandas calls missing)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def esc(value: Any) -> str:
    """HTML-escape any value for text or attribute context ('' for missing)."""
    if is_missing(value):
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        value = value.date().isoformat()
    elif isinstance(value, dt.date):
        value = value.isoformat()
    return html.escape(str(value), quote=True)


def js(obj: Any) -> str:
    """JSON for inside ``<script>``: cannot close the script or start markup."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


_COLOUR_OK = set("0123456789abcdefABCDEF")


def colour(value: Any, default: str = "#777777") -> str:
    """A ``#rrggbb`` colour or the default (colours also come from data and go into CSS)."""
    if isinstance(value, str):
        v = value.strip()
        if v.startswith("#") and len(v) in (4, 7) and set(v[1:]) <= _COLOUR_OK:
            return v
    return default


def fmt_num(value: Any, digits: int = 0) -> str:
    """A number with thousands separators and ``digits`` decimals ('' for missing)."""
    if is_missing(value):
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if digits == 0 and abs(v) < 0.5:
        v = 0.0  # no "-0"
    return f"{v:,.{digits}f}"


class Bind(MacroElement):
    """``layer.bindPopup(html)`` / ``bindTooltip(html)`` with the HTML passed as safe JSON."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}({{ this.content_js }}, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, method: str, content_html: str, **options: Any) -> None:
        super().__init__()
        self._name = "Popup" if method == "bindPopup" else "Tooltip"
        self.method = method
        self.content_js = js(content_html)
        self.options_js = js(options)


def popup(html_text: str, max_width: int = 360) -> Bind:
    return Bind("bindPopup", f'<div class="cztmap-popup">{html_text}</div>', maxWidth=max_width)


def tooltip(html_text: str, sticky: bool = True, **options: Any) -> Bind:
    return Bind("bindTooltip", html_text, sticky=sticky, **options)


class Panel(MacroElement):
    """A fixed HTML box on the map (title, legend, summary). ``content_html`` must be escaped already."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="cztmap-panel {{ this.css_class }}" id="{{ this.get_name() }}">{{ this.content_html }}</div>
        {% endmacro %}
        """
    )

    def __init__(self, css_class: str, content_html: str) -> None:
        super().__init__()
        self._name = "Panel"
        self.css_class = css_class
        self.content_html = content_html


class Style(MacroElement):
    """A ``<style>`` block in the page header (trusted CSS only)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
        """
    )

    def __init__(self, css: str) -> None:
        super().__init__()
        self._name = "Style"
        self.css = css


class Script(MacroElement):
    """Trusted JavaScript run after the map exists; ``{map}`` in the code is replaced by the map's name.

    Data must be passed through :func:`js` by the caller.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.code }}
        {% endmacro %}
        """
    )

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "Script"
        self._code = code

    @property
    def code(self) -> str:
        parent = self._parent
        return self._code.replace("{map}", parent.get_name() if parent is not None else "map")


def rows(pairs: Iterable[tuple[str, Any]]) -> str:
    """A 2-column table; keys are trusted labels, values are escaped."""
    out = []
    for key, value in pairs:
        if is_missing(value) or value == "":
            continue
        out.append(f"<tr><td>{key}</td><td>{esc(value)}</td></tr>")
    return "<table>" + "".join(out) + "</table>"


def title_panel(title: str, meta_lines: Sequence[str]) -> Panel:
    """The title box: a heading and escaped meta lines (date, period, datum, counts)."""
    body = f"<h1>{esc(title)}</h1>" + "".join(f'<div class="cztmap-meta">{esc(t)}</div>' for t in meta_lines)
    return Panel("cztmap-title", body)
