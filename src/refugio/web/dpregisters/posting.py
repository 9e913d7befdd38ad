"""What every form of the data protection registers' pages (breaches, DPIA) does when posted: its
fields read (blank ones dropped), the action run in one unit of work under the form's name, then a
redirect to where the action says (a record's page: back to it, `?done=<form>`); a refused action
renders the page again (422) with the errors beside the fields."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.web import forms
from refugio.web.common import Failure, run_action
from refugio.web.context import Page, parse_uuid


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


ListAction = Callable[[Page, dict[str, Any]], str]  # (page, fields) → where to go next
RecordAction = Callable[[Page, uuid.UUID, dict[str, Any]], object]  # (page, record id, fields)


@dataclass(frozen=True)
class RegisterPages:
    """A register's two pages, its list and a record's page, and how each renders again with a refused
    form (`render_list(request, failure, status)`, `render_record(request, record id, failure, status)`)."""

    path: str
    render_list: Callable[[Request, Failure | None, int], Response]
    render_record: Callable[[Request, uuid.UUID, Failure | None, int], Response]
    anchor: bool = False  # a record page's form goes back to its own place on the page (#<form>)

    async def post_list(
        self, request: Request, *, name: str, inputs: tuple[str, ...], act: ListAction
    ) -> Response:
        """A form of the list page: `act` returns where to go next."""
        form = await request.form()
        return await post_fields(
            request, form, name=name, inputs=inputs, act=act,
            on_failure=lambda f: self.render_list(request, f, 422),
        )  # fmt: skip

    async def post_record(
        self,
        request: Request,
        record_id: str,
        *,
        name: str,
        inputs: tuple[str, ...],
        act: RecordAction,
    ) -> Response:
        """A form of a record's page: `act(page, record id, fields)`, then back to the page."""
        rid, form = parse_uuid(record_id), await request.form()

        def done(pg: Page, data: dict[str, Any]) -> str:
            act(pg, rid, data)
            return f"{self.path}/{rid}?done={name}" + (f"#{name}" if self.anchor else "")

        return await post_fields(
            request, form, name=name, inputs=inputs, act=done,
            on_failure=lambda f: self.render_record(request, rid, f, 422),
        )  # fmt: skip
