"""Registration ORM models (SQLAlchemy 2, typed). No behaviour here: see service.py and queries.py."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.encrypted import EncryptedText
from refugio.store.types import PortableJSON


class Operation(UUIDPk, Timestamped, Base):
    """A country or area operation: the outermost scope of data and permissions."""

    __tablename__ = "operation"

    code: Mapped[str] = mapped_column(String(3), unique=True)  # prefix of human-readable IDs
    name: Mapped[str] = mapped_column(String(200))
    country_iso3: Mapped[str] = mapped_column(String(3))

    sites: Mapped[list[Site]] = relationship(back_populates="operation", order_by="Site.code")


class Site(UUIDPk, Timestamped, Base):
    """A reception centre, camp, office or border point where people are registered."""

    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("operation_id", "code"),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    admin1: Mapped[str | None] = mapped_column(String(100))
    pcode: Mapped[str | None] = mapped_column(String(30))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    operation: Mapped[Operation] = relationship(back_populates="sites")


class Sequence(Base):
    """Named counters for human-readable references (one row per operation and year)."""

    __tablename__ = "ref_sequence"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Household(UUIDPk, Timestamped, Base):
    """A registration group: people registered together, with one focal point."""

    __tablename__ = "household"
    # the households list's default order (newest registration first), read a page at a time
    __table_args__ = (Index("ix_household_registration_date_ref", "registration_date", "ref"),)

    ref: Mapped[str] = mapped_column(String(24), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"), index=True)
    # deferred so a household and its members can be inserted in one go, in either order
    focal_point_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(
            "individual.id",
            use_alter=True,
            name="fk_household_focal_point_id_individual",
            deferrable=True,
            initially="DEFERRED",
        ),
        index=True,  # SQLite looks up referencing households for every individual inserted
    )
    registration_level: Mapped[str] = mapped_column(String(20))
    registration_date: Mapped[dt.date] = mapped_column(Date)
    registration_method: Mapped[str] = mapped_column(String(20), default="in_person")
    arrival_date: Mapped[dt.date | None] = mapped_column(Date)
    country_of_origin: Mapped[str | None] = mapped_column(String(3))
    place_of_origin: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    shelter: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(EncryptedText("household", "phone"))
    size: Mapped[int] = mapped_column(Integer, default=0)  # active members, kept in step by the service
    status: Mapped[str] = mapped_column(String(20), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)

    members: Mapped[list[Individual]] = relationship(
        back_populates="household", foreign_keys="Individual.household_id", order_by="Individual.ref"
    )
    site: Mapped[Site] = relationship()


class Individual(UUIDPk, Timestamped, Base):
    """A registered person. Names are kept in the original script and in Latin transliteration."""

    __tablename__ = "individual"
    __table_args__ = (
        Index("ix_individual_site_status", "site_id", "status"),
        # the people list's default order (by name), read a page at a time
        Index("ix_individual_family_norm_given_norm_ref", "family_norm", "given_norm", "ref"),
    )

    ref: Mapped[str] = mapped_column(String(28), unique=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    relationship_to_focal_point: Mapped[str] = mapped_column(String(20))

    given_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name_original: Mapped[str | None] = mapped_column(String(100))
    middle_name_original: Mapped[str | None] = mapped_column(String(100))
    family_name_original: Mapped[str | None] = mapped_column(String(100))
    original_script: Mapped[str | None] = mapped_column(String(4))  # ISO 15924, e.g. Arab, Cyrl
    other_names: Mapped[str | None] = mapped_column(String(300))
    # normalised for search (lower case, no diacritics, script-folded); kept in step by the service
    given_norm: Mapped[str] = mapped_column(String(100))
    family_norm: Mapped[str] = mapped_column(String(100))

    sex: Mapped[str] = mapped_column(String(1))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    dob_precision: Mapped[str] = mapped_column(String(10))
    nationality: Mapped[str | None] = mapped_column(String(3))
    country_of_origin: Mapped[str | None] = mapped_column(String(3))
    languages: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    population_type: Mapped[str] = mapped_column(String(20))
    legal_status: Mapped[str | None] = mapped_column(String(20))
    marital_status: Mapped[str | None] = mapped_column(String(12))
    arrival_date: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(EncryptedText("individual", "phone", blind_index="phone_index"))
    phone_index: Mapped[str | None] = mapped_column(String(32), index=True)  # HMAC, for the phone search
    status: Mapped[str] = mapped_column(String(12), default="active")
    date_of_death: Mapped[dt.date | None] = mapped_column(Date)

    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_purposes: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    consent_date: Mapped[dt.date | None] = mapped_column(Date)
    legal_basis: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)

    household: Mapped[Household] = relationship(back_populates="members", foreign_keys=[household_id])
    documents: Mapped[list[IdentityDocument]] = relationship(back_populates="individual")
    needs: Mapped[list[SpecificNeed]] = relationship(back_populates="individual")


# the people first registered with a household (their reference begins with the household's), for the
# statistics snapshot's trigger on household changes (migration 0015)
Index("ix_individual_household_ref", func.substr(Individual.ref, 1, func.length(Individual.ref) - 3))


class NameSearch(Base):
    """Search index: one row per person, a document of the normalised name tokens (Latin and original
    script, with and without the article) and of the person's operation, site and status, which search
    filters on, and the person's sort key. Written by the service (see refugio.registration.name_index).

    The full-text index over `names` is the database's own: a GIN index on PostgreSQL (declared here,
    created on PostgreSQL only; without the pending list of fast updates, which every search would
    scan) and, on SQLite, the FTS5 table `name_fts` with its triggers, which
    migration 0007 creates and SQLAlchemy cannot describe (so the schema check leaves it out).
    """

    __tablename__ = "name_search"
    __table_args__ = (
        Index(
            "ix_name_search_names",
            "names",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
            info={"dialects": ("postgresql",)},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the FTS5 rowid on SQLite
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individual.id", ondelete="CASCADE"), unique=True
    )
    names: Mapped[str] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    # the result order, copied from individual: the candidates are sorted without reading the people
    family_norm: Mapped[str] = mapped_column(String(100))
    given_norm: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(28))


class IdentityDocument(UUIDPk, Timestamped, Base):
    """A document a person holds. A number may be held by one person only (per type and country)."""

    __tablename__ = "identity_document"
    __table_args__ = (UniqueConstraint("doc_type", "issuing_country", "number_norm"),)

    individual_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(60))
    number_norm: Mapped[str] = mapped_column(String(60), index=True)
    issuing_country: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[dt.date | None] = mapped_column(Date)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)

    individual: Mapped[Individual] = relationship(back_populates="documents")


class SpecificNeed(UUIDPk, Base):
    """A specific-needs flag (UNHCR code), from a rule or set by hand with a reason; never deleted."""

    __tablename__ = "specific_need"
    __table_args__ = (
        Index("ix_specific_need_individual_id_active", "individual_id", "active"),
        # the lists' filter by need code or category: the people who have it, without a scan
        Index("ix_specific_need_code_active_individual_id", "code", "active", "individual_id"),
        Index("ix_specific_need_category_active_individual_id", "category", "active", "individual_id"),
    )

    individual_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"))
    code: Mapped[str] = mapped_column(String(8))  # e.g. SC-UC
    category: Mapped[str] = mapped_column(String(4))  # e.g. SC
    source: Mapped[str] = mapped_column(String(10))  # rule | manual
    rule_id: Mapped[str | None] = mapped_column(String(40))
    ruleset_version: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    flagged_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    flagged_by: Mapped[str] = mapped_column(String(80))
    removed_at: Mapped[dt.datetime | None]
    removed_by: Mapped[str | None] = mapped_column(String(80))
    removal_reason: Mapped[str | None] = mapped_column(Text)

    individual: Mapped[Individual] = relationship(back_populates="needs")


class NeedsRuleSet(Base):
    """A version of the declarative specific-needs rules (stored as data, evaluated, never executed)."""

    __tablename__ = "needs_ruleset"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    loaded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class RegistrationEvent(UUIDPk, Base):
    """One entry of a person's or household's history: nothing is changed without one."""

    __tablename__ = "registration_event"
    __table_args__ = (
        Index("ix_registration_event_individual_id_recorded_at", "individual_id", "recorded_at"),
        Index("ix_registration_event_household_id_recorded_at", "household_id", "recorded_at"),
    )

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"))
    individual_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("individual.id"))
    event_type: Mapped[str] = mapped_column(String(24))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    recorded_by: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text)
    # before/after values of every changed field, and any other facts of the event
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class Certificate(UUIDPk, Base):
    """A registration certificate issued to a person; its QR payload is signed with Ed25519."""

    __tablename__ = "certificate"

    serial: Mapped[str] = mapped_column(String(40), unique=True)
    individual_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    issued_by: Mapped[str] = mapped_column(String(80))
    valid_until: Mapped[dt.date] = mapped_column(Date)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    revocation_reason: Mapped[str | None] = mapped_column(Text)


class ConsentWithdrawal(Base):
    """A purpose a person has withdrawn consent for (or objected to), as it stands now: the row goes when
    consent is given again. The history of every change is in `registration_event` (consent_changed)."""

    __tablename__ = "consent_withdrawal"

    individual_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), primary_key=True)
    withdrawn_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    withdrawn_by: Mapped[str] = mapped_column(String(80))
