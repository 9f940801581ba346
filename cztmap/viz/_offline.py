"""Self-contained folium maps: inline Leaflet and jQuery, refuse any other network asset.

A default folium map loads Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs;
offline it renders blank. :func:`make_offline` swaps the map's asset lists *on the instance* for
``data:`` URIs built from the installed ``xstatic-leaflet`` (Leaflet 1.9.3) and ``xstatic-jquery``
(jQuery 3.7.1) packages, drops Bootstrap / Font Awesome / awesome-markers (so ``folium.Icon`` cannot be
used), and walks the whole element tree so that a plugin cannot sneak in a network dependency.

:func:`render_html` renders any folium map (offline or not) to the same bytes every time: folium gives
each element a random id, which is replaced by a counter in tree order before rendering.

Examples
--------
>>> import folium
>>> from cztmap.viz._offline import make_offline, render_html
>>> m = make_offline(folium.Map(location=(28.2, 112.9), zoom_start=9, tiles=None))
>>> html = render_html(m)
>>> "<script src=\\"https://" in html
False
>>> html == render_html(m)
True
"""

from __future__ import annotations

import base64
import contextlib
import functools
import re
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink

from cztmap.errors import UsageError

__all__ = ["DROPPED_ASSETS", "KNOWN_ASSETS", "asset_urls", "iter_elements", "make_offline", "render_html"]

LEAFLET_VERSION = "1.9.3"
JQUERY_VERSION = "3.7.1"

#: CDN URLs that are replaced by an inlined copy from an installed package (name -> URL).
KNOWN_ASSETS: dict[str, str] = {
    "leaflet": f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js",
    "jquery": f"https://code.jquery.com/jquery-{JQUERY_VERSION}.min.js",
    "leaflet_css": f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css",
}

#: CDN URLs that folium loads by default and that cztmap maps do not need (Bootstrap, icon fonts,
#: awesome-markers); they are dropped. ``folium.Icon`` needs them, so it is refused offline.
DROPPED_ASSETS: frozenset[str] = frozenset(
    {
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
    }
)

_NETWORK = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


def _is_network(url: object) -> bool:
    return isinstance(url, str) and bool(_NETWORK.match(url))


