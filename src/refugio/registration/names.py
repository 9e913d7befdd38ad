"""Name normalisation for search: case-folded, accents removed, Arabic letter variants unified,
punctuation dropped; and the tokens a person is found by, in both scripts.

Transliteration-robust matching (Mohammed/Muhammad) belongs to the dedup domain; this module only
makes exact-ish search forgiving of case, accents, hyphens, hamza and the definite article.

A normalised word holds letters and digits only (underscores count as punctuation), so the reserved
tokens of the name index (`refugio.registration.name_index`), which begin with "_", never collide
with a name. Names repeat a great deal across a caseload, so `normalise` keeps a bounded cache.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ـ": None,
        "ک": "ك",
        "ی": "ي",
        "ۀ": "ه",
    }
)
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_NON_WORD = re.compile(r"[^\w\s]+|_+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_ARTICLE_LATIN = re.compile(r"^(al|el|ul)(?=[a-z]{3,})")


@functools.lru_cache(maxsize=100_000)
def normalise(text: str | None) -> str:
    """Lower case, no diacritics, Arabic variants folded, punctuation removed, single spaces."""
    if not text:
        return ""
    if text.isascii():
        t = text.lower().replace("-", " ").replace("'", "")
        return _SPACE.sub(" ", _NON_WORD.sub(" ", t)).strip()
    t = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLD)
    t = _ARABIC_MARKS.sub("", t)
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    t = t.casefold().replace("-", " ").replace("'", "").replace("\u2019", "")
    t = _NON_WORD.sub(" ", t)
    return _SPACE.sub(" ", t).strip()


@functools.lru_cache(maxsize=100_000)
def _part_tokens(part: str) -> tuple[str, ...]:
    out: list[str] = []
    for word in normalise(part).split(" "):
        if not word:
            continue
        out.append(word)
        stripped = _ARTICLE_LATIN.sub("", word)
        if word.startswith("ال") and len(word) > 4:
            stripped = word[2:]
        if stripped != word:
            out.append(stripped)
    return tuple(out)


def tokens(*parts: str | None) -> set[str]:
    """Search tokens for a person's names: each word, plus the word without a definite article."""
    out: set[str] = set()
    for part in parts:
        if part:
            out.update(_part_tokens(part))
    return out


ARTICLES = {"al", "el", "ul", "ال"}


def strip_article(word: str) -> str:
    """`alhaddad` → `haddad`, `الحداد` → `حداد`; other words unchanged."""
    if word.startswith("ال") and len(word) > 4:
        return word[2:]
    return _ARTICLE_LATIN.sub("", word)


def query_words(query: str) -> list[str]:
    """The words a name search looks up, longest first: each query word in the form without its
    definite article (names are indexed under both forms, so this finds the same people as the word
    with its article, and people whose name lacks the article too). A lone article is dropped when
    the query has other words."""
    out: list[str] = []
    for forms in query_tokens(query):
        if forms[-1] not in out:
            out.append(forms[-1])
    return out


def query_tokens(query: str) -> list[list[str]]:
    """The words of a search query, longest first, each with its accepted forms (matched as prefixes):
    the word itself and the word without a definite article. A lone article ("al", "ال") is dropped
    when the query has other words, since names are indexed with and without it."""
    words = [w for w in normalise(query).split(" ") if w]
    if any(w not in ARTICLES for w in words):
        words = [w for w in words if w not in ARTICLES]
    out: list[list[str]] = []
    for word in sorted(set(words), key=len, reverse=True):
        forms = [word]
        stripped = strip_article(word)
        if stripped != word:
            forms.append(stripped)
        out.append(forms)
    return out
