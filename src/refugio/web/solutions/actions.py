"""The form actions of the solutions pages (returns, pathways, resettlement): one small POST route per
action, each running its step in one unit of work after the CSRF check and going where the step says;
a refused step (ValidationFailed 422, Conflict 409, PermissionDenied 403) is rolled back whole and the
page that posted it is shown again with the reasons and the values sent. Must not import refugio.api,
refugio.cli or refugio.main.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from refugio.web.context import Page, state_of


@dataclass(frozen=True)
class Refusal:
    """A refused action: which one (its verb and the key in its path), why, the values sent, the status."""

    verb: str
    key: str
    errors: list[FieldError]
    values: dict[str, str]
    status: int


Step = Callable[[Page, FormData, str, str], str]  # (page, form, verb, key) → where to go next
Refused = Callable[[Request, Refusal], Response]  # the page again, with the refusal


def _act(
    request: Request, form: FormData, verb: str, key: str, *, step: Step, refused: Refused, code: str
) -> Response:
    try:
        with state_of(request).page(request) as pg:
            pg.check_csrf(form)
            target = step(pg, form, verb, key)
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        errors = list(getattr(exc, "errors", [])) or [FieldError("form", exc.message, code)]
        status = 422 if isinstance(exc, ValidationFailed) else 409 if isinstance(exc, Conflict) else 403
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return refused(request, Refusal(verb, key, errors, values, status))
    return RedirectResponse(target, status_code=303)


def add_actions(
    router: APIRouter,
    *,
    name: str,
    step: Step,
    refused: Refused,
    routes: Iterable[tuple[str, str]],
    code: str = "refused",
) -> None:
    """A POST route for each (path, verb) of `routes`, named `<name>_<verb>`; a path with `{key}` hands
    it to the step. `code` is that of the error given for a refusal that names no field."""

    act = partial(_act, step=step, refused=refused, code=code)

    def handler(verb: str, keyed: bool) -> Any:
        async def with_key(request: Request, key: str) -> Response:
            form = await request.form()
            return await run_in_threadpool(act, request, form, verb, key)

        async def plain(request: Request) -> Response:
            form = await request.form()
            return await run_in_threadpool(act, request, form, verb, "")

        chosen = with_key if keyed else plain
        chosen.__name__ = f"{name}_{verb}"
        return chosen

    for path, verb in routes:
        router.add_api_route(path, handler(verb, "{key}" in path), methods=["POST"])


__all__ = ["Refusal", "add_actions"]
