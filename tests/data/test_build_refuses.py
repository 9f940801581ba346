"""The build refuses source tables that validate would reject: one sentence naming file, row and field, exit 1."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from cztmap._paths import geo_dir, sources_dir
from cztmap.cli import main
from cztmap.data.validate import validate_dataset


def _copy(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(sources_dir(), src)
    return src


def _edit(path: Path, line_id: str, field: str, value: str) -> int:
    """Set ``field`` of the first row whose line_id is ``line_id``; return its row number (header = 1)."""
    text = path.read_text(encoding="utf-8")
    nl = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.reader(io.StringIO(text)))
    col = rows[0].index(field)
    i = next(k for k, r in enumerate(rows) if k and r[0] == line_id)
    rows[i][col] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator=nl).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return i + 1


CASES = {
    "impossible date": ("section_history.csv", "L1", "opened", "2016-02-30", "'opened'"),
    "negative headway": ("rail_lines.csv", "L2", "headway_peak_min", "-4.5", "'headway_peak_min'"),
    "non-numeric longitude": ("rail_stations.csv", "L1", "lon", "112.9x", "'lon'"),
    "negative position error": (
        "metro_position_errors.csv",
        "树木岭",
        "position_error_m",
        "-240",
        "'position_error_m'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_value_is_refused_with_file_row_and_field(case, tmp_path, capsys):
    name, line_id, field, value, needle = CASES[case]
    src = _copy(tmp_path)
    row = _edit(src / name, line_id, field, value)
    code = main(["data", "build", "--sources", str(src), "--out", str(tmp_path / "geo")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert name in err and f"row {row}" in err and needle in err and "Traceback" not in err
    assert not (tmp_path / "geo").exists(), "nothing is written when the build refuses"


def test_empty_lines_table_is_refused(tmp_path, capsys):
    src = _copy(tmp_path)
    path = src / "rail_lines.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert main(["data", "build", "--sources", str(src), "--out", str(tmp_path / "geo")]) == 1
    assert "rail_lines.csv has no rows" in capsys.readouterr().err


def test_missing_column_is_refused(tmp_path, capsys):
    src = _copy(tmp_path)
    path = src / "section_history.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("line_id,from_station,to_station,direct,opened", "line,from_station,to_station,direct,opened", 1),
        encoding="utf-8",
    )
    assert main(["data", "build", "--sources", str(src), "--out", str(tmp_path / "geo")]) == 1
    err = capsys.readouterr().err
    assert "section_history.csv" in err and "'line_id' is missing" in err


def _copy_geo(tmp_path: Path) -> Path:
    dst = tmp_path / "geo"
    shutil.copytree(geo_dir(), dst)
    return dst


def test_validate_survives_a_null_geometry(tmp_path):
    geo = _copy_geo(tmp_path)
    doc = json.loads((geo / "stations.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["geometry"] = None
    (geo / "stations.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    probs = validate_dataset(geo)
    assert any(p.field == "geometry" and "missing" in p.message for p in probs)


def test_validate_rejects_an_impossible_opened_date(tmp_path):
    geo = _copy_geo(tmp_path)
    doc = json.loads((geo / "lines.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["opened"] = "2016-13-45"
    (geo / "lines.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    probs = validate_dataset(geo)
    assert any(p.file.endswith("lines.geojson") and p.field == "opened" for p in probs)


def test_shipped_sources_pass_and_statuses_that_may_be_stale_are_warnings():
    probs = validate_dataset(warnings=True)
    assert probs and all(p.severity == "warning" for p in probs)
    assert any(p.feature == "L2-W2" and "expected to open" in p.message for p in probs)
