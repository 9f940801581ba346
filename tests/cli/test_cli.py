"""The command line: outputs, exit codes, one-sentence errors, no tracebacks, atomic files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cztmap.cli.app import main

REPO = Path(__file__).resolve().parents[2]


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_route_text_and_json(capsys):
    code, out, _err = run(["route", "湘潭北站", "五一广场", "--as-of", "2023-06-28", "--modes", "metro"], capsys)
    assert code == 0 and "湘潭北站 → 五一广场" in out and "L3" in out
    code, out, _ = run(["route", "橘子洲", "黄兴广场", "--as-of", "2024-07-01", "--modes", "metro", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and [leg["line_id"] for leg in d["legs"] if leg["kind"] == "ride"] == ["L2", "L1"]
    assert {"in_vehicle_s", "wait_s", "walk_transfer_s", "access_s"} <= set(d["totals"])


@pytest.mark.parametrize(
    "argv,code,needle",
    [
        (["route", "五一广常", "橘子洲"], 2, "did you mean '五一广场'"),
        (["route", "五一广场", "橘子洲", "--as-of", "2023-13-01"], 2, "YYYY-MM-DD"),
        (["route", "五一广场", "橘子洲", "--as-of", "1999-01-01"], 2, "before any line"),
        (["route", "五一广场", "橘子洲", "--period", "rush"], 2, "invalid choice"),
        (["route", "五一广场", "橘子洲", "--modes", "bus"], 2, "Unknown mode"),
        (["route", "船形山", "五一广场", "--as-of", "2023-06-27"], 2, "not open on that date"),
        (["stations", "--line", "L9"], 2, "Unknown line"),
        (["map", "-o", "/nonexistent-dir/x.html"], 2, "does not exist"),
        (["map", "-o", "out.pdf"], 2, "unsupported extension"),
        (["map", "-o", "out.html", "--basemap", "bing"], 2, "basemap"),
        (["frobnicate"], 2, "invalid choice"),
        (["data"], 2, "needs an action"),
        (["route", "五一广场"], 2, "required"),
    ],
)
def test_errors_are_one_sentence_with_exit_codes(argv, code, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    got, _, err = run(argv, capsys)
    assert got == code
    assert needle in err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert not list(tmp_path.iterdir()), "no output file may be left behind"


def test_stations_and_params(capsys):
    code, out, _ = run(["stations", "--line", "WR", "--as-of", "2024-01-01", "--json"], capsys)
    rows = json.loads(out)
    assert code == 0 and len(rows) == 9 and {r["name_zh"] for r in rows} >= {"湘潭北站", "大王山", "山塘"}
    code, out, _ = run(["params", "--json"], capsys)
    assert code == 0 and "walk_speed_mps" in json.loads(out)
    code, out, _ = run(["calibrate"], capsys)
    assert code == 0 and "L1" in out and "held out" in out


def test_data_validate_exit_codes(tmp_path, capsys):
    import shutil

    from cztmap._paths import geo_dir

    assert run(["data", "validate"], capsys)[0] == 0
    bad = tmp_path / "geo"
    shutil.copytree(geo_dir(), bad)
    p = bad / "sections.geojson"
    doc = json.loads(p.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["to_station"] = "nowhere"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(["data", "validate", str(bad)], capsys)
    assert code == 1 and "sections.geojson" in out and "'to_station'" in out and "nowhere" in out
    p.write_text("{broken", encoding="utf-8")
    code, _, err = run(["data", "validate", str(bad)], capsys)
    assert code == 1 and "not valid JSON" in err and "Traceback" not in err


def test_data_build_into_folder(tmp_path, capsys):
    code, _, _ = run(["data", "build", "--out", str(tmp_path / "geo")], capsys)
    assert code == 0 and (tmp_path / "geo" / "stations.geojson").is_file()
    assert run(["data", "validate", str(tmp_path / "geo")], capsys)[0] == 0


def test_main_job_from_another_directory(tmp_path):
    """README's main job: `cztmap map --offline -o FILE` works from any folder, offline."""
    env = {**os.environ, "no_proxy": "*", "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    r = subprocess.run(
        [sys.executable, "-m", "cztmap.cli", "map", "--offline", "-o", "m.html"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "湘潭北站" in html and '<script src="http' not in html
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]


def test_cli_has_no_traceback_for_internal_errors(tmp_path):
    """A corrupt embedded dataset copy is a data error (exit 1), never a traceback."""
    r = subprocess.run(
        [sys.executable, "-m", "cztmap.cli", "data", "validate", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr and "missing" in r.stderr


def test_readme_commands_are_the_ones_ci_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme.count("<!-- main-command -->") == 1 and readme.count("<!-- test-command -->") == 1
    main_cmd = readme.split("<!-- main-command -->")[1].split("```sh")[1].split("```")[0].strip()
    assert "pip install ." in main_cmd and "cztmap map --offline -o" in main_cmd
    run_sh = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "test-command" in run_sh


def test_analysis_commands_write_their_outputs(tmp_path, capsys):
    route_html = tmp_path / "route.html"
    code, out, _ = run(
        [
            "route",
            "湘潭北站",
            "五一广场",
            "--as-of",
            "2023-06-28",
            "--modes",
            "metro",
            "-o",
            str(route_html),
            "--offline",
        ],
        capsys,
    )
    html = route_html.read_text(encoding="utf-8")
    assert code == 0 and "侯家塘" in html and "in vehicle" in html and "{&#x27;node" not in html
    iso = tmp_path / "iso.geojson"
    code, out, _ = run(
        ["isochrone", "湘潭北站", "--minutes", "30", "60", "-o", str(iso), "--as-of", "2023-06-28"], capsys
    )
    doc = json.loads(iso.read_text(encoding="utf-8"))
    assert code == 0 and [f["properties"]["minutes"] for f in doc["features"]] == [30, 60]
    code, out, _ = run(
        ["reach", "--as-of", "2023-06-28", "--json", "-o", str(tmp_path / "reach.html"), "--offline"], capsys
    )
    doc = json.loads(out)
    rows = doc["rows"]
    # 3 modes × 2 areas × 6 ordered city pairs, population-weighted, with the station coverage
    assert code == 0 and len(rows) == 36 and (tmp_path / "reach.html").stat().st_size > 50_000
    assert {(r["mode"], r["area"]) for r in rows} == {
        (m, a) for m in ("transit", "car", "both") for a in ("core", "region")
    }
    assert {r["origin_city"] for r in rows} == {"Changsha", "Zhuzhou", "Xiangtan"} and "pop_median_min" in rows[0]
    assert set(doc["no_rail_station_within"]) == {"Changsha", "Zhuzhou", "Xiangtan", "region"}
    code, out, _ = run(
        ["compare", "before_west_ring", "with_west_ring", "--json", "-o", str(tmp_path / "diff.html")], capsys
    )
    d = json.loads(out)
    assert code == 0 and len(d["added_sections"]) == 8 and d["removed_sections"] == []
    code, out, _ = run(["critical", "--top", "3", "--as-of", "2023-06-28", "--json"], capsys)
    assert code == 0 and len(json.loads(out)["rows"]) == 3
