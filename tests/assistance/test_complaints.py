"""Complaints: anonymous ones keep no name, deadlines by priority, the status flow with a response, and
sensitive categories (SEA, fraud by staff) hidden from ordinary lists, reads and counts, visible only
with ASSISTANCE_COMPLAINT_SENSITIVE and audited when read."""

from __future__ import annotations

import datetime as dt

import pydantic
import pytest
from sqlalchemy import select
from tests.assistance.conftest import World
from tests.helpers import PASSWORD

from refugio.assistance import complaint_queries
from refugio.assistance.schemas import ComplaintCreate, ComplaintProgress
from refugio.assistance.service import complaints
from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.security import service as sec
from refugio.security.models import AuditEntry
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def _lodge(world: World, username: str, category: str, **fields: object) -> str:
    data = ComplaintCreate.model_validate(
        {
            "operation_id": world.operation_id,
            "channel": "desk",
            "category": category,
            "description": "told at the desk",
            **fields,
        }
    )
    with unit_of_work(world.container.sessions) as s:
        return complaints.lodge_complaint(s, actor=world.who(username), data=data).ref


@pytest.fixture
def accountability(world: World) -> str:
    with unit_of_work(world.container.sessions) as s:
        user = sec.create_user(s, actor=SYSTEM, username="aap", full_name="AAP", password=PASSWORD)
        sec.grant_role(
            s, actor=SYSTEM, user=user, role=Role.ACCOUNTABILITY_OFFICER, operation_id=world.operation_id
        )
    return "aap"


def test_a_complaint_from_lodging_to_closure(world: World) -> None:
    ref = _lodge(
        world,
        "desk",
        "amount",
        priority="urgent",
        site_code="ZAA",
        household_ref=world.family_ref,
        programme="WINTER",
    )
    with unit_of_work(world.container.sessions) as s:
        c = complaint_queries.get_complaint(s, actor=world.who("officer"), key=ref)
    assert (
        c.ref.startswith("JOR-CF-") and c.due_at - c.received_at == dt.timedelta(hours=24) and not c.overdue
    )
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed, match="answered"):
        complaints.progress_complaint(
            s, actor=world.who("officer"), complaint_id=ref, data=ComplaintProgress(status="closed")
        )
    with unit_of_work(world.container.sessions) as s:
        data = ComplaintProgress(status="resolved", response="the top-up will be paid next cycle")
        complaints.progress_complaint(s, actor=world.who("officer"), complaint_id=ref, data=data)
        complaints.progress_complaint(
            s, actor=world.who("officer"), complaint_id=ref, data=ComplaintProgress(status="closed")
        )
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict, match="closed"):
        complaints.progress_complaint(
            s, actor=world.who("officer"), complaint_id=ref, data=ComplaintProgress(status="in_progress")
        )
    with pytest.raises(pydantic.ValidationError, match="anonymous"):
        ComplaintCreate(
            operation_id=world.operation_id,
            channel="phone",
            category="delay",
            description="late",
            anonymous=True,
            complainant_name="X",
        )
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
        complaints.lodge_complaint(
            s,
            actor=world.who("viewer"),
            data=ComplaintCreate(
                operation_id=world.operation_id, channel="phone", category="delay", description="late"
            ),
        )


def test_sensitive_complaints_are_visible_only_to_the_restricted_role(
    world: World, accountability: str
) -> None:
    sea = _lodge(world, "desk", "sea", anonymous=True, site_code="ZAA")
    _lodge(world, "desk", "staff_fraud", site_code="ZAA")
    _lodge(world, "officer", "delay")
    with unit_of_work(world.container.sessions) as s:
        ordinary = complaint_queries.list_complaints(s, actor=world.who("officer"))
        assert [c.category for c in ordinary] == ["delay"]
        counts = {
            c.category: c.count for c in complaint_queries.counts_by_category(s, actor=world.who("officer"))
        }
        assert counts == {"delay": 1, "restricted": None}  # 2 sensitive: below the threshold, never named
        with pytest.raises(NotFound):
            complaint_queries.get_complaint(s, actor=world.who("officer"), key=sea)
        with pytest.raises(NotFound):
            complaints.progress_complaint(
                s, actor=world.who("officer"), complaint_id=sea, data=ComplaintProgress(status="in_progress")
            )
    with unit_of_work(world.container.sessions) as s:
        restricted = complaint_queries.list_complaints(s, actor=world.who(accountability), sensitive=True)
        assert sorted(c.category for c in restricted) == ["sea", "staff_fraud"]
        read = complaint_queries.get_complaint(s, actor=world.who(accountability), key=sea)
        assert read.anonymous and read.complainant_name is None
        counts = {
            c.category: c.count
            for c in complaint_queries.counts_by_category(s, actor=world.who(accountability))
        }
        assert counts == {"delay": 1, "sea": 1, "staff_fraud": 1}
    with unit_of_work(world.container.sessions) as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.actor == accountability)))
    assert (
        "assistance.complaint.read_sensitive" in actions and "assistance.complaint.list_sensitive" in actions
    )
