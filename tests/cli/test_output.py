"""Readable command-line output (issue 16): tables with units and East-Asian alignment, line order, signed
changes, ``--json`` and ``-o -`` everywhere a result is printed or written, help on every option, progress
on stderr only when wanted."""

from __future__ import annotations

import argparse
import json
import re

from rich.cells import cell_len

from cztmap.cli.app import build_parser, main


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _walk(p: argparse.ArgumentParser, name: str):
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for n, sp in a.choices.items():
                yield from _walk(sp, f"{name} {n}")
        elif a.dest != "help":
            yield name, a


def test_every_option_has_help() -> None:
    missing = [f"{cmd} {a.option_strings or a.dest}" for cmd, a in _walk(build_parser(), "cztmap") if not a.help]
    assert not missing, missing


def test_stations_of_a_line_in_line_order_and_aligned(capsys) -> None:
    from cztmap.data.dataset import load_dataset

    code, out, _ = run(["stations", "--line", "WR", "--as-of", "2024-01-01"], capsys)
    assert code == 0
    sec = load_dataset(as_of="2024-01-01").sections
    sec = sec[sec["line_id"] == "WR"].sort_values("seq")
    order = [sec["from_station"].iloc[0], *sec["to_station"]]
    lines = [ln for ln in out.splitlines() if ln.strip()]
    ids = [ln.split()[0] for ln in lines[2:]]
    assert ids == order
    # columns line up in display cells although names mix CJK and Latin
    starts = {cell_len(ln[: ln.index(ln.split()[2])]) for ln in lines[2:]}
    assert len(starts) == 1, lines


def test_reach_table_rounds_with_units(capsys) -> None:
    code, out, _ = run(["reach", "--as-of", "2024-01-01"], capsys)
    assert code == 0
    assert "10,047,914" in out and "10047914.000" not in out
    assert re.search(r"\d+\.\d %", out) and "(min)" in out and "(people)" in out
    code, out, _ = run(["reach", "--as-of", "2024-01-01", "--json"], capsys)
    d = json.loads(out)
    assert d["rows"][0]["origin_pop"] == 10047914


def test_compare_prints_changed_figures_with_signs(capsys) -> None:
    code, out, _ = run(["compare", "before_west_ring", "with_west_ring", "--level", "grid"], capsys)
    assert code == 0
    assert "Empty DataFrame" not in out and "0.000 " not in out
    assert "sections added: 8 (WR)" in out
    changed = [ln for ln in out.splitlines() if re.search(r"[+-]\d+\.\d+( pp)?\s*$", ln)]
    assert changed and any("pp" in ln for ln in changed)
    code, out, _ = run(["compare", "before_west_ring", "with_west_ring"], capsys)
    assert code == 0 and "Empty DataFrame" not in out
    assert "no cross-city figure changed" in out or "changed (after − before)" in out


def test_dash_output_writes_to_stdout(capsys) -> None:
    code, out, _ = run(["route", "湘潭北站", "五一广场", "--as-of", "2024-01-01", "-o", "-", "--offline"], capsys)
    assert code == 0 and out.lstrip().startswith("<!DOCTYPE html>") and "cztmap-leg" in out
    code, out, _ = run(["isochrone", "五一广场", "--minutes", "30", "-o", "-", "--as-of", "2024-01-01"], capsys)
    gj = json.loads(out)
    assert code == 0 and gj["type"] == "FeatureCollection" and len(gj["features"]) == 1


def test_json_and_quiet_keep_stderr_silent(capsys) -> None:
    code, out, err = run(
        ["isochrone", "五一广场", "--minutes", "30", "-o", "-", "--format", "geojson", "--as-of", "2024-01-01"], capsys
    )
    assert code == 0 and err == ""
    code, out, err = run(["--quiet", "stations", "--line", "WR", "--as-of", "2024-01-01"], capsys)
    assert code == 0 and err == "" and "chuanxingshan" in out
    code, out, err = run(["stations", "--line", "WR", "--as-of", "2024-01-01", "--json"], capsys)
    assert code == 0 and err == "" and len(json.loads(out)) == 9


def test_progress_bar_on_stderr_only_when_enabled(capsys, monkeypatch) -> None:
    from cztmap import _progress

    monkeypatch.setenv("CZTMAP_PROGRESS", "1")
    _progress.set_enabled(True)
    assert list(_progress.track(range(5), "counting")) == list(range(5))
    shown = capsys.readouterr()
    assert shown.out == "" and "counting" in shown.err
    with _progress.status("one long step"):
        pass
    assert "one long step" in capsys.readouterr().err
    _progress.set_enabled(False)
    try:
        assert list(_progress.track(range(5), "counting")) == list(range(5))
        assert capsys.readouterr().err == ""
    finally:
        _progress.set_enabled(True)
