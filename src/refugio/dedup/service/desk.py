"""The desk check: one person being registered against everyone registered in the operation, best
first, with probabilities. Nothing is written but, when the index is behind, the index itself.

Imports the dedup index, names, engine and policy, the training module of this package, registration
models and queries (scope), security and core; never a web framework nor a channel.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import FieldError, UnknownReference, ValidationFailed
from refugio.dedup import index, names, phones, policy
from refugio.dedup.engine import Records, ScoredPair, get_engine, probability
from refugio.dedup.schemas import (
    Contribution,
    DeskCheck,
    DeskConfirmation,
    DeskMatch,
    DeskPerson,
    DeskResult,
)
from refugio.dedup.service.training import (
    _operation,
    _records,
    active_model,
    linkage_model,
    model_thresholds,
)
from refugio.registration.models import Household, Individual, Site
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

DESK_SYNC_LAG = 500
DESK_MIN_WEIGHT = -5.6  # below this (p < 2 %) a candidate is not worth showing at the desk
DESK_FAR_YEARS = 10  # born this many years apart or more: ranked after every candidate with a compatible date
# Candidates scored per desk check: the people sharing the most specific keys (`index.KEY_RANK`). On the
# benchmark's million people 200 find the person as often as 600 did and cost a third of the time.
DESK_CANDIDATES = 200


def _desk_input(
    person: DeskPerson, record_id: str, household: str | None, site: str | None
) -> dict[str, Any]:
    dob: names.PartialDate | None = None
    if person.date_of_birth:
        try:
            dob = names.parse_partial_date(person.date_of_birth)
        except ValueError as exc:
            raise ValidationFailed.single("person.date_of_birth", str(exc), "bad_date") from None
        if dob and person.estimated:
            dob = names.PartialDate(dob.year, None, None, "estimated")
    elif person.stated_age is not None:
        dob = names.PartialDate(clock.today().year - person.stated_age, None, None, "estimated")
    return names.prepare(
        names.PersonInput(
            record_id=record_id,
            given_name=person.given_name,
            middle_name=person.middle_name,
            family_name=person.family_name,
            given_name_original=person.given_name_original,
            middle_name_original=person.middle_name_original,
            family_name_original=person.family_name_original,
            sex=person.sex,
            date_of_birth=dob,
            country_of_origin=person.country_of_origin,
            phone=person.phone,
            document_numbers=tuple(d.number for d in person.documents if d.number),
            site=site,
            household=household,
        )
    )


def _desk_operation(session: Session, actor: Principal, query: DeskCheck) -> tuple[uuid.UUID, Site | None]:
    """The operation (and site, when given) of the registration, checked; the actor may check there."""
    site: Site | None = None
    if query.site_id is not None:
        site = session.get(Site, query.site_id)
        if site is None:
            raise UnknownReference.single("site_id", "unknown site", "unknown_site")
    operation_id = site.operation_id if site else query.operation_id
    if operation_id is None:
        raise ValidationFailed.single(
            "site_id", "give the site (or the operation) of the registration", "required"
        )
    _operation(session, operation_id)
    policy.require_desk_check(actor, operation_id, site.id if site else None)
    return operation_id, site


def _desk_probe(session: Session, query: DeskCheck, site: Site | None) -> dict[str, Any]:
    """The person being registered, prepared like an indexed record (with their household's context and
    the phone's match token)."""
    p = query.person
    if not any(
        [p.given_name, p.family_name, p.given_name_original, p.family_name_original, p.documents, p.phone]
    ):
        raise ValidationFailed.single(
            "person.given_name", "type a name, a document number or a phone first", "required"
        )
    household_key = "desk-household" if query.household else None
    site_key = str(site.id) if site else None
    probe = _desk_input(p, "desk-probe", household_key, site_key)
    if query.household:
        others = [
            _desk_input(m, f"desk-member-{i}", household_key, site_key) for i, m in enumerate(query.household)
        ]
        names.attach_households([probe, *others])
    phones.tokenise(session, [probe])
    return probe


def _desk_candidates(
    session: Session, operation_id: uuid.UUID, probe: dict[str, Any]
) -> tuple[dict[uuid.UUID, index.Indexed], int]:
    """The registered people sharing the probe's most specific keys, and the index lag (people not yet
    indexed, looked at one by one). Brings the index up to date first when it is far behind."""
    lag = index.lag(session)
    if not index.is_built(session) or lag > DESK_SYNC_LAG:
        index.sync(session)  # the index writes itself; nothing about the person is written
        lag = 0
    probe_keys = index.probe_keys(probe)
    found = {
        c.individual_id: c
        for c in index.candidates(session, operation_id=operation_id, keys=probe_keys, limit=DESK_CANDIDATES)
    }
    for c in index.pending(session) if lag else []:
        if c.operation_id == operation_id and c.status == "active" and index.keys_of(c.prepared) & probe_keys:
            found[c.individual_id] = c
    return found, lag


def _far_apart(year: Any, prepared: dict[str, Any]) -> bool:
    """Both years of birth known and decades apart: never ranked above a compatible date."""
    other = prepared.get("dob_year")
    return year is not None and other is not None and abs(int(year) - int(other)) >= DESK_FAR_YEARS


def _desk_match(scored: ScoredPair, person: tuple[Individual, str, str], match_weight: float) -> DeskMatch:
    """One scored candidate as the desk shows it."""
    ind, site_code, hh_ref = person
    return DeskMatch(
        individual_id=ind.id,
        ref=ind.ref,
        given_name=ind.given_name,
        family_name=ind.family_name,
        middle_name=ind.middle_name,
        sex=ind.sex,
        date_of_birth=names.PartialDate.from_stored(ind.date_of_birth, ind.dob_precision).iso,
        site_code=site_code,
        household_ref=hh_ref,
        match_weight=round(scored.match_weight, 2),
        probability=round(scored.probability, 4),
        likely=scored.match_weight >= match_weight,
        contributions=[
            Contribution(comparison=c.comparison, level=c.level, weight=c.weight)
            for c in scored.contributions
        ],
    )


def desk_check(session: Session, *, actor: Principal, query: DeskCheck, engine: str = "duckdb") -> DeskResult:
    """Likely existing registrations of one person being registered, best first, with probabilities."""
    operation_id, site = _desk_operation(session, actor, query)
    probe = _desk_probe(session, query, site)
    found, lag = _desk_candidates(session, operation_id, probe)
    row = active_model(session, operation_id)
    _review, match = model_thresholds(row)
    scored: list[ScoredPair] = []
    if found:
        scored = get_engine(engine).score(
            Records.from_rows([probe]), _records(list(found.values())), model=linkage_model(row)
        )
    floor = min(DESK_MIN_WEIGHT, _review)
    year = probe.get("dob_year")
    scored = sorted(
        (s for s in scored if s.match_weight >= floor),
        key=lambda s: (_far_apart(year, found[uuid.UUID(s.right_id)].prepared), -s.match_weight),
    )[: query.limit * 3]
    visible = _visible_people(session, actor, [uuid.UUID(s.right_id) for s in scored])
    matches: list[DeskMatch] = []
    for s in scored:
        person = visible.get(uuid.UUID(s.right_id))
        if person is None:
            continue
        matches.append(_desk_match(s, person, match))
        if len(matches) >= query.limit:
            break
    return DeskResult(
        matches=matches,
        candidates_scored=len(found),
        index_lag=lag,
        model_version=row.version if row else None,
        operation_id=operation_id,
        threshold=round(probability(match), 4),
    )


def check_members(
    session: Session,
    *,
    actor: Principal,
    site_id: uuid.UUID,
    members: Sequence[DeskPerson],
    limit: int = 5,
) -> dict[int, DeskResult]:
    """The desk check of every member of a household being registered (the others as its household);
    members with nothing to check by (no name, document or phone) are left out."""
    out: dict[int, DeskResult] = {}
    for i, person in enumerate(members):
        if not any(
            [
                person.given_name,
                person.family_name,
                person.given_name_original,
                person.family_name_original,
                person.documents,
                person.phone,
            ]
        ):
            continue
        others = [m for j, m in enumerate(members) if j != i]
        query = DeskCheck(person=person, site_id=site_id, household=others, limit=limit)
        try:
            out[i] = desk_check(session, actor=actor, query=query)
        except ValidationFailed as exc:  # a date of birth that cannot be read: that member is not checked
            if any(e.field != "person.date_of_birth" for e in exc.errors):
                raise
    return out


def confirmation_errors(
    results: Mapping[int, DeskResult],
    confirmations: Mapping[int, DeskConfirmation],
    *,
    prefix: str = "members",
) -> list[FieldError]:
    """Members with a likely match saved without a reason: one error each, beside that member."""
    errors = []
    for i, result in sorted(results.items()):
        conf = confirmations.get(i)
        if not result.needs_confirmation:
            continue
        if conf is None or len((conf.reason or "").strip()) < 3:
            best = next(m for m in result.matches if m.likely)
            errors.append(
                FieldError(
                    f"{prefix}.{i}.duplicate_check.reason",
                    f"possibly already registered as {best.ref} (probability {best.probability:.0%}): "
                    "confirm that this is another person and give the reason",
                    "duplicate_unconfirmed",
                )
            )
    return errors


def _visible_people(
    session: Session, actor: Principal, individual_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Individual, str, str]]:
    from refugio.registration.queries import scope_clause

    if not individual_ids:
        return {}
    rows = session.execute(
        select(Individual, Site.code, Household.ref)
        .join(Site, Site.id == Individual.site_id)
        .join(Household, Household.id == Individual.household_id)
        .where(
            Individual.id.in_(list(individual_ids)),
            scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id),
        )
    ).all()
    return {ind.id: (ind, code, ref) for ind, code, ref in rows}
