"""Shared fixtures: the embedded dataset and graphs, built once per session."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")
# the CLI's graph cache (and the CCH topology cache) go to a fresh folder per test run, never ~/.cache
if "CZTMAP_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["CZTMAP_CACHE_DIR"] = tempfile.mkdtemp(prefix="cztmap-test-cache-")


@pytest.fixture(scope="session")
def ds():
    from cztmap.data.dataset import load_dataset

    return load_dataset()


@pytest.fixture(scope="session")
def G_2024():
    from cztmap.network.build import build_graph

    return build_graph(as_of="2024-07-01")


@pytest.fixture(scope="session")
def G_wr():
    """The network on the West Ring's opening day."""
    from cztmap.network.build import build_graph

    return build_graph(as_of="2023-06-28")
