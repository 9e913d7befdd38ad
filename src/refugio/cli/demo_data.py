"""The demo operation: sites, users of each role and synthetic arrivals, built once per database.

Part of the CLI layer: it calls domain services exactly as any other client would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refugio.core import clock
from refugio.registration import figures, queries, service
from refugio.registration.rules import age_on
from refugio.registration.synthetic import generate_households
from refugio.security import service as sec
from refugio.security.permissions import ROLE_LABELS, Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

if TYPE_CHECKING:
    from refugio.main import Container
    from refugio.registration.schemas import RegistrySummary

OPERATION = ("JOR", "Jordan (refugio demo operation)", "JOR")
SITES = [
    ("ZAA", "Zaatari camp", "camp", "Mafraq", 32.2960, 36.3230),
    ("AZR", "Azraq camp", "camp", "Zarqa", 31.9070, 36.5780),
    ("AMM", "Amman urban registration centre", "urban_office", "Amman", 31.9539, 35.9106),
    ("IRB", "Irbid registration office", "urban_office", "Irbid", 32.5556, 35.8500),
    ("RMT", "Ramtha border reception", "reception_centre", "Irbid", 32.5592, 36.0069),
]
USERS = [
    ("admin", Role.ADMINISTRATOR, None),
    ("clerk", Role.REGISTRATION_CLERK, "ZAA"),
    ("protection", Role.PROTECTION_OFFICER, ""),
    ("supervisor", Role.PROTECTION_SUPERVISOR, ""),
    ("provider", Role.SERVICE_PROVIDER, ""),
    ("imo", Role.IM_OFFICER, ""),
    ("viewer", Role.VIEWER, "AMM"),
    ("programme", Role.PROGRAMME_OFFICER, ""),
    ("approver", Role.FINANCE_APPROVER, ""),
    ("finance", Role.FINANCE_RELEASER, ""),
    ("distribution", Role.DISTRIBUTION_CLERK, "ZAA"),
    ("rsd", Role.RSD_OFFICER, ""),
    ("rsd2", Role.RSD_OFFICER, ""),
    ("rsdsup", Role.RSD_SUPERVISOR, ""),
    ("resettlement", Role.RESETTLEMENT_OFFICER, ""),
    ("dpo", Role.DATA_PROTECTION_OFFICER, ""),
    ("partner", Role.PARTNER, ""),
]
LOGINS_FILE = "demo-logins.json"
BATCH = 500


def ensure_demo(
    container: Container, *, households: int, seed: int, echo: Callable[[str], Any]
) -> list[dict[str, str]]:
    """Create the demo operation, users and arrivals unless the database already has them."""
    logins_path = container.settings.data_dir / LOGINS_FILE
    with unit_of_work(container.sessions) as s:
        existing = queries.operation_by_code(s, code=OPERATION[0])
    if existing is not None:
        echo(f"Demo operation {OPERATION[0]} already present: reusing it (use --reset to rebuild).")
        if logins_path.exists():
            loaded: list[dict[str, str]] = json.loads(logins_path.read_text("utf-8"))
            return loaded
        return [
            {"username": u, "password": "(set when the demo was first built)", "role": r.value}
            for u, r, _ in USERS
        ]
    logins, site_ids = _build_operation(container)
    logins_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(logins_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(logins, fh, indent=2)
    _register_arrivals(container, households=households, seed=seed, site_ids=site_ids, echo=echo)
    _seed_domains(container, echo)
    return logins


def _seed_domains(container: Container, echo: Callable[[str], Any]) -> None:
    """Each domain's part of the demo, on top of the registry (each in its own unit of work)."""
    cases, services = seed_protection(container)
    echo(f"Protection: {services} services in the directory, {cases} cases opened for flagged children")
    requests, candidates = seed_tracing(container)
    echo(f"Tracing: {requests} requests lodged by separated children, {candidates} candidates to review")
    from refugio.sharing.demo import seed_demo as seed_sharing

    with unit_of_work(container.sessions) as s:
        op = queries.operation_by_code(s, code=OPERATION[0])
        assert op is not None
        pledges = seed_sharing(s, operation_id=op.id, actor=SYSTEM, echo=echo)
    echo(f"Sharing: {pledges} pledges with their updates")
    seed_tracking(container, operation_id=op.id, echo=echo)
    seed_assistance(container, operation_id=op.id, echo=echo)
    seed_solutions(container, echo)
    seed_returns(container, echo)
    from refugio.dataprotection.dpia_seed import seed_activities

    with unit_of_work(container.sessions) as s:
        dpo = sec.principal_for(s, sec.get_user(s, "dpo"))
        echo(f"Data protection: {seed_activities(s, actor=dpo)} processing activities in the register")


