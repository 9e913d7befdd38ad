"""A final RSD decision reaches the registry (the person's legal status, with its history) and the
person (a notice per person and decision, delivered by the claim's officer): a recognition at first
instance at once, a negative outcome when the appeal deadline passes unappealed or with the appeal's
decision; a late appeal makes the people asylum-seekers again."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from refugio.core import clock
from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.registration.models import Individual, RegistrationEvent
from refugio.security.models import AuditEntry
from refugio.solutions import queries
from refugio.solutions.enums import NoticeChannel
from refugio.solutions.schemas import AppealIn
from refugio.solutions.service import rsd, rsd_status
from refugio.store.uow import unit_of_work

from .conftest import World
from .test_rsd import assess_review_decide, interview, open_claim, outcomes


def legal(w: World) -> list[str | None]:
    with unit_of_work(w.container.sessions) as s:
        query = select(Individual.id, Individual.legal_status).where(Individual.id.in_(w.haddad_people))
        rows = {pid: status for pid, status in s.execute(query)}
    return [rows[p] for p in w.haddad_people[:3]]


def test_a_recognition_is_final_at_once_and_notified(world: World) -> None:
    claim_id = open_claim(world)
    interview(world, claim_id)
    before = legal(world)
    assess_review_decide(
        world,
        claim_id,
        outcomes(world, "recognised", "rejected"),
        ["1951:political_opinion", "none_met"],
        "rsd1",
    )
    after = legal(world)
    assert after[0] == "refugee" and after[1:] == before[1:] and "rejected" not in after
    with unit_of_work(world.container.sessions) as s:
        history = list(
            s.scalars(
                select(RegistrationEvent.summary).where(
                    RegistrationEvent.individual_id == world.haddad_people[0],
                    RegistrationEvent.event_type == "status_change",
                )
            )
        )
        detail = queries.get_claim(s, actor=world.who("rsd1"), claim_id=claim_id)
    assert any("refugee" in h for h in history)
    assert sorted((n.kind, n.outcome or "", n.legal_status or "") for n in detail.notifications) == [
        ("decision", "recognised", "refugee"),
        ("decision", "rejected", ""),
        ("decision", "rejected", ""),
    ]
    assert all(n.delivered_on is None and n.language == "ara" for n in detail.notifications)


def test_unappealed_rejection_becomes_final_after_the_deadline(world: World) -> None:
    claim_id = open_claim(world)
    interview(world, claim_id)
    assess_review_decide(
        world,
        claim_id,
        outcomes(world, "rejected", "complementary"),
        ["none_met", "complementary:serious_harm"],
        "rsd1",
    )
    with unit_of_work(world.container.sessions) as s:
        # before the deadline nothing is final
        assert (
            rsd_status.finalise_unappealed(s, actor=world.who("rsdsup"), operation_id=world.operation_id)
            == []
        )
    later = dt.date.today() + dt.timedelta(days=31)
    with clock.frozen(dt.datetime.combine(later, dt.time(9), tzinfo=dt.UTC)):
        after_the_deadline(world, claim_id, later)


def after_the_deadline(world: World, claim_id: uuid.UUID, later: dt.date) -> None:
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        rsd_status.finalise_unappealed(s, actor=world.who("rsd1"), operation_id=world.operation_id)
    with unit_of_work(world.container.sessions) as s:
        done = rsd_status.finalise_unappealed(s, actor=world.who("rsdsup"), operation_id=world.operation_id)
    assert len(done) == 1
    assert legal(world) == ["rejected", "complementary", "complementary"]
    with unit_of_work(world.container.sessions) as s:
        again = rsd_status.finalise_unappealed(s, actor=world.who("rsdsup"), operation_id=world.operation_id)
        notices = queries.person_notices(s, actor=world.who("rsd1"), individual_id=world.haddad_people[0])
        hidden = queries.person_notices(s, actor=world.who("rsd2"), individual_id=world.haddad_people[0])
    assert again == []  # finalised once
    assert [(n.kind, n.legal_status) for n in notices] == [("decision", None), ("status", "rejected")]
    assert hidden == []  # not assigned: a notice reveals an outcome

    # a late appeal accepted: asylum-seekers again until it is decided
    with unit_of_work(world.container.sessions) as s:
        rsd.lodge_appeal(
            s,
            actor=world.who("rsd1"),
            claim_id=claim_id,
            data=AppealIn(grounds="new evidence", lodged_on=later, late_reason="hospitalised until then"),
        )
    assert legal(world) == ["asylum_seeker"] * 3
    with unit_of_work(world.container.sessions) as s:
        rsd.assign(
            s,
            actor=world.who("rsdsup"),
            claim_id=claim_id,
            user_id=world.seed.users["rsd2"],
            role="appeal_officer",
        )
    assess_review_decide(
        world, claim_id, outcomes(world, "recognised", "recognised"), ["1951:political_opinion"], "rsd2"
    )
    assert legal(world) == ["refugee"] * 3


def test_notice_delivery_by_the_officer(world: World) -> None:
    claim_id = open_claim(world)
    interview(world, claim_id)
    assess_review_decide(
        world, claim_id, outcomes(world, "recognised", "recognised"), ["1951:political_opinion"], "rsd1"
    )
    with unit_of_work(world.container.sessions) as s:
        notice = queries.get_claim(s, actor=world.who("rsd1"), claim_id=claim_id).notifications[0]
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        rsd_status.deliver(
            s, actor=world.who("rsdsup2"), notification_id=notice.id, channel=NoticeChannel.POST
        )
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        rsd_status.deliver(
            s,
            actor=world.who("rsd1"),
            notification_id=notice.id,
            channel=NoticeChannel.POST,
            delivered_on=dt.date.today() + dt.timedelta(days=2),
        )
    assert info.value.errors[0].field == "delivered_on"
    with unit_of_work(world.container.sessions) as s:
        rsd_status.deliver(
            s, actor=world.who("rsd1"), notification_id=notice.id, channel=NoticeChannel.IN_PERSON
        )
    with pytest.raises(Conflict), unit_of_work(world.container.sessions) as s:
        rsd_status.deliver(s, actor=world.who("rsd1"), notification_id=notice.id, channel=NoticeChannel.POST)
    with unit_of_work(world.container.sessions) as s:
        done = queries.get_claim(s, actor=world.who("rsd1"), claim_id=claim_id).notifications[0]
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(notice.id))))
    assert (done.channel, done.delivered_by) == ("in_person", "rsd1") and done.delivered_on == dt.date.today()
    assert {"rsd.notice_decision", "rsd.notice_delivered"} <= actions


def decided_claim(world: World) -> uuid.UUID:
    claim_id = open_claim(world)
    interview(world, claim_id)
    assess_review_decide(world, claim_id, outcomes(world, "rejected", "rejected"), ["none_met"], "rsd1")
    return claim_id


def test_notices_and_finalisation_through_the_api(world: World) -> None:
    from fastapi.testclient import TestClient
    from tests.helpers import PASSWORD

    from refugio.main import create_app

    claim_id = decided_claim(world)
    api = "/api/v1/solutions"
    with TestClient(create_app(container=world.container), base_url="https://testserver") as client:

        def auth(user: str) -> dict[str, str]:
            r = client.post("/api/v1/tokens", json={"username": user, "password": PASSWORD})
            return {"Authorization": f"Bearer {r.json()['token']}"}

        officer = auth("rsd1")
        notices = client.get(f"{api}/claims/{claim_id}/notifications", headers=officer).json()
        assert [n["outcome"] for n in notices] == ["rejected"] * 3
        person = client.get(f"{api}/people/{world.haddad_people[0]}/notifications", headers=officer).json()
        assert [n["claim_id"] for n in person] == [str(claim_id)]
        assert (
            client.get(f"{api}/people/{world.haddad_people[0]}/notifications", headers=auth("rsd2")).json()
            == []
        )
        bad = client.post(
            f"{api}/notifications/{notices[0]['id']}/delivery", json={"channel": "pigeon"}, headers=officer
        )
        assert bad.status_code == 422 and "channel" in bad.text
        ok = client.post(
            f"{api}/notifications/{notices[0]['id']}/delivery", json={"channel": "sms"}, headers=officer
        )
        assert ok.status_code == 200 and ok.json()["channel"] == "sms", ok.text
        r = client.post(
            f"{api}/claims/finalise", params={"operation_id": str(world.operation_id)}, headers=officer
        )
        assert r.status_code == 403
        sup = auth("rsdsup")
        r = client.post(
            f"{api}/claims/finalise", params={"operation_id": str(world.operation_id)}, headers=sup
        )
        assert r.status_code == 200 and r.json() == {"finalised": []}  # the deadline has not passed


def test_notices_and_finalisation_from_the_command_line(world: World) -> None:
    from typer.testing import CliRunner

    from refugio.cli.app import app

    claim_id = decided_claim(world)
    settings = world.container.settings
    base = ["--db", settings.database_url, "--data-dir", str(settings.data_dir)]

    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["solutions", "claims", *args, *base])
        return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")

    code, out = invoke("notices", str(claim_id), "--as", "rsd1")
    assert code == 0 and out.count("pending") == 3, out
    first = out.split()[0]
    code, out = invoke("deliver", first, "--channel", "fax", "--as", "rsd1")
    assert code == 1 and "--channel" in out
    code, out = invoke("deliver", first, "--channel", "post", "--as", "rsd1")
    assert code == 0 and "delivered" in out, out
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=40)
    with clock.frozen(later):
        code, out = invoke("finalise", "--operation", "JOR", "--as", "rsdsup")
    assert code == 0 and "1 claim(s) made final" in out, out
    assert legal(world) == ["rejected"] * 3
