"""Notebook display (issue 16): rich HTML of Dataset, Itinerary and Comparison, short reprs and signatures,
Figures that show themselves, ``.explore()`` from a fresh install, scenario names wherever files are accepted."""

from __future__ import annotations

import inspect

import pytest

import cztmap


@pytest.fixture(scope="module")
def graph():
    return cztmap.build_graph(as_of="2024-01-01")


def test_dataset_display() -> None:
    ds = cztmap.load_dataset(as_of="2024-01-01")
    text = repr(ds)
    assert len(text) < 200 and f"stations={len(ds.stations)}" in text and "2024-01-01" in text
    html = ds._repr_html_()
    assert "<table" in html and "2024-01-01" in html and f"{len(ds.stations):,} rows" in html
    assert all(str(lid) in html for lid in ds.lines["line_id"])


def test_itinerary_display(graph) -> None:
    it = cztmap.route(graph, "湘潭北站", "五一广场")
    html = it._repr_html_()
    assert "湘潭北站" in html and "五一广场" in html and f"{it.total_s / 60:.0f} min" in html
    assert html.count("<tr>") >= len(it.legs) + 1


def test_comparison_display_shows_the_changed_figures() -> None:
    res = cztmap.compare("before_west_ring", "with_west_ring", level="grid")
    text = repr(res)
    assert len(text) < 200 and "8 sections added" in text
    html = res._repr_html_()
    assert "8 (WR)" in html and "pp" in html and "Empty DataFrame" not in html


def test_names_are_escaped_in_displays() -> None:
    from cztmap._display import summary_html, table_html

    html = summary_html("<b>", [("<i>", "<script>")], ("<u>", table_html(["<s>"], [["<img>"]])))
    assert "<script>" not in html and "<img>" not in html and "&lt;script&gt;" in html


def test_signatures_are_short() -> None:
    sig = str(inspect.signature(cztmap.compare))
    assert "params: 'Params' = DEFAULTS" in sig and len(sig) < 400
    assert repr(cztmap.DEFAULTS) == "DEFAULTS"
    assert repr(cztmap.DEFAULTS.replace(min_change_s=30.0)) == "Params(min_change_s=30.0)"


def test_load_scenario_takes_shipped_names() -> None:
    assert cztmap.load_scenario("with_west_ring").name == "with West Ring"
    with pytest.raises(cztmap.ScenarioError, match="does not exist"):
        cztmap.load_scenario("no_such_scenario")


def test_plots_are_figures_that_display() -> None:
    from matplotlib.figure import Figure

    from cztmap.viz.plots import plot_network

    fig = plot_network(cztmap.load_dataset(as_of="2024-01-01"))
    assert isinstance(fig, Figure) and fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_explore_works_with_classes() -> None:
    m = cztmap.load_dataset().districts.explore(column="population", scheme="quantiles", k=4, tiles=None)
    assert type(m).__name__ == "Map"
