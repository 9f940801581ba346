"""The wheel carries the curated data, so `pip install .` works from any folder, offline."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    (whl,) = out.glob("cztmap-*.whl")
    return whl


def test_wheel_contains_data_and_entry_point(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for layer in ("stations", "sections", "lines", "roads", "districts"):
        assert f"cztmap/_data/geo/{layer}.geojson" in names
    assert "cztmap/_data/sources/rail_stations.csv" in names
    assert "cztmap/_data/sources/boundaries/LICENSE" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    ep = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "cztmap = cztmap.cli:main" in ep


def test_packaged_data_equals_repository_data(wheel):
    z = zipfile.ZipFile(wheel)
    for layer in ("stations", "sections"):
        assert z.read(f"cztmap/_data/geo/{layer}.geojson") == (REPO / "data" / "geo" / f"{layer}.geojson").read_bytes()
