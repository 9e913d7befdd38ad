"""Issue 13 items 5-6 in a real browser (Debian's headless Chromium driven by Playwright) at 1366 and
390 px, on demo-like data (synthetic arrivals at both sites, as `make demo` registers them): the
households and people lists show the true count and move between pages, each filter narrows (a GET
form: the URL carries it; Enter submits it), sorting works; search pages and finds a spelling variant
by the dedup name keys; the dedup review queue and the audit log page through their entries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.browser import page_width, served_app, signed_in_page
from tests.helpers import build_container, household_payload, principal
from tests.web.conftest import seed_web
from tests.web.test_browser import CHROMIUM

from refugio.dedup import service as dedup
from refugio.dedup.models import DedupPair
from refugio.registration import queries
from refugio.registration import service as reg
from refugio.registration.models import Household, Individual
from refugio.registration.schemas import HouseholdCreate
from refugio.registration.synthetic import generate_households
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]

PAIRS = 60


def _demo_like(container: Any) -> dict[str, Any]:
    seed = seed_web(container)
    today = dt.date.today()
    items = list(
        generate_households(
            count=90,
            site_ids=[seed.camp_id, seed.office_id],
            seed=13,
            start=today - dt.timedelta(days=365),
            end=today,
        )
    )
    extra = []
    for i in range(12):
        payload = household_payload(seed.camp_id, members=1, family=f"Haddad{chr(97 + i)}")
        payload["members"][0]["phone"] = None
        extra.append(payload)
    ahmad = household_payload(seed.camp_id, members=1, family="Al-Ahmad")
    ahmad["members"][0].update(
        given_name="Mohammed", given_name_original="محمد", family_name_original="الأحمد", phone=None
    )
    extra.append(ahmad)
    with unit_of_work(container.sessions) as s:
        reg.register_households(
            s, actor=SYSTEM, items=items + [HouseholdCreate.model_validate(p) for p in extra]
        )
    with unit_of_work(container.sessions) as s:
        dedup.index_people(s, actor=principal(container, "admin"))
        people = list(s.scalars(select(Individual).order_by(Individual.ref).limit(PAIRS + 1)))
        for i in range(PAIRS):  # candidate pairs, as a linkage run leaves them
            s.add(
                DedupPair(
                    operation_id=seed.operation_id,
                    left_id=people[i].id,
                    right_id=people[i + 1].id,
                    match_weight=10.0 - i / 10,
                    probability=0.9,
                    contributions=[],
                    model_version=1,
                )
            )
    with unit_of_work(container.sessions) as s:  # reads of records, each audited: a log of some pages
        admin = principal(container, "admin")
        for person_id in list(s.scalars(select(Individual.id).limit(180))):
            queries.individual_read(s, actor=admin, key=person_id)
    with unit_of_work(container.sessions) as s:
        count = lambda stmt: int(s.scalar(stmt) or 0)  # noqa: E731
        return {
            "households": count(select(func.count()).select_from(Household)),
            "camp": count(
                select(func.count()).select_from(Household).where(Household.site_id == seed.camp_id)
            ),
            "people": count(select(func.count()).select_from(Individual)),
            "women": count(select(func.count()).select_from(Individual).where(Individual.sex == "F")),
            "max_size": count(select(func.max(Household.size))),
            "camp_id": seed.camp_id,
        }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("browse")
    container = build_container(f"sqlite:///{tmp / 'browse.sqlite3'}", tmp / "data")
    facts = _demo_like(container)
    with served_app(container) as url:
        yield url, facts


def _status(page: Any) -> str:
    return str(page.locator(".pager [role=status]").first.inner_text()).strip()


@pytest.mark.parametrize("width", [1366, 390])
def test_browse_search_queue_and_audit(served: tuple[str, dict[str, Any]], width: int) -> None:
    from playwright.sync_api import expect

    url, facts = served
    with signed_in_page(url, "admin", width=width) as (page, errors):
        expect(page.locator("h1")).to_have_text("Dashboard")

        # households: the true count, pages, filters, sort
        page.goto(f"{url}/households")
        total = facts["households"]
        assert _status(page) == f"1–20 of {total}"
        assert page_width(page) <= width
        page.locator(".pager a[rel=next]").first.click()
        expect(page.locator(".pager [role=status]").first).to_have_text(f"21–40 of {total}")
        page.locator(".pager a[rel=prev]").first.click()
        expect(page.locator(".pager [role=status]").first).to_have_text(f"1–20 of {total}")
        page.select_option("#f-site", str(facts["camp_id"]))
        page.click("button:has-text('Show')")
        assert "site=" in page.url  # a shareable URL
        expect(page.locator(".pager [role=status]").first).to_have_text(f"1–20 of {facts['camp']}")
        assert facts["camp"] < total
        page.select_option("#f-sort", "size")
        page.click("button:has-text('Show')")
        expect(page.locator("tbody tr").first.locator("td.num")).to_have_text(str(facts["max_size"]))

        # people: filters by keyboard (Enter in a field submits), a wrong one shown beside it
        page.goto(f"{url}/people")
        assert _status(page) == f"1–20 of {facts['people']}"
        page.select_option("#f-sex", "F")
        page.click("button:has-text('Show')")
        expect(page.locator(".pager [role=status]").first).to_have_text(f"1–20 of {facts['women']}")
        page.fill("#f-age_min", "18")
        page.press("#f-age_min", "Enter")
        page.wait_for_url(re.compile(r".*age_min=18.*"))
        adults = int(_status(page).split(" of ")[1])
        assert adults < facts["women"]
        page.goto(f"{url}/people?age_min=40&age_max=10")
        expect(page.locator("#f-age_max-error")).to_contain_text("cannot be below the minimum age")
        assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
        errors.clear()  # that page answered 400 on purpose: the filters were wrong

        # search: pages of the true count; a spelling variant found
        page.goto(f"{url}/search")
        page.click("summary:has-text('Narrow the results')")
        page.select_option("#f-size", "10")
        page.fill("#q", "haddad")
        expect(page.locator("#results .pager [role=status]").first).to_contain_text("1–10 of")
        found = int(_status(page).split(" of ")[1])
        assert found >= 12
        page.locator("#results .pager button[rel=next]").first.click()
        expect(page.locator("#results .pager [role=status]").first).to_contain_text("11–")
        page.fill("#q", "Mohamad Alahmad")
        expect(page.locator("#results table")).to_contain_text("Mohammed")
        expect(page.locator("#results table")).to_contain_text("spelling variant")

        # the dedup queue and the audit log page
        page.goto(f"{url}/dedup")
        assert _status(page) == f"1–50 of {PAIRS}"
        page.locator(".pager a[rel=next]").first.click()
        expect(page.locator(".pager [role=status]").first).to_have_text(f"51–{PAIRS} of {PAIRS}")
        page.goto(f"{url}/audit")
        first = _status(page)
        assert first.startswith("1–200 of ")
        page.locator(".pager a[rel=next]").first.click()
        expect(page.locator(".pager [role=status]").first).to_contain_text("201–")
        assert page_width(page) <= width
        assert not errors, errors
