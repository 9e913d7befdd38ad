"""Pydantic schemas of the dedup domain: the inputs (desk check, decisions, thresholds) and the read
models that refugio.dedup.queries returns (a pair side by side with its reasons, merges, models) and
the desk check's answer (returned by refugio.dedup.service.desk_check).

Pure data: must not import SQLAlchemy, the domain's models, or any web framework.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text100 = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class DeskDocument(_Strict):
    number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    doc_type: str | None = None
    issuing_country: str | None = None


class DeskPerson(_Strict):
    """The fields of a person being registered (those of MemberCreate; all optional, as typed so far)."""

    given_name: Text100 = None
    middle_name: Text100 = None
    family_name: Text100 = None
    given_name_original: Text100 = None
    middle_name_original: Text100 = None
    family_name_original: Text100 = None
    sex: Annotated[str | None, StringConstraints(max_length=1)] = None
    date_of_birth: Annotated[str | None, StringConstraints(max_length=10)] = None
    stated_age: Annotated[int | None, Field(ge=0, le=130)] = None
    estimated: bool = False
    country_of_origin: Annotated[str | None, StringConstraints(max_length=3)] = None
    phone: Annotated[str | None, StringConstraints(max_length=30)] = None
    documents: list[DeskDocument] = Field(default_factory=list, max_length=10)


class DeskCheck(_Strict):
    """A desk check: the person, the operation or site, and optionally the other members typed so far."""

    # the site (or, without one, the operation) is required: the schema says so
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["site_id"], "properties": {"site_id": {"type": "string"}}},
                {"required": ["operation_id"], "properties": {"operation_id": {"type": "string"}}},
            ]
        }
    )

    person: DeskPerson
    site_id: uuid.UUID | None = None
    operation_id: uuid.UUID | None = None
    household: list[DeskPerson] = Field(default_factory=list, max_length=60)
    limit: Annotated[int, Field(ge=1, le=50)] = 10


class DeskConfirmation(_Strict):
    """The desk's answer on the matches shown beside one person being saved: the reason to register them
    although a likely match was found, and the matches judged the same person / not the same."""

    reason: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000)] = None
    same_as: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    not_same: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class Decision(_Strict):
    reason: Reason
    survivor_id: uuid.UUID | None = None  # for "same person": the record that stays active


class Thresholds(_Strict):
    review_weight: Annotated[float, Field(ge=-30, le=60)]
    match_weight: Annotated[float, Field(ge=-30, le=60)]


# ---------------------------------------------------------------------------------------------------
# read models (returned by refugio.dedup.queries; the channels render them as they are)


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True)


class Contribution(_Read):
    """What one compared field added to a pair's match weight."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    comparison: str
    level: str
    weight: float


class DeskMatch(_Read):
    """A registered person who may be the one being registered, with the probability and the reasons."""

    individual_id: uuid.UUID
    ref: str
    given_name: str
    middle_name: str | None
    family_name: str
    sex: str
    date_of_birth: str
    site_code: str
    household_ref: str
    match_weight: float
    probability: float
    likely: bool
    contributions: list[Contribution]


class DeskResult(_Read):
    """The answer of a desk check: likely existing matches, strongest first."""

    matches: list[DeskMatch]
    candidates_scored: int
    index_lag: int = Field(
        description="Audit entries the index had not yet read (those people were scored too)."
    )
    model_version: int | None
    operation_id: uuid.UUID | None = None
    threshold: float = Field(
        default=1.0,
        description="The operation's match probability: a person with a match at or above it is saved only "
        "with a confirmation and a reason.",
    )

    @property
    def needs_confirmation(self) -> bool:
        return any(m.likely for m in self.matches)


class PersonCard(_Read):
    """One side of a pair, as a reviewer sees it."""

    id: uuid.UUID
    ref: str
    household_ref: str
    site_code: str
    given_name: str
    middle_name: str | None
    family_name: str
    original: str
    sex: str
    date_of_birth: str
    country_of_origin: str | None
    phone: str | None
    documents: list[str]
    status: str
    registered_on: str


class PairRead(_Read):
    """A candidate pair side by side, its match weight and the reasons (strongest first)."""

    id: uuid.UUID
    operation_id: uuid.UUID
    match_weight: float
    probability: float
    status: str
    contributions: list[Contribution]
    left: PersonCard
    right: PersonCard
    found_at: str
    decided_by: str | None
    decision_reason: str | None
    model_version: int
    merge_id: uuid.UUID | None


class MergeRead(_Read):
    """A merge: who stays active (survivor), who was merged into them, why, and whether it still holds."""

    id: uuid.UUID
    survivor_ref: str
    merged_ref: str
    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    reason: str
    previous_status: str
    merged_at: str
    merged_by: str
    active: bool
    unmerged_by: str | None
    unmerge_reason: str | None


class ModelRead(_Read):
    """A stored version of an operation's linkage model and its thresholds."""

    id: uuid.UUID
    operation_id: uuid.UUID
    version: int
    engine: str
    trained: bool
    records_seen: int
    review_weight: float
    match_weight: float
    active: bool
    notes: list[str]
    created_at: str
    created_by: str


class RunRead(_Read):
    """A run that looked for duplicates (a whole population, or a batch against it), and what it found."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: uuid.UUID
    scope: str
    records: int
    pairs_found: int
    pairs_new: int
    model_id: uuid.UUID


class ImportLinkage(_Read):
    """The background linkage of a committed import against the registry, and how far it has gone."""

    run_id: uuid.UUID
    state: str = Field(description="queued | running | done | failed")
    households: int
    done: int
    pairs_found: int
    pairs_new: int
    finished_at: str | None
