"""Signing in and out, throttling, CSRF on every state-changing form, cookie flags and security headers."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.helpers import PASSWORD
from tests.web.support import csrf_of, household_form, login

from refugio.registration.models import Household
from refugio.web.middleware import CSP


def set_cookie_headers(response) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]


def test_login_success_sets_a_hardened_session_cookie(client: TestClient, seeded, container):
    response = login(client, "clerk")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(
        c for c in set_cookie_headers(response) if c.startswith(container.settings.session_cookie + "=")
    )
    lowered = cookie.lower()
    assert "httponly" in lowered and "secure" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "Clerk" in dashboard.text


def test_login_form_sets_a_strict_double_submit_cookie(client: TestClient, seeded, container):
    page = client.get("/login")
    cookie = next(c for c in set_cookie_headers(page) if c.startswith(container.settings.csrf_cookie + "="))
    lowered = cookie.lower()
    assert "httponly" in lowered and "secure" in lowered and "samesite=strict" in lowered
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value not in page.text  # the form carries an HMAC of the cookie, not the cookie itself


def test_login_failure_says_so_and_sets_no_session(client: TestClient, seeded, container):
    response = login(client, "clerk", "wrong password entirely")
    assert response.status_code == 401
    assert "Unknown username or wrong password." in response.text
    assert not any(
        c.startswith(container.settings.session_cookie + "=") for c in set_cookie_headers(response)
    )
    assert client.get("/").status_code == 303


def test_login_is_delayed_with_a_clear_message(client: TestClient, seeded):
    """Failures delay the next attempt (never a lock): the page says how long, then the password works."""
    import datetime as dt

    from refugio.core import clock

    start = clock.now()
    with clock.frozen(start):
        for _ in range(3):
            assert login(client, "clerk", "not the password").status_code == 401
        response = login(client, "clerk")  # the right password too, until the wait has passed
        assert response.status_code == 429
        assert "Too many failed sign-in attempts. Wait 1 seconds" in response.text
        assert response.headers["retry-after"] == "1"
    with clock.frozen(start + dt.timedelta(seconds=1)):
        assert login(client, "clerk").status_code == 303


def test_login_without_or_with_wrong_csrf_is_forbidden(client: TestClient, seeded):
    client.get("/login")
    missing = client.post("/login", data={"username": "clerk", "password": PASSWORD})
    assert missing.status_code == 403
    wrong = client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": "x" * 64})
    assert wrong.status_code == 403
    assert "Access denied" in wrong.text and "Traceback" not in wrong.text
    assert client.get("/").status_code == 303  # not signed in


def test_login_token_from_another_browser_is_refused(app, seeded):
    with TestClient(app, base_url="https://testserver") as other:
        foreign_token = csrf_of(other.get("/login").text)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        client.get("/login")
        response = client.post(
            "/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": foreign_token}
        )
        assert response.status_code == 403


def test_register_without_or_with_wrong_csrf_is_forbidden(client: TestClient, seeded, signed_in, container):
    signed_in("clerk")
    data = household_form(seeded.camp_id, "")
    del data["csrf_token"]
    assert client.post("/households/new", data=data).status_code == 403
    data["csrf_token"] = "forged"
    assert client.post("/households/new", data=data).status_code == 403
    # the double-submit token of the login form is not the session's token either
    login_token = csrf_of(client.get("/verify").text)
    assert client.post("/households/new", data={**data, "csrf_token": login_token + "x"}).status_code == 403
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 0


def test_htmx_requests_may_send_the_token_in_a_header(client: TestClient, seeded, signed_in):
    signed_in("clerk")
    token = csrf_of(client.get("/search").text)
    ok = client.post("/search", data={"q": "zz"}, headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert ok.status_code == 200
    bad = client.post("/search", data={"q": "zz"}, headers={"HX-Request": "true", "X-CSRF-Token": "nope"})
    assert bad.status_code == 403
    page = client.get("/search").text
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in page


def test_logout_ends_the_session(client: TestClient, seeded, signed_in, container):
    signed_in("clerk")
    old_cookie = client.cookies.get(container.settings.session_cookie)
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={}).status_code == 403
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/").status_code == 303
    client.cookies.set(container.settings.session_cookie, old_cookie)  # a stolen cookie is dead too
    assert client.get("/").status_code == 303


def test_pages_need_a_session(client: TestClient, seeded):
    for path in ("/", "/households/new", "/search", "/audit", "/people/00000000-0000-0000-0000-000000000000"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    htmx = client.get("/households/new/member?index=2", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/login"


def test_security_headers_on_every_response(client: TestClient, seeded, signed_in):
    signed_in("clerk")
    for path in ("/", "/login", "/verify", "/no-such-page", "/static/css/refugio.css", "/api/v1/nothing"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CSP, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert "camera=()" in headers["permissions-policy"]
        assert headers["cross-origin-opener-policy"] == "same-origin"
        assert headers["strict-transport-security"].startswith("max-age=")
    assert client.get("/").headers["cache-control"] == "no-store"
    assert client.get("/static/css/refugio.css").headers["cache-control"] == "no-cache"


def test_no_hsts_when_cookies_are_not_secure(container, seeded):
    from tests.web.conftest import make_app

    container.settings.cookie_secure = False
    with TestClient(make_app(container), base_url="http://testserver") as client:
        response = client.get("/login")
        assert "strict-transport-security" not in response.headers
        assert all("secure" not in c.lower() for c in set_cookie_headers(response))


def test_pages_have_no_inline_scripts_or_styles(client: TestClient, seeded, signed_in):
    signed_in("admin")
    for path in ("/", "/households/new", "/search", "/verify", "/audit"):
        html = client.get(path).text
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        assert " onclick=" not in html and "javascript:" not in html


def test_access_log_has_no_query_strings(client: TestClient, seeded, caplog):
    with caplog.at_level(logging.INFO, logger="refugio.access"):
        client.get("/login?next=/people/Khaled")
    lines = [r.getMessage() for r in caplog.records if r.name == "refugio.access"]
    assert lines and lines[-1].startswith("GET /login 200")
    assert "Khaled" not in " ".join(lines) and "?" not in " ".join(lines)


def test_open_redirects_are_refused(client: TestClient, seeded):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "clerk",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example/x",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.get("/locale/fr?next=https://evil.example").headers["location"] == "/"