def seed_assistance(container: Container, *, operation_id: uuid.UUID, echo: Callable[[str], Any]) -> None:
    """A programme with a finished, reconciled cycle and an open one, and a few complaints, prepared,
    approved and released by three different demo users."""
    from refugio.assistance.demo import seed_demo

    with unit_of_work(container.sessions) as s:
        who = {u: sec.principal_for(s, sec.get_user(s, u)) for u in ("programme", "approver", "finance")}
        echo(
            seed_demo(
                s,
                operation_id=operation_id,
                actor=who["programme"],
                approver=who["approver"],
                releaser=who["finance"],
                key=container.keyring.payment_key(),
            )
        )


def _build_operation(container: Container) -> tuple[list[dict[str, str]], list[uuid.UUID]]:
    """The demo operation, its sites and one user per role: the logins (with passwords) and site ids."""
    logins: list[dict[str, str]] = []
    with unit_of_work(container.sessions) as s:
        op = service.create_operation(
            s, actor=SYSTEM, code=OPERATION[0], name=OPERATION[1], country_iso3=OPERATION[2]
        )
        sites = {}
        for code, name, kind, admin1, lat, lon in SITES:
            sites[code] = service.create_site(
                s,
                actor=SYSTEM,
                operation=op,
                code=code,
                name=name,
                kind=kind,
                admin1=admin1,
                latitude=lat,
                longitude=lon,
            )
        for username, role, site_code in USERS:
            password = "-".join(secrets.token_urlsafe(4) for _ in range(3))
            user = sec.create_user(
                s,
                actor=SYSTEM,
                username=username,
                full_name=f"Demo {ROLE_LABELS[role].lower()}",
                password=password,
            )
            sec.grant_role(
                s,
                actor=SYSTEM,
                user=user,
                role=role,
                operation_id=None if site_code is None else op.id,
                site_id=sites[site_code].id if site_code else None,
            )
            scope = (
                "everywhere" if site_code is None else (f"site {site_code}" if site_code else "all JOR sites")
            )
            logins.append(
                {"username": username, "password": password, "role": f"{ROLE_LABELS[role]}, {scope}"}
            )
        return logins, [site.id for site in sites.values()]


def _register_arrivals(
    container: Container, *, households: int, seed: int, site_ids: list[uuid.UUID], echo: Callable[[str], Any]
) -> None:
    """A year of synthetic arrivals at the sites, registered in batches (one unit of work each)."""
    end = clock.today()
    start = end - dt.timedelta(days=365)
    echo(f"Registering {households:,} synthetic households at {len(site_ids)} sites…")
    batch: list[Any] = []
    done = 0
    for item in generate_households(count=households, site_ids=site_ids, seed=seed, start=start, end=end):
        batch.append(item)
        if len(batch) == BATCH:
            done += _register(container, batch)
            batch = []
            echo(f"  {done:,} / {households:,}")
    if batch:
        done += _register(container, batch)
        echo(f"  {done:,} / {households:,}")


def shared_external() -> Path | None:
    """shared/data/external beside the checkout (REFUGIO_SHARED_DATA overrides), if it exists."""
    given = os.environ.get("REFUGIO_SHARED_DATA")
    if given:
        return Path(given)
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file():
            folder = parent.parent / "shared" / "data" / "external"
            return folder if folder.is_dir() else None
    return None


def seed_tracking(container: Container, *, operation_id: Any, echo: Callable[[str], Any]) -> None:
    """Displacement sites, flow points and counts, location assessments, the flow monitoring survey
    form published on the OpenRosa form list, and, when shared/data/external is there, the DTM, P-code
    and MMP files."""
    from refugio.intake.openrosa_forms import publish_domain_form
    from refugio.tracking import demo, service

    with unit_of_work(container.sessions) as s:
        country = next(o.country_iso3 for o in queries.operations(s, actor=SYSTEM) if o.id == operation_id)
        lines = demo.seed_demo(
            s, operation_id=operation_id, actor=SYSTEM, external=shared_external(), country=country
        )
        form = publish_domain_form(s, actor=SYSTEM, handler=service.SURVEY_HANDLER, operation_id=operation_id)
        lines.append(f"Tracking: flow monitoring survey form {form.form_id} on /openrosa/formList")
    for line in lines:
        echo(line)


