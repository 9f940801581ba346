"""Lint and types run with the tests: ruff over the tree, mypy over the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "cztmap", "tests", "benchmarks"], cwd=REPO,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_clean():
    r = subprocess.run([sys.executable, "-m", "mypy", "cztmap"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr


def test_imports_flow_one_way():
    """data → network → analysis → outputs → CLI: no module imports a later layer at import time."""
    import ast

    layer = {
        "errors": 0, "_io": 0, "_paths": 0, "params": 0, "coords": 0,
        "databuild": 1, "validate": 1, "dataset": 1,
        "runtime": 2, "network": 2, "routing": 2, "engine": 2, "osm": 2, "gtfs": 2,
        "matrix": 3, "isochrones": 3, "integration": 3, "criticality": 3, "scenarios": 3,
        "maps": 4, "_offline": 4, "plots": 4, "export": 4,
        "cli": 5, "__init__": 5,
    }
    bad = []
    for path in (REPO / "cztmap").glob("*.py"):
        mod = path.stem
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only: lazy imports inside functions are allowed
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                target = node.module.split(".")[0]
                if layer.get(target, 0) > layer[mod]:
                    bad.append(f"{mod} imports {target}")
    assert not bad, bad
