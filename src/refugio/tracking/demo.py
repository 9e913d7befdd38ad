"""Tracking data of the demo: a few displacement sites of the demo operation (linked to its
registration sites where the codes match), flow monitoring points with a month of synthetic daily
counts, three rounds of synthetic multi-sector location assessments of the operation's country (so
the assessments page, its chart and its needs are not empty), and, when the shared reference files are
beside the
checkout, OCHA's P-codes, the DTM extract and the Missing Migrants incidents — so the map is full the
first time a newcomer opens it. Uses the domain's own services; returns lines to print, including what
was left out.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from refugio.security.principals import Principal
from refugio.tracking import dtm, mmp, pcodes, service
from refugio.tracking.enums import AgeGroup, Direction, FlowPointKind, SiteKind, SiteStatus, Transport
from refugio.tracking.schemas import FlowCountIn, FlowPointCreate, SiteCreate

SITES = [  # code, name, kind, latitude, longitude, capacity, population, managing agency
    ("ZAA", "Zaatari camp", SiteKind.CAMP, 32.2960, 36.3230, 120000, 78000, "UNHCR / SRAD"),
    ("AZR", "Azraq camp", SiteKind.CAMP, 31.9070, 36.5780, 130000, 41000, "UNHCR / SRAD"),
    ("MKC", "King Abdullah Park collective centre", SiteKind.COLLECTIVE_CENTRE, 32.4250, 35.9520, 3000, 600,
     "Jordan Hashemite Charity Organization"),
    ("MFQ", "Mafraq informal tented settlements", SiteKind.INFORMAL_SETTLEMENT, 32.3430, 36.2080, None, 2300,
     "NRC (site monitoring)"),
    ("IRB", "Irbid host community", SiteKind.HOST_COMMUNITY, 32.5556, 35.8500, None, 54000,
     "Municipality of Irbid"),
]  # fmt: skip
FLOW_POINTS = [  # code, name, kind, latitude, longitude, daily people (mean)
    ("FMP-JAB", "Jaber border crossing", FlowPointKind.BORDER_CROSSING, 32.5400, 36.2120, 400),
    ("FMP-RMT", "Ramtha border crossing", FlowPointKind.BORDER_CROSSING, 32.5592, 36.0069, 150),
    ("FMP-ABD", "Abdali bus station, Amman", FlowPointKind.BUS_STATION, 31.9640, 35.9110, 250),
]
GROUPS = [
    ("F", AgeGroup.ADULT, Transport.BUS),
    ("M", AgeGroup.ADULT, Transport.CAR),
    ("F", AgeGroup.CHILD, Transport.BUS),
    ("M", AgeGroup.OLDER, Transport.FOOT),
]
FILES = {
    "pcodes": ("ocha_pcodes/global-pcodes-adm-1-2.csv.gz", "ocha_pcodes/global-pcode-lengths.csv"),
    "dtm": ("iom_dtm/global-iom-dtm-from-api-admin-0-to-2.csv.gz",),
    "mmp": ("iom_missing_migrants/iom_mmp.csv.gz",),
}


def seed_sites(session: Session, *, operation_id: uuid.UUID, actor: Principal) -> int:
    """The demo's displacement sites; the number added."""
    for code, name, kind, lat, lon, capacity, population, agency in SITES:
        data = SiteCreate(
            operation_id=operation_id, code=code, name=name, kind=kind, status=SiteStatus.OPEN, latitude=lat,
            longitude=lon, capacity=capacity, population=population, managing_agency=agency,
        )  # fmt: skip
        service.add_site(session, actor=actor, data=data)
    service.link_registration_sites(session, actor=actor, operation_id=operation_id)
    return len(SITES)


def seed_flows(session: Session, *, operation_id: uuid.UUID, actor: Principal, days: int = 30) -> int:
    """The demo's flow monitoring points with `days` days of synthetic counts; the counts recorded."""
    rng = random.Random(16)  # noqa: S311 - synthetic demo figures
    start, end = service.flow_day_range(days)
    recorded = 0
    for code, name, kind, lat, lon, mean in FLOW_POINTS:
        point = service.add_flow_point(
            session, actor=actor,
            data=FlowPointCreate(operation_id=operation_id, code=code, name=name, kind=kind, latitude=lat,
                                 longitude=lon),
        )  # fmt: skip
        counts = []
        for offset in range((end - start).days + 1):
            day = start + dt.timedelta(days=offset)
            for direction, share in ((Direction.INCOMING, 0.6), (Direction.OUTGOING, 0.4)):
                for nationality, part in (("SYR", 0.7), ("IRQ", 0.15), ("SDN", 0.1), ("UNK", 0.05)):
                    for sex, age, transport in GROUPS:
                        n = max(0, round(rng.gauss(mean * share * part / 4, mean * share * part / 12)))
                        counts.append(
                            FlowCountIn(day=day, direction=direction, sex=sex, age_group=age,
                                        nationality=nationality, transport=transport, count=n)
                        )  # fmt: skip
        recorded += service.record_flow_counts(session, actor=actor, point_id=point.id, counts=counts)
    return recorded


