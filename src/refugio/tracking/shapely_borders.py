"""Country outlines as shapely geometries, and the check that a point lies inside the country it is
said to be in. The outlines are world-atlas's `countries-10m` TopoJSON (Natural Earth 1:10m, see
data/PROVENANCE.md: 1:50m leaves out Lampedusa, Ceuta and Melilla), decoded here (quantised,
delta-encoded arcs → rings → polygons) and kept in memory once read (~0.5 s). A coast or border is
still drawn to about a kilometre, so a point up to
`TOLERANCE_KM` outside the drawn outline still counts as inside (a site on a river border, a port).

The only module of tracking that imports shapely (lazily).
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from refugio.tracking.countries import numeric_code

OUTLINES = Path(__file__).parent / "data" / "countries-10m.json.gz"
TOLERANCE_KM = 10.0


@dataclass(frozen=True)
class Placement:
    """Where a point lies with respect to a country: inside, outside (with the distance to the
    border in km, roughly), or not checkable (no outline for the country)."""

    iso3: str
    checked: bool
    inside: bool
    distance_km: float = 0.0


def _arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out: list[list[tuple[float, float]]] = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


@lru_cache(maxsize=1)
def _topology() -> tuple[dict[str, Any], list[list[tuple[float, float]]]]:
    with gzip.open(OUTLINES, "rt", encoding="utf-8") as fh:
        topo = json.load(fh)
    by_id = {g["id"]: g for g in topo["objects"]["countries"]["geometries"] if g.get("id")}
    return by_id, _arcs(topo)


@lru_cache(maxsize=64)
def outline(iso3: str) -> Any | None:
    """The country's outline (a shapely (Multi)Polygon, prepared), or None when the atlas has none."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    code = numeric_code(iso3)
    by_id, arcs = _topology()
    geometry = by_id.get(code) if code else None
    if geometry is None or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    parts = []
    for rings in polygons:
        shell, *holes = (_ring(r, arcs) for r in rings)
        if len(shell) >= 4:
            parts.append(Polygon(shell, [h for h in holes if len(h) >= 4]))
    shape = shapely.make_valid(MultiPolygon(parts)) if parts else None
    if shape is not None:
        shapely.prepare(shape)
    return shape


def place(iso3: str, latitude: float, longitude: float) -> Placement:
    """Whether (latitude, longitude) lies in country `iso3` (within `TOLERANCE_KM` of its outline)."""
    from shapely.geometry import Point

    shape = outline(iso3)
    if shape is None:
        return Placement(iso3, checked=False, inside=True)
    point = Point(longitude, latitude)
    if shape.contains(point):
        return Placement(iso3, checked=True, inside=True)
    degrees = float(shape.distance(point))
    # a degree of longitude shrinks with the latitude; take the shorter measure (the lenient one)
    km = degrees * 111.32 * max(math.cos(math.radians(latitude)), 0.2)
    return Placement(iso3, checked=True, inside=km <= TOLERANCE_KM, distance_km=round(km, 1))


def all_outlines() -> list[tuple[str, Any]]:
    """(ISO 3166 numeric code, shapely geometry) of every country of the atlas (for drawing maps)."""
    by_id = _topology()[0]
    from refugio.tracking.countries import iso3_of_numeric

    out = []
    for numeric in by_id:
        iso3 = iso3_of_numeric(numeric)
        shape = outline(iso3) if iso3 else None
        if shape is not None:
            out.append((numeric, shape))
    return out


__all__ = ["OUTLINES", "TOLERANCE_KM", "Placement", "all_outlines", "outline", "place"]
