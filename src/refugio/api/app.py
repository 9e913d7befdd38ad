"""The API application and `mount_api`, which serves it at /api/v1 inside the outer application.

The API is its own FastAPI application, mounted before every other route of the outer app, so that its
error handlers (problem+json), its request guard (size limit, JSON only) and its OpenAPI document
(`/api/v1/openapi.json`; no Swagger UI: it would need a CDN) apply to /api/v1 and nothing else,
whatever the web UI installs. Any other path under /api/ answers a problem+json 404.

Imports fastapi/starlette and refugio.api; refugio.main only for type checking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from refugio.api import problems
from refugio.api.admission import Admission
from refugio.api.agreements import router as agreements_router
from refugio.api.assistance import router as assistance_router
from refugio.api.assistance_complaints import router as assistance_complaints_router
from refugio.api.dataprotection import router as dataprotection_router
from refugio.api.dataprotection_registers import router as dataprotection_registers_router
from refugio.api.dataprotection_rights import router as rights_router
from refugio.api.dedup import router as dedup_router
from refugio.api.guard import ApiGuard
from refugio.api.intake import mount_intake
from refugio.api.protection import router as protection_router
from refugio.api.registration import PUBLIC_ROUTERS as REGISTRATION_PUBLIC
from refugio.api.registration import ROUTERS as REGISTRATION
from refugio.api.security import audit_router
from refugio.api.security import router as tokens_router
from refugio.api.sharing import router as sharing_router
from refugio.api.solutions import router as solutions_router
from refugio.api.stats import router as stats_router
from refugio.api.tracing import router as tracing_router
from refugio.api.tracking import router as tracking_router

if TYPE_CHECKING:
    from refugio.main import Container

PREFIX = "/api/v1"

DESCRIPTION = """\
REST API of refugio: registration of refugees and migrants at reception (households, individuals,
continuous registration events, specific needs, identity documents, certificates) and search;
protection cases, referrals and the service directory under `/protection`.

**Authentication.** `POST /tokens` with a username and password returns a token; send it as
`Authorization: Bearer <token>`. Sign-in is throttled (429 with `Retry-After`).

**Errors** are `application/problem+json` with `type`, `title`, `status`, `detail` and, for invalid
input, `errors: [{field, message, code}]`, one per wrong field (dotted paths such as
`members.2.date_of_birth`). When a request fails, nothing of it is saved.

**Personal data.** Use `POST /search` rather than `GET /search?q=`: query strings are written to
access logs. Responses carry `Cache-Control: no-store`.
"""

ROUTERS = (
    tokens_router,
    *REGISTRATION_PUBLIC,
    *REGISTRATION,
    audit_router,
    stats_router,
    dedup_router,
    protection_router,
    tracing_router,
    sharing_router,
    tracking_router,
    assistance_router,
    assistance_complaints_router,
    solutions_router,
    dataprotection_router,
    dataprotection_registers_router,
    rights_router,
    agreements_router,
)


def build_api(container: Container) -> FastAPI:
    """The /api/v1 application for `container` (not yet mounted)."""
    api = FastAPI(
        title="refugio API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    api.state.container = container
    problems.install(api)
    api.add_middleware(ApiGuard, max_bytes=container.settings.max_request_bytes)
    # outermost: a request waiting its turn holds no thread and no connection (refugio.api.admission)
    api.add_middleware(Admission, limit=container.settings.admitted)  # REFUGIO_API_CONCURRENCY
    for router in ROUTERS:
        api.include_router(router)
    api.state.api_routes = [route for router in ROUTERS for route in router.routes]  # for 405's Allow

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = get_openapi(
                title=api.title, version=api.version, description=api.description, routes=api.routes
            )
            api.openapi_schema = _problem_media_types(_generic_errors(schema))
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api


_WRITES = {"post", "put", "patch", "delete"}


def _generic_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Document the errors any operation may answer whatever its route declares: 400 (malformed JSON
    or an unreadable request: the request guard and the JSON decoder answer it before the route runs),
    413/415 where a body is accepted (the guard), and 409 for writes (a database constraint refusing
    a concurrent change, mapped by the unit of work)."""
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "Problem", problems.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    for path in schema.get("paths", {}).values():
        for method, operation in path.items():
            wanted = [400]
            if "requestBody" in operation:
                wanted += [413, 415]
            if method in _WRITES:
                wanted.append(409)
            responses = operation.setdefault("responses", {})
            for status in wanted:
                if str(status) not in responses:
                    responses[str(status)] = {
                        "description": problems.ERRORS[status]["description"],
                        "content": {"application/json": {"schema": problem_ref}},
                    }
    return schema


def _problem_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are problem+json (FastAPI files every model under application/json)."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status)[:1] in "45" and content:
                    body = next(iter(content.values())).get("schema", {})
                    response["content"] = {problems.PROBLEM_MEDIA_TYPE: {"schema": body}}
    return schema


async def _unknown_api_path(scope: Scope, receive: Receive, send: Send) -> None:
    response = problems.problem_response(
        404, f"no such API endpoint: this version of the API is served under {PREFIX}"
    )
    await response(scope, receive, send)


def mount_api(app: FastAPI, container: Container) -> None:
    """Serve the API at /api/v1 of `app`, ahead of the app's own routes."""
    api = build_api(container)
    app.router.routes.insert(0, Mount(PREFIX, app=api, name="api"))
    app.router.routes.insert(1, Mount("/api", app=_unknown_api_path, name="api-unknown"))
    mount_intake(app, container)  # /api/v1/imports (multipart uploads) and /openrosa, ahead of both
