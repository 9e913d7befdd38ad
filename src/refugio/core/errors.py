"""The refugio exception tree. Every error a caller can act on is one of these.

    RefugioError
    ├── ValidationFailed        bad input; carries one FieldError per wrong field
    │   └── UnknownReference    a field names a record that does not exist (API: 404, not 422)
    ├── NotFound                the record does not exist (or is outside the caller's scope)
    ├── Conflict                the write clashes with existing data (e.g. a document already held)
    │   └── ConcurrentWrite     a database constraint refused the write (saved at the same time)
    ├── PermissionDenied        the principal lacks the AREA_VERB permission for that scope
    ├── AuthenticationFailed    unknown user, wrong password, expired or revoked token
    │   └── TooManyAttempts     login throttled; retry_after seconds
    ├── IntegrityBroken         a tamper-evident structure (audit chain, certificate) failed its check
    └── DatabaseUnavailable     the database was busy or lost (rolled back); retry after retry_after

Domains raise these; the API turns them into problem+json, the web UI into messages beside the fields,
the CLI into a one-line message and a non-zero exit code. This module imports nothing from refugio.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One wrong field: `field` is a dotted path such as `members.2.date_of_birth`."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class RefugioError(Exception):
    """Base of every error raised on purpose by refugio."""

    status = 400
    title = "Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(RefugioError):
    """Input was rejected; `errors` names each wrong field."""

    status = 422
    title = "Validation failed"

    def __init__(self, errors: list[FieldError], message: str | None = None) -> None:
        self.errors = list(errors)
        summary = message or "; ".join(f"{e.field}: {e.message}" for e in self.errors) or "invalid input"
        super().__init__(summary)

    @classmethod
    def single(cls, field: str, message: str, code: str = "invalid") -> ValidationFailed:
        return cls([FieldError(field, message, code)])

    @staticmethod
    def of(errors: list[FieldError], *, unknown: tuple[str, ...]) -> ValidationFailed:
        """The error for a list of field errors: UnknownReference when every one has a code of
        `unknown` (each names a record that does not exist), ValidationFailed otherwise."""
        if errors and all(e.code in unknown for e in errors):
            return UnknownReference(errors)
        return ValidationFailed(errors)


class UnknownReference(ValidationFailed):
    """A field of the input names a record that does not exist (or is outside the caller's scope):
    an unknown household id, site, case reference. Forms and the CLI show it beside the field like any
    other ValidationFailed; the API answers 404 with the same `errors`, since no schema can say which
    ids exist (422 stays for input that breaks a rule the request schema states)."""

    status = 404
    title = "Unknown reference"


class NotFound(RefugioError):
    status = 404
    title = "Not found"


class Conflict(RefugioError):
    status = 409
    title = "Conflict"

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.errors = list(errors or [])


class ConcurrentWrite(Conflict):
    """A database constraint refused the write: data saved at the same time clashes with it. Raised by
    the unit of work in place of the driver's error, whose message (the clashing values) never leaves."""

    def __init__(self) -> None:
        super().__init__("the change clashes with data saved at the same time; reload and try again")


class DatabaseUnavailable(RefugioError):
    """The database refused or lost the connection (SQLite busy past its timeout, PostgreSQL
    restarting): the transaction was rolled back. Raised by the unit of work in place of the driver's
    error; the client may retry after `retry_after` seconds."""

    status = 503
    title = "Service Unavailable"
    retry_after = 5

    def __init__(self) -> None:
        super().__init__("the database is busy or restarting; nothing was saved, retry in a few seconds")


class PermissionDenied(RefugioError):
    status = 403
    title = "Forbidden"


class AuthenticationFailed(RefugioError):
    status = 401
    title = "Authentication failed"


class TooManyAttempts(AuthenticationFailed):
    status = 429
    title = "Too many attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class IntegrityBroken(RefugioError):
    status = 409
    title = "Integrity check failed"
