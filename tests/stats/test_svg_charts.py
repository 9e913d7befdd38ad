"""The SVG charts drawn directly (refugio.stats.svg_charts through charts.render): each kind is valid XML
with an accessible name, draws every published cell with bar lengths proportional to the published
numbers, draws no suppressed cell and shows no suppressed value, leaves the totals out, and speaks the
reader's language (French; Arabic mirrored and right to left). No browser, no database."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest

from refugio.stats import charts
from refugio.stats.disclosure import DEFAULT_RULE
from refugio.stats.svg_charts import nice_ticks
from refugio.stats.tables import Dimension, Table, cube_table
from refugio.web.i18n import load_translators

SVG = "{http://www.w3.org/2000/svg}"
SEX = Dimension("sex", "Sex", "#gender", [("F", "Female"), ("M", "Male"), ("X", "Other or not stated")])
AGE = Dimension(
    "age", "Age", "#age+range", [("0-4", "0-4"), ("5-11", "5-11"), ("18-59", "18-59"), ("60+", "60+")]
)
MONTH = Dimension("period", "Month", "#date+month", [(m, m) for m in ("2026-01", "2026-02", "2026-03")])
SITE = Dimension(
    "site", "Site", "#loc+code", [("AZR", "Azraq camp"), ("ZAA", "Zaatari camp"), ("AMM", "Amman office")]
)


def _cube(name: str, rows: Dimension, counts: dict[tuple[str, str], int], title: str) -> Table:
    return cube_table(
        name=name,
        title=title,
        rows=[rows],
        column=SEX,
        counts=counts,
        rule=DEFAULT_RULE,
        value_hxl="#affected",
    )


def pyramid() -> Table:
    counts = {("0-4", "F"): 120, ("0-4", "M"): 130, ("5-11", "F"): 80, ("5-11", "M"): 95}
    counts |= {("18-59", "F"): 400, ("18-59", "M"): 380, ("60+", "F"): 3, ("60+", "M"): 40, ("60+", "X"): 12}
    return _cube("pyramid", AGE, counts, "People").retitle(
        "Registered people by age and sex on %(date)s", date="2026-11-15"
    )


def arrivals() -> Table:
    counts = {("2026-01", "F"): 50, ("2026-01", "M"): 70, ("2026-02", "F"): 25, ("2026-02", "M"): 2}
    counts |= {("2026-03", "F"): 90, ("2026-03", "M"): 110, ("2026-03", "X"): 30, ("2026-02", "X"): 20}
    return _cube("arrivals", MONTH, counts, "Arrivals by month and sex")


def by_site() -> Table:
    counts = {("AZR", "F"): 300, ("AZR", "M"): 280, ("ZAA", "F"): 610, ("ZAA", "M"): 590, ("AMM", "F"): 2}
    return _cube("by-site", SITE, counts, "People").retitle(
        "Registered people by site and sex on %(date)s", date="2026-11-15"
    )


def _parse(svg: bytes) -> ET.Element:
    root = ET.fromstring(svg)  # valid XML, or this raises
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label")
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    assert "style" not in svg.decode() and "<script" not in svg.decode()  # the page's CSP: no inline styles
    return root


def _bars(root: ET.Element) -> dict[tuple[str, str], float]:
    """The length of each bar (width or height, whichever the value sets) by (row, series)."""
    out: dict[tuple[str, str], float] = defaultdict(float)
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("class") == "bar":
            key = (rect.get("data-row") or "", rect.get("data-series") or "")
            out[key] += float(rect.get("width") or 0) * float(rect.get("height") or 0)
    return out


def _texts(root: ET.Element, kind: str | None = None) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if kind is None or t.get("class") == kind]


def _published(table: Table, keys: list[str]) -> dict[tuple[str, str], int]:
    """Every published (numeric, non-zero) body cell of `table` in columns `keys`, by (row label, key)."""
    out = {}
    for k, row in enumerate(table.rows):
        for key in keys:
            value = row[table.column(key)]
            if k not in table.total_rows and isinstance(value, int) and value:
                out[(str(row[0]), key)] = value
    return out


def _proportional(drawn: dict[tuple[str, str], float], published: dict[tuple[str, str], int]) -> None:
    assert set(drawn) == set(published), (drawn, published)
    ratios = {key: drawn[key] / published[key] for key in published}
    first = next(iter(ratios.values()))
    assert all(r == pytest.approx(first, rel=0.02) for r in ratios.values()), ratios


def _suppressed(table: Table) -> list[tuple[str, str]]:
    return [(str(table.rows[r][0]), table.columns[c].key) for (r, c) in table.status]


@pytest.mark.parametrize(
    ("kind", "make", "keys"),
    [
        ("pyramid", pyramid, ["sex:F", "sex:M"]),
        ("arrivals", arrivals, ["sex:F", "sex:M", "sex:X"]),
        ("by-site", by_site, ["total"]),
    ],
)
def test_each_chart_draws_every_published_cell_in_proportion_and_no_suppressed_one(
    kind: str, make: object, keys: list[str]
) -> None:
    table = make()  # type: ignore[operator]
    hidden = _suppressed(table)
    assert hidden, "the fixture must have suppressed cells"
    root = _parse(charts.render(table, kind, "svg"))
    drawn = _bars(root)
    # bar areas all share one band width (or height), so areas are proportional to the lengths
    _proportional(drawn, _published(table, keys))
    assert not [key for key in hidden if key in drawn]
    footer_like = {f"{SVG}desc"}  # the footer again, which names the rule (suppress<5 …)
    shown = [
        w
        for t in root.iter()
        if t.get("class") != "footer" and t.tag not in footer_like
        for w in (t.text or "").split()
    ]
    markers = {DEFAULT_RULE.small_marker, DEFAULT_RULE.secondary_placeholder}
    assert not markers & set(shown) and not [w for w in shown if "<" in w], shown
    footer = _texts(root, "footer")[0]
    assert f"{len(table.status)} suppressed cell(s) not drawn." in footer and DEFAULT_RULE.id in footer
    assert "Total" not in _texts(root, "category")  # the totals row is not drawn


def test_tooltips_hold_the_published_numbers() -> None:
    table = by_site()
    root = _parse(charts.render(table, "by-site", "svg"))
    tips = [t.text for t in root.iter(f"{SVG}title")][1:]
    totals = {str(r[0]): r[-1] for k, r in enumerate(table.rows) if k not in table.total_rows}
    assert sorted(tips) == sorted(f"{site}: {n:,}" for site, n in totals.items() if isinstance(n, int))
    categories = _texts(root, "category")
    assert categories == sorted(totals, key=lambda s: -(totals[s] if isinstance(totals[s], int) else 0))


def test_the_pyramid_puts_men_left_women_right_youngest_at_the_bottom() -> None:
    root = _parse(charts.render(pyramid(), "pyramid", "svg"))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    lines = [ln for ln in root.iter(f"{SVG}line") if ln.get("stroke") == "#000"]
    centre = float(lines[0].get("x1") or 0)
    for bar in bars:
        x, w = float(bar.get("x") or 0), float(bar.get("width") or 0)
        if bar.get("data-series") == "sex:M":
            assert x + w == pytest.approx(centre, abs=0.02)
        else:
            assert x == pytest.approx(centre, abs=0.02)
    y = [float(t.get("y") or 0) for t in root.iter(f"{SVG}text") if t.get("class") == "category"]
    labels = _texts(root, "category")
    assert labels == ["0-4", "5-11", "18-59", "60+"] and y == sorted(y, reverse=True)


def test_french_words_and_arabic_mirrored_right_to_left() -> None:
    translators = load_translators()
    fr = translators["fr"].translations.gettext
    root = _parse(charts.render(pyramid(), "pyramid", "svg", gettext=fr, language="fr"))
    words = _texts(root)
    assert "Personnes enregistrées par âge et sexe au 2026-11-15" in words
    assert {"Âge", "Féminin", "Masculin", "Personnes"} <= set(words), words
    assert not {"Age", "Female", "Male", "People"} & set(words), words
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr" and root.get("direction") is None

    ar = translators["ar"].translations.gettext
    left_to_right = _parse(charts.render(by_site(), "by-site", "svg", gettext=ar))
    root = _parse(charts.render(by_site(), "by-site", "svg", gettext=ar, language="ar", direction="rtl"))
    assert root.get("direction") == "rtl"
    title = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "title")
    assert title.text == "الأشخاص المسجلون حسب الموقع والجنس في 2026-11-15"
    assert "الأشخاص" in _texts(root, "axis-label")
    width = float(root.get("width") or 0)
    for ltr, rtl in zip(_bar_rects(left_to_right), _bar_rects(root), strict=True):
        # mirrored: the bar that starts at x in English ends at width - x in Arabic
        assert float(rtl.get("x") or 0) + float(rtl.get("width") or 0) == pytest.approx(
            width - float(ltr.get("x") or 0), abs=0.02
        )
    category = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "category")
    # right of the axis, its end (under direction rtl: its left edge) at the axis
    assert category.get("text-anchor") == "end"
    assert float(category.get("x") or 0) > width / 2


def _bar_rects(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_empty_and_all_suppressed_tables_still_draw() -> None:
    empty = _cube("by-site", SITE, {}, "People")
    root = _parse(charts.render(empty, "by-site", "svg"))
    assert not _bar_rects(root)
    tiny = _cube("by-site", SITE, {("AZR", "F"): 1, ("ZAA", "M"): 2}, "People")
    root = _parse(charts.render(tiny, "by-site", "svg"))
    assert not _bar_rects(root) and "suppressed cell(s) not drawn" in _texts(root, "footer")[0]


def test_nice_ticks() -> None:
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(430) == [0, 100, 200, 300, 400, 500]
    assert nice_ticks(1_000_000) == [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]
    assert nice_ticks(12) == [0, 5, 10, 15]  # no 2.5 steps between whole numbers
    assert nice_ticks(110) == [0, 25, 50, 75, 100, 125]


@pytest.mark.parametrize(
    ("kind", "make"), [("pyramid", pyramid), ("arrivals", arrivals), ("by-site", by_site)]
)
def test_the_narrow_chart_fits_a_phone_and_keeps_its_words(kind: str, make: object) -> None:
    """The phone-sized SVG (the page's <picture> asks for it under 600 px): 400 wide, the same cells, its
    footer wrapped into lines that fit (each within the width), nothing of the footer lost."""
    table = make()  # type: ignore[operator]
    wide = _parse(charts.render(table, kind, "svg"))
    root = _parse(charts.render(table, kind, "svg", narrow=True))
    assert root.get("width") == "400" and root.get("viewBox", "").startswith("0 0 400 ")
    assert _bars(root).keys() == _bars(wide).keys()
    lines = _texts(root, "footer")
    assert len(lines) > 1 and all(len(line) * 8.5 * 0.6 <= 400 - 16 for line in lines)
    assert " ".join(lines) == " ".join(" ".join(_texts(wide, "footer")).split())
    height = float(root.get("height", "0"))
    assert all(float(t.get("y", "0")) <= height for t in root.iter(f"{SVG}text"))


def test_a_long_category_is_cut_on_the_narrow_chart() -> None:
    long_site = Dimension("site", "Site", "#loc+code", [("AZR", "Azraq camp, extension village number five")])
    table = _cube("by-site", long_site, {("AZR", "F"): 300, ("AZR", "M"): 280}, "People")
    assert _texts(_parse(charts.render(table, "by-site", "svg")), "category") == [
        "Azraq camp, extension village number fi…"  # cut with an ellipsis, not silently
    ]
    assert _texts(_parse(charts.render(table, "by-site", "svg", narrow=True)), "category") == [
        "Azraq camp, extension…"
    ]
