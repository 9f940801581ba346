"""The lines layer: ``rail_lines.csv`` with parsed numbers, the CZT branches, planned lines without geometry."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import shapely

from cztmap.data.build._common import COLOUR_OVERRIDE, OPERATING_SPEED_OVERRIDE, num, read_csv
from cztmap.data.services import BRANCH_OF

__all__ = ["build_lines"]


def build_lines(src: Path, sections: list[dict[str, Any]], sgeoms: list[Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    """The lines layer: one row per line of ``rail_lines.csv`` with its status, dates and served length.

    Parameters
    ----------
    src : Path
        The sources folder (``rail_lines.csv``, optional ``line_status.csv``).
    sections, sgeoms : list
        The built sections and their geometries (lengths and counts come from them).

    Returns
    -------
    tuple of (list of dict, list)
        Line rows and their geometries (a line's sections merged).
    """
    rows = read_csv(src / "rail_lines.csv")
    status = {r["line_id"]: r for r in read_csv(src / "line_status.csv")} if (src / "line_status.csv").is_file() else {}
    by_line: dict[str, list[Any]] = defaultdict(list)
    for s, g in zip(sections, sgeoms, strict=True):
        by_line[s["line_id"]].append(g)
    out: list[dict[str, Any]] = []
    geoms: list[Any] = []
    expanded: list[dict[str, str]] = []
    for r in rows:
        expanded.append(r)
        if r["line_id"] == "CZT":
            for b, (zh, en) in {
                "CZT-Z": ("长株潭城际铁路 株洲支线", "CZT intercity, Zhuzhou branch"),
                "CZT-X": ("长株潭城际铁路 湘潭支线", "CZT intercity, Xiangtan branch"),
            }.items():
                expanded.append(
                    dict(
                        r,
                        line_id=b,
                        name_zh=zh,
                        name_en=en,
                        length_km="",
                        n_stations="",
                        note=f"branch of CZT; facts as CZT row. {r['note']}",
                    )
                )
    for r in expanded:
        lid = r["line_id"]
        colour = r["colour_hex"]
        if lid in COLOUR_OVERRIDE:
            colour = COLOUR_OVERRIDE[lid][0]
        peak, off = num(r["headway_peak_min"]), num(r["headway_offpeak_min"])
        if lid in BRANCH_OF:
            peak, off = 22.0, 22.0  # 2021 timetable: ~22 min on each branch (rail_facts.md §2)
        speed = num(r["speed_kmh"])
        if lid in OPERATING_SPEED_OVERRIDE:
            speed = OPERATING_SPEED_OVERRIDE[lid][0]
        opened = re.match(r"\s*(\d{4}-\d{2}-\d{2})", r["opened"] or "")
        out.append(
            {
                "line_id": lid,
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "mode": r["mode"],
                "colour": colour.upper() if colour else None,
                "length_km": num(r["length_km"]),
                "n_stations": int(r["n_stations"]) if r["n_stations"] else None,
                "opened": opened.group(1) if opened else None,
                "opening_history": r["opened"],
                "status": r["status"],
                "headway_peak_min": peak,
                "headway_offpeak_min": off,
                "speed_kmh": speed,
                "has_geometry": lid in by_line,
                "expected_opening": status.get(lid, {}).get("expected_opening") or None,
                "expected_opening_text": status.get(lid, {}).get("expected_text") or None,
                "status_checked_on": status.get(lid, {}).get("checked_on") or None,
                "status_source": status.get(lid, {}).get("source") or None,
                "source": r["source"],
                "note": r["note"],
            }
        )
        gs = by_line.get(lid)
        geoms.append(shapely.MultiLineString([list(g.coords) for g in gs]) if gs else None)
    return out, geoms
