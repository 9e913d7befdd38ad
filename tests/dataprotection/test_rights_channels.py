"""Data subject rights through the REST API, the web pages and the CLI: a request recorded, verified,
its report downloaded (JSON, PDF), a correction applied, an erasure refused then another carried out,
errors beside their fields, 403 for a user without the permissions, French and Arabic pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.dataprotection.conftest import Past
from tests.helpers import PASSWORD
from tests.web.support import BASE, csrf_of, field_error, login

from refugio.main import create_app
from refugio.registration.models import Individual
from refugio.store.uow import unit_of_work

API = "/api/v1/dataprotection"
PAGE = "/dataprotection/requests"


@pytest.fixture
def client(past: Past) -> Iterator[TestClient]:
    with TestClient(create_app(container=past.world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def _auth(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _refs(past: Past) -> dict[str, str]:
    w = past.world
    with unit_of_work(w.container.sessions) as s:
        return {
            name: s.scalar(select(Individual.ref).where(Individual.id == pid)) or ""
            for name, pid in (("woman", w.woman_id), ("father", w.father_id), ("son", w.son_id))
        }


def test_requests_through_the_api(client: TestClient, past: Past) -> None:
    dpo, imo = _auth(client, "dpo"), _auth(client, "imo")
    refs = _refs(past)
    r = client.post(f"{API}/requests", json={"kind": "correction", "ref": ""}, headers=dpo)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"ref", "changes"}
    r = client.post(f"{API}/requests", json={"kind": "access", "ref": "NOPE"}, headers=dpo)
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "ref"  # an unknown reference
    r = client.post(
        f"{API}/requests", json={"kind": "access", "ref": refs["woman"], "language": "fr"}, headers=dpo
    )
    assert r.status_code == 201, r.text
    access = r.json()
    assert access["status"] == "received" and access["overdue"] is False
    assert (
        client.get(f"{API}/requests/{access['ref']}/report", headers=dpo).status_code == 409
    )  # not verified
    r = client.post(f"{API}/requests/{access['ref']}/verify", json={"evidence": "passport seen"}, headers=dpo)
    assert r.status_code == 200 and r.json()["status"] == "identity_verified"
    r = client.get(f"{API}/requests/{access['id']}/report", headers=dpo)
    assert r.status_code == 200 and r.json()["person"]["given_name"] == "Amira"
    r = client.get(f"{API}/requests/{access['ref']}/report?format=pdf", headers=dpo)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-type"] == "application/pdf"
    r = client.post(f"{API}/requests/{access['ref']}/complete", headers=dpo)
    assert r.status_code == 200 and r.json()["status"] == "completed"

    r = client.post(f"{API}/requests", json={"kind": "erasure", "ref": refs["father"]}, headers=dpo)
    erasure = r.json()
    client.post(f"{API}/requests/{erasure['ref']}/verify", json={"evidence": "in person"}, headers=dpo)
    r = client.post(f"{API}/requests/{erasure['ref']}/erase", headers=dpo)
    assert (
        r.status_code == 200 and r.json()["status"] == "refused" and "open case" in r.json()["refusal_reason"]
    )

    r = client.post(f"{API}/requests", json={"kind": "erasure", "ref": refs["son"]}, headers=dpo)
    son = r.json()
    client.post(f"{API}/requests/{son['ref']}/verify", json={"evidence": "his guardian's ID"}, headers=dpo)
    r = client.post(f"{API}/requests/{son['ref']}/erase", headers=dpo)
    assert r.status_code == 200 and r.json()["status"] == "completed" and r.json()["erased"] is True
    r = client.get(f"{API}/tombstones/{refs['son']}", headers=dpo)
    assert r.status_code == 200 and r.json()["request_ref"] == son["ref"]
    assert client.get(f"{API}/tombstones/{refs['woman']}", headers=dpo).status_code == 404
    r = client.get(f"{API}/requests?kind=erasure", headers=dpo)
    assert {x["ref"] for x in r.json()} == {erasure["ref"], son["ref"]}
    assert client.get(f"{API}/requests/nope", headers=dpo).status_code == 404

    for method, path in (
        ("get", "/requests"),
        ("get", f"/requests/{access['ref']}"),
        ("get", f"/requests/{access['ref']}/report"),
        ("post", f"/requests/{erasure['ref']}/erase"),
    ):
        assert getattr(client, method)(f"{API}{path}", headers=imo).status_code == 403, path
    r = client.post(f"{API}/requests", json={"kind": "access", "ref": refs["woman"]}, headers=imo)
    assert r.status_code == 403


def sign_in(client: TestClient, username: str) -> str:
    assert login(client, username).status_code == 303
    return csrf_of(client.get("/").text)


def test_requests_through_the_web(client: TestClient, past: Past) -> None:
    refs = _refs(past)
    token = sign_in(client, "dpo")
    page = client.get(PAGE).text
    assert "No request." in page and f'href="{PAGE}/new"' in page
    r = client.post(
        PAGE,
        data={
            "csrf_token": token,
            "kind": "correction",
            "ref": "",
            "requester": "representative",
            "language": "en",
        },
    )
    assert r.status_code == 422
    assert field_error(r.text, "f-ref") and field_error(r.text, "f-requester_name")
    data = {
        "csrf_token": token,
        "kind": "correction",
        "ref": refs["woman"],
        "requester": "data_subject",
        "language": "ar",
        "change_family_name": "Khalil Nasser",
    }
    r = client.post(PAGE, data=data)
    assert r.status_code == 303, r.text
    where = r.headers["location"].split("?")[0]
    r = client.post(f"{where}/verify", data={"csrf_token": token, "evidence": ""})
    assert r.status_code == 422 and field_error(r.text, "f-evidence")
    assert client.post(f"{where}/verify", data={"csrf_token": token, "evidence": "card"}).status_code == 303
    assert client.post(f"{where}/correct", data={"csrf_token": token}).status_code == 303
    page = client.get(where).text
    assert "Khalil → Khalil Nasser" in page and "Completed" in page
    client.cookies.set("refugio_locale", "ar")
    page = client.get(PAGE).text
    assert 'dir="rtl"' in page and "طلبات أصحاب البيانات" in page
    client.cookies.set("refugio_locale", "fr")
    assert "Demandes des personnes concernées" in client.get(PAGE).text


def test_the_web_pages_refuse_a_user_without_the_permission(client: TestClient, past: Past) -> None:
    sign_in(client, "imo")
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/new").status_code == 403
    assert f'href="{PAGE}"' not in client.get("/").text


def test_requests_through_the_cli(past: Past, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from refugio.cli.app import app

    refs = _refs(past)
    settings = past.world.container.settings
    common = ["--db", settings.database_url, "--data-dir", str(settings.data_dir), "--as", "dpo"]
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["rights", *args, *common])
        assert result.exit_code == 0, result.output
        return result.output

    made = run("request", "access", refs["woman"], "--language", "es")
    ref = made.split()[0]
    assert ref.startswith("DSR-") and "received" in made
    run("verify", ref, "--evidence", "ID card")
    out = tmp_path / "report.pdf"
    assert "wrote" in run("access", ref, "--out", str(out), "--format", "pdf", "--complete")
    assert out.read_bytes().startswith(b"%PDF")
    assert "completed" in run("show", ref)
    assert ref in run("list", "--kind", "access")
    assert "was not erased" in run("resolve", refs["woman"])
    erasure = run("request", "erasure", refs["son"]).split()[0]
    run("verify", erasure, "--evidence", "guardian's ID")
    assert "tombstone kept" in run("erase", erasure)
    assert "erased" in run("resolve", refs["son"]) and erasure in run("resolve", refs["son"])
    result = runner.invoke(app, ["rights", "erase", erasure, *common])
    assert result.exit_code == 1  # closed already
    result = runner.invoke(
        app,
        [
            "rights",
            "list",
            "--db",
            settings.database_url,
            "--data-dir",
            str(settings.data_dir),
            "--as",
            "imo",
        ],
    )
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 1 and "RIGHTS_VIEW" in output


def test_the_registration_pages_say_why_a_record_holds_no_personal_data(
    client: TestClient, past: Past
) -> None:
    """An erased person's page names the erasure and its request; a person anonymised by a retention rule
    names the rule; a person neither erased nor anonymised shows no such notice."""
    from refugio.dataprotection import service as retention
    from refugio.dataprotection.schemas import RetentionPolicy

    w = past.world
    refs = _refs(past)
    dpo = _auth(client, "dpo")
    son = client.post(f"{API}/requests", json={"kind": "erasure", "ref": refs["son"]}, headers=dpo).json()
    client.post(f"{API}/requests/{son['ref']}/verify", json={"evidence": "his guardian's ID"}, headers=dpo)
    assert client.post(f"{API}/requests/{son['ref']}/erase", headers=dpo).json()["erased"] is True
    with unit_of_work(w.container.sessions) as s:
        retention.run_retention(s, actor=w.who("dpo"), rules=RetentionPolicy(), dry_run=False)

    sign_in(client, "admin")
    page = client.get(f"/people/{w.son_id}").text
    assert "personal data were erased on" in page and son["ref"] in page
    page = client.get(f"/people/{w.child_id}").text  # died three years ago: the deceased people's rule
    assert "were anonymised on" in page and "retention rule “Deceased people”" in page
    assert "erased on" not in page
    page = client.get(f"/people/{w.woman_id}").text
    assert "personal data were" not in page
    client.cookies.set("refugio_locale", "fr")
    assert "ont été effacées le" in client.get(f"/people/{w.son_id}").text
