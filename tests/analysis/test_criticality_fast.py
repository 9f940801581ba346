"""The compiled-edit criticality equals the slow path (rebuild through a weight callable per closure)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cztmap.analysis import criticality as crit
from cztmap.analysis.integration import analysis_units
from cztmap.network.build import build_graph
from cztmap.network.engine import compile_graph


def _slow_row(H: Any, orig: list[str], dest: list[str], edges: set[tuple[Any, Any, Any]]) -> np.ndarray:
    """The pre-engine-edit method: compile the whole graph again with the closed edges hidden."""

    def weight(u: Any, v: Any, data: dict[Any, dict[str, Any]]) -> float | None:
        best = None
        for k, d in data.items():
            if (u, v, k) not in edges:
                t = d["travel_time"]
                best = t if best is None or t < best else best
        return best

    m = compile_graph(H, weight, cache=False).distances(orig, dest) / 60.0
    np.fill_diagonal(m, 0.0)
    return m


@pytest.fixture(scope="module")
def graph() -> Any:
    return build_graph(as_of="2023-06-28")


def test_fast_rows_equal_slow_path_on_a_sample(graph: Any) -> None:
    H, orig, dest, units = analysis_units(graph, level="zone")
    w = crit._cross_weights(units)
    elements = crit._elements(H, crit.KINDS)
    keys = list(elements)
    rng = np.random.default_rng(7)
    sample = {k: elements[k] for k in (keys[i] for i in rng.choice(len(keys), 40, replace=False))}
    # plus the top-ranked ones (the closures that change something)
    top = crit.criticality(graph, top=10)
    for r in top.itertuples():
        k = (r.kind, r.element)
        sample[k] = elements[k]
    rows = crit._closure_rows(H, orig, dest, sample, w, crit.TAU_MIN, None)
    _i0, mean0, disc0 = crit._measures(_slow_row(H, orig, dest, set()), w, crit.TAU_MIN)
    changed = 0
    for row, (_name, edges) in zip(rows, sample.values(), strict=True):
        idx, mean, disc = crit._measures(_slow_row(H, orig, dest, edges), w, crit.TAU_MIN)
        # bit for bit: unaffected origins keep their exact base rows, affected ones are searched again
        assert row["index_after"] == idx
        assert row["disconnected_share"] == disc - disc0
        assert row["mean_increase_min"] == mean - mean0 or (np.isnan(mean) and np.isnan(row["mean_increase_min"]))
        changed += row["index_loss"] > 0
    assert changed >= 5  # the sample really exercises closures that matter


def test_progress_callback_counts_every_element(graph: Any) -> None:
    calls: list[tuple[int, int]] = []
    out = crit.criticality(graph, kinds=("road",), progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1] == out.attrs["tested"]


def test_grid_level_row_equals_slow_path(graph: Any) -> None:
    # the top-ranked grid closure (benchmarks/bench_perf.py checks more): screening by weighted pairs
    H, orig, dest, units = analysis_units(graph, level="grid")
    w = crit._cross_weights(units)
    elements = crit._elements(H, crit.KINDS)
    sample = {("section", "CZT-07"): elements[("section", "CZT-07")]}
    rows = crit._closure_rows(H, orig, dest, sample, w, crit.TAU_MIN, None)
    for row, (_name, edges) in zip(rows, sample.values(), strict=True):
        idx, _mean, _disc = crit._measures(_slow_row(H, orig, dest, edges), w, crit.TAU_MIN)
        assert row["index_after"] == idx and row["index_loss"] > 0


def test_parallel_closures_give_the_same_table(graph: Any) -> None:
    one = crit.criticality(graph, kinds=("road", "section"))
    two = crit.criticality(graph, kinds=("road", "section"), n_jobs=2)
    cols = [c for c in one.columns]
    assert one[cols].equals(two[cols])
    with pytest.raises(crit.UsageError, match="n_jobs"):
        crit.criticality(graph, n_jobs=0)
