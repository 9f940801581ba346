"""The sections layer: consecutive stations of a line, dated by ``section_history.csv``, with lengths.

Steps: :func:`expand_history` turns each history row (a stretch opened or closed on a date) into
station-to-station pairs; :func:`line_factors` gives each line's published-length factor;
:func:`section_features` makes one feature per pair (status, length and its source, speed, colour).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from typing import Any

from shapely.geometry import LineString

from cztmap.data.build._common import COLOUR_OVERRIDE, OPERATING_SPEED_OVERRIDE, num
from cztmap.data.services import BRANCH_OF
from cztmap.errors import DataError
from cztmap.geo import haversine_m

__all__ = ["by_line", "expand_history", "line_factors", "section_features"]

#: Lines whose section ends are China Railway stations (the ``CR`` rows of rail_stations.csv).
CR_LINES = ("HSR-JG", "HSR-HK")
#: Factor applied to a straight gap where no published length covers the line.
DEFAULT_FACTOR = 1.1


def by_line(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Station rows grouped per line, in station order."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["line_id"]].append(r)
    for v in out.values():
        v.sort(key=lambda x: x["seq"])
    return out


def _find(lines: dict[str, list[dict[str, Any]]], all_rows: list[dict[str, Any]], line_id: str, name: str) -> Any:
    for r in lines.get(line_id, []):
        if r["station_zh"] == name:
            return r
    for r in all_rows:  # a section may end on another line's station (WR → L3 山塘; HSR on CR stations)
        if r["station_zh"] == name:
            return r
    raise DataError(
        f"section_history.csv: station {name!r} of line {line_id} is not in rail_stations.csv; fix the name."
    )


def expand_history(history: list[dict[str, str]], all_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Station-to-station pairs ``{line_id, a, b, hist}`` of every history row (unplaced stations dropped)."""
    lines = by_line(all_rows)
    out: list[dict[str, Any]] = []
    for h in history:
        lid = h["line_id"]
        on = "CR" if lid in CR_LINES else lid
        a, b = _find(lines, all_rows, on, h["from_station"]), _find(lines, all_rows, on, h["to_station"])
        if h["direct"] == "1":
            pairs = [(a, b)]
        else:
            seq = lines[lid]
            ia, ib = seq.index(a), seq.index(b)
            if ia > ib:
                raise DataError(
                    f"section_history.csv: {lid} {h['from_station']}→{h['to_station']} runs against the station "
                    "order; swap them."
                )
            pairs = list(zip(seq[ia:ib], seq[ia + 1 : ib + 1], strict=True))
        for x, y in pairs:
            if "_skip" in x or "_skip" in y:
                continue  # a station with no position: the section cannot be drawn or timed
            out.append({"line_id": lid, "a": x, "b": y, "hist": h})
    return out


def line_factors(all_rows: list[dict[str, Any]], lines: dict[str, dict[str, str]]) -> dict[str, float]:
    """Published line length ÷ sum of straight gaps, clamped to 1.0–1.25 (1.1 where not published)."""
    factor: dict[str, float] = {}
    for lid, seq in by_line(all_rows).items():
        base = BRANCH_OF.get(lid, lid)
        pub = num(lines.get(base, {}).get("length_km", ""))
        placed = [p for p in seq if "_skip" not in p]
        straight = sum(haversine_m(p["wlon"], p["wlat"], q["wlon"], q["wlat"]) for p, q in itertools.pairwise(placed))
        f = DEFAULT_FACTOR
        if pub and straight > 0 and lid not in BRANCH_OF and base != "CZT":
            f = min(max(pub * 1000 / straight, 1.0), 1.25)
        factor[lid] = f
    return factor


def l5_chainage(all_rows: list[dict[str, Any]]) -> dict[str, float]:
    """Line 5 chainage (metres from 毛竹塘) from the station notes: published section lengths."""
    chain = {}
    for r in by_line(all_rows).get("L5", []):
        m = re.search(r"chainage (\d+) m", r["note"])
        if m:
            chain[r["station_zh"]] = float(m.group(1))
    return chain


def _length(s: dict[str, Any], straight: float, chain: dict[str, float], factor: dict[str, float]) -> tuple[float, str]:
    lid, a, b, h = s["line_id"], s["a"], s["b"], s["hist"]
    if h["length_km"]:
        return float(h["length_km"]) * 1000, "published line distance (section_history.csv)"
    if lid == "L5" and a["station_zh"] in chain and b["station_zh"] in chain:
        return abs(chain[b["station_zh"]] - chain[a["station_zh"]]), "published chainage (rail_stations.csv L5 notes)"
    f = factor.get(lid, DEFAULT_FACTOR)
    return straight * f, f"straight distance × {f:.3f} (published line length ÷ sum of straight gaps)"


def section_features(
    raw: list[dict[str, Any]],
    lines: dict[str, dict[str, str]],
    chain: dict[str, float],
    factor: dict[str, float],
) -> tuple[list[dict[str, Any]], list[Any]]:
    """One feature per station pair; ``_a``/``_b`` keep the member rows for the station ids."""
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    counters: dict[str, int] = defaultdict(int)
    for s in raw:
        lid, a, b, h = s["line_id"], s["a"], s["b"], s["hist"]
        lrow = lines.get(BRANCH_OF.get(lid, lid), {})
        mode = lrow.get("mode", "metro")
        # a stretch with no opening date is not in service: its line's status (under construction/planned)
        status = "open" if h["opened"] else (lrow.get("status") or "planned")
        straight = haversine_m(a["wlon"], a["wlat"], b["wlon"], b["wlat"])
        length, lsrc = _length(s, straight, chain, factor)
        speed = num(lrow.get("speed_kmh", ""))
        speed_src = "rail_lines.csv"
        if lid in OPERATING_SPEED_OVERRIDE:
            speed, speed_src = OPERATING_SPEED_OVERRIDE[lid]
        if not lrow:  # an extension row (L2-W2) without facts of its own in the base line's table
            lrow = lines.get(lid.split("-")[0], {})
        colour = lrow.get("colour_hex") or lines.get(lid.split("-")[0], {}).get("colour_hex") or ""
        if lid in COLOUR_OVERRIDE:
            colour = COLOUR_OVERRIDE[lid][0]
        counters[lid] += 1
        rows.append(
            {
                "section_id": f"{lid}-{counters[lid]:02d}",
                "line_id": lid,
                "seq": counters[lid],
                "from_station": None,  # filled from the complexes
                "to_station": None,
                "from_name_zh": a["station_zh"],
                "to_name_zh": b["station_zh"],
                "opened": h["opened"] or None,
                "closed": h["closed"] or None,
                "status": status,
                "mode": mode,
                "length_m": round(length, 1),
                "length_source": lsrc,
                "straight_m": round(straight, 1),
                "speed_kmh": speed,
                "speed_source": speed_src if speed is not None else "none published (model default)",
                "colour": colour.upper(),
                "geometry_quality": "straight line between stations (schematic)",
                "source": h["source"],
                "note": h["note"],
                "_a": (a["line_id"], a["seq"]),
                "_b": (b["line_id"], b["seq"]),
            }
        )
        geoms.append(LineString([(a["wlon"], a["wlat"]), (b["wlon"], b["wlat"])]))
    return rows, geoms
