"""Rendering fragments without Jinja (cztmap.viz._offline._literal_fragments) changes no byte of a map."""

from __future__ import annotations

import contextlib

import folium
import jinja2
import pytest

from cztmap.viz import _offline


def _map() -> folium.Map:
    m = folium.Map(location=[28.0, 112.9], zoom_start=9, tiles=None)
    for i in range(30):
        folium.CircleMarker(
            [28.0 + i / 100, 112.9], radius=3, tooltip=f"p{i} {{not jinja}}", popup=f"<b>{i}</b>"
        ).add_to(m)
    folium.PolyLine([[28.0, 112.9], [28.1, 113.0]], tooltip="line\n").add_to(m)
    return m


def test_same_bytes_and_fewer_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    compiles = [0]
    real = jinja2.Environment.from_string

    def counting(self, source, *a, **k):  # type: ignore[no-untyped-def]
        compiles[0] += 1
        return real(self, source, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "from_string", counting)
    fast = _offline.render_html(_map())
    n_fast = compiles[0]
    monkeypatch.setattr(_offline, "_literal_fragments", contextlib.nullcontext)
    compiles[0] = 0
    slow = _offline.render_html(_map())
    assert fast == slow
    assert n_fast < compiles[0] / 2
