"""Screening of a batch of new records before they are registered: within the batch and against
everyone already registered in the operation, in one set-based pass.

    screen_records    the likely duplicates of each new record (another record of the batch, or a
                      registered person), with their probability; nothing is written but the index
    guard             refuse a whole batch when most of it looks registered already

Used by intake (wired by `refugio.main`): a validated import batch is screened, its possible
duplicates are shown as warnings on their rows (presumption of innocence: they are still registered),
and after the commit the flagged households go through `service.run_batch`, which puts the pairs in
the review queue with registered ids.

How: the batch's records are prepared with the same name preparation as the index (Latin candidates
of Arabic-script names, spelling skeletons, partial dates, household context); their blocking keys
(with name-order swaps) are looked up in the index in chunks, so the registered candidates come from
a few indexed queries whatever the size of the batch; the operation's active model (or the prior)
scores batch and candidates together, and only pairs touching the batch are kept.

Imports the dedup modules, registration models (for references), store and core; no web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import Conflict
from refugio.dedup import index, names, phones
from refugio.dedup.engine import Records, get_engine, probability
from refugio.dedup.models import DedupKey, DedupPerson
from refugio.dedup.service import active_model, linkage_model, model_thresholds
from refugio.registration.models import Individual

KEY_CHUNK = 500
GUARD_MIN_RECORDS = 20
GUARD_SHARE = 0.5  # at least half the batch registered already (at the match weight): refuse it


@dataclass(frozen=True)
class Candidate:
    """A likely duplicate of a new record."""

    other: str  # another record_id of the batch, or the registered person's reference
    registered: bool
    individual_id: uuid.UUID | None
    weight: float

    @property
    def probability(self) -> float:
        return probability(self.weight)


@dataclass
class Screening:
    records: int = 0
    registered_candidates: int = 0
    review_weight: float = 0.0
    match_weight: float = 0.0
    matches: dict[str, list[Candidate]] = field(default_factory=dict)

    def likely_registered(self) -> int:
        """New records matching a registered person at or above the match weight."""
        return sum(
            1
            for found in self.matches.values()
            if any(c.registered and c.weight >= self.match_weight for c in found)
        )


def _partial_date(row: Mapping[str, Any], today: dt.date) -> names.PartialDate | None:
    try:
        parsed = names.parse_partial_date(str(row.get("date_of_birth") or ""))
    except ValueError:
        parsed = None
    if parsed is not None:
        if row.get("dob_estimated") and parsed.precision == "exact":
            return names.PartialDate(parsed.year, None, None, "estimated")
        return parsed
    age = row.get("stated_age")
    try:
        years = int(str(age)) if age not in (None, "") else None
    except ValueError:
        years = None
    if years is None or not 0 <= years <= 130:
        return None
    return names.PartialDate(today.year - years, None, None, "estimated")


def _text(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    return str(value) if value not in (None, "") else None


def prepare_rows(
    rows: Iterable[Mapping[str, Any]], today: dt.date | None = None, *, session: Any = None
) -> Records:
    """Prepare new records (the `refugio dedup link` columns, plus optional `*_original` names,
    `household`, `stated_age`, `dob_estimated`) with household context among them; with `session`, their
    phones as match tokens under that database's key (`dedup.phones`), as the index holds them."""
    today = today or dt.date.today()
    prepared: list[dict[str, Any]] = []
    for row in rows:
        prepared.append(
            names.prepare(
                names.PersonInput(
                    record_id=str(row["record_id"]),
                    given_name=_text(row, "given_name"),
                    middle_name=_text(row, "middle_name"),
                    family_name=_text(row, "family_name"),
                    given_name_original=_text(row, "given_name_original"),
                    middle_name_original=_text(row, "middle_name_original"),
                    family_name_original=_text(row, "family_name_original"),
                    sex=_text(row, "sex"),
                    date_of_birth=_partial_date(row, today),
                    country_of_origin=_text(row, "country_of_origin"),
                    phone=_text(row, "phone"),
                    document_numbers=tuple(d for d in [_text(row, "document_number")] if d),
                    site=_text(row, "site"),
                    household=_text(row, "household"),
                )
            )
        )
    names.attach_households(prepared)
    if session is not None:
        phones.tokenise(session, prepared)
    return Records.from_rows(prepared)


