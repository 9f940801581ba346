"""The one text normaliser for names typed by people (stations, districts, lines).

Every place that compares a user's name with a name of the data -- the route resolver
(:mod:`cztmap.network.names`), scenarios (:func:`cztmap.data.scenario.match_station`) and the command
line -- uses :func:`normalize_name`, so a name that works in one works in all.

Examples
--------
>>> normalize_name("  Wuyi  Guangchang ") == normalize_name("wuyiguangchang")
True
>>> normalize_name("五一广场（地铁站）")
'五一广场地铁站'
>>> strip_station_suffix("湘潭北站站")
('湘潭北', 2)
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["SEPARATORS", "normalize_name", "strip_station_suffix"]

#: Characters ignored when names are compared: white space, dashes, underscores, apostrophes,
#: brackets (ASCII and full-width), middle dots and full stops.
SEPARATORS = r"[\s\-_'’‘`()（）\[\]【】·・.。,，/]+"

_SEP = re.compile(SEPARATORS)


def normalize_name(text: object) -> str:
    """Compare form of a name: NFKC (full-width → ASCII), case-folded, separators removed.

    Parameters
    ----------
    text : object
        The name; anything else is converted with ``str``.

    Returns
    -------
    str
        The normalised form (may be empty).

    Examples
    --------
    >>> normalize_name("ＸＩＡＮＧＴＡＮ  North")
    'xiangtannorth'
    """
    t = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    # drop control and format characters (NUL, zero-width space, BOM, bidi marks): invisible, never meant
    t = "".join(ch for ch in t if unicodedata.category(ch) not in ("Cc", "Cf"))
    return _SEP.sub("", t)


def strip_station_suffix(text: str) -> tuple[str, int]:
    """``text`` without trailing 站 (station), and how many were removed.

    Examples
    --------
    >>> strip_station_suffix("长沙南站"), strip_station_suffix("站")
    (('长沙南', 1), ('站', 0))
    """
    n = 0
    while text.endswith("站") and len(text) > 1:
        text = text[:-1]
        n += 1
    return text, n
