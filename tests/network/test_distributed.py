"""travel_time_matrix on a Dask LocalCluster started here equals the local result (scipy and CCH)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client, LocalCluster

from benchmarks.synthetic import road_grid_arrays
from cztmap.errors import UsageError
from cztmap.network.distributed import distributed_distances, write_matrix_parquet
from cztmap.network.engine import compile_arrays, travel_time_matrix


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # two small in-process workers: a real scheduler, scatter and task graph, no process start-up cost
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def cg():  # type: ignore[no-untyped-def]
    a = road_grid_arrays(4000, seed=11)
    return compile_arrays(a["u"], a["v"], a["travel_time"], n_nodes=len(a["x"]), lon=a["x"], lat=a["y"])


def test_matrix_on_the_cluster_equals_the_local_one(client: Client, cg) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    o = rng.choice(cg.n_nodes, 37, replace=False).tolist()
    d = rng.choice(cg.n_nodes, 23, replace=False).tolist()
    local = travel_time_matrix(cg, o, d, backend="scipy")
    remote = travel_time_matrix(cg, o, d, backend="scipy", client=client)
    pd.testing.assert_frame_equal(local, remote)  # bit for bit, same labels
    assert np.array_equal(
        distributed_distances(cg, o, d, client=client, chunk_size=5, cutoff=300.0),
        cg.distances(o, d, cutoff=300.0),
    )
    # the CCH on the workers: each builds or loads the topology, same integer-ms answers as locally
    np.testing.assert_array_equal(
        travel_time_matrix(cg, o, d, backend="cch", client=client).to_numpy(),
        travel_time_matrix(cg, o, d, backend="cch").to_numpy(),
    )


def test_partitioned_parquet_matches_the_matrix(client: Client, cg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    o = list(range(0, 400, 13))
    d = list(range(5, 300, 7))
    out = write_matrix_parquet(cg, o, d, tmp_path / "m.parquet", client=client, chunk_size=8, cutoff=600.0)
    parts = sorted(p.name for p in out.glob("part-*.parquet"))
    assert parts == [f"part-{k:05d}.parquet" for k in range(4)]
    got = pd.read_parquet(out).pivot(index="origin", columns="destination", values="minutes")
    want = cg.distances(o, d, cutoff=600.0) / 60.0
    for i, a in enumerate(o):
        for j, b in enumerate(d):
            v = got.at[str(a), str(b)] if str(b) in got.columns and str(a) in got.index else np.nan
            assert (np.isnan(v) and np.isinf(want[i, j])) or v == want[i, j]
    # without a client: same rows
    local = write_matrix_parquet(cg, o, d, tmp_path / "local.parquet", chunk_size=8, cutoff=600.0)
    a = pd.read_parquet(out).sort_values(["origin", "destination"]).reset_index(drop=True)
    b = pd.read_parquet(local).sort_values(["origin", "destination"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_unknown_node_is_refused_before_sending(client: Client, cg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="Unknown node"):
        travel_time_matrix(cg, [0, -5], [1], client=client)
