"""Placement-score models through the REST API and the web pages: trained from past placements sent as
CSV (the quality per locality and the refused locality returned), listed and read per operation, and
cases scored into the rows a matching run takes (JSON or CSV); bad CSV lines named with their line and
nothing kept; another operation's officer and a viewer refused; training and scoring audited; the scores
then feed a matching run proposed through the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.helpers import PASSWORD
from tests.web.support import BASE, csrf_of, login

from refugio.main import create_app
from refugio.security.models import AuditEntry
from refugio.solutions.matching import features, synthetic
from refugio.store.uow import unit_of_work

from .conftest import World

API = "/api/v1/solutions/matching/models"
CASES = [
    ["arabic-large", "5", "2", "0", "40", "none", "ar", ""],
    ["educated", "0", "1", "0", "30", "tertiary", "fr", ""],
    ["small-driver", "0", "2", "0", "35", "none", "so", "driving"],
]


def as_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def placements() -> str:
    return as_csv(synthetic.placements([400, 400, 400, 20], seed=4))


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


@pytest.fixture
def auth(client: TestClient) -> Callable[[str], dict[str, str]]:
    def get(username: str) -> dict[str, str]:
        r = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    return get


def test_models_through_the_api(client: TestClient, auth, world: World, placements: str) -> None:  # type: ignore[no-untyped-def]
    officer, viewer = auth("resettler"), auth("viewer")
    op = {"operation_id": str(world.operation_id)}
    bad = placements.replace("\nL", "\nL", 1).splitlines()
    bad[2] = bad[2].replace(",0\n", ",7\n").rsplit(",", 1)[0] + ",7"  # outcome 7 on line 3
    r = client.post(
        API, params=op, json={"name": "Employment 2026", "placements_csv": "\n".join(bad)}, headers=officer
    )
    assert r.status_code == 422, r.text
    assert any("placements_csv line 3" in e["message"] for e in r.json()["errors"]), r.text
    assert client.get(API, params=op, headers=officer).json() == []  # nothing kept

    r = client.post(
        API, params=op, json={"name": "Employment 2026", "placements_csv": placements}, headers=viewer
    )
    assert r.status_code == 403
    r = client.post(
        API, params=op, json={"name": "Employment 2026", "placements_csv": placements}, headers=officer
    )
    assert r.status_code == 201, r.text
    model = r.json()
    assert {q["locality_id"] for q in model["localities"]} == {"L0", "L1", "L2"}
    assert "L3" in model["refused"] and model["placements"] == 1220 and model["trained_by"]
    assert all(q["auc"] > 0.7 for q in model["localities"])
    assert [m["id"] for m in client.get(API, params=op, headers=officer).json()] == [model["id"]]
    assert client.get(f"{API}/{model['id']}", params=op, headers=officer).json()["name"] == "Employment 2026"

    cases = as_csv([list(features.CASE_COLUMNS), *CASES])
    localities = "locality_id,capacity\nL0,10\nL1,10\nL3,10\n"
    r = client.post(
        f"{API}/{model['id']}/scores",
        params=op,
        json={"cases_csv": cases, "localities_csv": localities},
        headers=officer,
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["cases"], done["localities"]) == (3, 2) and set(done["unmodelled"]) == {"L3"}
    got = {(s["case_ref"], s["locality_ref"]): s["score"] for s in done["scores"]}
    assert got[("arabic-large", "L0")] > got[("arabic-large", "L1")]
    assert got[("educated", "L1")] > got[("educated", "L0")]
    r = client.post(
        f"{API}/{model['id']}/scores",
        params={**op, "format": "csv"},
        json={"cases_csv": cases},
        headers=officer,
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0] == "case_id,locality_id,score" and len(r.text.splitlines()) == 1 + 9
    r = client.post(
        f"{API}/{model['id']}/scores",
        params=op,
        json={"cases_csv": "case_id,children\nx,1\n"},
        headers=officer,
    )
    assert r.status_code == 422 and "cases_csv line 1" in r.json()["errors"][0]["message"]

    # the scores feed a matching run
    run = {
        "title": "Quota 2027 with model scores",
        "time_limit": 5,
        "cases": [
            {"case_ref": c[0], "children": int(c[1]), "adults": int(c[2]), "seniors": int(c[3])}
            for c in CASES
        ],
        "localities": [{"locality_ref": "L0", "capacities": [7]}, {"locality_ref": "L1", "capacities": [5]}],
        "scores": done["scores"],
    }
    r = client.post("/api/v1/solutions/matching/runs", params=op, json=run, headers=officer)
    assert r.status_code == 201, r.text
    placed = {p["case_ref"]: p["proposed_locality"] for p in r.json()["placements"]}
    assert placed["arabic-large"] == "L0" and placed["educated"] == "L1"

    # an unknown model is 404; an officer of another operation cannot read this one's
    unknown = f"{API}/00000000-0000-4000-8000-000000000000"
    assert client.get(unknown, params=op, headers=officer).status_code == 404
    assert client.get(f"{API}/{model['id']}", params=op, headers=auth("lbn_officer")).status_code == 403
    with unit_of_work(world.container.sessions) as s:
        actions = list(
            s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("matching.scores_model.%")))
        )
    assert (
        actions.count("matching.scores_model.train") == 1
        and actions.count("matching.scores_model.predict") == 2  # the refused one did nothing
    )


def test_models_through_the_web(client: TestClient, world: World, placements: str, tmp_path: Path) -> None:
    assert login(client, "resettler").status_code == 303
    token = csrf_of(client.get("/solutions/scores").text)
    page = client.get("/solutions/scores").text
    assert "No model yet." in page and 'name="placements"' in page
    form = {"csrf_token": token, "operation_id": str(world.operation_id), "name": "Employment 2026"}
    bad = placements.splitlines()
    bad[4] = bad[4].rsplit(",", 1)[0] + ",maybe"
    r = client.post(
        "/solutions/scores", data=form, files={"placements": ("past.csv", "\n".join(bad), "text/csv")}
    )
    assert r.status_code == 422 and "placements_csv line 5" in r.text and 'value="Employment 2026"' in r.text
    r = client.post(
        "/solutions/scores", data=form, files={"placements": ("past.csv", placements, "text/csv")}
    )
    assert r.status_code == 303, r.text
    where = r.headers["location"].split("?")[0]
    page = client.get(where).text
    assert "Employment 2026" in page and "L3" in page and "past placements (at least 50 needed)" in page
    cases = as_csv([list(features.CASE_COLUMNS), *CASES])
    r = client.post(
        f"{where}/scores", data={"csrf_token": token}, files={"cases": ("cases.csv", cases, "text/csv")}
    )
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.text.splitlines()[0] == "case_id,locality_id,score" and len(r.text.splitlines()) == 10
    r = client.post(
        f"{where}/scores", data={"csrf_token": token}, files={"cases": ("cases.csv", "nope\n", "text/csv")}
    )
    assert r.status_code == 422 and "cases_csv line 1" in r.text
    assert "Employment 2026" in client.get("/solutions/scores").text

    client.cookies.clear()
    assert login(client, "viewer").status_code == 303
    page = client.get("/solutions/scores").text
    assert 'name="placements"' not in page  # no MATCHING_RUN: no training form
