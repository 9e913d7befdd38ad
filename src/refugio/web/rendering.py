"""Jinja2 rendering: one environment per UI language with its translations installed (i18n extension),
and the filters and globals the templates use (ISO dates, ages, labels, country names, field ids).

Owns no routing and no database access; must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup

from refugio.core import clock
from refugio.registration.certificate import Status
from refugio.web.i18n import LANGUAGES, Translator, load_translators
from refugio.web.labels import DOMAIN_ERRORS, FIELD_LABELS, LABELS, choices, english_label

WEB_DIR = Path(__file__).parent
TEMPLATE_DIR = WEB_DIR / "templates"


def template_loader(template_dir: Path = TEMPLATE_DIR) -> BaseLoader:
    """The shared templates (`base.html`, `_macros.html`, …) by their own names, and each domain's
    templates, in `web/<domain>/templates/`, under the prefix `<domain>/`: `protection/case.html` is
    `web/protection/templates/case.html`. A domain's folder is found by itself: nothing to register."""
    domains = {
        folder.parent.name: FileSystemLoader(str(folder))
        for folder in sorted(WEB_DIR.glob("*/templates"))
        if folder.is_dir() and (folder.parent / "__init__.py").is_file()
    }
    return ChoiceLoader([FileSystemLoader(str(template_dir)), PrefixLoader(domains)])


_NON_ID = re.compile(r"[^A-Za-z0-9_-]+")
_MEMBER_INPUT = re.compile(r"^members\[(\d+)\]\[([a-z_]+)\]$")


def field_id(name: str) -> str:
    """A valid HTML id for an input name: `members[2][sex]` → `f-members-2-sex`."""
    return "f-" + _NON_ID.sub("-", name).strip("-")


def iso(value: object) -> str:
    """Dates as YYYY-MM-DD, times as YYYY-MM-DD HH:MM UTC; empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%d %H:%M") + " UTC"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def ltr(value: object) -> Markup | str:
    """Text that must read left to right even on a right-to-left page (dates, IDs); '' stays ''."""
    if value is None or value == "":
        return ""
    return Markup('<span class="ltr" dir="ltr">%s</span>') % value


def partial_date(value: dt.date | None, precision: str | None) -> str:
    """A date of birth written with its precision: 1988, 1988-02 or 1988-02-14."""
    if value is None:
        return ""
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def age(value: dt.date | None, on: dt.date | None = None) -> int | None:
    if value is None:
        return None
    today = on or clock.today()
    return today.year - value.year - ((today.month, today.day) < (value.month, value.day))


_NOT_PAIRS = {"members"}


def _show(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Mapping):
        return ", ".join(
            f"{k.replace('_', ' ')}: {_show(v)}" for k, v in value.items() if v not in (None, "")
        )
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    return str(value)


def detail_rows(details: Mapping[str, object] | None) -> list[tuple[str, str | None, str | None, str | None]]:
    """An event's details as rows: (what, before, after, None) for changes, (what, None, None, text) else."""
    rows: list[tuple[str, str | None, str | None, str | None]] = []
    for key in sorted(details or {}):
        value = (details or {})[key]
        if value in (None, "", [], {}):
            continue
        what = key.replace("_", " ")
        if isinstance(value, list) and len(value) == 2 and key not in _NOT_PAIRS:
            rows.append((what, _show(value[0]), _show(value[1]), None))
        else:
            rows.append((what, None, None, _show(value)))
    return rows


def _shown_keys(details: Mapping[str, object] | None) -> list[str]:
    """The keys of `details` that detail_rows shows, in its order."""
    return [k for k in sorted(details or {}) if (details or {})[k] not in (None, "", [], {})]


def certificate_status_class(status: Status | str) -> str:
    return {"valid": "ok", "expired": "warn", "unknown": "warn"}.get(str(status), "bad")


class Renderer:
    """Renders templates in a given language."""

    def __init__(self, template_dir: Path = TEMPLATE_DIR) -> None:
        self.translators = load_translators()
        loader = template_loader(template_dir)
        self.environments = {code: self._environment(loader, self.translators[code]) for code in LANGUAGES}

    @staticmethod
    def _environment(loader: BaseLoader, translator: Translator) -> Environment:
        """The environment of one UI language: its translations, and the globals and filters that speak
        it."""
        env = Environment(
            loader=loader,
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(translator.translations, newstyle=True)  # type: ignore[attr-defined]
        env.globals.update(_language_globals(translator))
        env.filters.update(_language_filters(translator))
        return env

    def translator(self, locale: str) -> Translator:
        return self.translators.get(locale) or self.translators["en"]

    def render(self, locale: str, name: str, context: Mapping[str, Any]) -> str:
        env = self.environments.get(locale) or self.environments["en"]
        return env.get_template(name).render(**context)


def _language_globals(translator: Translator) -> dict[str, Any]:
    """The template globals in `translator`'s language: labels, options and input labels translated,
    detail rows with their fields named in it, the language switcher's data."""

    def label(kind: str, value: object) -> str:
        english = english_label(kind, value)
        return translator.translations.gettext(english) if english else ""

    def input_label(name: str) -> str:
        m = _MEMBER_INPUT.match(name)
        base = m.group(2) if m else name
        text = translator.gettext(FIELD_LABELS.get(base, base.replace("_", " ")))
        if m:
            return translator.gettext("Member %(num)s", num=int(m.group(1)) + 1) + " · " + text
        return text

    def options(kind: str) -> list[tuple[str, str]]:
        return [(value, translator.translations.gettext(text)) for value, text in choices(kind)]

    def translated_detail_rows(
        details: Mapping[str, object] | None,
    ) -> list[tuple[str, str | None, str | None, str | None]]:
        """detail_rows with each field named in the page's language (its form label)."""
        return [
            (translator.gettext(FIELD_LABELS[key]) if key in FIELD_LABELS else what, before, after, text)
            for (what, before, after, text), key in zip(
                detail_rows(details), _shown_keys(details), strict=True
            )
        ]

    return {
        "label": label,
        "options": options,
        "field_id": field_id,
        "detail_rows": translated_detail_rows,
        "input_label": input_label,
        "today": clock.today,
        "show_value": _show,
        "country": translator.country,
        "language_name": translator.language,
        "language": LANGUAGES[translator.code],
        "languages": list(LANGUAGES.values()),
        "labels": LABELS,
    }


def _language_filters(translator: Translator) -> dict[str, Any]:
    """The template filters in `translator`'s language: error texts, ages and dates of birth."""

    def error_text(error: object) -> str:
        code = getattr(error, "code", "")
        if translator.code != "en" and code in DOMAIN_ERRORS:
            return translator.gettext(DOMAIN_ERRORS[code])
        return str(error)

    def age_words(value: dt.date | None, precision: str | None = None) -> str:
        """An age; an estimated date of birth gives "about 4", never a false exact figure."""
        years = age(value)
        if years is None:
            return ""
        if precision == "estimated":
            return translator.gettext("about %(num)s", num=years)
        return str(years)

    def birth_date(value: dt.date | None, precision: str | None) -> str:
        """A date of birth with its precision; an estimated one is "about 2022" (the year only)."""
        if value is not None and precision == "estimated":
            return translator.gettext("about %(year)s", year=f"{value.year:04d}")
        return partial_date(value, precision)

    return {
        "error_text": error_text,
        "ltr": ltr,
        "iso": iso,
        "age": age_words,
        "partial_date": birth_date,
        "status_class": certificate_status_class,
    }
