"""Import of aggregate statistics (row-level validation, all-or-nothing, replacement, idempotence) and the
global tables for a year, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from sqlalchemy import func, select

from refugio.core.errors import PermissionDenied, ValidationFailed
from refugio.main import Container
from refugio.security.principals import SYSTEM, Principal
from refugio.stats import aggregates, global_tables
from refugio.stats.disclosure import DEFAULT_RULE
from refugio.stats.hxl import to_hxl_csv, validate
from refugio.stats.models import StatsImport, StatsPopulation, StatsUnrwa
from refugio.store.uow import unit_of_work

EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "external" / "unhcr_refugees"

COUNTRIES = """iso_code,unhcr_code,name,unhcr_region,unsd_region,unsd_subregion,unsd_imregion
SYR,SYR,Syrian Arab Rep.,Middle East and North Africa,Asia,Western Asia,
JOR,JOR,Jordan,Middle East and North Africa,Asia,Western Asia,
DEU,GFR,Germany,Europe,Europe,Western Europe,
PSE,GAZ,State of Palestine,Middle East and North Africa,Asia,Western Asia,
XXX,UKN,Unknown,,,,
"""
POP_HEADER = "year,coo_name,coo,coo_iso,coa_name,coa,coa_iso,refugees,asylum_seekers,returned_refugees,idps,returned_idps,stateless,ooc,oip,hst\n"  # noqa: E501
POPULATION = POP_HEADER + (
    "2024,Syria,SYR,SYR,Jordan,JOR,JOR,600000,1000,0,0,0,0,0,,0\n"
    "2024,Syria,SYR,SYR,Germany,GFR,DEU,700000,30000,0,0,0,0,0,12,0\n"
    "2024,Unknown,UKN,UNK,Jordan,JOR,JOR,3,0,0,0,0,0,0,,0\n"
    "2023,Syria,SYR,SYR,Jordan,JOR,JOR,650000,900,0,0,0,0,0,,0\n"
)
UNRWA = (
    "year,coo_name,coo,coo_iso,coa_name,coa,coa_iso,total\n"
    "2024,Palestinian,GAZ,PSE,Jordan,JOR,JOR,2371387\n"
    "2024,Palestinian,GAZ,PSE,Syrian Arab Rep.,SYR,SYR,582745\n"
)


def _import(
    c: Container, text: str | bytes, name: str, actor: Principal = SYSTEM, **kw: object
) -> aggregates.ImportResult:
    data = text.encode() if isinstance(text, str) else text
    with unit_of_work(c.sessions) as s:
        return aggregates.import_file(s, actor=actor, data=data, file_name=name, **kw)  # type: ignore[arg-type]


def _count(c: Container, model: type) -> int:
    with unit_of_work(c.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_every_bad_row_is_named_and_nothing_is_written(container: Container) -> None:
    _import(container, COUNTRIES, "countries.csv")
    bad = POP_HEADER + (
        "2024,Syria,SYR,SYR,Jordan,JOR,JOR,600000,1000,0,0,0,0,0,,0\n"
        "2024,Atlantis,ATL,ATL,Jordan,JOR,JOR,5,0,0,0,0,0,0,,0\n"  # line 3: unknown country
        "2024,Syria,SYR,SYR,Germany,GFR,DEU,-4,0,0,0,0,0,0,,0\n"  # line 4: negative
        "2024,Syria,SYR,SYR,Germany,GFR,FRA,lots,0,0,0,0,0,0,,0\n"  # line 5: not a number, ISO mismatch
        "2024,Syria,SYR,SYR,Jordan,JOR,JOR,1,0,0,0,0,0,0,,0\n"  # line 6: duplicate of line 2
        "20x4,Syria,SYR,SYR,Jordan,JOR,JOR,1,0,0,0,0,0,0,,0\n"  # line 7: not a year
    )
    with pytest.raises(ValidationFailed) as exc:
        _import(container, bad, "population.csv")
    codes = {(e.field, e.code) for e in exc.value.errors}
    assert codes == {
        ("line 3.coo", "unknown_country"),
        ("line 4.refugees", "negative"),
        ("line 5.refugees", "not_a_number"),
        ("line 5.coa_iso", "iso_mismatch"),
        ("line 6.key", "duplicate"),
        ("line 7.year", "bad_year"),
    }
    assert "5 of 6 rows are invalid; nothing was imported" in exc.value.message
    assert _count(container, StatsPopulation) == 0

    result = _import(container, bad, "population.csv", skip_invalid=True)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 1, 5)
    assert _count(container, StatsPopulation) == 1
    with unit_of_work(container.sessions) as s:
        log = s.scalar(select(StatsImport).where(StatsImport.dataset == "population"))
        assert log is not None and log.rows_rejected == 5 and len(log.errors) == 6


def test_import_replaces_the_table_is_idempotent_and_reads_gzip(container: Container) -> None:
    _import(container, COUNTRIES, "countries.csv")
    first = _import(container, gzip.compress(POPULATION.encode()), "population.csv.gz")
    assert first.rows_loaded == 4 and not first.unchanged
    again = _import(container, gzip.compress(POPULATION.encode()), "population.csv.gz")
    assert again.unchanged and _count(container, StatsPopulation) == 4
    _import(container, POP_HEADER + "2024,Syria,SYR,SYR,Jordan,JOR,JOR,1,0,0,0,0,0,0,,0\n", "p2.csv")
    assert _count(container, StatsPopulation) == 1  # a file is the whole table: it replaces the last
    with unit_of_work(container.sessions) as s:
        current = s.scalars(select(StatsImport.file_name).where(StatsImport.current.is_(True))).all()
    assert sorted(current) == ["countries.csv", "p2.csv"]


def test_headers_decide_the_table_and_idmc_unrwa_go_by_name(container: Container) -> None:
    _import(container, COUNTRIES, "countries.csv")
    assert _import(container, UNRWA, "unrwa.csv").dataset == "unrwa"
    assert _count(container, StatsUnrwa) == 2
    with pytest.raises(ValidationFailed, match="fits idmc and unrwa"):
        _import(container, UNRWA, "palestine.csv")
    with pytest.raises(ValidationFailed, match="match none of the known tables"):
        _import(container, "a,b\n1,2\n", "x.csv")
    with pytest.raises(ValidationFailed, match="country list"):
        with unit_of_work(container.sessions) as s:
            s.execute(StatsUnrwa.__table__.delete())
            s.execute(aggregates.StatsCountry.__table__.delete())
        _import(container, POPULATION, "population.csv")


def test_only_a_global_statistics_viewer_may_import(container: Container, seeded: object) -> None:
    from tests.helpers import principal

    with pytest.raises(PermissionDenied):
        _import(container, COUNTRIES, "countries.csv", actor=principal(container, "imo"))
    _import(container, COUNTRIES, "countries.csv", actor=principal(container, "admin"))


def test_global_tables_for_a_year(container: Container) -> None:
    _import(container, COUNTRIES, "countries.csv")
    _import(container, POPULATION, "population.csv")
    _import(container, UNRWA, "unrwa.csv")
    with unit_of_work(container.sessions) as s:
        tables = global_tables.global_tables(s, actor=SYSTEM, year=2024, rule=DEFAULT_RULE, top=1)
        with pytest.raises(ValidationFailed):
            global_tables.global_tables(s, actor=SYSTEM, year=2024, rule=DEFAULT_RULE, only=["nope"])
    by_name = {t.name: t for t in tables}
    types = by_name["population-types"]
    people = {r[0]: r[2] for r in types.rows}
    assert people["Refugees under UNHCR's mandate"] == 1_300_003
    assert people["Palestine refugees under UNRWA's mandate"] == 2_954_132
    assert people["Total forcibly displaced"] == 1_300_003 + 2_954_132 + 31_000 + 12
    origin = by_name["refugees-by-origin"]
    # the rest is one row of 3 refugees (small): with the total shown, Syria's count would give it away,
    # so Syria's is hidden too
    assert origin.rows[0][1:4] == ["SYR", "Syrian Arab Rep.", "x"]
    assert origin.rows[1][3] == "<5" and origin.rows[2][0] == "Total" and origin.rows[2][3] == 1_300_003
    assert origin.suppressed == {"primary": 1, "secondary": 1}
    host = by_name["refugees-by-host"]
    assert host.rows[0][1] == "DEU" and host.rows[0][3] == 700_000
    trends = {r[0]: r[-1] for r in by_name["trends"].rows}
    assert trends[2023] == 650_900 and trends[2015] is None
    check = validate(to_hxl_csv(origin))
    assert check.tags[:4] == [
        "#meta+rank",
        "#country+code+origin",
        "#country+name+origin",
        "#affected+refugees",
    ]
    assert check.tags[-1] == "#meta+disclosure"


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason="shared/data/external is not beside the repository")
def test_the_published_files_import_cleanly(container: Container) -> None:
    for name in ("countries", "unrwa", "idmc"):
        spec = aggregates.DATASETS[name]
        result = _import(container, (EXTERNAL / spec.file).read_bytes(), spec.file)
        assert result.errors == [] and result.dataset == name
    assert _count(container, StatsUnrwa) == 296
