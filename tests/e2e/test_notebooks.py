"""The notebooks in ``notebooks/`` run top to bottom, and are committed small and without outputs.

Each notebook is executed with nbclient in a fresh temporary working directory (with a copy of
``notebooks/data``), on a kernel that runs *this* interpreter: a ``python3`` kernelspec pointing at
``sys.executable`` is written to a temporary Jupyter path, and an injected first cell reports the
kernel's ``sys.executable`` / ``sys.prefix`` so the test can check them. Any cell error fails the test.
The run time of each notebook is printed and recorded (``record_property``), never asserted on.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = [
    "01_network_tour.ipynb",
    "02_cross_city_reachability.ipynb",
    "03_what_the_west_ring_changed.ipynb",
    "04_bring_your_own_data.ipynb",
    "05_region_facts.ipynb",
]
MAX_BYTES = 200_000
MARKER = "CZTMAP-KERNEL-CHECK"


def test_every_notebook_is_tested():
    assert sorted(p.name for p in NB_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_is_clean_and_small(name):
    path = NB_DIR / name
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{name} is {size:,} bytes (limit {MAX_BYTES:,}); clear its outputs"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, f"{name}: code cells {dirty} have outputs or execution counts; clear them before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A ``python3`` kernelspec for this interpreter, first on the Jupyter path while the tests run."""
    jpath = tmp_path_factory.mktemp("jupyter")
    spec = jpath / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (cztmap tests)",
                "language": "python",
            }
        )
    )
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_PLATFORM_DIRS", "MPLBACKEND")}
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(jpath), *filter(None, [saved["JUPYTER_PATH"]])])
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"  # silence jupyter_core's platformdirs DeprecationWarning
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # what Jupyter uses: figures inline
    yield jpath
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


#: HTML each notebook must display (the rich ``_repr_html_`` of cztmap objects, folium maps).
DISPLAYS = {
    "01_network_tour.ipynb": ("cztmap Dataset", "Itinerary", "cztmap-title"),
    "02_cross_city_reachability.ipynb": ("cztmap-legend",),
    "03_what_the_west_ring_changed.ipynb": ("Comparison", "cztmap-legend"),
    "04_bring_your_own_data.ipynb": ("Itinerary",),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, kernel_env, tmp_path, record_property):
    nb = nbformat.read(NB_DIR / name, as_version=4)
    check = nbformat.v4.new_code_cell(f"import sys\nprint({MARKER!r}, sys.executable, sys.prefix, sep='\\n')")
    check["id"] = "cztmap-kernel-check"
    nb.cells.insert(0, check)
    shutil.copytree(NB_DIR / "data", tmp_path / "data")

    t0 = time.perf_counter()
    NotebookClient(
        nb, kernel_name="python3", timeout=300, allow_errors=False, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    elapsed = time.perf_counter() - t0

    record_property("runtime_s", round(elapsed, 2))
    print(f"\n{name}: executed in {elapsed:.1f} s")
    reported = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("output_type") == "stream").split("\n")
    assert reported[:3] == [MARKER, sys.executable, sys.prefix], (
        f"the notebook kernel runs {reported[1:3]}, not this interpreter ({sys.executable}, {sys.prefix})"
    )
    # figures and rich objects display inline (issue 16): PNG figures, HTML of cztmap objects and maps
    data = [o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    kinds = {k for d in data for k in d}
    assert "image/png" in kinds and "text/html" in kinds, f"{name}: no inline figure or rich output ({sorted(kinds)})"
    shown = " ".join(str(d.get("text/html", "")) for d in data)
    for marker in DISPLAYS.get(name, ()):
        assert marker in shown, f"{name}: {marker!r} is not displayed"
    # nothing was written next to the notebook sources: outputs go to a temporary folder
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.png"))


def test_sample_data_is_fresh(tmp_path):
    """``notebooks/data`` holds what its README says: cztmap's own export, and a copy of the OSM fixture."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_sample_gtfs", NB_DIR / "data" / "make_sample_gtfs.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from cztmap.io.gtfs import write_gtfs

    fresh = write_gtfs(tmp_path / "sample.zip", as_of=mod.AS_OF, ds=mod.sample_dataset(), trips="frequencies")
    assert fresh.read_bytes() == (NB_DIR / "data" / "czt_sample_gtfs.zip").read_bytes(), (
        "notebooks/data/czt_sample_gtfs.zip is stale; run `python notebooks/data/make_sample_gtfs.py`"
    )
    assert (NB_DIR / "data" / "kouvola_tiny.osm").read_bytes() == (
        ROOT / "tests" / "data" / "kouvola_tiny.osm"
    ).read_bytes()
