"""The command line, end to end on real databases and real files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from refugio.cli.app import app
from refugio.store.engine import normalise_url

runner = CliRunner()


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> list[str]:
    return ["--db", db_url, "--data-dir", str(tmp_path / "data")]


def test_help_lists_the_commands() -> None:
    code, out = invoke("--help")
    assert code == 0
    for command in ("demo", "serve", "db", "users", "verify", "audit"):
        assert command in out


def test_demo_builds_an_operation_and_prints_logins(env: list[str]) -> None:
    code, out = invoke("demo", *env, "--households", "60", "--no-serve")
    assert code == 0, out
    assert "Log in with:" in out and "admin" in out and "clerk" in out
    assert "60 households" in out
    # a newcomer finds the flow monitoring survey form published and location assessments to read
    assert "location assessments of JOR in 3 rounds" in out and "survey form refugio_flow_survey_jor" in out
    # a second run reuses the database and prints the same logins
    code2, out2 = invoke("demo", *env, "--households", "60", "--no-serve")
    assert code2 == 0 and "reusing" in out2
    admin_line = next(line for line in out.splitlines() if line.strip().startswith("admin"))
    assert admin_line.split()[1] in out2


def test_demo_lodges_tracing_requests_that_find_the_sought_parent(env: list[str], db_url: str) -> None:
    code, out = invoke("demo", *env, "--households", "300", "--no-serve")
    assert code == 0, out
    line = next(line for line in out.splitlines() if line.startswith("Tracing:"))
    assert line.startswith("Tracing: 3 requests"), line
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.id, lower(p.family_name), i.id, lower(i.family_name), c.status"
                " FROM tracing_sought_person p"
                " JOIN tracing_candidate c ON c.sought_person_id = p.id"
                " JOIN individual i ON i.id = c.individual_id"
            )
        ).all()
        sought_people = conn.execute(text("SELECT count(*) FROM tracing_sought_person")).scalar_one()
    engine.dispose()
    # every request has candidates waiting for review, and the parent it describes is among them
    assert sought_people == 3 and len({r[0] for r in rows}) == 3
    assert all(r[4] == "pending" for r in rows)
    for sought in {r[0] for r in rows}:
        assert any(r[1] == r[3] for r in rows if r[0] == sought), rows


def test_db_upgrade_is_idempotent(env: list[str]) -> None:
    code, out = invoke("db", "upgrade", *env)
    assert code == 0 and "empty →" in out, out
    code, out = invoke("db", "upgrade", *env)
    assert code == 0 and "empty" not in out
    code, out = invoke("db", "current", *env)
    assert code == 0 and out.strip()


def test_users_create_with_scope_and_bad_input(env: list[str]) -> None:
    assert invoke("operations", "create", "JOR", "--name", "Jordan", "--country", "JOR", *env)[0] == 0
    assert invoke("operations", "add-site", "JOR", "ZAA", "--name", "Zaatari", "--kind", "camp", *env)[0] == 0
    code, out = invoke(
        "users",
        "create",
        "amal",
        "--role",
        "registration_clerk",
        "--operation",
        "JOR",
        "--site",
        "ZAA",
        "--password-stdin",
        *env,
        input="a long enough passphrase\n",
    )
    assert code == 0, out
    assert "registration_clerk (JOR/ZAA)" in out
    code, out = invoke(
        "users", "create", "weak", "--role", "administrator", "--password-stdin", *env, input="short\n"
    )
    assert code == 1 and "password" in out
    code, out = invoke(
        "users", "create", "x1", "--role", "sorcerer", "--password-stdin", *env, input="whatever\n"
    )
    assert code == 1 and "unknown role" in out
    code, out = invoke(
        "users",
        "create",
        "x2",
        "--role",
        "viewer",
        "--operation",
        "NOP",
        "--password-stdin",
        *env,
        input="a long enough passphrase\n",
    )
    assert code == 1 and "no operation" in out
    code, out = invoke("users", "list", *env)
    assert "amal" in out and "registration_clerk" in out
    code, token = invoke("users", "token", "amal", "--name", "kobo", *env)
    assert code == 0 and token.strip().startswith("rfg_")


def _issue(db_url: str, data_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    """Register a household through the service and issue a certificate; returns (pdf path, serial)."""
    from tests.helpers import household_payload

    from refugio.config import Settings
    from refugio.main import build
    from refugio.registration import certificate, queries, service
    from refugio.registration.schemas import HouseholdCreate
    from refugio.security.principals import SYSTEM
    from refugio.store import migrate
    from refugio.store.uow import unit_of_work

    container = build(Settings(db_url=db_url, data_dir=data_dir))
    migrate.upgrade(container.engine)
    with unit_of_work(container.sessions) as s:
        op = service.create_operation(s, actor=SYSTEM, code="JOR", name="Jordan", country_iso3="JOR")
        site = service.create_site(s, actor=SYSTEM, operation=op, code="ZAA", name="Zaatari", kind="camp")
        hh = service.register_household(
            s, actor=SYSTEM, data=HouseholdCreate.model_validate(household_payload(site.id))
        )
        person = queries.get_household(s, actor=SYSTEM, key=hh.id).members[0]
        issued = certificate.issue_certificate(
            s, actor=SYSTEM, individual_id=person.id, signer=container.keyring.signing_key()
        )
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(issued.pdf)
    container.engine.dispose()
    return pdf, issued.certificate.serial


def test_verify_certificate_online_offline_tampered_and_revoked(db_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = ["--db", db_url, "--data-dir", str(data_dir)]
    pdf, serial = _issue(db_url, data_dir, tmp_path)
    code, out = invoke("verify", str(pdf), *env)
    assert code == 0 and out.startswith("VALID"), out

    key = tmp_path / "public.pem"
    assert invoke("certificates", "public-key", "--out", str(key), "--data-dir", str(data_dir))[0] == 0
    code, out = invoke("verify", str(pdf), "--public-key", str(key))
    assert code == 0 and "VALID" in out

    # tamper: change the name in the claims, keep the signature
    from refugio.registration.certificate import token_from_pdf

    token = token_from_pdf(pdf.read_bytes())
    prefix, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["fn"] = "Someone Else"
    forged_body = (
        base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    )
    forged = tmp_path / "forged.txt"
    forged.write_text(f"{prefix}.{forged_body}.{sig}")
    code, out = invoke("verify", str(forged), "--public-key", str(key))
    assert code == 2 and out.startswith("TAMPERED"), out
    code, out = invoke("verify", str(forged), *env, "--json")
    assert code == 2 and json.loads(out)["status"] == "tampered"

    # revoke in the registry, then export the signed list for offline checks
    from refugio.config import Settings
    from refugio.main import build
    from refugio.registration import certificate
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = build(Settings(db_url=db_url, data_dir=data_dir))
    with unit_of_work(container.sessions) as s:
        certificate.revoke_certificate(s, actor=SYSTEM, serial=serial, reason="card reported lost")
    container.engine.dispose()
    code, out = invoke("verify", str(pdf), *env)
    assert code == 2 and out.startswith("REVOKED") and "card reported lost" in out
    revoked = tmp_path / "revoked.json"
    assert invoke("certificates", "revocations", "--out", str(revoked), *env)[0] == 0
    code, out = invoke("verify", str(pdf), "--public-key", str(key), "--revocations", str(revoked))
    assert code == 2 and out.startswith("REVOKED")
    altered = json.loads(revoked.read_text())
    altered["revoked"] = {}
    revoked.write_text(json.dumps(altered))
    code, out = invoke("verify", str(pdf), "--public-key", str(key), "--revocations", str(revoked))
    assert code == 1 and "signature" in out

    code, out = invoke("verify", "not-a-file-and-not-a-certificate", "--public-key", str(key))
    assert code == 1 and "no such file" in out


def test_audit_verify_detects_tampering(db_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = ["--db", db_url, "--data-dir", str(data_dir)]
    _issue(db_url, data_dir, tmp_path)
    code, out = invoke("audit", "verify", *env)
    assert code == 0 and out.startswith("OK"), out
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            for name in conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'")).scalars():
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    engine.dispose()
    code, out = invoke("audit", "verify", *env)
    assert code == 2 and "BROKEN" in out and "entry 3" in out


def test_users_unlock_ends_the_delay_of_an_account(tmp_path) -> None:
    """An administrator ends an account's sign-in delay at once (issue 14 item 3), audited."""
    from sqlalchemy import select

    from refugio.config import Settings
    from refugio.core import clock
    from refugio.core.errors import AuthenticationFailed, TooManyAttempts
    from refugio.main import build
    from refugio.security import service as sec
    from refugio.security.models import AuditEntry
    from refugio.store import migrate
    from refugio.store.uow import unit_of_work

    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    created = runner.invoke(
        app,
        [
            "users",
            "create",
            "amina",
            "--role",
            "administrator",
            "--password-stdin",
            "--db",
            db,
            "--data-dir",
            str(tmp_path),
        ],
        input="a long enough passphrase here\n",
    )
    assert created.exit_code == 0, created.output
    container = build(Settings(db_url=db, data_dir=tmp_path))
    migrate.upgrade(container.engine)
    start = clock.now()
    with clock.frozen(start):
        for n in range(4):
            with unit_of_work(container.sessions) as s:
                try:
                    sec.authenticate(s, username="amina", password=f"wrong {n}", client="c")
                except TooManyAttempts:
                    pass
                except AuthenticationFailed:
                    pass
        result = runner.invoke(app, ["users", "unlock", "amina", "--db", db, "--data-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert "3 failed sign-in attempt(s) cleared" in result.output
        with unit_of_work(container.sessions) as s:
            user = sec.authenticate(s, username="amina", password="a long enough passphrase here", client="c")
            assert user.username == "amina"
            assert s.scalar(select(AuditEntry).where(AuditEntry.action == "user.unlock")) is not None
    missing = runner.invoke(app, ["users", "unlock", "nobody", "--db", db, "--data-dir", str(tmp_path)])
    assert missing.exit_code == 1 and "nobody" in missing.output


def test_forwarded_headers_are_believed_only_from_named_proxies(tmp_path) -> None:
    """Issue 14 item 4: uvicorn believed X-Forwarded-For from 127.0.0.1, so a local client could pick
    the address the sign-in delay counts. The loaded app shows whether uvicorn rewrites addresses."""
    import uvicorn
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from refugio.cli.demo import server_options
    from refugio.config import Settings

    def loaded(settings: Settings) -> object:
        options = server_options(settings, "127.0.0.1", 8000)
        options.pop("log_config")
        config = uvicorn.Config(lambda scope, receive, send: None, **options)
        config.load()
        return config.loaded_app

    plain = loaded(Settings(data_dir=tmp_path))
    assert not isinstance(plain, ProxyHeadersMiddleware)
    behind = loaded(Settings(data_dir=tmp_path, trusted_proxies="10.0.0.5"))
    assert isinstance(behind, ProxyHeadersMiddleware)
