"""Pydantic schemas of the registration domain: XCreate / XUpdate / XRead.

Shapes and types only; the domain checks (codes, dates against today, uniqueness, household
composition) are in validation.py so that every wrong field is reported at once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from refugio.registration.enums import (
    ConsentPurpose,
    DocumentType,
    EventType,
    IndividualStatus,
    LegalStatus,
    MaritalStatus,
    PopulationType,
    RegistrationLevel,
    Relationship,
    Sex,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
OptName = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=100)]
# three letters (an ISO 3166-1 alpha-3 country), in either case, spaces around allowed: the schema says
# so (its pattern), so " · " (three characters, one letter once stripped) is refused by the schema too
Code3 = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, min_length=3, max_length=3, pattern=r"^\s*[A-Za-z]{3}\s*$"
    ),
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DocumentCreate(Strict):
    doc_type: DocumentType
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    issuing_country: Code3
    issue_date: dt.date | None = None
    expiry_date: dt.date | None = None


class NeedFlag(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=8)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class PersonFields(Strict):
    """Fields a person has whether registered with a household or born into one."""

    given_name: Name = ""
    middle_name: OptName = None
    family_name: Name = ""
    given_name_original: OptName = None
    middle_name_original: OptName = None
    family_name_original: OptName = None
    original_script: Annotated[str | None, StringConstraints(max_length=4)] = None
    other_names: Annotated[str | None, StringConstraints(max_length=300)] = None
    sex: Sex
    # partial ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD; or give `stated_age` instead
    date_of_birth: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=10)] = None
    stated_age: Annotated[int | None, Field(ge=0, le=130)] = None
    estimated: bool = False
    nationality: Code3 | None = None
    country_of_origin: Code3 | None = None
    languages: list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=3)]] = Field(
        default_factory=list, max_length=10
    )
    population_type: PopulationType | None = None
    legal_status: LegalStatus | None = None
    marital_status: MaritalStatus | None = None
    phone: Phone | None = None
    documents: list[DocumentCreate] = Field(default_factory=list, max_length=10)
    needs: list[NeedFlag] = Field(default_factory=list, max_length=20)

    @field_validator("date_of_birth", mode="before")
    @classmethod
    def _dob_text(cls, v: object) -> object:
        if isinstance(v, dt.date):
            return v.isoformat()
        return v or None


class MemberCreate(PersonFields):
    relationship: Relationship


class HouseholdCreate(Strict):
    site_id: uuid.UUID
    registration_level: RegistrationLevel = RegistrationLevel.BASIC
    registration_date: dt.date | None = None
    arrival_date: dt.date | None = None
    country_of_origin: Code3 | None = None
    place_of_origin: Annotated[str | None, StringConstraints(max_length=200)] = None
    address: Annotated[str | None, StringConstraints(max_length=300)] = None
    shelter: Annotated[str | None, StringConstraints(max_length=60)] = None
    phone: Phone | None = None
    population_type: PopulationType = PopulationType.REFUGEE
    consent_given: bool
    consent_purposes: list[ConsentPurpose] = Field(default_factory=lambda: [ConsentPurpose.REGISTRATION])
    legal_basis: Annotated[str | None, StringConstraints(max_length=40)] = "consent"
    members: list[MemberCreate] = Field(min_length=1, max_length=60)


class BirthCreate(PersonFields):
    """A child born into a household (birth registration, CRRF 5(f))."""

    relationship: Relationship = Relationship.SON_DAUGHTER
    place_of_birth: Annotated[str | None, StringConstraints(max_length=200)] = None
    birth_registered_with_authorities: bool = False
    civil_registration_number: Annotated[str | None, StringConstraints(max_length=60)] = None


class IndividualUpdate(Strict):
    """Corrections to a person's details; every change is kept in the history with the reason."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    given_name: OptName = None
    middle_name: OptName = None
    family_name: OptName = None
    given_name_original: OptName = None
    middle_name_original: OptName = None
    family_name_original: OptName = None
    original_script: Annotated[str | None, StringConstraints(max_length=4)] = None
    other_names: Annotated[str | None, StringConstraints(max_length=300)] = None
    sex: Sex | None = None
    date_of_birth: Annotated[str | None, StringConstraints(max_length=10)] = None
    nationality: Code3 | None = None
    country_of_origin: Code3 | None = None
    languages: list[str] | None = None
    phone: Phone | None = None
    marital_status: MaritalStatus | None = None


class DeathRecord(Strict):
    date_of_death: dt.date
    note: Annotated[str | None, StringConstraints(max_length=2000)] = None


