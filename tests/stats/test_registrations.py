"""Statistics from registrations through the service and the API: stocks that add up, exits, arrivals,
exact ages, scoping, HXL that libhxl parses, XLSX, charts, the factsheet and k-anonymity refusals."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.api.support import API
from tests.helpers import Seed, household_payload, principal

from refugio.core import clock
from refugio.main import Container
from refugio.registration import service
from refugio.registration.schemas import HouseholdCreate
from refugio.security.principals import SYSTEM
from refugio.stats import registrations as R
from refugio.stats.disclosure import DEFAULT_RULE
from refugio.stats.duckdb_engine import count
from refugio.stats.hxl import to_hxl_csv, validate
from refugio.store.uow import unit_of_work

REF = dt.date(2026, 11, 15)


def _register(c: Container, seeded: Seed, n: int, **kw: object) -> None:
    """`n` households of five registered on 2026-11-03 (arrived 2026-11-01)."""
    with clock.frozen(dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)), unit_of_work(c.sessions) as s:
        items = [
            HouseholdCreate.model_validate(
                household_payload(
                    seeded.camp_id if i % 2 else seeded.office_id, family=f"Fam{i}", members=5, **kw
                )
            )
            for i in range(n)
        ]
        service.register_households(s, actor=SYSTEM, items=items)


def test_pyramid_counts_every_person_once_by_exact_age(container: Container, seeded: Seed) -> None:
    _register(container, seeded, 3)  # 5 people each: born 1984-05-17, 1988-02, 2014, ~6 years, 2022-09-30
    with unit_of_work(container.sessions) as s:
        pop = R.load_population(s, actor=SYSTEM, operation="JOR")
        assert pop.frame.n == 15
        table = R.pyramid(pop, reference=REF, rule=DEFAULT_RULE)
        by_age = {r[0]: r[-1] for r in table.rows}
        # born 2022-09-30: 0-4; 2014 (year only: 2014-01-01): 12; stated age 6: 5-11; 1984, 1988: 18-59
        raw = count(pop.frame, dims=["age"], reference=REF).as_dict()
        assert raw == {("0-4",): 3, ("5-11",): 3, ("12-17",): 3, ("18-59",): 6}
        assert by_age["18-59"] == 6 and by_age["Total"] == 15
        assert by_age["0-4"] == by_age["5-11"] == by_age["12-17"] == "<5"  # 3 is a small count
        # Adam, born 2022-09-30, is 4 in November 2026 and turns 5 on 2027-09-30
        assert count(pop.frame, dims=["age"], reference=dt.date(2027, 9, 29)).as_dict()[("0-4",)] == 3
        assert ("0-4",) not in count(pop.frame, dims=["age"], reference=dt.date(2027, 9, 30)).as_dict()
        before = count(pop.frame, dims=["sex"], reference=dt.date(2026, 11, 2)).total
        assert before == 0  # registered on 2026-11-03: not in the stock the day before
        dense = count(pop.frame, dims=list(R.DIMENSION_LABELS), reference=REF, engine="dense")
        duck = count(pop.frame, dims=list(R.DIMENSION_LABELS), reference=REF, engine="duckdb")
        assert dense.as_dict() == duck.as_dict() and dense.total == 15


def test_people_who_left_leave_the_stock_from_their_date(container: Container, seeded: Seed) -> None:
    from refugio.registration.models import Individual
    from refugio.registration.schemas import DeathRecord

    _register(container, seeded, 2)
    with clock.frozen(dt.datetime(2026, 11, 10, tzinfo=dt.UTC)), unit_of_work(container.sessions) as s:
        person = s.query(Individual).filter(Individual.given_name == "Khaled").first()
        assert person is not None
        service.record_death(
            s,
            actor=SYSTEM,
            individual_id=person.id,
            data=DeathRecord.model_validate({"date_of_death": "2026-11-05"}),
        )
    with unit_of_work(container.sessions) as s:
        pop = R.load_population(s, actor=SYSTEM, operation="JOR")
        assert count(pop.frame, dims=[], reference=dt.date(2026, 11, 4)).total == 10
        assert count(pop.frame, dims=[], reference=dt.date(2026, 11, 5)).total == 9
        arrivals = R.arrivals(pop, reference=REF, rule=DEFAULT_RULE, period="week")
        assert [r[0] for r in arrivals.rows] == ["2026-10-26", "Total"]  # Monday of the week of Sunday 1 Nov


def test_exports_are_valid_hxl_and_xlsx_and_charts_and_pdf(container: Container, seeded: Seed) -> None:
    from openpyxl import load_workbook

    from refugio.stats import charts, export, factsheet

    _register(container, seeded, 4)
    with unit_of_work(container.sessions) as s:
        pop = R.load_population(s, actor=SYSTEM, operation="JOR")
        tables = R.standard_tables(s, actor=SYSTEM, population=pop, reference=REF, rule=DEFAULT_RULE)
        figures = R.key_figures(s, actor=SYSTEM, population=pop, reference=REF, rule=DEFAULT_RULE)
    for table in tables.values():
        check = validate(to_hxl_csv(table))
        assert all(t.startswith("#") for t in check.tags) and check.rows == len(table.rows)
    assert validate(to_hxl_csv(tables["pyramid"])).tags == [
        "#age+range",
        "#affected+f",
        "#affected+m",
        "#affected+total",
        "#meta+disclosure",
    ]
    book = load_workbook(io.BytesIO(export.render(list(tables.values()), "xlsx").content))
    assert book.sheetnames[0] == "About" and "pyramid" in book.sheetnames
    assert book["pyramid"]["A2"].value == "#age+range"
    assert charts.render(tables["pyramid"], "pyramid", "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in charts.render(tables["arrivals"], "arrivals", "svg")[:400]
    pdf = factsheet.render(operation="JOR", reference=REF, figures=figures, tables=tables)
    assert pdf[:5] == b"%PDF-" and figures.people == 20
    assert figures.households == "<5" and figures.arrivals_30_days == 20  # 4 households: small


def test_small_groups_are_hidden_and_extracts_refused_below_k(container: Container, seeded: Seed) -> None:
    from refugio.core.errors import ValidationFailed
    from refugio.stats import microdata

    _register(container, seeded, 1)
    with unit_of_work(container.sessions) as s:
        pop = R.load_population(s, actor=SYSTEM, operation="JOR")
        pyramid = R.pyramid(pop, reference=REF, rule=DEFAULT_RULE)
        assert pyramid.suppressed["primary"] > 0
        assert all(isinstance(v, str) or v == 0 or v >= 5 for r in pyramid.rows for v in r[1:])
        try:
            microdata.extract(
                s,
                actor=SYSTEM,
                population=pop,
                fields=["sex", "age_bracket"],
                reference=REF,
                rule=DEFAULT_RULE,
            )
        except ValidationFailed as exc:
            assert exc.errors[0].code == "k_anonymity" and "k=5" in exc.message
        else:
            raise AssertionError("five people of one family cannot be a k-anonymous extract")


Tokens = Callable[[str], dict[str, str]]


def test_api_statistics_scoped_and_permission_checked(
    client: TestClient, seeded: Seed, token_for: Tokens, container: Container
) -> None:
    _register(container, seeded, 4)
    imo, viewer = token_for("imo"), token_for("viewer")
    r = client.get(
        f"{API}/stats/operations/JOR/tables",
        params={"date": REF.isoformat(), "table": "pyramid"},
        headers=imo,
    )
    assert r.status_code == 200, r.text
    (pyramid,) = r.json()["tables"]
    assert pyramid["rows"][-1][:1] == ["Total"] and pyramid["rows"][-1][-1] == 20
    assert pyramid["metadata"]["disclosure"]["rule"] == DEFAULT_RULE.id
    hxl = client.get(
        f"{API}/stats/operations/JOR/tables",
        params={"date": REF.isoformat(), "table": "by-site", "format": "hxl"},
        headers=imo,
    )
    assert hxl.headers["x-refugio-disclosure-rule"] == DEFAULT_RULE.id
    assert validate(hxl.text).tags[0] == "#loc+code"
    png = client.get(f"{API}/stats/operations/JOR/charts/pyramid.png", headers=imo)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert client.get(f"{API}/stats/operations/JOR/tables", headers=viewer).status_code == 403
    refused = client.post(
        f"{API}/stats/operations/JOR/microdata", json={"fields": ["sex", "age_bracket", "site"]}, headers=imo
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "k_anonymity"
    bad = client.get(
        f"{API}/stats/operations/JOR/disaggregation", params={"by": "sex,shoe_size"}, headers=imo
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "by"
    assert principal(container, "imo").can_anywhere  # the IM officer holds STATS_VIEW for JOR
