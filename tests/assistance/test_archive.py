"""The payment file as an encrypted archive: AES-256 ZIP that opens with its generated password and not
without (nor with another); the password is printed once on stderr by the CLI, shown on its own page by
the web (never in a URL, a file name or the audit trail), returned in one API answer while the archive
is fetched once, by the same user, by its id; everything audited."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyzipper
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.assistance.conftest import World, released_plan
from tests.assistance.test_cli import invoke, runner
from tests.helpers import PASSWORD
from tests.web.support import BASE, csrf_of, login

from refugio.assistance.service import archive
from refugio.cli.app import app
from refugio.main import create_app
from refugio.security.models import AuditEntry
from refugio.store.uow import unit_of_work


def opened(data: bytes, password: str | None) -> bytes:
    with pyzipper.AESZipFile(io.BytesIO(data)) as zf:
        if password is not None:
            zf.setpassword(password.encode())
        (name,) = zf.namelist()
        return zf.read(name)


def assert_locked(data: bytes, password: str) -> None:
    """Opens with the password, not without it nor with a wrong one; AES (WinZip AE), not ZipCrypto."""
    with zipfile.ZipFile(io.BytesIO(data)) as plain:
        info = plain.infolist()[0]
        assert info.flag_bits & 0x1 and info.compress_type == 99  # encrypted, AES method
        with pytest.raises((RuntimeError, NotImplementedError)):
            plain.read(info)
    with pytest.raises(RuntimeError):
        opened(data, None)
    with pytest.raises(RuntimeError):
        opened(data, "not-the-password")
    assert password not in data.decode("latin-1")


def audit_text(world: World) -> str:
    with unit_of_work(world.container.sessions) as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.details)).all()
    return json.dumps([[a, d] for a, d in rows], default=str)


def test_cli_writes_the_archive_and_prints_the_password_once_on_stderr(world: World, tmp_path: Path) -> None:
    plan = released_plan(world)
    out = tmp_path / "payments.zip"
    settings = world.container.settings
    result = runner.invoke(
        app,
        [
            *("assistance", "payments", "export", plan, "--out", str(out), "--encrypt"),
            *("--db", settings.database_url, "--data-dir", str(settings.data_dir)),
        ],
    )
    assert result.exit_code == 0, result.output
    password = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"([2-9a-zA-Z]{6}-){3}[2-9a-zA-Z]{6}", password), result.stderr
    assert result.stderr.count(password) == 1 and password not in result.stdout and password not in out.name
    assert "AES-256" in result.stdout
    data = out.read_bytes()
    assert_locked(data, password)
    rows = list(csv.DictReader(io.StringIO(opened(data, password).decode())))
    assert len(rows) == 3 and {"payment_id", "household_id", "amount", "currency"} <= set(rows[0])
    audit = audit_text(world)
    assert "assistance.plan.export_encrypted" in audit and password not in audit
    code, text = invoke(
        world, "assistance", "payments", "export", plan, "--out", str(tmp_path / "p.zip"), "--encrypt",
        "--format", "pdf",
    )  # fmt: skip
    assert code != 0 and "choose csv or xlsx" in text


def test_xlsx_archive_and_a_plan_not_yet_authorised(world: World) -> None:
    plan = released_plan(world)
    with unit_of_work(world.container.sessions) as s:
        made = archive.encrypted_export(s, actor=world.who("officer"), plan_key=plan, fmt="xlsx")
    assert made.member == f"{plan}.xlsx"
    assert_locked(made.data, made.password)
    assert opened(made.data, made.password)[:2] == b"PK"  # the workbook inside
    with unit_of_work(world.container.sessions) as s:
        other = archive.encrypted_export(s, actor=world.who("officer"), plan_key=plan, fmt="xlsx")
    assert other.password != made.password


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def test_web_shows_the_password_on_its_own_page_and_serves_the_archive_once(
    client: TestClient, world: World
) -> None:
    plan = released_plan(world)
    login(client, "officer")
    page = client.get(f"/assistance/plans/{plan}").text
    assert f'action="/assistance/plans/{plan}/archive"' in page
    r = client.post(f"/assistance/plans/{plan}/archive", data={"format": "csv", "csrf_token": csrf_of(page)})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    password = re.search(r'<code id="archive-password">([^<]+)</code>', r.text).group(1)  # type: ignore[union-attr]
    link = re.search(rf'href="(/assistance/plans/{plan}/archive/[^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    assert password not in link
    login(client, "approver1")  # another user cannot take it
    assert client.get(link).status_code in (403, 404)
    login(client, "officer")
    got = client.get(link)
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    assert (
        password not in got.headers["content-disposition"]
        and f"{plan}.csv.zip" in got.headers["content-disposition"]
    )
    assert_locked(got.content, password)
    assert b"payment_id" in opened(got.content, password)
    assert client.get(link).status_code == 404  # once
    assert not list((world.container.settings.data_dir / "exports").glob("*.zip"))
    audit = audit_text(world)
    assert "assistance.plan.archive_fetched" in audit and password not in audit


def test_api_gives_the_password_then_the_archive_once(client: TestClient, world: World) -> None:
    plan = released_plan(world)
    token = client.post("/api/v1/tokens", json={"username": "officer", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    r = client.post(f"/api/v1/assistance/plans/{plan}/export/encrypted?format=csv", headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    got = client.get(body["download"], headers=headers)
    assert got.status_code == 200
    assert_locked(got.content, body["password"])
    assert b"payment_id" in opened(got.content, body["password"])
    assert client.get(body["download"], headers=headers).status_code == 404
    r = client.post(f"/api/v1/assistance/plans/{plan}/export/encrypted?format=pdf", headers=headers)
    assert r.status_code == 422
