"""The check that coordinates fall inside the stated country, on the places where people land: small
islands and enclaves that a 1:50m outline leaves out (Lampedusa, Ceuta) must count as inside."""

from __future__ import annotations

import pytest

from refugio.tracking.shapely_borders import place


@pytest.mark.parametrize(
    ("iso3", "lat", "lon"),
    [
        ("ITA", 35.5010, 12.6030),  # Lampedusa
        ("ESP", 35.8894, -5.3213),  # Ceuta
        ("ESP", 35.2923, -2.9381),  # Melilla
        ("GRC", 39.1350, 26.5150),  # Lesbos, Moria
        ("JOR", 32.2950, 36.3260),  # Zaatari
    ],
)
def test_landing_points_are_inside_their_country(iso3: str, lat: float, lon: float) -> None:
    found = place(iso3, lat, lon)
    assert found.checked and found.inside, found


def test_a_point_in_another_country_is_outside_with_its_distance() -> None:
    found = place("ITA", 36.8065, 10.1815)  # Tunis
    assert found.checked and not found.inside and found.distance_km > 50
