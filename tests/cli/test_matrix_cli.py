"""`cztmap matrix`: local and `--scheduler` (a LocalCluster started here) give the same bytes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from dask.distributed import LocalCluster

from cztmap.cli.app import main


def test_matrix_local_vs_scheduler_and_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    local = tmp_path / "local.csv"
    assert main(["matrix", "--as-of", "2023-06-28", "-o", str(local)]) == 0
    frame = pd.read_csv(local, index_col=0)
    assert frame.shape == (23, 23) and (frame.values.diagonal() == 0).all()
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=":0"
    ) as cluster:
        remote = tmp_path / "remote.csv"
        assert (
            main(["matrix", "--as-of", "2023-06-28", "--scheduler", cluster.scheduler_address, "-o", str(remote)]) == 0
        )
        pq = tmp_path / "m.parquet"
        assert main(["matrix", "--as-of", "2023-06-28", "--scheduler", cluster.scheduler_address, "-o", str(pq)]) == 0
    assert remote.read_bytes() == local.read_bytes()
    long = pd.read_parquet(pq).pivot(index="origin", columns="destination", values="minutes")
    long.index = long.index.astype(int)
    long.columns = long.columns.astype(int)
    frame.columns = frame.columns.astype(int)
    assert ((long.loc[frame.index, frame.columns].round(3) - frame).abs().max().max()) < 1e-9
    capsys.readouterr()


def test_matrix_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "-o", "m.xlsx"]) == 2
    assert main(["matrix", "--cutoff", "-3"]) == 2
    err = capsys.readouterr().err
    assert "extension" in err and "--cutoff" in err