def _asset_dirs() -> tuple[Path, Path]:
    try:
        import xstatic.pkg.jquery as xjquery
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise UsageError(
            "Offline maps need the packages xstatic-leaflet and xstatic-jquery; install them with "
            "`pip install xstatic-leaflet xstatic-jquery`."
        ) from exc
    return Path(xleaflet.BASE_DIR), Path(xjquery.BASE_DIR)


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@functools.lru_cache(maxsize=1)
def _inline_assets() -> dict[str, str]:
    """Name -> data: URI of the inlined Leaflet JS (+ icon fix), Leaflet CSS (+ images) and jQuery."""
    leaflet_dir, jquery_dir = _asset_dirs()
    images = {p.name: _data_uri("image/png", p.read_bytes()) for p in sorted((leaflet_dir / "images").glob("*.png"))}
    icon_fix = (
        "\n;(function(){"
        "L.Icon.Default.imagePath='';"
        "L.Icon.Default.mergeOptions({"
        f"iconUrl:'{images['marker-icon.png']}',"
        f"iconRetinaUrl:'{images['marker-icon-2x.png']}',"
        f"shadowUrl:'{images['marker-shadow.png']}'"
        "});})();\n"
    )
    leaflet_js = (leaflet_dir / "leaflet.js").read_bytes() + icon_fix.encode("ascii")
    css = (leaflet_dir / "leaflet.css").read_text(encoding="utf-8")

    def _img(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in images:
            raise UsageError(f"leaflet.css refers to an unknown image {name!r}; reinstall xstatic-leaflet.")
        return f"url({images[name]})"

    css = re.sub(r"url\(\s*['\"]?images/([\w.-]+)['\"]?\s*\)", _img, css)
    jquery_js = (jquery_dir / "jquery.min.js").read_bytes()
    return {
        "leaflet": _data_uri("text/javascript", leaflet_js),
        "jquery": _data_uri("text/javascript", jquery_js),
        "leaflet_css": _data_uri("text/css", css.encode("utf-8")),
    }


def iter_elements(root: Element) -> Iterator[Element]:
    """Yield ``root`` and every element below it, depth first, in a fixed order.

    Besides ``_children`` this follows the ``header`` / ``html`` / ``script`` sub-elements that
    :class:`~branca.element.Figure` and :class:`folium.Popup` keep as attributes.
    """
    seen: set[int] = set()
    stack: list[Element] = [root]
    while stack:
        el = stack.pop()
        if id(el) in seen:
            continue
        seen.add(id(el))
        yield el
        subs: list[Element] = list(el._children.values())
        for attr in ("header", "html", "script"):
            sub = getattr(el, attr, None)
            if isinstance(sub, Element):
                subs.append(sub)
        stack.extend(reversed(subs))


def asset_urls(el: Element) -> list[tuple[str, str]]:
    """The (what, url) pairs of network-looking assets an element loads or links to."""
    out: list[tuple[str, str]] = []
    for name, url in list(getattr(el, "default_js", []) or []) + list(getattr(el, "default_css", []) or []):
        out.append((f"asset {name!r}", url))
    if isinstance(el, (JavascriptLink, CssLink)):
        out.append(("link", el.url))
    for attr in ("tiles", "url", "video_url", "image"):
        val = getattr(el, attr, None)
        if isinstance(val, str):
            out.append((attr, val))
    return [(what, url) for what, url in out if _is_network(url)]


def make_offline(m: folium.Map, *, allow_tiles: bool = False) -> folium.Map:
    """Make ``m`` self-contained (no network access at all) and return it.

    With ``allow_tiles=True`` online tile layers are kept (everything else is inlined): the page then
    renders without internet, with the vector basemap of cztmap maps, and shows the tiles when online.

    The map's ``default_js`` / ``default_css`` are replaced on the instance (the class lists, shared by
    every map in the process, are left untouched) with ``data:`` URIs of Leaflet 1.9.3 (with its default
    marker images) and jQuery 3.7.1. Bootstrap, Font Awesome and awesome-markers are dropped.

    Raises
    ------
    UsageError
        If the map has a tile layer or any other element loading an asset from the network that is not
        one of folium's known CDN files (for example a plugin's script, or an online tile layer: build
        the map with ``tiles=None``), or if it contains a ``folium.Icon`` (which needs the dropped icon
        fonts; use ``folium.CircleMarker`` instead).
    """
    if not isinstance(m, folium.Map):
        raise UsageError(
            f"make_offline needs a folium.Map, got {type(m).__name__}; build the map with folium.Map(...)."
        )
    assets = _inline_assets()
    known = {url: name for name, url in KNOWN_ASSETS.items()}
    root = m.get_root()
    for el in iter_elements(root):
        if isinstance(el, folium.Icon):
            raise UsageError(
                "Offline maps cannot show folium.Icon markers (they need Font Awesome from a CDN); "
                "use folium.CircleMarker instead."
            )
        for list_attr in ("default_js", "default_css"):
            entries = getattr(el, list_attr, None)
            if not entries:
                continue
            new: list[tuple[str, str]] = []
            for name, url in entries:
                if url in known:
                    new.append((name, assets[known[url]]))
                elif url in DROPPED_ASSETS:
                    continue
                elif _is_network(url):
                    raise UsageError(
                        f"The map element {el.get_name()!r} ({type(el).__name__}) loads {url!r} from the network, "
                        "which an offline map cannot do; remove that element or plugin from the map."
                    )
                else:
                    new.append((name, url))
            setattr(el, list_attr, new)  # instance attribute: the class-level list stays as it was
        for what, url in asset_urls(el):
            if allow_tiles and isinstance(el, folium.TileLayer) and what == "tiles":
                continue
            raise UsageError(
                f"The map element {el.get_name()!r} ({type(el).__name__}) has a network {what} {url!r}, which an "
                "offline map cannot load; build the map with tiles=None and without online layers."
            )
    return m


def _renumber(root: Element) -> None:
    """Replace every element's random ``_id`` by a counter in tree order (and re-key ``_children``)."""
    old_names: dict[int, str] = {}
    elements = list(iter_elements(root))
    for el in elements:
        old_names[id(el)] = el.get_name()
    for i, el in enumerate(elements):
        el._id = f"{i:05d}"
    for el in elements:
        if not el._children:
            continue
        rekeyed: OrderedDict[str, Element] = OrderedDict()
        for key, child in el._children.items():
            if key == old_names.get(id(child)):
                key = child.get_name()
            rekeyed[key] = child
        el._children = rekeyed


_RENDER_HELPERS = (folium.elements.ElementAddToElement, folium.Marker.SetIcon)
_HELPER_PREFIXES = ("macro_element_", "element_add_to_element_", "set_icon_")


class _Literal:
    """A stand-in for a compiled Jinja template whose source has no Jinja syntax: it renders to itself.

    Jinja drops one trailing newline of a template (``keep_trailing_newline=False``); so does this.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, *args: object, **kwargs: object) -> str:
        return self.text


class _FragmentElement(Element):
    """branca wraps every rendered fragment of a map in ``Element(text)``, compiling ``text`` as a Jinja
    template (≈ 1,100 compilations, most of the render time of ``cztmap map``). Fragments without Jinja
    syntax become :class:`_Literal` instead -- the same output without the compile.
    """

    def __init__(self, template: str | None = None, template_name: str | None = None) -> None:
        if isinstance(template, str) and not any(tag in template for tag in ("{{", "{%", "{#")):
            super().__init__()
            self._template_str = template
            self._template = _Literal(template)  # type: ignore[assignment]
        else:
            super().__init__(template, template_name)


@contextlib.contextmanager
def _literal_fragments() -> Iterator[None]:
    """During a render, let branca's and folium's ``Element(fragment)`` calls make :class:`_FragmentElement`."""
    import branca.element as be
    import folium.map as fm

    saved = be.Element, fm.Element
    be.Element = fm.Element = _FragmentElement  # type: ignore[misc]
    try:
        yield
    finally:
        be.Element, fm.Element = saved  # type: ignore[misc]


def render_html(m: folium.Map | Figure) -> str:
    """Render a map (or its figure) to a complete HTML page, identically every time.

    Element ids are renumbered in tree order before rendering, so the same map (or two maps built the
    same way) give the same bytes. Works for online and offline maps.
    """
    root = m.get_root()
    if not isinstance(root, Figure):
        raise UsageError(f"render_html needs a folium map inside a Figure, got {type(root).__name__}.")
    # Rendering adds pieces to the figure's header/html/script keyed by the name of the element that
    # made them; drop those from earlier renders (their names are about to change) before renumbering.
    names = {el.get_name() for child in root._children.values() for el in iter_elements(child)}
    for part in (root.header, root.html, root.script):
        for key in [k for k in part._children if k in names or k.startswith(_HELPER_PREFIXES)]:
            del part._children[key]
    # Layers and markers also add helper children to themselves when rendered; drop the old ones.
    for el in list(iter_elements(root)):
        for key in [k for k, c in el._children.items() if isinstance(c, _RENDER_HELPERS)]:
            del el._children[key]
    _renumber(root)
    with _literal_fragments():
        return root.render()
