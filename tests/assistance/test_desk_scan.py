"""The desk's camera scanning, server side: the page offers the (hidden until the script shows it) Scan
button with its two scripts served locally, only the desk page may use the camera, the decoder comes
from node_modules, and a certificate payload posted by the scanner is verified like a typed one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.assistance.conftest import World, frozen_cycle
from tests.web.support import BASE, csrf_of, login

from refugio.main import create_app
from refugio.registration import certificate
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.web.assistance import desk


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def test_desk_offers_the_scanner_and_alone_may_use_the_camera(client: TestClient, world: World) -> None:
    login(client, "desk")
    page = client.get("/assistance/desk")
    assert page.status_code == 200
    assert '<button type="button" id="d-scan"' in page.text and " hidden " in page.text
    assert '<script src="/assistance/vendor/jsQR.js" defer></script>' in page.text
    assert '<script src="/assistance/static/desk-scan.js" defer></script>' in page.text
    assert "camera=(self)" in page.headers["permissions-policy"]
    assert "microphone=()" in page.headers["permissions-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "camera=()" in client.get("/assistance/complaints").headers["permissions-policy"]
    decoder = client.get("/assistance/vendor/jsQR.js")
    if desk.jsqr_path() is None:
        pytest.skip("jsQR is not installed (npm ci)")
    assert decoder.status_code == 200 and decoder.headers["content-type"].startswith("text/javascript")
    assert "jsQR" in decoder.text
    script = client.get("/assistance/static/desk-scan.js")
    assert script.status_code == 200 and "getUserMedia" in script.text and "requestSubmit" in script.text


def test_a_scanned_payload_is_verified_and_a_forged_one_refused(client: TestClient, world: World) -> None:
    frozen_cycle(world)
    with unit_of_work(world.container.sessions) as s:
        token = certificate.issue_certificate(
            s, actor=SYSTEM, individual_id=world.focal_person_id, signer=world.container.keyring.signing_key()
        ).token
    login(client, "desk")
    csrf = csrf_of(client.get("/assistance/desk").text)
    form = {"programme": "WINTER", "desk": "Gate 1", "key": "", "csrf_token": csrf}
    r = client.post("/assistance/desk", data={**form, "token": token})
    assert r.status_code == 200 and world.family_ref in r.text and "145.00 JOD" in r.text
    assert "camera=(self)" in r.headers["permissions-policy"]
    head, body, sig = token.split(".")
    forged = ".".join([head, body, ("A" if sig[0] != "A" else "B") + sig[1:]])
    r = client.post("/assistance/desk", data={**form, "token": forged})
    assert r.status_code == 422 and "certificate refused" in r.text and "145.00 JOD" not in r.text