SERVICES = [
    ("Jordan Health Aid Society", "national_ngo", "Zaatari clinic", "health", "ZAA"),
    ("Jordan Health Aid Society", "national_ngo", "Azraq clinic", "health", "AZR"),
    (
        "Family Protection Department",
        "government",
        "Child and family protection unit",
        "child_protection_authority",
        None,
    ),
    ("Legal Aid Jordan", "national_ngo", "Legal counselling", "legal", "AMM"),
    ("Women's Safe Space Network", "international_ngo", "Safe shelter", "safe_shelter", None),
    ("Women's Safe Space Network", "international_ngo", "Psychosocial support", "psychosocial", "ZAA"),
]
DEMO_CASES = 8


def _seed_directory(container: Container) -> list[uuid.UUID]:
    """The demo's service directory (SERVICES), the provider user a member of its first service."""
    from refugio.protection import service as protection
    from refugio.protection.schemas import OrganisationCreate, ServiceCreate

    with unit_of_work(container.sessions) as s:
        op = queries.operation_by_code(s, code=OPERATION[0])
        assert op is not None
        sites = {site.code: site.id for site in queries.sites(s, actor=SYSTEM) if site.operation_id == op.id}
        orgs: dict[str, Any] = {}
        services = []
        for org_name, kind, name, service_type, site in SERVICES:
            if org_name not in orgs:
                orgs[org_name] = protection.create_organisation(
                    s, actor=SYSTEM, data=OrganisationCreate(operation_id=op.id, name=org_name, kind=kind)
                )
            services.append(
                protection.add_service(
                    s,
                    actor=SYSTEM,
                    data=ServiceCreate(
                        organisation_id=orgs[org_name].id,
                        name=name,
                        service_type=service_type,
                        site_id=sites.get(site or ""),
                    ),
                )
            )
        provider = sec.get_user(s, "provider")
        protection.add_service_member(s, actor=SYSTEM, service_id=services[0].id, user_id=provider.id)
        return [row.id for row in services]


def seed_protection(container: Container) -> tuple[int, int]:
    """A service directory, and cases opened from the specific needs of unaccompanied or separated
    children, worked by the demo protection officer and supervised by the demo supervisor."""
    from refugio.protection import service as protection
    from refugio.protection.schemas import AssessmentCreate, CaseFromNeed, ReferralCreate, TaskCreate

    service_ids = _seed_directory(container)
    with unit_of_work(container.sessions) as s:
        officer = sec.principal_for(s, sec.get_user(s, "protection"))
        supervisor = sec.get_user(s, "supervisor")
        needs = queries.active_needs(s, codes=["SC-UC", "SC-SC"], limit=DEMO_CASES)
        today = clock.today()
        for n, need in enumerate(needs):
            case = protection.open_case_from_need(
                s,
                actor=officer,
                data=CaseFromNeed(need_id=need.id, supervisor_id=supervisor.id, risk_level="high"),
            )
            if n % 2 == 0:
                protection.record_assessment(
                    s,
                    actor=officer,
                    case_id=case.id,
                    data=AssessmentCreate(
                        assessed_on=today,
                        risk_level="high",
                        summary="Arrived without an adult caregiver; needs interim care and tracing.",
                        needs=["interim care", "tracing", "health check"],
                    ),
                )
            protection.add_task(
                s,
                actor=officer,
                case_id=case.id,
                data=TaskCreate(
                    title="Home visit to the interim caregiver", due_on=today + dt.timedelta(days=n)
                ),
            )
            if n == 0:
                protection.refer(
                    s,
                    actor=officer,
                    case_id=case.id,
                    data=ReferralCreate(
                        service_id=service_ids[0],
                        urgency="high",
                        reason="Health check on arrival.",
                        consent_given=True,  # the caregiver's, or the person's if now an adult
                    ),
                )
        return len(needs), len(service_ids)


DEMO_TRACING = 3


