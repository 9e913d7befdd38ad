"""Languages: Arabic right-to-left, French and Spanish translations, how the locale is chosen, and
catalogues that are complete and in step with the templates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from tests.web.support import csrf_of

from refugio.web.i18n import LANGUAGES, choose_locale, parse_accept_language

WEB = Path(__file__).resolve().parents[2] / "src" / "refugio" / "web"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_arabic_pages_are_right_to_left_and_translated(client: TestClient, seeded, signed_in):
    signed_in("clerk")
    client.cookies.set("refugio_locale", "ar")
    page = client.get("/households/new").text
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل أسرة" in page  # Register a household
    assert "احفظ الأسرة" in page  # Save the household
    assert "Save the household" not in page
    assert "الجمهوريّة العربيّة السّوريّة" in page  # country names in Arabic too


def test_french_and_spanish(client: TestClient, seeded, signed_in):
    signed_in("clerk")
    client.cookies.set("refugio_locale", "fr")
    page = client.get("/").text
    assert '<html lang="fr" dir="ltr">' in page and "Tableau de bord" in page and "Ménages" in page
    client.cookies.set("refugio_locale", "es")
    page = client.get("/search").text
    assert '<html lang="es" dir="ltr">' in page and "Buscar" in page


def test_french_validation_messages(client: TestClient, seeded, signed_in):
    from tests.web.support import field_error, register_through_form

    signed_in("clerk")
    client.cookies.set("refugio_locale", "fr")
    response = register_through_form(client, seeded.camp_id, **{"members[1][sex]": ""})
    assert response.status_code == 422
    assert field_error(response.text, "f-members-1-sex") == "Erreur : Ce champ est obligatoire."
    assert "Membre 2 · Sexe" in response.text


def test_language_switcher_sets_the_cookie(client: TestClient, seeded, signed_in):
    signed_in("clerk")
    token = csrf_of(client.get("/search").text)
    assert client.post("/locale", data={"lang": "ar", "next": "/search"}).status_code == 403
    response = client.post("/locale", data={"lang": "ar", "next": "/search", "csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/search"
    assert "refugio_locale=ar" in response.headers["set-cookie"]
    assert 'dir="rtl"' in client.get("/search").text


def test_language_link_before_signing_in(client: TestClient, seeded):
    response = client.get("/locale/es?next=/login")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "Iniciar sesión" in client.get("/login").text
    assert "refugio_locale" not in client.get("/locale/xx").headers.get("set-cookie", "")


def test_accept_language_then_default(client: TestClient, seeded):
    page = client.get("/login", headers={"Accept-Language": "de-DE, fr;q=0.8, en;q=0.5"}).text
    assert '<html lang="fr"' in page and "Se connecter" in page
    assert '<html lang="en"' in client.get("/login", headers={"Accept-Language": "de"}).text
    assert parse_accept_language("ar-JO,ar;q=0.9,en;q=0") == ["ar", "ar"]
    assert choose_locale(cookie=None, user_locale="es", accept_language="fr", default="en") == "es"
    assert choose_locale(cookie="ar", user_locale="es", accept_language="fr", default="en") == "ar"
    assert choose_locale(cookie="zz", user_locale=None, accept_language=None, default="fr") == "fr"


def test_error_pages_are_translated(client: TestClient, seeded):
    client.cookies.set("refugio_locale", "ar")
    page = client.get("/no-such-page")
    assert page.status_code == 404 and 'dir="rtl"' in page.text and "الصفحة غير موجودة" in page.text


def _catalogues(lang: str) -> list:
    """The shared catalogue of `lang` and every domain's own (web/<domain>/locale/…)."""
    from refugio.web.i18n import catalogue_paths

    found = []
    for path in catalogue_paths(lang, WEB / "locale"):
        with path.open("rb") as fh:
            found.append(read_po(fh, locale=lang))
    return found


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_catalogue_is_complete_and_keeps_placeholders(lang: str):
    messages = [m for catalog in _catalogues(lang) for m in catalog]
    assert messages, f"no catalogue for {lang}"
    for message in messages:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: untranslated {ids[0]!r}"
        assert not message.fuzzy, f"{lang}: fuzzy {ids[0]!r}"
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= wanted | {"num"}, f"{lang}: placeholders of {ids[0]!r}"
            if len(ids) == 1:
                assert set(PLACEHOLDER.findall(text)) == wanted, f"{lang}: placeholders of {ids[0]!r}"


def test_catalogues_match_the_strings_in_the_code(tmp_path: Path):
    pybabel = Path(sys.executable).with_name("pybabel")
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-o", str(out), "."],
        cwd=WEB,
        check=True,
    )
    with out.open("rb") as fh:
        fresh = {m.id for m in read_po(fh) if m.id}
    for lang in ("fr", "ar", "es"):
        have = {m.id for catalog in _catalogues(lang) for m in catalog if m.id}
        assert fresh - have == set(), f"{lang} lacks strings: run pybabel extract and update (see babel.cfg)"


def test_domain_errors_are_worded_in_the_page_language(client: TestClient, seeded, signed_in):
    from tests.web.support import field_error, register_through_form

    signed_in("clerk")
    client.cookies.set("refugio_locale", "es")
    response = register_through_form(client, seeded.camp_id, **{"arrival_date": "2099-01-01"})
    assert response.status_code == 422
    assert "La fecha de llegada no puede estar en el futuro." in (
        field_error(response.text, "f-arrival_date") or ""
    )
    client.cookies.set("refugio_locale", "en")
    response = register_through_form(client, seeded.camp_id, **{"arrival_date": "2099-01-01"})
    assert "Arrival date cannot be in the future." in (field_error(response.text, "f-arrival_date") or "")
