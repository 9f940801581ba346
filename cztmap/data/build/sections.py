"""The sections layer: consecutive stations of a line, dated by ``section_history.csv``, with lengths.

Steps: :func:`expand_history` turns each history row (a stretch opened or closed on a date) into
station-to-station pairs; :func:`line_factors` gives each line's published-length factor;
:func:`section_features` makes one feature per pair (status, length and its source, speed, colour).
"""

from __future__ import annotations

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


def _family(lid: str) -> str:
    return BRANCH_OF.get(lid, lid)


def _superseded(s: dict[str, Any]) -> bool:
    """A closed direct section that a later path replaced (CZT 大丰–株洲南 before 株洲 opened)."""
    return bool(s["hist"]["closed"]) and s["hist"]["direct"] == "1"


def _stretch_members(raw: list[dict[str, Any]], all_rows: list[dict[str, Any]], st: dict[str, str]) -> list[int]:
    """Indices of the raw sections between two stations of a line (the stretch a published figure covers)."""
    seq = by_line(all_rows).get(st["line_id"], [])
    names = [r["station_zh"] for r in seq]
    if st["from_station"] not in names or st["to_station"] not in names:
        raise DataError(
            f"line_lengths.csv: {st['line_id']} {st['from_station']}–{st['to_station']} is not a stretch of "
            "rail_stations.csv; fix the station names."
        )
    i, j = sorted((names.index(st["from_station"]), names.index(st["to_station"])))
    inside = set(names[i : j + 1])
    return [
        k
        for k, s in enumerate(raw)
        if s["line_id"] == st["line_id"] and s["a"]["station_zh"] in inside and s["b"]["station_zh"] in inside
    ]


def line_factors(
    raw: list[dict[str, Any]],
    all_rows: list[dict[str, Any]],
    lines: dict[str, dict[str, str]],
    stretches: list[dict[str, str]],
) -> list[tuple[float, str]]:
    """Scale factor and its explanation for every raw section.

    A published length is spread only over the stretch it covers: a published stretch
    (``line_lengths.csv``) over its own sections; the line's (or line family's) published length, less
    its published stretches, over the line's other sections (superseded bypasses left out). The factor
    is published length ÷ sum of straight gaps, clamped to 1.0–1.25; a section that no published figure
    covers gets :data:`DEFAULT_FACTOR` and says so.
    """
    out: list[tuple[float, str] | None] = [None] * len(raw)
    straight = [haversine_m(s["a"]["wlon"], s["a"]["wlat"], s["b"]["wlon"], s["b"]["wlat"]) for s in raw]
    used_km: dict[str, float] = defaultdict(float)
    for st in stretches:
        ks = _stretch_members(raw, all_rows, st)
        km = float(st["length_km"])
        used_km[_family(st["line_id"])] += km
        total = sum(straight[k] for k in ks)
        f = min(max(km * 1000 / total, 1.0), 1.25) if total > 0 else DEFAULT_FACTOR
        for k in ks:
            out[k] = (
                f,
                f"straight distance × {f:.3f} (published {km:g} km of {st['from_station']}–{st['to_station']})",
            )
    for fam in sorted({_family(s["line_id"]) for s in raw}):
        ks = [k for k, s in enumerate(raw) if _family(s["line_id"]) == fam and out[k] is None and not _superseded(s)]
        pub = num(lines.get(fam, {}).get("length_km", ""))
        rest = (pub - used_km[fam]) if pub else None
        total = sum(straight[k] for k in ks)
        if rest and total > 0:
            f = min(max(rest * 1000 / total, 1.0), 1.25)
            what = f"published {pub:g} km" + (
                f" less {used_km[fam]:g} km of published stretches" if used_km[fam] else ""
            )
            text = f"straight distance × {f:.3f} ({what} ÷ sum of straight gaps)"
        else:
            f, text = DEFAULT_FACTOR, f"straight distance × {DEFAULT_FACTOR} (no published length covers this stretch)"
        for k in ks:
            out[k] = (f, text)
    for k, s in enumerate(raw):
        if out[k] is None:  # a superseded bypass: the family's factor
            sib = next(
                (o for j, o in enumerate(out) if o and _family(raw[j]["line_id"]) == _family(s["line_id"])), None
            )
            out[k] = sib or (DEFAULT_FACTOR, f"straight distance × {DEFAULT_FACTOR} (no published length)")
    return [o for o in out if o is not None]


def l5_chainage(all_rows: list[dict[str, Any]]) -> dict[str, float]:
    """Line 5 chainage (metres from 毛竹塘) from the station notes: published section lengths."""
    chain = {}
    for r in by_line(all_rows).get("L5", []):
        m = re.search(r"chainage (\d+) m", r["note"])
        if m:
            chain[r["station_zh"]] = float(m.group(1))
    return chain


def _length(
    s: dict[str, Any], straight: float, chain: dict[str, float], factor: tuple[float, str]
) -> tuple[float, str]:
    lid, a, b, h = s["line_id"], s["a"], s["b"], s["hist"]
    if h["length_km"]:
        return float(h["length_km"]) * 1000, "published line distance (section_history.csv)"
    if lid == "L5" and a["station_zh"] in chain and b["station_zh"] in chain:
        return abs(chain[b["station_zh"]] - chain[a["station_zh"]]), "published chainage (rail_stations.csv L5 notes)"
    return straight * factor[0], factor[1]


def section_features(
    raw: list[dict[str, Any]],
    lines: dict[str, dict[str, str]],
    chain: dict[str, float],
    factor: list[tuple[float, str]],
) -> tuple[list[dict[str, Any]], list[Any]]:
    """One feature per station pair; ``_a``/``_b`` keep the member rows for the station ids."""
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    counters: dict[str, int] = defaultdict(int)
    for s, fac in zip(raw, factor, strict=True):
        lid, a, b, h = s["line_id"], s["a"], s["b"], s["hist"]
        lrow = lines.get(BRANCH_OF.get(lid, lid), {})
        mode = lrow.get("mode", "metro")
        # a stretch with no opening date is not in service: its line's status (under construction/planned)
        status = "open" if h["opened"] else (lrow.get("status") or "planned")
        straight = haversine_m(a["wlon"], a["wlat"], b["wlon"], b["wlat"])
        length, lsrc = _length(s, straight, chain, fac)
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
