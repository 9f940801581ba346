"""The one table of service patterns: which lines run as which services, and the mode vocabulary.

A *line* is what the dataset draws (sections with a ``line_id``); a *service* is what a passenger
boards (a platform and a headway). Most lines are one service of their own. The exceptions are data,
kept here and nowhere else:

* the West Ring (``WR``) runs through onto Line 3 as one service ``L3`` (no change at 山塘); its last
  section ends at L3's 山塘, so the line has one station fewer of its own than sections + 1;
* the CZT intercity is a family: ``CZT-Z`` (Zhuzhou branch) and ``CZT-X`` (Xiangtan branch) are
  branches of ``CZT``, and trains of all three services run over the trunk.

Examples
--------
>>> service_of("WR"), service_of("CZT"), service_of("CZT-Z")
(['L3'], ['CZT', 'CZT-Z', 'CZT-X'], ['CZT-Z'])
>>> family_of("CZT-X")
'CZT'
"""

from __future__ import annotations

__all__ = [
    "ALL_MODES",
    "BRANCH_OF",
    "GTFS_MODES",
    "MODE_GROUPS",
    "PERIODS",
    "RAIL_MODES",
    "THROUGH_END",
    "THROUGH_SERVICE",
    "TRANSIT_MODES",
    "family_of",
    "service_of",
]

#: In-vehicle modes of the rail layers (``rail`` = conventional China Railway trains).
RAIL_MODES = ("metro", "maglev", "intercity", "hsr", "rail", "art")
#: In-vehicle modes of routes imported from GTFS (``route_type`` → mode, :func:`cztmap.io.gtfs.route_type_mode`).
GTFS_MODES = (
    "tram",
    "subway",
    "rail",
    "hsr",
    "bus",
    "coach",
    "trolleybus",
    "ferry",
    "cable_tram",
    "aerial",
    "funicular",
    "monorail",
    "air",
    "taxi",
    "other",
)
#: Every in-vehicle mode a graph may carry: the embedded rail modes and the imported GTFS ones.
TRANSIT_MODES = tuple(dict.fromkeys((*RAIL_MODES, *GTFS_MODES)))
#: Modes a user may select (``--modes``); ``walk``/``board``/``alight``/``access`` are always kept.
#: ``car`` drives on the road graph; ``feeder`` is the feeder bus between places and stations (on the
#: roads; always included with a rail mode, so places reach stations).
ALL_MODES = (*RAIL_MODES, "car", "feeder")
#: Names that stand for several modes: ``transit`` (rail and feeder buses), ``both`` (everything),
#: ``road`` (the old name of ``car``).
MODE_GROUPS: dict[str, tuple[str, ...]] = {
    "transit": (*RAIL_MODES, "feeder"),
    "both": ALL_MODES,
    "all": ALL_MODES,
    "road": ("car",),
}
#: Periods of the day with their own headways and road speeds.
PERIODS = ("peak", "offpeak")

#: Lines that run through onto another line's service.
THROUGH_SERVICE: dict[str, str] = {"WR": "L3"}
#: Stations at the through end that belong to the other line (WR's last section runs to L3's 山塘).
THROUGH_END: dict[str, int] = {"WR": 1}
#: Branch line → the trunk whose trains also serve it.
BRANCH_OF: dict[str, str] = {"CZT-Z": "CZT", "CZT-X": "CZT"}


def family_of(line_id: str) -> str:
    """The trunk line of a branch, or the line itself.

    Parameters
    ----------
    line_id : str
        A line id of the dataset.

    Returns
    -------
    str
        ``BRANCH_OF[line_id]`` for a branch, else ``line_id``.

    Examples
    --------
    >>> family_of("CZT-Z"), family_of("L1")
    ('CZT', 'L1')
    """
    return BRANCH_OF.get(line_id, line_id)


def service_of(line_id: str) -> list[str]:
    """Services that run over a section of ``line_id``.

    Parameters
    ----------
    line_id : str
        A line id of the dataset.

    Returns
    -------
    list of str
        The service ids whose trains use the line's sections (a trunk carries its branches' trains too).

    Examples
    --------
    >>> service_of("WR"), service_of("CZT"), service_of("CZT-Z")
    (['L3'], ['CZT', 'CZT-Z', 'CZT-X'], ['CZT-Z'])
    """
    if line_id in THROUGH_SERVICE:
        return [THROUGH_SERVICE[line_id]]
    branches = [b for b, trunk in BRANCH_OF.items() if trunk == line_id]
    if branches:
        return [line_id, *branches]
    return [line_id]
