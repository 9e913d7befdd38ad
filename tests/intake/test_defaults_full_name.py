"""Import defaults for a whole file (consent, legal basis, purposes, site) and the single full-name
column split into given/middle/family in Latin or Arabic script — through the mapping step, the
service, the web pages, the API and the CLI. These pin the behaviour any rewrite of the import
pipeline must keep: defaults fill absent or empty cells only, a full name is split by the documented
rule, and per-row errors are still reported beside their column."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.helpers import PASSWORD, Seed, principal
from tests.intake.support import batch, commit, people, rows, run_import
from typer.testing import CliRunner

from refugio.cli.app import app as cli_app
from refugio.core.errors import ValidationFailed
from refugio.intake import queries
from refugio.intake.mapping import Mapping, with_defaults
from refugio.intake.names import name_units, split_full_name
from refugio.main import Container, create_app
from refugio.store.uow import unit_of_work

# a partner's list: one name column (both scripts), no consent column, one empty legal-basis cell
PARTNER = (
    "HH ID,Name,Sex,DOB,Legal basis,Relationship\n"
    "F1,محمد بن علي الأحمد,M,1985,,head\n"
    "F1,Fatima Al Zahra Hassan,F,1990,,wife\n"
    'F2,"Al-Ahmad, Mohammed Ali",M,1970,mandate,head\n'
    "F3,Omar Haddad,M,31/02/1980,,head\n"
)


# --- the rule ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "given", "middle", "family", "script"),
    [
        ("محمد بن علي الأحمد", "محمد", "بن علي", "الأحمد", "Arab"),
        ("Mohammed Ali Al-Ahmad", "Mohammed", "Ali", "Al-Ahmad", "Latn"),
        ("Mohammed Ali Al Ahmad", "Mohammed", "Ali", "Al Ahmad", "Latn"),
        ("Abd Al Rahman ibn Khaled El Masri", "Abd Al Rahman", "ibn Khaled", "El Masri", "Latn"),
        ("عبد الله أبو بكر", "عبد الله", None, "أبو بكر", "Arab"),
        ("Al-Ahmad, Mohammed Ali", "Mohammed", "Ali", "Al-Ahmad", "Latn"),
        ("  Fatima  ", "Fatima", None, None, "Latn"),
        ("Ali bin Hassan", "Ali", None, "bin Hassan", "Latn"),
    ],
)
def test_full_name_split_rule(
    text: str, given: str, middle: str | None, family: str | None, script: str
) -> None:
    split = split_full_name(text)
    assert split is not None
    assert (split.given, split.middle, split.family, split.script) == (given, middle, family, script)


def test_particles_never_stand_alone_and_empty_names_are_none() -> None:
    assert name_units("Omar Al") == ["Omar", "Al"]  # a trailing particle is a unit (nothing follows it)
    assert name_units("Abu Bakr Al Siddiq") == ["Abu Bakr", "Al Siddiq"]
    assert split_full_name("   ") is None


def test_mapping_applies_full_name_and_defaults_only_where_the_cell_is_empty() -> None:
    mapping = Mapping.from_dict(
        {
            "columns": {
                "Name": "full_name",
                "Given": "given_name",
                "Basis": "legal_basis",
                "Born": "date_of_birth",
            },
            "defaults": {
                "consent_given": "yes",
                "legal_basis": "consent",
                "consent_purposes": "registration",
            },
        }
    )
    plan = mapping.compile(["Name", "Given", "Basis", "Born"])
    values, errors = mapping.apply(plan, ["محمد بن علي الأحمد", "", "", "1985"])
    assert values["given_name_original"] == "محمد" and values["family_name_original"] == "الأحمد"
    assert values["middle_name_original"] == "بن علي"
    assert values["given_name"] and values["family_name"] and "full_name" not in values
    assert values["consent_given"] is True and values["legal_basis"] == "consent"
    assert values["consent_purposes"] == ["registration"]
    assert [(e.code, e.level, e.column) for e in errors] == [("transliterated", "warning", "Name")]
    # a value in the file wins over the default; a column of its own wins over the split
    values, errors = mapping.apply(plan, ["Mohammed Ali Al-Ahmad", "Mohamad", "mandate", "1985"])
    assert values["legal_basis"] == "mandate" and values["given_name"] == "Mohamad"
    assert values["middle_name"] == "Ali" and values["family_name"] == "Al-Ahmad" and errors == []
    # a wrong cell is still reported on its row and column
    values, errors = mapping.apply(plan, ["Omar Haddad", "", "", "31/02/1990"])
    assert [(e.field, e.column, e.code) for e in errors] == [("date_of_birth", "Born", "bad_date")]


def test_defaults_are_checked_against_the_allowed_values() -> None:
    with pytest.raises(ValidationFailed) as caught:
        with_defaults(
            Mapping(), {"legal_basis": "whim", "consent_given": "maybe", "consent_purposes": "spam"}
        )
    assert {e.field for e in caught.value.errors} == {
        "mapping.defaults.legal_basis",
        "mapping.defaults.consent_given",
        "mapping.defaults.consent_purposes",
    }
    assert with_defaults(Mapping(), '{"consent_given": "no", "legal_basis": "mandate"}').defaults == {
        "consent_given": False,
        "legal_basis": "mandate",
    }


# --- service: a file with no consent column ----------------------------------------------------------


def _partner_mapping(**defaults: object) -> Mapping:
    return Mapping.from_dict(
        {
            "columns": {
                "HH ID": "household_key",
                "Name": "full_name",
                "Sex": "sex",
                "DOB": "date_of_birth",
                "Legal basis": "legal_basis",
                "Relationship": "relationship",
            },
            "defaults": defaults,
        }
    )


def test_without_a_consent_default_every_household_is_refused_with_one(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    path = tmp_path / "partner.csv"
    path.write_text(PARTNER, encoding="utf-8")
    clerk = principal(container, "clerk")
    refused = run_import(container, clerk, path, seeded.camp_id, mapping=_partner_mapping())
    assert batch(container, refused).counts["households_new"] == 1  # F2 gives its own legal basis
    done = run_import(
        container,
        clerk,
        path,
        seeded.camp_id,
        mapping=_partner_mapping(consent_given="yes", consent_purposes=["registration"]),
        source="partner-2",
    )
    staged = rows(container, done)
    assert [r.status for r in staged] == ["new", "new", "new", "invalid"]  # F3: its date is still an error
    assert any(e["column"] == "DOB" and e["level"] == "error" for e in staged[3].errors)
    assert staged[0].values["given_name_original"] == "محمد" and staged[0].values["given_name"]
    assert any(e["code"] == "transliterated" for e in staged[0].errors)
    result = commit(container, clerk, done)
    assert result.households_registered == 2 and people(container) == 3
    with unit_of_work(container.sessions) as s:
        created = queries.created_households(s, actor=clerk, batch_id=done)
    assert created.total == 2 and [h.source_key for h in created.items] == ["F1", "F2"]


def test_a_default_site_must_be_one_the_importer_may_use(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    path = tmp_path / "partner.csv"
    path.write_text(PARTNER, encoding="utf-8")
    clerk = principal(container, "clerk")
    for code, problem in (("AMM", "forbidden"), ("XYZ", "unknown_site")):
        with pytest.raises(ValidationFailed) as caught:
            run_import(container, clerk, path, seeded.camp_id, mapping=_partner_mapping(site=code))
        assert [(e.field, e.code) for e in caught.value.errors] == [("mapping.defaults.site", problem)]
    ok = run_import(
        container, clerk, path, seeded.camp_id, mapping=_partner_mapping(site="zaa", consent_given=1)
    )
    assert batch(container, ok).mapping["defaults"]["site"] == "ZAA"


# --- web ---------------------------------------------------------------------------------------------


@pytest.fixture
def browser(container: Container, seeded: Seed) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), base_url="https://testserver") as c:
        page = c.get("/login")
        c.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": _csrf(page.text)})
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _wait_web(browser: TestClient, batch_id: str) -> None:
    for _ in range(200):
        if browser.get(f"/imports/{batch_id}/progress").headers.get("hx-refresh") == "true":
            return
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_web_defaults_full_name_and_links_to_the_created_households(
    browser: TestClient, container: Container, seeded: Seed
) -> None:
    token = _csrf(browser.get("/imports").text)
    r = browser.post(
        "/imports",
        data={"csrf_token": token, "site_id": str(seeded.camp_id), "source": "partner"},
        files={"file": ("partner.csv", PARTNER.encode(), "text/csv")},
        follow_redirects=False,
    )
    batch_id = r.headers["location"].split("/")[2]
    review = browser.get(f"/imports/{batch_id}/mapping")
    assert re.search(r'name="col_1">.*?<option value="full_name" selected', review.text, re.S)
    assert 'name="consent_given"' in review.text and 'name="consent_purposes"' in review.text
    form = {
        "csrf_token": token,
        "date_order": "DMY",
        "col_0": "household_key",
        "col_1": "full_name",
        "col_2": "sex",
        "col_3": "date_of_birth",
        "col_4": "legal_basis",
        "col_5": "relationship",
        "consent_given": "yes",
        "legal_basis": "whim",
        "site_id": str(seeded.office_id),
    }
    bad = browser.post(f"/imports/{batch_id}/mapping", data=form)
    assert bad.status_code == 422  # every error at once, beside its field; nothing staged
    assert re.search(r'id="[^"]*legal_basis-error"[^>]*>.*?unknown legal basis', bad.text, re.S)
    assert re.search(r'id="[^"]*site_id-error"[^>]*>.*?You may not import into this site', bad.text, re.S)
    form["legal_basis"] = ""  # from the file
    form["site_id"] = str(seeded.camp_id)
    form["consent_purposes"] = "registration"
    assert browser.post(f"/imports/{batch_id}/mapping", data=form, follow_redirects=False).status_code == 303
    _wait_web(browser, batch_id)
    page = browser.get(f"/imports/{batch_id}")
    assert "Commit the import" in page.text
    done = browser.post(f"/imports/{batch_id}/commit", data={"csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and "Households registered by this import (2)" in done.text
    links = re.findall(r'href="(/households/[0-9a-f-]{36})"', done.text)
    assert len(links) == 2 and browser.get(links[0]).status_code == 200
    assert people(container) == 3


# --- API and CLI -------------------------------------------------------------------------------------


def test_api_defaults_and_created_households(container: Container, seeded: Seed) -> None:
    with TestClient(create_app(container=container), base_url="https://testserver") as client:
        token = client.post("/api/v1/tokens", json={"username": "clerk", "password": PASSWORD, "name": "t"})
        auth = {"Authorization": f"Bearer {token.json()['token']}"}
        files = {"file": ("partner.csv", PARTNER.encode(), "text/csv")}
        bad = client.post(
            "/api/v1/imports",
            headers=auth,
            files=files,
            data={"site_id": str(seeded.camp_id), "defaults": '{"legal_basis": "whim"}'},
        )
        assert bad.status_code == 422 and "mapping.defaults.legal_basis" in bad.text
        r = client.post(
            "/api/v1/imports",
            headers=auth,
            files=files,
            data={"site_id": str(seeded.camp_id), "defaults": '{"consent_given": "yes", "site": "ZAA"}'},
        )
        assert r.status_code == 202, r.text
        batch_id = r.json()["id"]
        assert r.json()["mapping"]["defaults"] == {"consent_given": True, "site": "ZAA"}
        status = client.get(f"/api/v1/imports/{batch_id}", headers=auth).json()
        assert status["counts"].get("households_new") == 2, (status["message"], status["mapping"])
        done = client.post(f"/api/v1/imports/{batch_id}/commit", headers=auth).json()
        assert done["households_registered"] == 2 and len(done["households"]) == 2
        listed = client.get(done["links"]["households"], headers=auth).json()
        assert listed["total"] == 2 and {h["source_key"] for h in listed["items"]} == {"F1", "F2"}
        one = client.get(f"/api/v1/households/{listed['items'][0]['household_id']}", headers=auth)
        assert one.status_code == 200


def test_cli_consent_and_legal_basis_defaults(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = ["--db", db_url, "--data-dir", str(tmp_path / "data")]
    runner.invoke(cli_app, ["operations", "create", "JOR", "--name", "Jordan", "--country", "JOR", *env])
    runner.invoke(cli_app, ["operations", "add-site", "JOR", "ZAA", "--name", "Zaatari", *env])
    path = tmp_path / "partner.csv"
    path.write_text(PARTNER, encoding="utf-8")
    bad = runner.invoke(
        cli_app, ["import", "registrations", str(path), "--site", "ZAA", "--legal-basis", "whim", *env]
    )
    assert bad.exit_code == 1 and "unknown legal basis" in bad.output
    ok = runner.invoke(
        cli_app,
        [
            "import",
            "registrations",
            str(path),
            "--site",
            "ZAA",
            "--consent",
            "yes",
            "--purpose",
            "registration",
            "--commit",
            *env,
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "2 households (3 people) registered" in ok.output
