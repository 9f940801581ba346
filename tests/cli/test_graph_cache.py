"""The CLI caches the embedded network's graph on disk, keyed by everything it depends on."""

from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx
import pytest

from cztmap.cli import _common


def _args(**kw: object) -> argparse.Namespace:
    base = {"graph": None, "as_of": "2023-06-28", "period": "peak", "modes": None}
    base.update(kw)
    return argparse.Namespace(**base)


def test_cached_graph_equals_a_fresh_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CZTMAP_CACHE_DIR", str(tmp_path))
    first = _common.graph(_args())  # builds and stores
    files = list((tmp_path / "graphs").glob("*.pickle"))
    assert len(files) == 1
    second = _common.graph(_args())  # loads the pickle
    assert second is not first
    assert list(second.nodes) == list(first.nodes) and list(second.edges(keys=True)) == list(first.edges(keys=True))
    assert second.graph == first.graph
    # attribute values, with NaN == NaN (the layers carry NaN for unknown figures)
    assert _attrs(second) == _attrs(first)


def _attrs(G: nx.MultiDiGraph) -> list[str]:
    return [repr(d) for _, d in G.nodes(data=True)] + [repr(d) for *_, d in G.edges(keys=True, data=True)]


def test_key_changes_with_options_and_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CZTMAP_CACHE_DIR", str(tmp_path))
    a = _common._graph_cache_path("2023-06-28", "peak", None)
    assert a == _common._graph_cache_path("2023-06-28", "peak", None)
    assert a != _common._graph_cache_path("2023-06-29", "peak", None)
    assert a != _common._graph_cache_path("2023-06-28", "offpeak", None)
    assert a != _common._graph_cache_path("2023-06-28", "peak", ["metro"])
    monkeypatch.setenv("CZTMAP_NO_CACHE", "1")
    assert _common._graph_cache_path("2023-06-28", "peak", None) is None


def test_a_corrupt_cache_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CZTMAP_CACHE_DIR", str(tmp_path))
    p = _common._graph_cache_path("2023-06-28", "peak", None)
    assert p is not None
    p.parent.mkdir(parents=True)
    p.write_bytes(b"not a pickle")
    G = _common.graph(_args())
    assert G.number_of_nodes() > 100
