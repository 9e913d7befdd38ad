"""What every form of the data protection registers' pages (breaches, DPIA) does when posted: its
fields read (blank ones dropped), the action run in one unit of work under the form's name, then a
redirect to where the action says; a refused action renders the page again (422) with the errors
beside the fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.web import forms
from refugio.web.common import Failure, run_action
from refugio.web.context import Page


async def post_fields(
    request: Request,
    form: FormData,
    *,
    name: str,
    inputs: tuple[str, ...],
    act: Callable[[Page, dict[str, Any]], str],
    on_failure: Callable[[Failure], Response],
) -> Response:
    """Run `act(page, the non-blank fields of `inputs`)`, which returns where to go next, as the form
    `name`; `on_failure` answers a refusal (the page again, errors beside the fields)."""

    def work(pg: Page) -> str:
        return act(pg, forms.compact({k: forms.text(form, k) for k in inputs}))

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name=name,
        work=work,
        to_input=forms.plain_input(inputs),
        on_failure=on_failure,
    )