def seed_tracing(container: Container) -> tuple[int, int]:
    """Tracing requests lodged by separated children, each looking for a parent whom the demo registry
    holds at another site under a different spelling (the romanised family name written in capitals,
    the given name as a relative would say it, an approximate age): so that matching has something real
    to find. Each request is matched once; its candidates wait for review."""
    from refugio.protection.tracing import service as tracing
    from refugio.protection.tracing.schemas import ConsentIn, EnquirerIn, RequestCreate, SoughtPersonIn

    with unit_of_work(container.sessions) as s:
        officer = sec.principal_for(s, sec.get_user(s, "protection"))
        children = queries.people_with_need(s, code="SC-SC", limit=DEMO_TRACING)
        today = clock.today()
        lodged = candidates = 0
        for n, child in enumerate(children):
            found = queries.people_like(
                s,
                sex="F",
                born_after=today - dt.timedelta(days=365 * 50),
                born_before=today - dt.timedelta(days=365 * 25),
                country_of_origin=child.country_of_origin,
                not_at_site=child.site_id,
                offset=n * 7,
            )
            if not found:
                continue
            parent = found[0]
            age = age_on(parent.date_of_birth, today)
            request = tracing.open_request(
                s,
                actor=officer,
                data=RequestCreate(
                    site_id=child.site_id,
                    enquirer=EnquirerIn(individual_id=child.id),
                    consent=ConsentIn(given=True, given_by="the child, with the interim caregiver"),
                    sought=[
                        SoughtPersonIn(
                            given_name=parent.given_name,
                            family_name=parent.family_name.upper(),
                            sex="F",
                            age=age + (1 if n % 2 else -1),
                            relationship="parent",
                            country_of_origin=parent.country_of_origin,
                            place_last_seen="the border crossing",
                            separation_circumstances="Separated in the crowd at the crossing.",
                        )
                    ],
                    assigned_to="protection",
                ),
            )
            run = tracing.match_request(s, actor=officer, request_id=request.id)
            lodged += 1
            candidates += run.candidates
        return lodged, candidates


def _register(container: Container, batch: list[Any]) -> int:
    with unit_of_work(container.sessions) as s:
        service.register_households(s, actor=SYSTEM, items=batch)
    return len(batch)


def summary(container: Container) -> RegistrySummary:
    with unit_of_work(container.sessions) as s:
        return figures.registry_summary(s)


def seed_solutions(container: Container, echo: Callable[[str], Any]) -> None:
    """RSD claims at every stage and one matching run (refugio.solutions.demo), for registered families
    not already on a claim."""
    from refugio.solutions.demo import Family, Staff, seed_demo

    with unit_of_work(container.sessions) as s:
        op = queries.operation_by_code(s, code=OPERATION[0])
        assert op is not None
        by_household: dict[uuid.UUID, list[queries.MemberBrief]] = {}
        for m in queries.active_members(s, operation_id=op.id, limit=2000):
            by_household.setdefault(m.household_id, []).append(m)
        today = clock.today()
        families = []
        for household_id, members in list(by_household.items())[:60]:
            members.sort(key=lambda m: m.relationship != "focal_point")
            ages = [age_on(m.date_of_birth, today) for m in members]
            families.append(
                Family(
                    household_id,
                    [m.individual_id for m in members],
                    sum(a < 18 for a in ages),
                    sum(18 <= a < 60 for a in ages),
                    sum(a >= 60 for a in ages),
                )
            )
        users = {name: sec.get_user(s, name) for name in ("rsd", "rsd2", "rsdsup", "resettlement")}
        who = {name: sec.principal_for(s, user) for name, user in users.items()}
        staff = Staff(
            officer=who["rsd"],
            officer_id=users["rsd"].id,
            appeal_officer=who["rsd2"],
            appeal_officer_id=users["rsd2"].id,
            supervisor=who["rsdsup"],
            supervisor_id=users["rsdsup"].id,
            resettlement=who["resettlement"],
        )
        claims, run = seed_demo(s, operation_id=op.id, actor=SYSTEM, staff=staff, families=families)
    echo(
        f"Solutions: {claims} RSD claims at every stage; matching run {run or '(left out: too few families)'}"
    )


def seed_returns(container: Container, echo: Callable[[str], Any]) -> None:
    """Return intention surveys, a go-and-see visit and three returns (refugio.solutions.returns.demo),
    for registered households the other solutions demos left alone."""
    from refugio.intake.openrosa_forms import publish_domain_form
    from refugio.solutions.returns.demo import seed_returns as seed
    from refugio.solutions.returns.survey_form import HANDLER

    with unit_of_work(container.sessions) as s:
        op = queries.operation_by_code(s, code=OPERATION[0])
        assert op is not None
        households = list(
            dict.fromkeys(m.household_id for m in queries.active_members(s, operation_id=op.id, limit=2000))
        )
        who = sec.principal_for(s, sec.get_user(s, "resettlement"))
        surveys, returns = seed(
            s, operation_id=op.id, actor=who, households=households[60:260] or households[-12:]
        )
        form = publish_domain_form(s, actor=SYSTEM, handler=HANDLER, operation_id=op.id)
    echo(
        f"Returns: {surveys} return intention surveys, {returns} returns (one departed and monitored); "
        f"survey form {form.form_id} on /openrosa/formList"
    )