ASSESSED = [  # location, individuals in round 1, IDPs share, returnees share
    ("Mafraq city", 52000, 0.8, 0.15),
    ("Ramtha", 18000, 0.7, 0.2),
    ("Irbid, Al Hashmi district", 26000, 0.85, 0.1),
    ("Zarqa, Russeifa", 31000, 0.9, 0.05),
    ("Azraq town", 6400, 0.6, 0.3),
    ("Sahab", 9100, 0.75, 0.2),
]
SECTORS = ("food", "shelter", "wash", "health", "protection", "education")
SHELTERS = ("rented", "host_family", "makeshift")


def assessments_csv(country: str, *, rounds: int = 3) -> str:
    """Synthetic multi-sector location assessments of `country`: `rounds` quarterly rounds."""
    rng = random.Random(161)  # noqa: S311 - synthetic demo figures
    header = ["country_iso3", "location", "round", "date", "households", "individuals", "idps", "returnees",
              "migrants", "males", "females", "children", "adults", "elderly", "reasons", "priority_needs",
              *(f"shelter_{k}" for k in SHELTERS), *(f"need_{k}" for k in SECTORS)]  # fmt: skip
    lines = [",".join(header)]
    for r in range(1, rounds + 1):
        day = dt.date(2026, 3 * r, 28).isoformat()
        for location, base, idp_share, ret_share in ASSESSED:
            people = round(base * (1 + 0.06 * (r - 1)) * rng.uniform(0.95, 1.05))
            idps, returnees = round(people * idp_share), round(people * ret_share)
            females = round(people * 0.51)
            children = round(people * 0.46)
            elderly = round(people * 0.04)
            households = people // 5
            shelter = [round(households * p) for p in (0.6, 0.25, 0.15)]
            needs = sorted(SECTORS, key=lambda _s: rng.random())
            severity = [str(rng.randint(2, 5)) for _ in SECTORS]
            figures = [households, people, idps, returnees, people - idps - returnees, people - females,
                       females, children, people - children - elderly, elderly]  # fmt: skip
            cells = [
                country,
                f'"{location}"',
                str(r),
                day,
                *map(str, figures),
                "Conflict",
                ";".join(needs[:3]),
            ]
            lines.append(",".join([*cells, *map(str, shelter), *severity]))
    return "\n".join(lines) + "\n"


def seed_assessments(session: Session, *, country: str, actor: Principal) -> int:
    """The demo's location assessments of `country`; the number added."""
    with tempfile.TemporaryDirectory(prefix="refugio-demo-msla-") as tmp:
        path = Path(tmp) / "demo-assessments.csv"
        path.write_text(assessments_csv(country), encoding="utf-8")
        return service.import_assessments(session, actor=actor, path=path).added


def seed_demo(
    session: Session, *, operation_id: uuid.UUID, actor: Principal, external: Path | None,
    country: str | None = None,
) -> list[str]:  # fmt: skip
    """Sites, and the shared reference files when `external` (shared/data/external) holds them."""
    lines = [f"Tracking: {seed_sites(session, operation_id=operation_id, actor=actor)} displacement sites"]
    counts = seed_flows(session, operation_id=operation_id, actor=actor)
    lines.append(f"Tracking: {len(FLOW_POINTS)} flow monitoring points, {counts:,} daily counts")
    if country:
        added = seed_assessments(session, country=country, actor=actor)
        lines.append(f"Tracking: {added} location assessments of {country} in 3 rounds")
    if external is None or not external.is_dir():
        lines.append(
            "Tracking: left out the OCHA P-codes, the IOM DTM extract and the Missing Migrants incidents "
            "(no shared/data/external beside the checkout); import them with `refugio tracking import …`"
        )
        return lines
    missing = [f for names in FILES.values() for f in names if not (external / f).is_file()]
    if missing:
        lines.append(f"Tracking: left out {', '.join(missing)} (not in {external})")
    if not any(f in missing for f in FILES["pcodes"]):
        areas, lengths = (external / f for f in FILES["pcodes"])
        report = pcodes.load_pcodes(session, actor=actor, areas_path=areas, lengths_path=lengths)
        lines.append(f"Tracking: {report.added:,} administrative areas with P-codes")
    if FILES["dtm"][0] not in missing:
        figures = dtm.import_dtm(session, actor=actor, path=external / FILES["dtm"][0])
        lines.append(f"Tracking: {figures.added:,} DTM figures ({', '.join(figures.countries)})")
    if FILES["mmp"][0] not in missing:
        incidents = mmp.import_mmp(session, actor=actor, path=external / FILES["mmp"][0])
        lines.append(f"Tracking: {incidents.added:,} Missing Migrants incidents")
    return lines


__all__ = ["assessments_csv", "seed_assessments", "seed_demo", "seed_flows", "seed_sites"]
