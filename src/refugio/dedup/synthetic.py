"""A seeded generator of refugee-registration records with known duplicates (for tests and benchmarks).

Base people come from the registration domain's generator (households from ten origins, names in
Latin and original script with their naming customs). Then some households are registered again —
at another site, by another clerk, months later — and each re-registered member is perturbed the way
field data is: another attested spelling of a name (Mohammed → Muhammad), the name written in Arabic
script only, a date of birth reduced to the year or re-estimated from a stated age, day and month
swapped, given and family names swapped, father's name dropped or recorded as the family name,
typing slips, phone or document missing or mistyped. Hard negatives are added on purpose: twins
(same parents, same date of birth, other given name) and namesakes (same given and family name, other
father, other household, a close year of birth).

The hard cases of a real registration, and how often they occur here (per record or per household;
`Rates` holds them). The base data already carries the origins' own shares of partial dates (year-only
20-43 %, month-only 2-5 %, an age stated instead 13-35 % for the seven origins without documents for
most people; `registration/data/*.yaml`) and of people without a family name (a third of Afghans):

* one registration with a partial date of birth, the other exact, in both directions — the date reduced
  to the year (`year_only`, 25 %) or to the month (`month_only`, 8 %) at re-registration, or a partial
  date completed from a document obtained since (`dob_completed`, 30 % of partial dates);
* people with a single name (no family name): whole households recorded so (`mononym`, 4 % of
  households, on top of the Afghan profile), and a family name left out at re-registration
  (`family_dropped`, 3 %);
* the same household registered again at the same site (`same_site`, 40 % of re-registrations; the
  others at another site);
* sex recorded wrongly once (`sex_error`, 1 % of re-registrations);
* hard negatives: twins in one household (`twins`, 3 % of households), siblings of one household
  (every household with children), namesakes (`namesakes`, 4 %: same names, another father, another
  household, a close year of birth), and people of the same sex with close partial dates sharing a
  common given name (from the name lists' frequencies).

Each row has the columns of the `refugio dedup link` contract plus `household` (the registration
group) and `person` (the truth: rows with the same `person` are the same human being).

Deterministic: the same arguments give the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from refugio.registration.synthetic import NameEntry, generate_household_dicts, origins

FIELDS = (
    "record_id",
    "given_name",
    "middle_name",
    "family_name",
    "sex",
    "date_of_birth",
    "country_of_origin",
    "phone",
    "document_number",
    "site",
)


@dataclass(frozen=True)
class Rates:
    """How often each thing happens (probabilities)."""

    duplicate_household: float = 0.22
    second_duplicate: float = 0.15
    spelling_variant: float = 0.45
    arabic_only: float = 0.18
    year_only: float = 0.25
    month_only: float = 0.08
    dob_completed: float = 0.3
    mononym: float = 0.04
    same_site: float = 0.4
    family_dropped: float = 0.03
    sex_error: float = 0.01
    re_estimated: float = 0.08
    day_month_swap: float = 0.04
    order_swap: float = 0.05
    middle_dropped: float = 0.2
    father_as_family: float = 0.05
    typo: float = 0.08
    phone_missing: float = 0.5
    document_missing: float = 0.5
    document_typo: float = 0.05
    twins: float = 0.03
    namesakes: float = 0.04


@lru_cache(maxsize=1)
def _entries() -> dict[str, NameEntry]:
    """Latin spelling (lower case) → its name entry, across every origin's name lists."""
    out: dict[str, NameEntry] = {}
    for origin in origins().values():
        for names in (origin.given_male, origin.given_female, origin.family, origin.family_female):
            if names is None:
                continue
            for entry in names.entries:
                for spelling in entry.spellings:
                    out.setdefault(spelling.lower(), entry)
    return out


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.35:
        return text[:i] + text[i + 1 :]
    if kind < 0.7:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + rng.choice("aeiouhnrst") + text[i + 1 :]


