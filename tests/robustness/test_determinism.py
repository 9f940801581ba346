"""Same input, same bytes: every file the CLI writes is identical when written twice.

Each output is written twice through ``cztmap.cli.app`` in one process (into two folders) and compared
byte for byte; the main job (offline map) and the GraphML export are also written by two separate
processes with different ``PYTHONHASHSEED`` (set/dict order must not leak into the files).
Narrower checks live next to their modules (``test_gtfs.py::test_deterministic_bytes``,
``test_dataset.py::test_build_is_byte_deterministic``, ``test_maps.py::test_render_html_deterministic``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cztmap.cli.app import main

OUTPUTS = {
    "map-offline": (["map", "--offline", "-o", "{out}/m.html", "--as-of", "2024-07-01"], ["m.html"]),
    "map-online": (["map", "-o", "{out}/m.html", "--as-of", "2024-07-01"], ["m.html"]),
    "map-amap": (
        ["map", "-o", "{out}/m.html", "--basemap", "amap", "--as-of", "2024-07-01", "--show-planned"],
        ["m.html"],
    ),
    "gtfs": (["export", "gtfs", "{out}/feed.zip", "--as-of", "2024-07-01"], ["feed.zip"]),
    "gpkg": (["export", "layers", "{out}/layers.gpkg"], ["layers.gpkg"]),
    "geojson": (
        ["export", "layers", "{out}/layers.geojson", "--as-of", "2023-06-28"],
        [f"layers.{n}.geojson" for n in ("stations", "sections", "lines", "roads", "districts")],
    ),
    "graphml": (["export", "graph", "{out}/g.graphml", "--as-of", "2023-06-28"], ["g.graphml"]),
    "isochrone-geojson": (
        ["isochrone", "湘潭北站", "--minutes", "30", "60", "-o", "{out}/iso.geojson", "--as-of", "2023-06-28"],
        ["iso.geojson"],
    ),
    "route-map": (
        ["route", "湘潭北站", "五一广场", "--as-of", "2023-06-28", "--offline", "-o", "{out}/r.html"],
        ["r.html"],
    ),
    "data-build": (
        ["data", "build", "--out", "{out}/geo"],
        [f"geo/{n}.geojson" for n in ("stations", "sections", "lines", "roads", "districts")],
    ),
}


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_same_bytes_twice_in_one_process(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv, files = OUTPUTS[name]
    runs = []
    for i in (1, 2):
        out = tmp_path / f"run{i}"
        out.mkdir()
        assert main([a.replace("{out}", str(out)) for a in argv]) == 0, capsys.readouterr().err
        got = _digests(out)
        actual = {f.rsplit("/", 1)[-1] for f in got}
        assert {f.rsplit("/", 1)[-1] for f in files} <= actual, sorted(got)
        runs.append(got)
    capsys.readouterr()
    assert runs[0] == runs[1], f"{name}: the bytes differ between two runs"


def test_data_build_equals_the_committed_layers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cztmap._paths import geo_dir

    assert main(["data", "build", "--out", str(tmp_path / "geo")]) == 0
    capsys.readouterr()
    committed = _digests(geo_dir())
    # the layers and their validation record (validated.json, written by the build) are byte-identical
    assert _digests(tmp_path / "geo") == {k: v for k, v in committed.items() if "/" not in k}  # basemap/: own builder


@pytest.mark.parametrize("name", ["map-offline", "graphml"])
def test_same_bytes_across_processes_with_different_hash_seeds(name: str, tmp_path: Path) -> None:
    argv, _ = OUTPUTS[name]
    digests = []
    for seed in ("1", "4242"):
        out = tmp_path / f"seed{seed}"
        out.mkdir()
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "no_proxy": "*",
            "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
        }
        r = subprocess.run(
            [sys.executable, "-m", "cztmap.cli", *[a.replace("{out}", str(out)) for a in argv]],
            cwd=out,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
        digests.append(_digests(out))
    assert digests[0] == digests[1]
