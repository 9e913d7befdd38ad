"""The desk duplicate check in a real browser (headless Chromium), at 1366 px and at 390 px: typing a
member shows who may already be registered without pressing any button, for every member; a person with
a likely match is saved only with a reason (audited), and the pair is in the review queue at once.

Registered first at the camp: Mohammed Al-Ahmad / محمد الأحمد (M, 1985-03-14, SYR), Fatima Al-Ahmad /
فاطمة الأحمد (F, 1990-06-01, SYR) and unrelated people born in 2019 with close names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.browser import served_app, signed_in_page
from tests.helpers import build_container, household_payload
from tests.web.conftest import seed_web
from tests.web.test_browser import CHROMIUM

from refugio.dedup.models import DedupPair
from refugio.main import Container
from refugio.registration import service as reg
from refugio.registration.models import Individual
from refugio.registration.schemas import HouseholdCreate
from refugio.security.models import AuditEntry
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]

REGISTERED = [
    ("Mohammed", "Al-Ahmad", "محمد", "الأحمد", "M", "1985-03-14"),
    ("Fatima", "Al-Ahmad", "فاطمة", "الأحمد", "F", "1990-06-01"),
    ("Ahmad", "Al-Ahmad", None, None, "M", "2019-05-01"),
    ("Mohammad", "Al-Ahmed", None, None, "M", "2019-02-03"),
]


@dataclass
class Desk:
    url: str
    container: Container


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    container = build_container(f"sqlite:///{tmp_path / 'desk.sqlite3'}", tmp_path / "data")
    seed = seed_web(container)
    for given, family, given_ar, family_ar, sex, dob in REGISTERED:
        payload = household_payload(seed.camp_id, members=1)
        payload["members"] = [
            {
                "relationship": "focal_point",
                "given_name": given,
                "family_name": family,
                "given_name_original": given_ar,
                "family_name_original": family_ar,
                "sex": sex,
                "date_of_birth": dob,
                "nationality": "SYR",
            }
        ]
        payload.pop("phone", None)
        with unit_of_work(container.sessions) as s:
            reg.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
    with served_app(container) as url:
        yield Desk(url, container)


def _fill_member(page: object, i: int, **fields: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    for field, value in fields.items():
        selector = f"#f-members-{i}-{field}"
        if field in ("relationship", "sex"):
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


@pytest.mark.parametrize("width", [1366, 390])
def test_every_member_is_checked_as_typed_and_a_likely_match_needs_a_reason(desk: Desk, width: int) -> None:
    from playwright.sync_api import expect

    with signed_in_page(desk.url, "clerk", width=width) as (page, errors):
        expect(page.locator("h1")).to_have_text("Dashboard")
        page.goto(f"{desk.url}/households/new")
        page.select_option("#f-country_of_origin", "SYR")
        page.check("#f-consent_given")

        # member 1: another spelling, a year of birth only — listed without pressing any button
        _fill_member(page, 0, sex="M", given_name="Mohamad", family_name="Alahmad", date_of_birth="1985")
        check0 = page.locator("#desk-check-0")
        expect(check0).to_contain_text("Al-Ahmad")
        expect(check0).to_contain_text("Mohammed")
        expect(check0).not_to_contain_text("2019")  # unrelated people born decades apart are not listed
        expect(check0.locator("li").first).to_contain_text("1985-03-14")

        # member 2: checked too, as typed; the very same details as a registered person
        page.click("#add-member")
        expect(page.locator("#member-1")).to_be_visible()
        _fill_member(
            page,
            1,
            relationship="spouse",
            sex="F",
            given_name="Fatima",
            family_name="Al-Ahmad",
            given_name_original="فاطمة",
            family_name_original="الأحمد",
            date_of_birth="1990-06-01",
            nationality="SYR",
        )
        check1 = page.locator("#desk-check-1")
        expect(check1).to_contain_text("Likely already registered")
        expect(page.locator("#f-members-1-dup_reason")).to_be_visible()

        # Enter in a field saves (it removes nobody): refused beside member 2, everything kept
        page.locator("#f-members-0-given_name").press("Enter")
        expect(page.locator("#f-members-1-dup_reason-error")).to_contain_text("Possibly already registered")
        expect(page.locator(".member")).to_have_count(2)
        expect(page.locator("#f-members-0-given_name")).to_have_value("Mohamad")
        expect(page.locator("#f-members-1-given_name_original")).to_have_value("فاطمة")
        with unit_of_work(desk.container.sessions) as s:
            assert len(s.scalars(select(Individual)).all()) == len(REGISTERED)

        # with a reason, and member 1 judged "not the same" as Mohammed: saved
        check0.locator("input[name='members[0][dup_not_same]']").first.check()
        page.fill("#f-members-1-dup_reason", "Second wife of the same name, other father (seen her ID)")
        page.locator("#f-members-1-dup_reason").press("Enter")
        page.wait_for_url(re.compile(r".*/households/[0-9a-f-]{36}.*"))
        expect(page.locator(".notice")).to_have_text("The household was registered.")
        assert not [e for e in errors if "status of 422" not in e], errors  # the refusal is a 422

    with unit_of_work(desk.container.sessions) as s:
        fatimas = s.scalars(select(Individual).where(Individual.given_name == "Fatima")).all()
        assert len(fatimas) == 2
        new = max(fatimas, key=lambda p: p.created_at)
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "dedup.desk_confirmed")).all()
        assert [a.object_id for a in audit] == [str(new.id)]
        assert "Second wife" in str(audit[0].details)
        pairs = s.scalars(select(DedupPair)).all()
        assert any({p.left_id, p.right_id} == {f.id for f in fatimas} for p in pairs)  # queued on save
        mohamad = s.scalars(select(Individual).where(Individual.given_name == "Mohamad")).one()
        noted = [p for p in pairs if mohamad.id in (p.left_id, p.right_id)]
        assert noted and "not the same" in (noted[0].decision_reason or "")


@pytest.mark.parametrize("width", [1366, 390])
def test_committing_an_import_puts_its_pairs_in_the_queue_without_a_command(
    desk: Desk, width: int, tmp_path: Path
) -> None:
    """The import is staged and validated beforehand; committing it in the browser starts the linkage in
    the background: its progress shows on the import's page, and the pair is in the review queue."""
    from playwright.sync_api import expect
    from tests.helpers import principal
    from tests.intake.support import HEADER, run_import

    from refugio.main import wire_events

    csv = tmp_path / "partner.csv"
    csv.write_text(
        "\n".join(
            [
                HEADER,
                "H1,P1,head,Fatma,Alahmad,F,01/06/1990,SYR,yes,,",
                "H2,P2,head,Rami,Zoubi,M,1961,SYR,yes,,",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    wire_events()
    with unit_of_work(desk.container.sessions) as s:
        camp = s.scalars(select(Individual.site_id)).first()
    from refugio.core.events import bus

    batch_id = run_import(desk.container, principal(desk.container, "admin"), csv, camp, events=bus)
    with signed_in_page(desk.url, "admin", width=width, timeout=30_000) as (page, _):
        page.goto(f"{desk.url}/imports/{batch_id}")
        page.click("button:has-text('Commit the import')")
        linkage = page.locator("#import-linkage")
        expect(linkage).to_contain_text("2 of 2 households checked")
        expect(linkage).to_contain_text("Done.")
        page.click("#import-linkage a:has-text('Open the review queue')")
        expect(page.locator("main")).to_contain_text("Fatma")
    with unit_of_work(desk.container.sessions) as s:
        assert s.scalars(select(DedupPair)).all()  # no `refugio dedup run` was typed