class _Maker:
    def __init__(self, seed: int, rates: Rates) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.rates = rates
        self.serial = 0

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def record_id(self) -> str:
        self.serial += 1
        return f"R{self.serial:08d}"

    def variant(self, name: str | None) -> tuple[str | None, str | None]:
        """Another attested spelling of `name` (or the same), and its original-script form."""
        if not name:
            return name, None
        words = name.split(" ")
        entry = _entries().get(name.lower()) or (
            _entries().get(words[0].lower()) if len(words) == 1 else None
        )
        if entry is None:
            return name, None
        spelling = name
        if len(entry.spellings) > 1 and self.chance(self.rates.spelling_variant):
            spelling = self.rng.choice([s for s in entry.spellings if s != name] or [name])
        return spelling, entry.original

    def perturb(self, base: dict[str, Any], site: str) -> dict[str, Any]:
        r = self.rates
        row = dict(base)
        row["record_id"] = self.record_id()
        row["site"] = site
        arabic = self.chance(r.arabic_only)
        for part in ("given_name", "middle_name", "family_name"):
            spelling, original = self.variant(row[part])
            row[part] = original if arabic and original else spelling
            if row[part] and self.chance(r.typo) and not (arabic and original):
                row[part] = _typo(self.rng, row[part])
        if row["middle_name"] and self.chance(r.middle_dropped):
            row["middle_name"] = ""
        elif row["middle_name"] and self.chance(r.father_as_family):
            row["family_name"], row["middle_name"] = row["middle_name"], ""
        if self.chance(r.order_swap):
            row["given_name"], row["family_name"] = row["family_name"], row["given_name"]
        dob = row["date_of_birth"]
        if dob and len(dob) < 10 and self.chance(r.dob_completed):
            # a document obtained since: the exact date, within what was known
            month = int(dob[5:7]) if len(dob) == 7 else self.rng.randint(1, 12)
            row["date_of_birth"] = f"{dob[:4]}-{month:02d}-{self.rng.randint(1, 28):02d}"
        elif dob:
            if self.chance(r.year_only):
                row["date_of_birth"] = dob[:4]
            elif len(dob) == 10 and self.chance(r.month_only):
                row["date_of_birth"] = dob[:7]
            elif self.chance(r.re_estimated):
                row["date_of_birth"] = str(int(dob[:4]) + self.rng.choice((-2, -1, 1, 2)))
            elif len(dob) == 10 and self.chance(r.day_month_swap) and int(dob[8:10]) <= 12:
                row["date_of_birth"] = f"{dob[:4]}-{dob[8:10]}-{dob[5:7]}"
        if row["family_name"] and row["given_name"] and self.chance(r.family_dropped):
            row["family_name"] = ""
        if row["sex"] in {"M", "F"} and self.chance(r.sex_error):
            row["sex"] = "F" if row["sex"] == "M" else "M"
        if self.chance(r.phone_missing):
            row["phone"] = ""
        if self.chance(r.document_missing):
            row["document_number"] = ""
        elif row["document_number"] and self.chance(r.document_typo):
            row["document_number"] = _typo(self.rng, row["document_number"])
        return row