class MarriageRecord(Strict):
    date_of_marriage: dt.date
    spouse_id: uuid.UUID | None = None  # a registered spouse, if any
    spouse_name: Annotated[str | None, StringConstraints(max_length=200)] = None
    note: Annotated[str | None, StringConstraints(max_length=2000)] = None


class AddressChange(Strict):
    address: Annotated[str | None, StringConstraints(max_length=300)] = None
    shelter: Annotated[str | None, StringConstraints(max_length=60)] = None
    phone: Phone | None = None
    site_id: uuid.UUID | None = None
    effective_date: dt.date | None = None


class StatusChange(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    status: IndividualStatus | None = None
    legal_status: LegalStatus | None = None
    population_type: PopulationType | None = None
    effective_date: dt.date | None = None


class HouseholdMove(Strict):
    """Move a person to another household, or into a new one of which they become focal point."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    to_household_id: uuid.UUID | None = None
    relationship: Relationship = Relationship.OTHER_RELATIVE
    effective_date: dt.date | None = None


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    doc_type: str
    number: str
    issuing_country: str
    issue_date: dt.date | None
    expiry_date: dt.date | None


class NeedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    category: str
    label: str = ""
    source: str
    rule_id: str | None
    ruleset_version: str | None
    reason: str
    active: bool
    flagged_at: dt.datetime
    flagged_by: str
    removed_at: dt.datetime | None
    removal_reason: str | None


class IndividualSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    ref: str
    household_id: uuid.UUID
    given_name: str
    middle_name: str | None
    family_name: str
    given_name_original: str | None
    family_name_original: str | None
    sex: str
    date_of_birth: dt.date
    dob_precision: str
    country_of_origin: str | None
    status: str
    site_id: uuid.UUID


class IndividualRead(IndividualSummary):
    household_ref: str = ""
    relationship_to_focal_point: str
    middle_name_original: str | None
    original_script: str | None
    other_names: str | None
    nationality: str | None
    languages: list[str]
    population_type: str
    legal_status: str | None
    marital_status: str | None
    arrival_date: dt.date | None
    phone: str | None
    date_of_death: dt.date | None
    consent_given: bool
    consent_purposes: list[str]
    consent_date: dt.date | None
    legal_basis: str | None
    documents: list[DocumentRead] = Field(default_factory=list)
    needs: list[NeedRead] = Field(default_factory=list)
    version: int


class HouseholdRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    focal_point_id: uuid.UUID | None
    registration_level: str
    registration_date: dt.date
    arrival_date: dt.date | None
    country_of_origin: str | None
    place_of_origin: str | None
    address: str | None
    shelter: str | None
    phone: str | None
    size: int
    status: str
    version: int
    members: list[IndividualSummary] = Field(default_factory=list)
    member_needs: dict[uuid.UUID, list[NeedRead]] = Field(
        default_factory=dict, description="Active specific needs the caller may see, by member id."
    )


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    event_type: EventType
    household_id: uuid.UUID | None
    individual_id: uuid.UUID | None
    occurred_on: dt.date
    recorded_at: dt.datetime
    recorded_by: str
    summary: str
    details: dict[str, object]


class HouseholdItem(BaseModel):
    """A household in a list (no address or phone: open the household for those)."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    focal_point_id: uuid.UUID | None
    registration_date: dt.date
    arrival_date: dt.date | None = None
    country_of_origin: str | None
    size: int
    status: str
    version: int


class HouseholdPage(BaseModel):
    items: list[HouseholdItem]
    total: int
    offset: int
    limit: int


class SearchHitRead(BaseModel):
    id: uuid.UUID
    ref: str
    household_id: uuid.UUID
    household_ref: str
    site_id: uuid.UUID
    given_name: str
    middle_name: str | None
    family_name: str
    given_name_original: str | None
    middle_name_original: str | None
    family_name_original: str | None
    sex: str
    date_of_birth: dt.date
    dob_precision: str
    status: str
    matched_by: str = Field(
        description="name | variant (a spelling variant: dedup name keys) | id | document | phone"
    )


class SearchPageRead(BaseModel):
    """A page of search hits, how many people were found in all, and whether that count is capped (the
    search counts at most a fixed number of name matches: then there are more than `total`)."""

    hits: list[SearchHitRead]
    total: int
    capped: bool
    offset: int = 0
    limit: int = 50


class OperationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name: str
    country_iso3: str


class SiteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    operation_id: uuid.UUID
    code: str
    name: str
    kind: str
    admin1: str | None
    pcode: str | None
    latitude: float | None
    longitude: float | None


class NeedCodeRead(BaseModel):
    code: str
    category: str
    category_label: str
    label: str
    sensitive: bool = Field(description="Seen and flagged only with the NEEDS_SENSITIVE_* permissions.")


class RegistrySummary(BaseModel):
    """Counts over the whole registry, for the demo's banner (no scope: an installation-wide figure)."""

    operation: str = Field(description="'CODE name' of the first operation by code, or '-'.")
    sites: int
    households: int
    individuals: int
    needs: int = Field(description="People with at least one active specific need.")
    origins: list[tuple[str, int]] = Field(description="The six commonest countries of origin, with counts.")


# ---------------------------------------------------------------------------------------------
# browsing: filters and pages of the households and people lists, and the search filters

HOUSEHOLD_STATUSES = ("active", "closed")
HOUSEHOLD_SORTS = ("newest", "oldest", "ref", "size", "arrival")
PEOPLE_SORTS = ("name", "ref", "youngest", "eldest", "arrival")


class BrowseFilters(BaseModel):
    """What a list or a search is narrowed to; every field optional. `need` is a specific-needs code
    (`SC-UC`) or category (`SC`); ages are in whole years; arrival dates are inclusive."""

    site_id: uuid.UUID | None = None
    arrived_from: dt.date | None = None
    arrived_to: dt.date | None = None
    population_type: PopulationType | None = None
    need: str | None = None
    status: str | None = None
    sex: Sex | None = None
    age_min: int | None = None
    age_max: int | None = None


class PersonItem(BaseModel):
    """A person in a list (no documents, phone or needs: open the person for those)."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    ref: str
    household_id: uuid.UUID
    household_ref: str
    site_id: uuid.UUID
    given_name: str
    middle_name: str | None
    family_name: str
    given_name_original: str | None
    middle_name_original: str | None
    family_name_original: str | None
    sex: str
    date_of_birth: dt.date
    dob_precision: str
    population_type: str
    arrival_date: dt.date | None
    status: str


class PersonPage(BaseModel):
    items: list[PersonItem]
    total: int
    offset: int
    limit: int


# ---------------------------------------------------------------------------------------------
# the person's and the household's pages (the web renders these; what the actor may see only)


class NeedShown(BaseModel):
    """A specific need as a record page shows it: the flag, its label, whether the code is sensitive."""

    need: NeedRead
    label: str
    sensitive: bool


class CertificateListed(BaseModel):
    """A certificate issued to a person (its state: valid, expired or revoked)."""

    model_config = ConfigDict(from_attributes=True)
    serial: str
    issued_at: dt.datetime
    issued_by: str
    valid_until: dt.date
    revoked_at: dt.datetime | None
    revoked_by: str | None
    revocation_reason: str | None


class PersonDetail(IndividualRead):
    """A person with where they are registered (what permissions are checked against)."""

    operation_id: uuid.UUID
    site_id: uuid.UUID


class PersonRecordRead(BaseModel):
    """A person's page: the person, household, site, the documents and needs the actor may see (and how
    many needs are hidden), the history and the certificates."""

    person: PersonDetail
    household: HouseholdItem
    site: SiteRead
    documents: list[DocumentRead]
    needs: list[NeedShown]
    hidden_needs: int
    events: list[EventRead]
    certificates: list[CertificateListed]


class HouseholdRecordRead(BaseModel):
    """A household's page: the household, its site, every member (departed and deceased included), its
    history and each member's active needs the actor may see."""

    household: HouseholdRead
    site: SiteRead
    members: list[PersonDetail]
    events: list[EventRead]
    needs_by_member: dict[uuid.UUID, list[NeedShown]] = Field(default_factory=dict)


class ConsentChange(BaseModel):
    """Give or withdraw consent for one purpose (a person's or a whole household's)."""

    purpose: ConsentPurpose
    given: bool
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class PurposeConsent(BaseModel):
    """Where a person stands for one purpose: given (recorded), withdrawn (when, by whom) or not recorded."""

    purpose: str
    state: str  # given | withdrawn | not_recorded
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None


class ConsentRead(BaseModel):
    """A person's consent, purpose by purpose, with the legal basis and every recorded change."""

    individual_id: uuid.UUID
    ref: str
    household_id: uuid.UUID
    operation_id: uuid.UUID
    site_id: uuid.UUID
    legal_basis: str | None
    consent_date: dt.date | None
    purposes: list[PurposeConsent]
    history: list[EventRead]
