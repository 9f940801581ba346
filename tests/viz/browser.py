"""A small Playwright helper to check generated HTML maps in headless Debian Chromium.

Not a test module. Usage::

    from tests.browser import open_page   # or: from browser import open_page
    with open_page(path) as page:
        page.assert_clean()
        assert page.count_shapes("cztmap-section") == 12

If Chromium (``/usr/bin/chromium``) or the ``playwright`` package is missing, :func:`require_browser`
fails the test when the environment variable ``CI`` is set and skips it otherwise.
Never run ``playwright install`` here: the system Chromium is used (``.ci/install_browser.sh``).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CZTMAP_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

#: A canary set before any page script runs: injected test payloads set ``window.__pwned``; dialogs
#: (``alert`` etc.) are recorded by the page's dialog handler.
_CANARY = "window.__pwned = false;"


def browser_missing_reason() -> str | None:
    """Why a real-browser test cannot run here, or None if it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package 'playwright' is not installed (pip install playwright)"
    if not Path(CHROMIUM).is_file():
        return f"Chromium is not installed at {CHROMIUM} (run .ci/install_browser.sh; never `playwright install`)"
    return None


def require_browser() -> None:
    """Skip the calling test if no browser is available; fail instead when ``CI`` is set."""
    reason = browser_missing_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Real-browser test cannot run in CI: {reason}.")
    pytest.skip(f"Real-browser test skipped: {reason}.")


