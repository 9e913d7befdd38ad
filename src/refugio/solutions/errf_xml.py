"""The eRRF XML of a resettlement case: refugio's export laid out after the proGres electronic
Resettlement Registration Form where refugio holds the data (case, members, submission categories and
priority with UNHCR's codes, needs, submission to a State, decision, departure). Its schema is
`schemas_xml/errf-1.0.xsd` in this package; every document is validated against it before it leaves
(lxml), so a document that does not conform is never handed out. Imports lxml (lazily) and the code
tables of refugio.solutions.fpdf_rrf only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from refugio.solutions.fpdf_rrf import CATEGORY_CODES, PRIORITY_CODES

NAMESPACE = "urn:refugio:errf:1.0"
SCHEMA_VERSION = "1.0"
SCHEMA_FILE = "errf-1.0.xsd"


@dataclass
class ErrfMember:
    ref: str
    name: str
    sex: str
    date_of_birth: dt.date
    languages: list[str] = field(default_factory=list)
    legal_status: str | None = None


@dataclass
class ErrfCase:
    case_ref: str
    operation: str
    household_ref: str
    status: str
    primary_category: str
    secondary_category: str | None
    priority: str
    needs_summary: str
    needs: list[tuple[str, str]]  # (member reference, specific-needs code)
    members: list[ErrfMember]
    state_iso3: str | None = None
    quota_year: int | None = None
    quota_label: str | None = None
    submitted_on: dt.date | None = None
    decided_on: dt.date | None = None
    decision_note: str | None = None
    departed_on: dt.date | None = None


def schema_text() -> bytes:
    """The XSD, as shipped in the package."""
    return resources.files("refugio.solutions").joinpath("schemas_xml", SCHEMA_FILE).read_bytes()


@lru_cache(maxsize=1)
def _schema() -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.fromstring(schema_text()))


def validation_errors(document: bytes) -> list[str]:
    """Where `document` breaks the schema (line: message); empty when it conforms."""
    from lxml import etree

    try:
        tree = etree.fromstring(document)
    except etree.XMLSyntaxError as exc:
        return [f"line {exc.lineno}: {exc.msg}"]
    schema = _schema()
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def render(case: ErrfCase, *, now: dt.datetime | None = None) -> bytes:
    """The case as eRRF XML (UTF-8), validated against the schema; a RuntimeError names the broken
    lines if the data cannot be expressed in it (a bug, never a user's error)."""
    from lxml import etree

    ns = f"{{{NAMESPACE}}}"
    generated = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    root = etree.Element(
        ns + "ResettlementCase",
        nsmap={None: NAMESPACE},
        schemaVersion=SCHEMA_VERSION,
        generated=generated.isoformat(),
    )

    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        el = etree.SubElement(parent, ns + tag, **attrs)
        if text is not None:
            el.text = text
        return el

    head = sub(root, "Case")
    sub(head, "CaseReference", case.case_ref)
    sub(head, "Operation", case.operation)
    sub(head, "HouseholdReference", case.household_ref)
    sub(head, "Status", case.status)
    sub(head, "Persons", str(len(case.members)))
    categories = sub(root, "Categories")
    for tag, value in (("Primary", case.primary_category), ("Secondary", case.secondary_category)):
        if value:
            code, label = CATEGORY_CODES[value]
            sub(categories, tag, label, code=code)
    sub(root, "Priority", case.priority, code=PRIORITY_CODES[case.priority])
    needs = sub(root, "Needs")
    sub(needs, "Summary", case.needs_summary.strip() or "-")
    for ref, code in sorted(set(case.needs)):
        sub(needs, "SpecificNeed", individual=ref, code=code)
    if case.state_iso3 and case.quota_year and case.quota_label:
        submission = sub(root, "Submission")
        sub(submission, "ResettlementState", case.state_iso3)
        sub(submission, "QuotaYear", f"{case.quota_year:04d}")
        sub(submission, "QuotaLabel", case.quota_label)
        for tag, day in (("SubmittedOn", case.submitted_on), ("DecisionOn", case.decided_on)):
            if day:
                sub(submission, tag, day.isoformat())
        if case.decision_note and case.decision_note.strip():
            sub(submission, "DecisionNote", case.decision_note.strip())
        if case.departed_on:
            sub(submission, "DepartedOn", case.departed_on.isoformat())
    members = sub(root, "Members", count=str(len(case.members)))
    for m in sorted(case.members, key=lambda m: m.ref):
        member = sub(members, "Member", individual=m.ref)
        sub(member, "Name", m.name)
        sub(member, "Sex", m.sex)
        sub(member, "DateOfBirth", m.date_of_birth.isoformat())
        if m.languages:
            languages = sub(member, "Languages")
            for lang in m.languages:
                sub(languages, "Language", lang)
        if m.legal_status:
            sub(member, "LegalStatus", m.legal_status)
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    errors = validation_errors(document)
    if errors:
        raise RuntimeError(f"eRRF XML of {case.case_ref} breaks {SCHEMA_FILE}: " + "; ".join(errors[:5]))
    return document