def generate(
    *, people: int, seed: int = 7, rates: Rates | None = None, sites: int = 6
) -> Iterator[dict[str, Any]]:
    """About `people` distinct persons' records (duplicates come on top), with the truth in `person`."""
    rates = rates or Rates()
    maker = _Maker(seed, rates)
    site_ids = [uuid.UUID(int=seed * 1000 + i) for i in range(sites)]
    site_codes = {sid: f"S{i + 1:02d}" for i, sid in enumerate(site_ids)}
    households = max(1, people // 4)
    made = 0
    for k, hh in enumerate(
        generate_household_dicts(
            count=households,
            site_ids=site_ids,
            seed=seed,
            start=dt.date(2024, 1, 1),
            end=dt.date(2026, 6, 30),
            manual_needs=False,
        )
    ):
        site = site_codes[uuid.UUID(str(hh["site_id"]))]
        hh_key = f"H{seed}-{k}"
        bases = _bases(hh, seed, k)
        if maker.chance(rates.mononym):
            for base in bases:  # recorded with a single name, at every registration
                base["family_name"] = ""
        if maker.chance(rates.twins):
            _add_twin(maker, bases)
        for base in bases:
            row = dict(base)
            row["record_id"] = maker.record_id()
            row["site"] = site
            row["household"] = hh_key
            made += 1
            yield row
        if maker.chance(rates.namesakes) and bases:
            yield _namesake(maker, bases, hh_key, list(site_codes.values()))
        if maker.chance(rates.duplicate_household):
            copies = 2 if maker.chance(rates.second_duplicate) else 1
            for c in range(copies):
                other_site = (
                    site
                    if maker.chance(rates.same_site)
                    else maker.rng.choice([s for s in site_codes.values() if s != site] or [site])
                )
                for base in bases:
                    row = maker.perturb(base, other_site)
                    row["household"] = f"{hh_key}-again{c}"
                    yield row
        if made >= people:
            return


def _bases(hh: dict[str, Any], seed: int, k: int) -> list[dict[str, Any]]:
    """The true records of a generated household's members (`person` is the truth)."""
    bases: list[dict[str, Any]] = []
    for i, m in enumerate(hh["members"]):
        docs = m.get("documents") or []
        dob = m.get("date_of_birth") or ""
        if not dob and m.get("stated_age") is not None:
            dob = str(int(str(hh.get("registration_date") or "2026")[:4]) - int(m["stated_age"]))
        bases.append(
            {
                "given_name": m.get("given_name") or "",
                "middle_name": m.get("middle_name") or "",
                "family_name": m.get("family_name") or "",
                "sex": m.get("sex") or "",
                "date_of_birth": dob,
                "country_of_origin": m.get("country_of_origin") or hh.get("country_of_origin") or "",
                "phone": m.get("phone") or (hh.get("phone") if i == 0 else "") or "",
                "document_number": docs[0]["number"] if docs else "",
                "person": f"P{seed}-{k}-{i}",
            }
        )
    return bases


def _add_twin(maker: _Maker, bases: list[dict[str, Any]]) -> None:
    """A twin of the household's first child born 2008 or later: same date, another given name."""
    child = next((b for b in bases if b["date_of_birth"] and b["date_of_birth"][:4] >= "2008"), None)
    if child is None:
        return
    twin = dict(child)
    other = maker.variant(maker.rng.choice([b["given_name"] for b in bases]))[0] or "Twin"
    twin["given_name"] = other if other != child["given_name"] else other + "a"
    twin["document_number"] = ""
    twin["person"] = child["person"] + "-twin"
    bases.append(twin)


def _namesake(maker: _Maker, bases: list[dict[str, Any]], hh_key: str, sites: list[str]) -> dict[str, Any]:
    """Another person with a member's names, born a few years apart, elsewhere."""
    who = maker.rng.choice(bases)
    dob = who["date_of_birth"]
    namesake = dict(who)
    namesake.update(
        record_id=maker.record_id(),
        site=maker.rng.choice(sites),
        household=f"{hh_key}-namesake",
        person=who["person"] + "-namesake",
        middle_name=maker.rng.choice(["Ali", "Hassan", "Omar", "Yousef", "Khalil", ""]),
        date_of_birth=(str(int(dob[:4]) + maker.rng.choice((-3, -2, -1, 1, 2, 3))) if dob else ""),
        phone="",
        document_number="",
    )
    return namesake


REGISTRY_RATES = Rates(arabic_only=0.0)
"""The rates of a registry's re-registrations (`registered_again`): names stay in Latin script in the
name fields (the registration form's), with their original-script forms where the first had them."""


def registered_again(
    hh: dict[str, Any], *, seed: int, k: int, site_ids: list[uuid.UUID], rates: Rates = REGISTRY_RATES
) -> list[dict[str, Any]]:
    """The household `hh` (a `generate_household_dicts` item, number `k`) registered again, none, once
    or twice (`duplicate_household`, `second_duplicate`), in the shape of `HouseholdCreate`: each member
    perturbed as `generate` perturbs a re-registration (spellings, typos, partial or re-estimated dates,
    dropped middle or family names, swapped order, sex, phone), at the same site (`same_site`) or
    another. Documents are left out: a registry refuses a number another person already holds.
    Deterministic per (`seed`, `k`)."""
    maker = _Maker(seed * 1_000_003 + k, rates)
    if not maker.chance(rates.duplicate_household):
        return []
    copies = 2 if maker.chance(rates.second_duplicate) else 1
    bases = _bases(hh, seed, k)
    out = []
    for _ in range(copies):
        site = hh["site_id"]
        if not maker.chance(rates.same_site) and len(site_ids) > 1:
            site = str(maker.rng.choice([s for s in site_ids if str(s) != str(hh["site_id"])]))
        again = dict(hh, site_id=site, members=[])
        for base, member in zip(bases, hh["members"], strict=True):
            row = maker.perturb(base, str(site))
            m = dict(member, documents=[])
            for part in ("given_name", "middle_name", "family_name"):
                m[part] = row[part] or ("" if part != "middle_name" else None)
            m.update(sex=row["sex"], phone=row["phone"] or None)
            if row["date_of_birth"]:
                m.update(date_of_birth=row["date_of_birth"], stated_age=None)
            again["members"].append(m)
        out.append(again)
    return out
