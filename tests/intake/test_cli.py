"""`refugio import …` and `refugio forms …` end to end on a real database and real files."""

from __future__ import annotations

from pathlib import Path

from tests.intake.support import FAMILY, write_csv
from typer.testing import CliRunner

from refugio.cli.app import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_import_registrations_report_commit_and_reimport(db_url: str, tmp_path: Path) -> None:
    env = ["--db", db_url, "--data-dir", str(tmp_path / "data")]
    assert invoke("operations", "create", "JOR", "--name", "Jordan", "--country", "JOR", *env)[0] == 0
    assert invoke("operations", "add-site", "JOR", "ZAA", "--name", "Zaatari", "--kind", "camp", *env)[0] == 0
    path = write_csv(tmp_path, [*FAMILY, "H2,P4,head,Ali,Omar,M,31/02/1990,SYR,yes,,"])
    report, mapping = tmp_path / "report.xlsx", tmp_path / "mapping.yaml"
    code, out = invoke(
        "import",
        "registrations",
        str(path),
        "--site",
        "ZAA",
        "--report",
        str(report),
        "--save-mapping",
        str(mapping),
        *env,
    )
    assert code == 0, out
    assert "DOB" in out and "date_of_birth" in out  # the suggested mapping is shown
    assert "1 households to register (3 people)" in out and "1 rows with errors" in out
    assert "not committed" in out and report.read_bytes()[:2] == b"PK"
    batch_id = next(line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("import "))
    code, out = invoke("import", "commit", batch_id, *env)
    assert code == 0 and "1 households (3 people) registered" in out, out
    code, out = invoke(
        "import", "registrations", str(path), "--site", "ZAA", "--mapping", str(mapping), "--commit", *env
    )
    assert code == 0 and "3 unchanged" in out and "0 households (0 people) registered" in out, out


def test_import_refuses_unreadable_files_clearly(db_url: str, tmp_path: Path) -> None:
    env = ["--db", db_url, "--data-dir", str(tmp_path / "data")]
    invoke("operations", "create", "JOR", "--name", "Jordan", "--country", "JOR", *env)
    invoke("operations", "add-site", "JOR", "ZAA", "--name", "Zaatari", *env)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    code, out = invoke("import", "registrations", str(old), "--site", "ZAA", *env)
    assert code == 1 and "save it as .xlsx or CSV" in out


def test_forms_export_and_check(tmp_path: Path) -> None:
    out_file = tmp_path / "registration.xlsx"
    code, out = invoke("forms", "export", "--out", str(out_file))
    assert code == 0 and "valid (pyxform)" in out and out_file.exists()
    code, out = invoke("forms", "check", str(out_file))
    assert code == 0 and "valid XLSForm" in out
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    code, out = invoke("forms", "check", str(broken))
    assert code == 1 and "error:" in out


def test_unfinished_imports_are_purged_after_their_idle_days(db_url: str, tmp_path: Path) -> None:
    """Issue 14 item 6: a staged import nobody commits kept its personal data forever."""
    import datetime as dt

    from sqlalchemy import func, select

    from refugio.config import Settings
    from refugio.core import clock
    from refugio.intake.models import ImportBatch, StagedRow
    from refugio.main import build
    from refugio.security.models import AuditEntry
    from refugio.store.uow import unit_of_work

    env = ["--db", db_url, "--data-dir", str(tmp_path / "data")]
    assert invoke("operations", "create", "JOR", "--name", "Jordan", "--country", "JOR", *env)[0] == 0
    assert invoke("operations", "add-site", "JOR", "ZAA", "--name", "Zaatari", "--kind", "camp", *env)[0] == 0
    code, out = invoke("import", "registrations", str(write_csv(tmp_path, FAMILY)), "--site", "ZAA", *env)
    assert code == 0, out
    batch_id = next(line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("import "))
    code, out = invoke("import", "purge", *env)
    assert code == 0 and "0 unfinished import(s)" in out, out
    with clock.frozen(clock.now() + dt.timedelta(days=15)):
        code, out = invoke("import", "purge", *env)
    assert code == 0 and "1 unfinished import(s) idle for 14 days" in out and batch_id in out, out
    container = build(Settings(db_url=db_url, data_dir=tmp_path / "data"))
    with unit_of_work(container.sessions) as s:
        batch = s.scalar(select(ImportBatch))
        assert batch is not None and batch.status == "expired"
        assert s.scalar(select(func.count()).select_from(StagedRow)) == 0
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "intake.batch_expired")) is not None
    code, out = invoke("import", "commit", batch_id, *env)
    assert code == 1 and "expired" in out, out
