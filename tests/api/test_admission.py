"""refugio.api.admission: no more than `limit` requests run at once; the others wait and then run. The
limit is the REFUGIO_API_CONCURRENCY setting (24 by default, at least 1)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import ValidationError
from starlette.types import Receive, Scope, Send
from typer.testing import CliRunner

from refugio.api.admission import Admission
from refugio.api.app import build_api
from refugio.cli.app import app as cli
from refugio.config import Settings
from refugio.main import Container


def test_at_most_limit_requests_run_at_once_and_all_run() -> None:
    running = 0
    most = 0
    done = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal running, most, done
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        done += 1

    gate = Admission(app, limit=3)

    async def noop() -> None:
        return None

    async def main() -> None:
        await asyncio.gather(*(gate({"type": "http"}, noop, noop) for _ in range(20)))  # type: ignore[arg-type]
        await gate({"type": "lifespan"}, noop, noop)  # type: ignore[arg-type]  (not counted: not http)

    asyncio.run(main())
    assert most == 3 and done == 21


def test_limit_must_admit_someone() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Admission(lambda *_: None, limit=0)  # type: ignore[arg-type]


def test_the_api_admits_as_many_requests_as_the_setting_says(
    container: Container, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert Settings(data_dir=tmp_path).admitted == 6  # the embedded SQLite database: one writer
    assert Settings(data_dir=tmp_path, db_url="postgresql://db.example/refugio").admitted == 24
    monkeypatch.setenv("REFUGIO_API_CONCURRENCY", "7")
    assert Settings(data_dir=tmp_path).admitted == 7
    assert Settings(data_dir=tmp_path, db_url="postgresql://db.example/refugio").admitted == 7
    container.settings = container.settings.model_copy(update={"api_concurrency": 5})
    gates = [m for m in build_api(container).user_middleware if m.cls is Admission]
    assert [gate.kwargs["limit"] for gate in gates] == [5]


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_an_api_concurrency_below_one_is_refused_clearly(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REFUGIO_API_CONCURRENCY", value)
    with pytest.raises(ValidationError, match="api_concurrency"):
        Settings(data_dir=tmp_path)
    result = CliRunner().invoke(cli, ["db", "upgrade", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert "error: REFUGIO_API_CONCURRENCY: " in result.output + result.stderr, result.output
    assert not (tmp_path / "data").exists()  # refused before anything was made
