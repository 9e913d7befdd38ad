"""The eRRF XML of a resettlement case: validated against the XSD shipped in the package (lxml), with
the case, its categories and priority in UNHCR's codes, the members' specific needs, the submission to
a State with its decision and departure, and every member; a document that breaks the schema is
refused; only a resettlement officer of the case's operation reads it, and the read is audited; the
command line, the API and the link on the resettlement page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select
from tests.helpers import PASSWORD
from tests.web.support import BASE, login
from typer.testing import CliRunner

from refugio.cli.app import app as cli
from refugio.core.errors import NotFound, PermissionDenied
from refugio.main import create_app
from refugio.security.models import AuditEntry
from refugio.solutions import errf_xml, queries
from refugio.solutions.enums import Priority, SubmissionCategory
from refugio.solutions.schemas import QuotaCreate, ResettlementIdentify
from refugio.solutions.service import resettlement
from refugio.store.uow import unit_of_work

from .conftest import World
from .test_resettlement_needs import flag

NS = {"e": errf_xml.NAMESPACE}


def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(errf_xml.schema_text()))


def _case(world: World, *, submitted: bool) -> tuple[str, str]:
    with unit_of_work(world.container.sessions) as s:
        who = world.who("resettler")
        case = resettlement.identify(
            s,
            actor=who,
            data=ResettlementIdentify(
                household_id=world.saleh,
                primary_category=SubmissionCategory.MEDICAL_NEEDS,
                secondary_category=SubmissionCategory.CHILDREN_AT_RISK,
                priority=Priority.URGENT,
                needs_summary="Chronic illness of the mother & treatment <unavailable> here",
            ),
        )
        if submitted:
            quota = resettlement.create_quota(
                s,
                actor=who,
                data=QuotaCreate(
                    state_iso3="can",
                    year=2026,
                    label="Government-assisted",
                    places=40,
                    operation_id=world.operation_id,
                ),
            )
            resettlement.submit(s, actor=who, case_id=case.id, quota_id=quota.id, on=dt.date(2026, 3, 2))
        return case.ref, str(case.id)


def test_the_errf_conforms_to_its_schema_and_carries_the_case(world: World) -> None:
    flag(world, world.saleh_people[0], "SM-CI")
    ref, _ = _case(world, submitted=True)
    with unit_of_work(world.container.sessions) as s:
        got_ref, xml = queries.rrf_xml(s, actor=world.who("resettler"), case_key=ref.lower())
    assert got_ref == ref
    tree = etree.fromstring(xml)
    assert schema().validate(tree), schema().error_log
    assert tree.findtext("e:Case/e:CaseReference", namespaces=NS) == ref
    assert tree.find("e:Categories/e:Primary", NS).get("code") == "MED"
    assert tree.find("e:Categories/e:Secondary", NS).get("code") == "CHL"
    assert tree.find("e:Priority", NS).get("code") == "UG"
    assert "&" in tree.findtext("e:Needs/e:Summary", namespaces=NS)  # escaped, read back whole
    needs = tree.findall("e:Needs/e:SpecificNeed", NS)
    assert [n.get("code") for n in needs] == ["SM-CI"]
    assert tree.findtext("e:Submission/e:ResettlementState", namespaces=NS) == "CAN"
    assert tree.findtext("e:Submission/e:SubmittedOn", namespaces=NS) == "2026-03-02"
    members = tree.findall("e:Members/e:Member", NS)
    assert len(members) == 3 == int(tree.find("e:Members", NS).get("count"))
    assert tree.findtext("e:Case/e:Persons", namespaces=NS) == "3"
    assert all(m.findtext("e:DateOfBirth", namespaces=NS) for m in members)


def test_an_identified_case_has_no_submission(world: World) -> None:
    ref, _ = _case(world, submitted=False)
    with unit_of_work(world.container.sessions) as s:
        _, xml = queries.rrf_xml(s, actor=world.who("resettler"), case_key=ref)
    tree = etree.fromstring(xml)
    assert schema().validate(tree) and tree.find("e:Submission", NS) is None
    assert tree.findtext("e:Case/e:Status", namespaces=NS) == "identified"


def test_the_schema_refuses_what_breaks_it() -> None:
    member = errf_xml.ErrfMember(ref="P1", name="A", sex="F", date_of_birth=dt.date(1990, 1, 1))
    good = errf_xml.ErrfCase(
        case_ref="RST-1",
        operation="JOR",
        household_ref="H1",
        status="identified",
        primary_category="medical_needs",
        secondary_category=None,
        priority="normal",
        needs_summary="x",
        needs=[("P1", "SM-CI")],
        members=[member],
    )
    document = errf_xml.render(good)
    assert errf_xml.validation_errors(document) == []
    broken = document.replace(b'code="MED"', b'code="XYZ"')
    assert any("XYZ" in e for e in errf_xml.validation_errors(broken))
    twice = document.replace(b"</Members>", b'<Member individual="P1"><Name>B</Name><Sex>M</Sex>'
                             b"<DateOfBirth>1991-01-01</DateOfBirth></Member></Members>")  # fmt: skip
    assert errf_xml.validation_errors(twice)  # a member given twice
    bad_sex = errf_xml.ErrfCase(
        **{**good.__dict__, "members": [errf_xml.ErrfMember("P1", "A", "?", member.date_of_birth)]}
    )
    with pytest.raises(RuntimeError, match=r"errf-1\.0\.xsd"):
        errf_xml.render(bad_sex)


def test_errf_permissions_audit_and_channels(world: World, tmp_path: Path) -> None:
    ref, case_id = _case(world, submitted=False)
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        queries.rrf_xml(s, actor=world.who("rsd1"), case_key=ref)
    with pytest.raises(NotFound, match="RST-JOR-NOPE"), unit_of_work(world.container.sessions) as s:
        queries.rrf_xml(s, actor=world.who("resettler"), case_key="RST-JOR-NOPE")
    settings = world.container.settings
    base = ["--db", settings.database_url, "--data-dir", str(settings.data_dir), "--as", "resettler"]
    result = CliRunner().invoke(cli, ["solutions", "rrf", ref, "--format", "xml", *base])
    assert result.exit_code == 0, result.output
    assert schema().validate(etree.fromstring(result.stdout.encode("utf-8")))
    out = tmp_path / "case.xml"
    result = CliRunner().invoke(cli, ["solutions", "rrf", ref, "--format", "xml", "--out", str(out), *base])
    assert result.exit_code == 0 and schema().validate(etree.parse(str(out)))
    result = CliRunner().invoke(cli, ["solutions", "rrf", ref, "--format", "docx", *base])
    assert result.exit_code != 0 and "pdf or xml" in result.output
    with unit_of_work(world.container.sessions) as s:
        formats = [
            e.details.get("format")
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "resettlement.rrf"))
        ]
    assert formats.count("xml") == 2  # the two command-line reads; the refused ones wrote nothing
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as client:
        token = client.post("/api/v1/tokens", json={"username": "resettler", "password": PASSWORD}).json()[
            "token"
        ]
        auth = {"Authorization": f"Bearer {token}"}
        got = client.get(f"/api/v1/solutions/resettlement/cases/{ref}/errf.xml", headers=auth)
        assert got.status_code == 200 and got.headers["content-type"].startswith("application/xml")
        assert schema().validate(etree.fromstring(got.content))
        xsd = client.get("/api/v1/solutions/resettlement/errf.xsd", headers=auth)
        assert xsd.status_code == 200 and xsd.content == errf_xml.schema_text()
        assert login(client, "resettler").status_code == 303
        page = client.get("/solutions/resettlement")
        assert f"/solutions/resettlement/cases/{case_id}/errf.xml" in page.text and "eRRF (XML)" in page.text
        web = client.get(f"/solutions/resettlement/cases/{case_id}/errf.xml")
        assert web.status_code == 200 and schema().validate(etree.fromstring(web.content))