@dataclass
class MapPage:
    """An opened page plus everything it did: errors, console errors, network requests, dialogs."""

    page: Any
    url: str
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    # --- checks ---------------------------------------------------------------------------------
    def assert_clean(self, *, allow_requests: Callable[[str], bool] | None = None) -> None:
        """No page error, no console error, no dialog, and no network request (unless allowed)."""
        other = [u for u in self.requests if not (allow_requests and allow_requests(u))]
        assert not self.page_errors, f"page errors: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.dialogs, f"dialogs opened (injected script ran?): {self.dialogs}"
        assert not other, f"network requests: {other[:10]} ({len(other)} in all)"

    def pwned(self) -> bool:
        """True if an injected script ran (the canary was set or a dialog opened)."""
        return bool(self.page.evaluate("window.__pwned === true")) or bool(self.dialogs)

    # --- reading ----------------------------------------------------------------------------------
    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def count_shapes(self, css_class: str | None = None) -> int:
        """Number of drawn vector shapes (``path.leaflet-interactive``), optionally with a class."""
        sel = "path.leaflet-interactive" + (f".{css_class}" if css_class else "")
        return self.count(sel)

    def count_markers(self) -> int:
        """Number of icon markers (``img.leaflet-marker-icon``) plus div-icon markers."""
        return self.count(".leaflet-marker-icon")

    def text(self, selector: str) -> str:
        loc = self.page.locator(selector)
        return loc.first.inner_text() if loc.count() else ""

    def popup_text(self) -> str:
        """Text of the open popup (waits briefly for it), or ''."""
        try:
            self.page.wait_for_selector(".leaflet-popup-content", timeout=3000)
        except Exception:
            return ""
        return self.text(".leaflet-popup-content")

    def popup_html(self) -> str:
        loc = self.page.locator(".leaflet-popup-content")
        return loc.first.inner_html() if loc.count() else ""

    # --- acting -------------------------------------------------------------------------------------
    def click_shape(self, css_class: str, index: int = 0) -> None:
        """Click the index-th vector shape with a class (``dispatch_event`` avoids overlap issues)."""
        loc = self.page.locator(f"path.leaflet-interactive.{css_class}").nth(index)
        loc.dispatch_event("click")

    def click(self, selector: str, index: int = 0) -> None:
        self.page.locator(selector).nth(index).click()

    def layer_names(self) -> list[str]:
        """Labels of the layer control's entries (base layers and overlays)."""
        self.expand_layers()
        return [s.strip() for s in self.page.locator(".leaflet-control-layers-list label").all_inner_texts()]

    def expand_layers(self) -> None:
        self.page.evaluate(
            "document.querySelectorAll('.leaflet-control-layers').forEach(e => "
            "e.classList.add('leaflet-control-layers-expanded'))"
        )

    def toggle_layer(self, label_substring: str) -> bool:
        """Click the layer-control checkbox whose label contains the text; return its new state."""
        self.expand_layers()
        labels = self.page.locator(".leaflet-control-layers-overlays label")
        for i in range(labels.count()):
            lab = labels.nth(i)
            if label_substring in lab.inner_text():
                box = lab.locator("input")
                # Leaflet 1.9 swallows clicks for one tick after the control expands on mouseenter
                # (`_expandSafely`): hover first, as a person would, then click.
                self.page.locator(".leaflet-control-layers").first.hover()
                self.page.wait_for_timeout(100)
                box.click()
                self.page.wait_for_timeout(50)
                return bool(box.is_checked())
        raise AssertionError(f"no layer-control entry contains {label_substring!r}")

    def screenshot(self, name: str) -> Path:
        """Save a PNG screenshot as ``tests/artifacts/<name>.png`` and return its path."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w.-]+", "_", name)
        out = ARTIFACTS / f"{safe}.png"
        self.page.screenshot(path=str(out))
        return out


def _resolve_route(url: str, routes: dict[str, Path | bytes | str]) -> Path | bytes | str | None:
    if url in routes:
        return routes[url]
    for key, value in routes.items():
        if key.endswith("*") and url.startswith(key[:-1]):
            if isinstance(value, Path) and value.is_dir():
                rest = url[len(key) - 1 :].split("?", 1)[0]
                target = (value / rest).resolve()
                return target if target.is_file() else b""
            return value
    return None


@contextlib.contextmanager
def open_page(
    html_path: str | os.PathLike[str],
    *,
    routes: dict[str, Path | bytes | str] | None = None,
    block_network: bool = True,
    viewport: tuple[int, int] = (1280, 860),
    settle_ms: int = 300,
) -> Iterator[MapPage]:
    """Open a local HTML file in headless Chromium and record what it does.

    Parameters
    ----------
    html_path : path
        The HTML file to open (as ``file://``).
    routes : dict, optional
        URL -> local file, folder or literal body: those requests are answered locally (CDN stubs for
        online maps); a key ending in ``*`` matches every URL with that prefix (a folder value then gets
        the rest of the URL path appended). They are still recorded in ``requests``.
    block_network : bool
        Abort every other http(s) request (it is recorded first, so tests can assert there were none).
    """
    require_browser()
    from playwright.sync_api import sync_playwright

    path = Path(html_path).resolve()
    url = path.as_uri()
    routes = dict(routes or {})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            page = context.new_page()
            mp = MapPage(page=page, url=url)
            page.add_init_script(_CANARY)
            page.on("pageerror", lambda exc: mp.page_errors.append(str(exc)))
            page.on(
                "console",
                lambda msg: mp.console_errors.append(msg.text) if msg.type == "error" else None,
            )
            page.on("requestfailed", lambda req: mp.failed_requests.append(req.url))

            def _dialog(dialog: Any) -> None:
                mp.dialogs.append(f"{dialog.type}: {dialog.message}")
                dialog.dismiss()

            page.on("dialog", _dialog)

            def _on_request(req: Any) -> None:
                u = req.url
                if u == url or u.startswith("data:"):
                    return
                mp.requests.append(u)

            page.on("request", _on_request)

            def _route(route: Any) -> None:
                u = route.request.url
                stub = _resolve_route(u, routes)
                if stub is not None:
                    if isinstance(stub, Path):
                        route.fulfill(path=str(stub))
                    else:
                        route.fulfill(body=stub, status=200)
                elif u == url or u.startswith(("data:", "file:")) or not block_network:
                    route.continue_()
                else:
                    route.abort()

            page.route("**/*", _route)
            page.goto(url, wait_until="load")
            page.wait_for_timeout(settle_ms)
            yield mp
        finally:
            browser.close()
