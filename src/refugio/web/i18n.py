"""Languages of the web UI: Babel message catalogues loaded at run time, and the choice of a locale.

The catalogues are `locale/<lang>/LC_MESSAGES/messages.po` and each domain's own
`<domain>/locale/<lang>/LC_MESSAGES/messages.po` (merged, the shared one first), read with
`babel.messages.pofile.read_po` and turned into `gettext` translations in memory (no compile step).
Country names come from the ISO 3166 translations shipped with pycountry. Owns no HTTP handling;
must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from refugio.registration.reference import countries, languages

LOCALE_DIR = Path(__file__).parent / "locale"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself
    direction: str  # ltr | rtl


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "ltr"),
    "fr": Language("fr", "Français", "ltr"),
    "ar": Language("ar", "العربية", "rtl"),
    "es": Language("es", "Español", "ltr"),
}
FALLBACK = "en"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def catalogue_paths(code: str, directory: Path = LOCALE_DIR) -> list[Path]:
    """The catalogues of one language: the shared one (`web/locale/…`) first, then each domain's own
    (`web/<domain>/locale/<lang>/LC_MESSAGES/messages.po`), so that a domain's pages bring their
    translations with them. A message in several catalogues takes the first translation found."""
    own = sorted(directory.parent.glob(f"*/locale/{code}/LC_MESSAGES/messages.po"))
    shared = directory / code / "LC_MESSAGES" / "messages.po"
    return [p for p in [shared, *own] if p.exists()]


def load_catalogue(code: str, directory: Path = LOCALE_DIR) -> gettext.NullTranslations:
    """The UI translations of one language (English is the source language: no catalogue)."""
    paths = catalogue_paths(code, directory) if code != FALLBACK else []
    if not paths:
        if code != FALLBACK:
            log.warning("no message catalogue for %s under %s; showing English", code, directory)
        return gettext.NullTranslations()
    catalog = None
    for path in paths:
        with path.open("rb") as fh:
            part = read_po(fh, locale=code)
        if catalog is None:
            catalog = part
            continue
        for message in part:
            if message.id and message.id not in catalog:
                catalog[message.id] = message
    assert catalog is not None
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@lru_cache(maxsize=8)
def country_names(code: str) -> Mapping[str, str]:
    """ISO alpha-3 code → country name in language `code` (English where no translation exists)."""
    names = countries()
    if code == FALLBACK:
        return names
    try:
        import pycountry

        trans: gettext.NullTranslations = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[code]
        )
    except (ImportError, OSError):
        return names
    translated = {iso: trans.gettext(name) for iso, name in names.items()}
    return dict(sorted(translated.items(), key=lambda kv: kv[1].casefold()))


@lru_cache(maxsize=8)
def language_names(code: str) -> Mapping[str, str]:
    """ISO 639-3 code → language name in language `code` (English where no translation exists)."""
    names = languages()
    if code == FALLBACK:
        return names
    try:
        import pycountry

        trans: gettext.NullTranslations = gettext.translation(
            "iso639-3", pycountry.LOCALES_DIR, languages=[code]
        )
    except (ImportError, OSError):
        return names
    return {iso: trans.gettext(name) for iso, name in names.items()}


def parse_accept_language(header: str | None) -> list[str]:
    """Language codes of an Accept-Language header, most wanted first (`fr-CH, fr;q=0.9` → fr, fr)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag.strip().lower().replace("_", "-")))
    return [tag.split("-")[0] for _q, _p, tag in sorted(weighted)]


def choose_locale(
    *, cookie: str | None, user_locale: str | None, accept_language: str | None, default: str
) -> str:
    """The locale cookie, then the user's locale, then the browser's languages, then the default."""
    for candidate in (cookie, user_locale, *parse_accept_language(accept_language), default):
        if candidate and candidate in LANGUAGES:
            return candidate
    return FALLBACK


class Translator:
    """gettext for one language, plus formatting helpers used by pages and Python-side messages."""

    def __init__(self, code: str, translations: gettext.NullTranslations) -> None:
        self.code = code
        self.translations = translations

    @property
    def direction(self) -> str:
        return LANGUAGES[self.code].direction

    def gettext(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    def country(self, code: str | None) -> str:
        if not code:
            return ""
        return country_names(self.code).get(code, code)

    def language(self, code: str | None) -> str:
        """A language's name, e.g. `ara` → Arabic (ara)."""
        if not code:
            return ""
        name = language_names(self.code).get(code.lower())
        return f"{name} ({code})" if name else code


def load_translators(directory: Path = LOCALE_DIR) -> dict[str, Translator]:
    return {code: Translator(code, load_catalogue(code, directory)) for code in LANGUAGES}


Gettext = Callable[..., str]
