"""A matching run proposed from the runs page: CASES.csv, LOCALITIES.csv and SCORES.csv uploaded, or a
placement-score model of the operation instead of SCORES.csv (CASES.csv then with the feature columns,
of which the matching is given only case_id,children,adults,seniors). A refused proposal shows every
wrong line of every file at once beside the form, keeps the values and stores nothing; success leads to
the new run's page. No form and a refusal for a user without MATCHING_RUN."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web.support import BASE, csrf_of, login

from refugio.main import create_app
from refugio.solutions import queries
from refugio.solutions.matching import features, synthetic
from refugio.solutions.score_schemas import ScoresTraining
from refugio.solutions.service import score_models
from refugio.store.uow import unit_of_work

from .conftest import World

CASES = "case_id,children,adults,seniors\nC1,1,2,0\nC2,0,1,1\nC3,2,2,0\n"
LOCALITIES = "locality_id,capacity\nL0,6\nL1,4\n"
SCORES = "case_id,locality_id,score\nC1,L0,0.9\nC1,L1,0.2\nC2,L1,0.7\nC3,L0,0.4\nC3,L1,0.5\n"


def as_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, username: str) -> str:
    assert login(client, username).status_code == 303
    return csrf_of(client.get("/solutions/matching").text)


def uploads(cases: str, localities: str, scores: str | None = None) -> dict[str, tuple[str, str, str]]:
    sent = {"cases": ("c.csv", cases, "text/csv"), "localities": ("l.csv", localities, "text/csv")}
    if scores is not None:
        sent["scores"] = ("s.csv", scores, "text/csv")
    return sent


def runs(world: World) -> list[str]:
    with unit_of_work(world.container.sessions) as s:
        return [r.title for r in queries.list_runs(s, actor=world.who("resettler"))]


def test_propose_from_the_three_files(client: TestClient, world: World) -> None:
    token = sign_in(client, "resettler")
    page = client.get("/solutions/matching").text
    assert "No matching run here." in page and 'name="scores"' in page and 'name="model_id"' in page
    form = {"csrf_token": token, "operation_id": str(world.operation_id), "title": "ab", "time_limit": "0"}
    bad_cases = CASES.replace("C2,0,1,1", "C2,0,-1,1")
    bad_localities = LOCALITIES + "L0,3\n"
    bad_scores = SCORES + "C9,L0,0.3\nC1,L1,high\n"
    r = client.post("/solutions/matching", data=form, files=uploads(bad_cases, bad_localities, bad_scores))
    assert r.status_code == 422
    for said in (
        "CASES.csv line 3: adults cannot be negative",
        "LOCALITIES.csv line 4: locality L0 is already on line 2",
        "SCORES.csv line 7: unknown case &#39;C9&#39;",
        "SCORES.csv line 8: score must be a number",
        "Title:",
        "Enter a number of seconds above 0 and at most 600.",
    ):
        assert said in r.text, said
    assert 'value="ab"' in r.text and 'value="0"' in r.text and runs(world) == []
    r = client.post(
        "/solutions/matching", data=form | {"title": "Spring quota"}, files=uploads(CASES, LOCALITIES)
    )
    assert (
        r.status_code == 422 and "Choose either the scores (SCORES.csv) or a placement-score model." in r.text
    )
    form |= {"title": "Spring quota", "time_limit": "5"}
    r = client.post("/solutions/matching", data=form, files=uploads(CASES, LOCALITIES, SCORES))
    assert r.status_code == 303, r.text
    where = r.headers["location"]
    assert where.startswith("/solutions/matching/") and runs(world) == ["Spring quota"]
    page = client.get(where)
    assert page.status_code == 200 and "Spring quota" in page.text and "C3" in page.text
    assert "Spring quota" in client.get("/solutions/matching").text


def test_every_unreadable_file_is_named_at_once(client: TestClient, world: World) -> None:
    """Two files that are not UTF-8 text: both named beside their fields in one answer, nothing saved."""
    token = sign_in(client, "resettler")
    form = {
        "csrf_token": token,
        "operation_id": str(world.operation_id),
        "title": "Latin-1",
        "time_limit": "5",
    }
    latin1 = "case_id,children,adults,seniors\nCé,1,2,0\n".encode("latin-1")
    sent = {
        "cases": ("cases.csv", latin1, "text/csv"),
        "localities": ("places.csv", "locality_id,capacity\nSão,4\n".encode("latin-1"), "text/csv"),
        "scores": ("s.csv", SCORES, "text/csv"),
    }
    r = client.post("/solutions/matching", data=form, files=sent)
    assert r.status_code == 422
    assert "cases.csv: not UTF-8 text" in r.text and "places.csv: not UTF-8 text" in r.text
    assert runs(world) == []


def test_propose_with_a_placement_score_model(client: TestClient, world: World) -> None:
    with unit_of_work(world.container.sessions) as s:
        model = score_models.train(
            s,
            actor=world.who("resettler"),
            data_dir=world.container.settings.data_dir,
            operation_id=world.operation_id,
            data=ScoresTraining(
                name="Employment",
                placements_csv=as_csv(synthetic.placements([80, 80], seed=2)),
                min_placements=20,
            ),
        )
    token = sign_in(client, "resettler")
    page = client.get("/solutions/matching").text
    assert f'value="{model.id}"' in page
    featured = as_csv(
        [
            [*features.CASE_COLUMNS, "note"],
            ["C1", "1", "2", "0", "40", "secondary", "ar", "driving", "x"],
            ["C2", "0", "1", "1", "61", "none", "fr", "", "y"],
        ]
    )
    form = {
        "csrf_token": token,
        "operation_id": str(world.operation_id),
        "title": "Modelled quota",
        "time_limit": "5",
        "model_id": str(model.id),
    }
    bad = featured.replace("secondary", "doctorate")
    r = client.post("/solutions/matching", data=form, files=uploads(bad, LOCALITIES + "L1,2\n"))
    assert r.status_code == 422 and "CASES.csv line 2" in r.text and "LOCALITIES.csv line 4" in r.text
    assert runs(world) == []
    # the CLI's contract holds: a SCORES.csv run refuses a cases file with other columns
    r = client.post(
        "/solutions/matching", data=form | {"model_id": ""}, files=uploads(featured, LOCALITIES, SCORES)
    )
    assert (
        r.status_code == 422
        and "CASES.csv line 1: the header must be case_id,children,adults,seniors" in r.text
    )
    r = client.post("/solutions/matching", data=form, files=uploads(featured, LOCALITIES, SCORES))
    assert r.status_code == 422 and "Choose either the scores" in r.text and runs(world) == []
    r = client.post("/solutions/matching", data=form, files=uploads(featured, LOCALITIES + "L7,3\n"))
    assert r.status_code == 303, r.text
    run_id = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
    with unit_of_work(world.container.sessions) as s:
        run = queries.get_run(s, actor=world.who("resettler"), run_id=run_id)
    assert run.run.title == "Modelled quota" and sorted(p.case_ref for p in run.placements) == ["C1", "C2"]
    assert {p.proposed_locality for p in run.placements} <= {"L0", "L1", None}  # L7: no model, no score


def test_no_form_without_matching_run(client: TestClient, world: World) -> None:
    token = sign_in(client, "viewer")
    assert 'name="scores"' not in client.get("/solutions/matching").text
    form = {"csrf_token": token, "operation_id": str(world.operation_id), "title": "Not mine"}
    r = client.post("/solutions/matching", data=form, files=uploads(CASES, LOCALITIES, SCORES))
    assert r.status_code == 403 and runs(world) == []