def _registered_candidates(
    session: Session, operation_id: uuid.UUID, batch: Records, per_key: int = 50
) -> list[index.Indexed]:
    """Registered, active people of the operation sharing a blocking key with a record of the batch."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for i in range(len(batch)):
        for kind, value in index.probe_keys(batch.row(i)):
            wanted[kind].add(value)
    hits: dict[uuid.UUID, int] = defaultdict(int)
    for kind, values in wanted.items():
        ordered = sorted(values)
        for start in range(0, len(ordered), KEY_CHUNK):
            chunk = ordered[start : start + KEY_CHUNK]
            per_value: dict[str, int] = defaultdict(int)
            for iid, value in session.execute(
                select(DedupKey.individual_id, DedupKey.value).where(
                    DedupKey.operation_id == operation_id, DedupKey.kind == kind, DedupKey.value.in_(chunk)
                )
            ):
                # a very common key (a frequent name without a year) says little: cap what it brings
                if per_value[value] < per_key:
                    per_value[value] += 1
                    hits[iid] += 1
    out: list[index.Indexed] = []
    ids = sorted(hits)
    columns = index.INDEXED_COLUMNS
    for start in range(0, len(ids), KEY_CHUNK):
        # plain rows, not ORM objects: a batch of a million may bring as many registered people
        for p in session.execute(
            select(*columns).where(
                DedupPerson.individual_id.in_(ids[start : start + KEY_CHUNK]), DedupPerson.status == "active"
            )
        ):
            out.append(index.Indexed(*p))
    return out


def screen_records(
    session: Session,
    *,
    operation_id: uuid.UUID,
    rows: Iterable[Mapping[str, Any]],
    engine: str = "duckdb",
) -> Screening:
    """The likely duplicates (at or above the review weight) of each new record: other records of the
    batch and registered people of the operation. Brings the index up to date first."""
    batch = prepare_rows(rows, session=session)
    model_row = active_model(session, operation_id)
    review_weight, match_weight = model_thresholds(model_row)
    result = Screening(records=len(batch), review_weight=review_weight, match_weight=match_weight)
    if not len(batch):
        return result
    index.sync(session)
    registered = _registered_candidates(session, operation_id, batch)
    result.registered_candidates = len(registered)
    batch_ids = set(batch.ids())
    combined = Records()
    combined.extend(batch)
    by_key: dict[str, index.Indexed] = {}
    for person in registered:
        key = f"registered:{person.individual_id}"
        row = dict(person.prepared)
        row["unique_id"] = key
        combined.append(row)
        by_key[key] = person
    if len(combined) < 2:
        return result
    pairs = get_engine(engine).predict(
        combined, model=linkage_model(model_row), threshold_weight=review_weight, restrict_to=batch_ids
    )
    refs: dict[uuid.UUID, str] = {}
    people = sorted({by_key[k].individual_id for p in pairs for k in (p.left_id, p.right_id) if k in by_key})
    for start in range(0, len(people), KEY_CHUNK):
        for iid, ref in session.execute(
            select(Individual.id, Individual.ref).where(Individual.id.in_(people[start : start + KEY_CHUNK]))
        ):
            refs[iid] = ref
    for pair in pairs:
        for mine, other in ((pair.left_id, pair.right_id), (pair.right_id, pair.left_id)):
            if mine not in batch_ids:
                continue
            if other in by_key:
                iid = by_key[other].individual_id
                candidate = Candidate(refs.get(iid, str(iid)), True, iid, pair.match_weight)
            else:
                candidate = Candidate(other, False, None, pair.match_weight)
            result.matches.setdefault(mine, []).append(candidate)
    for found in result.matches.values():
        found.sort(key=lambda c: -c.weight)
    return result


def guard(result: Screening) -> None:
    """Refuse a batch of which at least half looks registered already (a file imported twice from
    another source, or a re-registration exercise that should update records instead)."""
    if result.records < GUARD_MIN_RECORDS:
        return
    registered = result.likely_registered()
    if registered >= GUARD_SHARE * result.records:
        raise Conflict(
            f"{registered} of the {result.records} new people of this import look already registered "
            f"(match weight {result.match_weight:g} or more): check the file and the mapping; "
            "update registered people instead of registering them again"
        )
