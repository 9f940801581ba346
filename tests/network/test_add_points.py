"""add_points (one station/road scan for many places) builds exactly what add_point does one by one."""

from __future__ import annotations

import pytest

from cztmap.errors import UsageError
from cztmap.network.build import add_point, add_points, build_graph


def test_batch_equals_one_by_one() -> None:
    G = build_graph(as_of="2023-06-28")
    pts = [(112.94, 28.23), (112.92, 27.85), (113.13, 27.83), (112.5, 28.9), (112.94, 28.23)]
    A = G.copy()
    for i, (x, y) in enumerate(pts):
        add_point(A, x, y, name=f"p{i % 4}")
    B = G.copy()
    assert add_points(B, [p[0] for p in pts], [p[1] for p in pts], names=[f"p{i % 4}" for i in range(5)])[-1] == "X:p0"
    assert list(A.nodes(data=True)) == list(B.nodes(data=True))
    assert list(A.edges(keys=True, data=True)) == list(B.edges(keys=True, data=True))
    with pytest.raises(UsageError, match="as many"):
        add_points(B, [112.9], [28.1, 28.2])
