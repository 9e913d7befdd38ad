"""The API against its own OpenAPI document (schemathesis, in process through the ASGI app).

Every operation of `/api/v1/openapi.json` is called by an authenticated administrator with inputs
schemathesis derives from the schema (its examples and random fuzzing), on a fresh seeded database,
once per backend. Every built-in check runs: no server error, every status code, content type and
header documented, responses matching their schemas, schema-valid input accepted and invalid input
refused, and 405 answers whose `Allow` names the methods the document gives for the path.

Bounded to stay fast in the suite: a fixed seed, deterministic generation, `MAX_EXAMPLES` per
operation, no shrinking, no stateful phase. The boundary/negative "coverage" phase (every edge case of
every schema: about three minutes here) runs when REFUGIO_SCHEMATHESIS_COVERAGE=1.

The schemathesis pytest plugin (`from_fixture`) does not work with pytest 9 (`Function._nodeid`), so
the engine is driven directly and its failures collected. `DELETE /tokens/current` is left out: it
would revoke the token of the run (it is tested in tests/api/test_auth.py).

`KNOWN` lists the findings not fixed yet, per (check, operation): inputs valid by the schema that the
domain refuses with 422 (semantic rules the schema does not express yet). Any other failure fails the
test; remove an entry once its operation's schema says what the domain accepts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from tests.api.conftest import build_app, seed_api
from tests.conftest import fresh_postgres_database, postgres_server_url
from tests.helpers import PASSWORD, build_container

API = "/api/v1"
SEED = 20261206
MAX_EXAMPLES = 1
COVERAGE_ENV = "REFUGIO_SCHEMATHESIS_COVERAGE"

KNOWN: set[tuple[str, str]] = {
    ("positive_data_acceptance", "POST /agreements"),
    ("positive_data_acceptance", "POST /retention/holds"),
    ("positive_data_acceptance", "POST /dataprotection/breaches/{breach_id}/affected"),  # dates 1970-2200
    ("positive_data_acceptance", "POST /dataprotection/requests"),  # a reference not registered
    ("positive_data_acceptance", "GET /sharing/frameworks/{name}/values"),
    ("positive_data_acceptance", "GET /tracking/charts/{name}.{fmt}"),
    ("positive_data_acceptance", "GET /tracking/flow-surveys/form.xlsx"),
    ("positive_data_acceptance", "POST /dedup/desk-check"),
    ("positive_data_acceptance", "POST /households"),
    ("positive_data_acceptance", "POST /protection/cases"),
    ("positive_data_acceptance", "POST /protection/cases/from-need"),
    ("positive_data_acceptance", "POST /protection/organisations"),
    ("positive_data_acceptance", "POST /protection/services"),
    ("positive_data_acceptance", "POST /sharing/keys/compute"),
    ("positive_data_acceptance", "POST /sharing/keys/sensitivity"),
    ("positive_data_acceptance", "POST /sharing/ledger"),
    ("positive_data_acceptance", "POST /sharing/pledges"),
    # not met in the run before the matching-models operation shifted the seeded generation; met after
    ("positive_data_acceptance", "POST /assistance/plans/{plan}/reconcile"),
    ("positive_data_acceptance", "POST /solutions/claims"),
    ("positive_data_acceptance", "POST /solutions/returns/visits"),  # participants must be registered
    ("positive_data_acceptance", "POST /solutions/matching/runs"),
    ("positive_data_acceptance", "POST /solutions/matching/models"),  # the CSV text is checked line by line
    ("positive_data_acceptance", "POST /solutions/resettlement/cases"),
    ("positive_data_acceptance", "POST /tracing/requests"),
    ("positive_data_acceptance", "POST /tracking/assessments"),
    ("positive_data_acceptance", "POST /tracking/flow-surveys/form"),
}


def _config(token: str, coverage: bool) -> SchemathesisConfig:
    return SchemathesisConfig.from_str(
        f"""
seed = {SEED}
headers = {{ Authorization = "Bearer {token}" }}
[generation]
max-examples = {MAX_EXAMPLES}
deterministic = true
no-shrink = true
[phases.coverage]
enabled = {"true" if coverage else "false"}
[phases.stateful]
enabled = false
"""
    )


def _run(app: FastAPI, token: str) -> dict[tuple[str, str], str]:
    """{(check, operation): first failure message} of a bounded run against `app`."""
    coverage = os.environ.get(COVERAGE_ENV) == "1"
    schema = schemathesis.openapi.from_asgi(f"{API}/openapi.json", app, config=_config(token, coverage))
    schema = schema.exclude(path="/tokens/current", method="DELETE")
    failures: dict[tuple[str, str], str] = {}
    errors: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(repr(event))
        if isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.failure_info is not None:
                        failure = node.failure_info.failure
                        key = (node.name, event.label or "?")
                        failures.setdefault(key, f"{failure.title}: {failure.message}"[:300])
    assert not errors, errors
    return failures


def _app_and_token(url: str, data: Path) -> Iterator[tuple[FastAPI, str]]:
    container = build_container(url, data)
    seed_api(container)
    app = build_app(container)
    try:
        with TestClient(app, base_url="https://testserver") as client:
            r = client.post(f"{API}/tokens", json={"username": "admin", "password": PASSWORD})
            assert r.status_code == 201, r.text
            yield app, str(r.json()["token"])
    finally:
        container.engine.dispose()


def _check(app: FastAPI, token: str) -> None:
    failures = _run(app, token)
    unexpected = {key: message for key, message in failures.items() if key not in KNOWN}
    assert not unexpected, "\n".join(
        f"{check} {op}: {msg}" for (check, op), msg in sorted(unexpected.items())
    )


def test_api_conforms_to_its_openapi_document_sqlite(tmp_path: Path) -> None:
    for app, token in _app_and_token(f"sqlite:///{tmp_path / 'api.sqlite3'}", tmp_path / "data"):
        _check(app, token)


@pytest.mark.postgres
def test_api_conforms_to_its_openapi_document_postgresql(tmp_path: Path) -> None:
    server = postgres_server_url()
    if server is None:
        pytest.skip("PostgreSQL tests need REFUGIO_TEST_POSTGRES_URL")
    with fresh_postgres_database(server) as url:
        for app, token in _app_and_token(url, tmp_path / "data"):
            _check(app, token)
