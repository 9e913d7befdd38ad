"""One synthetic household as input: its members' dates of birth as they could give them, documents,
languages, phones, specific needs set by hand, and the household's dates, site, address, consent.
The draws follow those of `families` on the same `random.Random`, in a fixed order.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator
from typing import Any

from refugio.registration.enums import Relationship
from refugio.registration.synthetic.families import Families, _age_on, _Person, _years_before
from refugio.registration.synthetic.origins import _MANUAL_NEED_REASONS, DOB_KINDS, DocumentRule, Origin


class Generator(Families):
    """Households of arrivals between `start` and `end`, in order of arrival (see the package docstring)."""

    def household(self, arrival: dt.date) -> dict[str, Any]:
        rng = self.rng
        origin = self.table[self.pick(self.origin_codes, self.origin_cum)]
        kind = self.pick(*origin.composition)
        people = self.compose(kind, origin)
        self.assign_names(people, origin)
        members = [p for p in people if p.relationship is not None]
        order = {"focal_point": 0, "spouse": 1, "son_daughter": 2, "grandchild": 3}
        members.sort(key=lambda p: (order.get(p.relationship or "", 4), -p.age))
        registration = min(
            arrival + dt.timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3, 4, 5, 7, 10))), self.today
        )
        population = self.pick(*origin.population)
        legal = {"refugee": "refugee", "asylum_seeker": "asylum_seeker", "stateless": "stateless"}.get(
            population
        )
        primary = self.pick(*origin.primary_languages)
        nationality = self.pick(*origin.nationality)
        with_originals = origin.script is not None and self.chance(origin.original_rate)
        doc_factor = rng.choice((0.3, 1.0, 1.7))
        unaccompanied = kind in {"unaccompanied_child", "child_headed"}
        infants = any(p.age == 0 for p in members)
        out_members = []
        focal_phone: str | None = None
        for person in members:
            is_focal = person.relationship == Relationship.FOCAL_POINT.value
            data = self.member(
                person,
                origin,
                registration,
                with_originals=with_originals,
                primary=primary,
                nationality=nationality,
                legal=legal,
                doc_factor=doc_factor,
                focal=is_focal,
                infant_in_household=infants,
            )
            if is_focal:
                focal_phone = data.get("phone")
            out_members.append(data)
        block = rng.randint(1, 40)
        purposes = ["registration", "assistance"]
        if self.chance(0.6):
            purposes.append("protection")
        if self.chance(0.2):
            purposes.append("referral")
        item: dict[str, Any] = {
            "site_id": rng.choice(self.site_ids),
            "registration_level": "comprehensive" if self.chance(0.35) else "basic",
            "registration_date": registration.isoformat(),
            "arrival_date": arrival.isoformat(),
            "country_of_origin": origin.country,
            "place_of_origin": rng.choice(origin.places),
            "address": f"District {rng.randint(1, 12)}, Block {block}",
            "shelter": f"Block {block}, Shelter {rng.randint(1, 120)}",
            "phone": focal_phone,
            "population_type": population,
            "consent_given": not unaccompanied,
            "consent_purposes": purposes,
            "legal_basis": "vital_interest" if unaccompanied else "consent",
            "members": out_members,
        }
        return item

    def member(
        self,
        person: _Person,
        origin: Origin,
        registration: dt.date,
        *,
        with_originals: bool,
        primary: str,
        nationality: str,
        legal: str | None,
        doc_factor: float,
        focal: bool,
        infant_in_household: bool,
    ) -> dict[str, Any]:
        rng = self.rng
        upper = _years_before(registration, person.age)
        lower = _years_before(registration, person.age + 1) + dt.timedelta(days=1)
        dob = lower + dt.timedelta(days=rng.randint(0, (upper - lower).days))
        data = self._names(person, origin, with_originals=with_originals)
        # documents first: whoever shows a document has an exact date of birth
        documents = self._documents(person, origin, nationality, dob, registration, doc_factor, focal)
        self._date_of_birth(data, person, origin, dob, registration, documented=bool(documents))
        data["nationality"] = nationality
        data["country_of_origin"] = origin.country
        data["languages"] = self._languages(person, origin, primary)
        if legal is not None:
            data["legal_status"] = legal
        marital = person.marital or ("single" if person.age >= 15 else None)
        if marital is not None:
            data["marital_status"] = marital
        if person.age >= 16 and self.chance(0.88 if focal else 0.18):
            data["phone"] = self.phone()
        if documents:
            data["documents"] = documents
        if self.manual_needs:
            needs = self.needs(person, documents, infant_in_household)
            if needs:
                data["needs"] = needs
        return data

    @staticmethod
    def _names(person: _Person, origin: Origin, *, with_originals: bool) -> dict[str, Any]:
        """Relationship, sex and names (Latin, and in the original script when all parts have one)."""
        data: dict[str, Any] = {
            "relationship": person.relationship,
            "given_name": person.given.latin if person.given else "",
            "family_name": person.family.latin if person.family else "",
            "sex": person.sex,
        }
        if person.middle is not None:
            data["middle_name"] = person.middle.latin
        parts = [n for n in (person.given, person.middle, person.family) if n is not None]
        if with_originals and parts and all(n.original for n in parts):
            data["given_name_original"] = person.given.original if person.given else None
            if person.middle is not None:
                data["middle_name_original"] = person.middle.original
            if person.family is not None:
                data["family_name_original"] = person.family.original
            data["original_script"] = origin.script
        return data

    def _documents(
        self,
        person: _Person,
        origin: Origin,
        nationality: str,
        dob: dt.date,
        registration: dt.date,
        doc_factor: float,
        focal: bool,
    ) -> list[dict[str, Any]]:
        documents: list[dict[str, Any]] = []
        for rule in origin.documents:
            if rule.doc_type == "birth_certificate":
                eligible = person.age < 18
            elif rule.doc_type == "family_book":
                eligible = focal and person.age >= 18
            else:
                eligible = person.age >= 18
            if eligible and self.chance(min(1.0, rule.rate * doc_factor)):
                documents.append(self.document(rule, nationality, dob, registration))
        return documents

    def _date_of_birth(
        self,
        data: dict[str, Any],
        person: _Person,
        origin: Origin,
        dob: dt.date,
        registration: dt.date,
        *,
        documented: bool,
    ) -> None:
        """The date of birth as the person could give it: exact, to the month, the year, or an age."""
        kind = (
            "exact"
            if documented
            else DOB_KINDS[bisect.bisect_right(origin.dob, self.rng.random() * origin.dob[-1])]
        )
        if kind != "exact" and person.age < 5 and self.chance(0.6):
            kind = "exact"
        if kind == "exact":
            data["date_of_birth"] = dob.isoformat()
        elif kind == "stated_age":
            data["stated_age"] = person.age
        else:
            shown = dob.replace(day=1) if kind == "month" else dob.replace(month=1, day=1)
            if person.age < 18 and _age_on(shown, registration) >= 18:
                data["date_of_birth"] = dob.isoformat()  # keep a child a child
            else:
                data["date_of_birth"] = dob.isoformat()[: 7 if kind == "month" else 4]
                if kind == "year" and self.chance(0.05):
                    data["estimated"] = True

    def _languages(self, person: _Person, origin: Origin, primary: str) -> list[str]:
        languages = [primary]
        if person.age >= 4:
            for code, p in origin.additional_languages:
                if (
                    code != primary
                    and code not in languages
                    and (code != "eng" or person.age >= 10)
                    and self.chance(p)
                ):
                    languages.append(code)
        return languages

    def document(
        self, rule: DocumentRule, nationality: str, dob: dt.date, registration: dt.date
    ) -> dict[str, Any]:
        issuer = rule.issuer or nationality
        if issuer in {"XXA", "XXB", "UNK"}:
            issuer = "MMR" if rule.doc_type == "national_id" else "BGD"
        doc: dict[str, Any] = {
            "doc_type": rule.doc_type,
            "number": self.document_number(rule.template),
            "issuing_country": issuer,
        }
        earliest = dob + dt.timedelta(days=30)
        if rule.doc_type == "birth_certificate":
            issued = min(dob + dt.timedelta(days=self.rng.randint(1, 90)), registration)
        else:
            issued = registration - dt.timedelta(days=self.rng.randint(60, 9 * 365))
        issued = max(issued, earliest) if earliest <= registration else registration
        if rule.doc_type == "passport":
            doc["issue_date"] = issued.isoformat()
            doc["expiry_date"] = _years_before(issued, -7 if self.chance(0.5) else -10).isoformat()
        elif self.chance(0.5):
            doc["issue_date"] = issued.isoformat()
        return doc

    def needs(self, person: _Person, documents: list[dict[str, Any]], infant: bool) -> list[dict[str, Any]]:
        chosen: list[str] = []
        age = person.age
        if age >= 5 and self.chance(0.018):
            chosen.append(self.pick(("DS-PM", "DS-BD", "DS-DF", "DS-PS", "DS-SD"), (45, 62, 79, 93, 100)))
        if age >= 45 and self.chance(0.09):
            chosen.append("SM-CI")
        elif self.chance(0.003):
            chosen.append("SM-CC")
        if age < 5 and self.chance(0.012):
            chosen.append("SM-MN")
        if (
            person.sex == "F"
            and infant
            and person.relationship in {"focal_point", "spouse", "in_law"}
            and 18 <= age <= 45
            and self.chance(0.3)
        ):
            chosen.append("WR-LC")
        if person.extra.get("absent_partner") and person.marital == "married" and self.chance(0.1):
            chosen.append("FU-TR")
        if age >= 18 and not documents and self.chance(0.02):
            chosen.append("LP-ND")
        return [
            {"code": code, "reason": self.rng.choice(_MANUAL_NEED_REASONS[code])}
            for code in dict.fromkeys(chosen)
        ]

    def run(self, count: int) -> Iterator[dict[str, Any]]:
        span = (self.end - self.start).days
        offsets = sorted(self.rng.randint(0, span) for _ in range(count))
        for offset in offsets:
            yield self.household(self.start + dt.timedelta(days=offset))
