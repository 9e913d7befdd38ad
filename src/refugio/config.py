"""Settings: one object, from environment variables (REFUGIO_*) and CLI flags.

Read only by refugio.main and refugio.cli; everything below receives plain values.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(user_data_dir("refugio", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFUGIO_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    db_url: str | None = None  # default: SQLite file in data_dir
    secrets_dir: Path | None = None  # default: data_dir / "secrets" (never inside the database)
    # the master key of the encrypted fields (refugio.security.field_keys); default secrets/field-master.keys
    field_key_file: Path | None = None
    cookie_secure: bool = True
    session_cookie: str = "refugio_session"
    csrf_cookie: str = "refugio_csrf"
    max_request_bytes: int = 2_000_000
    # an import file's upload (web, API, OpenRosa): as large as the CSV reader's own limit, plus headroom
    max_import_bytes: int = 1_100 * 1024 * 1024
    # an import left unfinished this long (no change) has its staged personal data deleted
    staging_retention_days: int = 14
    # retention rules (refugio.dataprotection): protection cases closed, people departed (untouched since),
    # people deceased this many years ago are anonymised; `refugio serve` runs the rules every
    # `retention_interval_hours` (0: never, leave it to cron and `refugio retention run`)
    retention_closed_case_years: int = 7
    retention_departed_years: int = 5
    retention_deceased_years: int = 2
    retention_interval_hours: int = 24
    # a personal data breach is to be notified to the supervisory authority within this many hours of its
    # discovery (refugio.dataprotection.breaches; 72 as in GDPR art. 33); a breach may set its own
    breach_authority_hours: int = 72
    # data subject rights (refugio.dataprotection.rights): days to answer a request from its receipt
    rights_deadline_days: int = Field(30, ge=1, le=365)
    default_locale: str = "en"
    htmx_path: Path | None = None  # default: node_modules/htmx.org/dist/htmx.min.js of the checkout
    # addresses of the reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated IPs or
    # networks, e.g. "10.0.0.5"); none by default: the client address is the socket's, so a request
    # cannot pick its own address and slip past the per-address sign-in delay
    trusted_proxies: str = ""
    # API requests run at once (REFUGIO_API_CONCURRENCY, at least 1); the others wait their turn holding
    # no thread and no database connection (refugio.api.admission). Unset: 24 on PostgreSQL (below its
    # pool of 40 connections and the server's 40 worker threads, leaving room for the web pages and the
    # follow-up units of work of refused reads), 6 on SQLite (one writer at a time: requests waiting in
    # the admission queue wait in turn, where those waiting for SQLite's lock give up after 10 s)
    api_concurrency: int | None = Field(None, ge=1)

    @property
    def admitted(self) -> int:
        """API requests run at once: the setting, else the backend's default (see `api_concurrency`)."""
        if self.api_concurrency is not None:
            return self.api_concurrency
        return 6 if self.database_url.startswith("sqlite") else 24

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'refugio.sqlite3'}"

    @property
    def secrets_path(self) -> Path:
        return self.secrets_dir or (self.data_dir / "secrets")
