"""App-wide behaviour: request size limit (HTML page or problem+json), error pages without stack
traces, and the audit page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.web.support import csrf_of


def test_oversized_form_gets_an_html_413(client: TestClient, seeded, container):
    limit = container.settings.max_request_bytes
    response = client.post(
        "/login",
        content=b"a=" + b"x" * (limit + 10),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Request too large" in response.text
    assert response.headers["content-security-policy"]


def test_oversized_body_without_content_length_is_cut_off(client: TestClient, seeded, container):
    limit = container.settings.max_request_bytes

    def chunks():
        for _ in range(limit // 50_000 + 2):
            yield b"x" * 50_000

    response = client.post(
        "/verify", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


def test_oversized_api_request_gets_problem_json(client: TestClient, seeded, container):
    limit = container.settings.max_request_bytes
    response = client.post(
        "/api/v1/tokens",
        content=b"{" + b" " * (limit + 10) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 413


def test_not_found_and_method_not_allowed_pages(client: TestClient, seeded):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Page not found" in missing.text and "<html" in missing.text
    wrong = client.delete("/login")
    assert wrong.status_code == 405 and "Method not allowed" in wrong.text


def test_server_error_page_has_no_stack_trace(container, seeded):
    from tests.web.conftest import make_app

    app = make_app(container)

    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.headers["content-security-policy"] and response.headers["x-frame-options"] == "DENY"


def test_audit_page_and_chain_check(client: TestClient, seeded, signed_in):
    signed_in("clerk")
    assert client.get("/audit").status_code == 403
    signed_in("imo")
    page = client.get("/audit")
    assert page.status_code == 200 and "session.start" in page.text
    assert "Verify the chain" not in page.text  # IM officers may read the log, not run the check
    assert client.post("/audit/verify", data={"csrf_token": csrf_of(page.text)}).status_code == 403
    signed_in("admin")
    page = client.get("/audit")
    report = client.post("/audit/verify", data={"csrf_token": csrf_of(page.text)})
    assert report.status_code == 200 and "The chain is intact" in report.text
    assert client.post("/audit/verify", data={}).status_code == 403


def test_dashboard_figures_for_the_users_sites(client: TestClient, seeded, signed_in):
    from tests.web.support import register_through_form

    signed_in("clerk")
    assert register_through_form(client, seeded.camp_id).status_code == 303
    page = client.get("/").text
    assert "ZAA · Zaatari camp" in page and "Syrian Arab Republic" in page
    signed_in("viewer")  # AMM only: sees none of it
    page = client.get("/").text
    assert "Zaatari" not in page and "Nobody is registered yet." in page


def _access_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "refugio.access"]


def test_access_log_names_the_route_not_the_registration_number(client: TestClient, seeded, caplog):
    """Registration numbers in paths are personal data: the log keeps the route template."""
    import logging

    with caplog.at_level(logging.INFO, logger="refugio.access"):
        client.get("/api/v1/households/JOR-25-000001")
        client.get("/people/JOR-25-000001-01")
    lines = _access_lines(caplog)
    assert any(line.startswith("GET /api/v1/households/{") for line in lines), lines
    assert any(line.startswith("GET /people/{") for line in lines), lines
    assert "JOR-25-000001" not in " ".join(lines)


def test_a_newline_in_the_path_forges_no_log_line(client: TestClient, seeded, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="refugio.access"):
        client.get("/no-such-page%0A127.0.0.1 GET /admin 200")
        client.get("/people/x%0D%0AGET%20/forged%20200")
    lines = _access_lines(caplog)
    assert len(lines) == 2
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert "forged" not in " ".join(lines) and "/admin" not in " ".join(lines)


def test_a_server_error_is_logged_without_its_message(app, seeded, caplog):
    """The message of an unexpected error may hold personal data (a name in a constraint error)."""
    import logging

    from fastapi.testclient import TestClient as Client

    person = {"name": "Khaled Haddad", "born": "1988-02-14"}  # the traceback's source lines show no value

    def boom() -> None:
        raise RuntimeError(f"duplicate key: {person['name']}, born {person['born']}")

    app.add_api_route("/boom-for-test", boom)
    with Client(app, raise_server_exceptions=False) as c, caplog.at_level(logging.INFO):
        response = c.get("/boom-for-test")
    assert response.status_code == 500 and "Khaled" not in response.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "boom" in logged
    assert "Khaled" not in logged and "1988-02-14" not in logged
