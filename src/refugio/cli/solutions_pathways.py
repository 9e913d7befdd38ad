"""`refugio solutions pathways …`: complementary pathways on the database — the offers, the figures per
kind, a candidate's profile, the shortlist and an application's next stage. People and offers by
reference or id. Thin: parses options, calls refugio.solutions, prints."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

import typer

from refugio.cli import common

pathways_app = typer.Typer(
    help="Complementary pathways: offers, profiles, shortlists, applications.", no_args_is_help=True
)


def _person(s: Any, a: Any, key: str) -> uuid.UUID:
    from refugio.registration import queries as registry

    return registry.get_individual(s, actor=a, key=key, audit_read=False).person.id


@pathways_app.command("offers")
@common.with_options()
def offers(target: common.Target) -> None:
    """The offers: reference, kind, destination, places taken of places, applications, title."""
    from refugio.solutions import queries

    for o in target.in_uow(lambda s, a, c: queries.list_offers(s, actor=a)):
        typer.echo(
            f"{o.ref}  {o.kind:<22} {o.destination_iso3}  {o.accepted}/{o.places} accepted  "
            f"{o.applications} application(s)  {o.title}"
        )


@pathways_app.command("figures")
@common.with_options()
def figures(target: common.Target) -> None:
    """Offers, places and applications by status per kind, as JSON (departures, not arrivals)."""
    from refugio.solutions import queries

    data = target.in_uow(lambda s, a, c: queries.pathway_figures(s, actor=a))
    typer.echo(json.dumps(data, indent=2))


@pathways_app.command("profile")
@common.with_options()
def profile(
    target: common.Target,
    person: str,
    education: Annotated[
        str, typer.Option("--education", help="none, primary, secondary, tertiary, postgraduate")
    ],
    skills: Annotated[str, typer.Option("--skills", help="Comma-separated.")] = "",
    languages: Annotated[str, typer.Option("--languages", help="ISO 639-3 codes, comma-separated.")] = "",
) -> None:
    """Set a candidate's profile (skills, education, languages)."""
    from pydantic import ValidationError

    from refugio.solutions.schemas import ProfileIn
    from refugio.solutions.service import pathways

    split = [x for x in (v.strip() for v in skills.split(",")) if x]
    tongues = [x for x in (v.strip() for v in languages.split(",")) if x]
    try:
        data = ProfileIn(education=education, skills=split, languages=tongues)
    except ValidationError as exc:
        common.fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))

    def work(s: Any, a: Any, c: Any) -> str:
        row = pathways.set_profile(s, actor=a, individual_id=_person(s, a, person), data=data)
        said = f"skills {', '.join(row.skills) or '-'}; languages {', '.join(row.languages) or '-'}"
        return f"profile of {person}: {row.education}; {said}"

    typer.echo(target.in_uow(work))


@pathways_app.command("shortlist")
@common.with_options()
def shortlist(target: common.Target, offer: str, person: str) -> None:
    """Put a candidate who meets every criterion on an offer's shortlist; prints the application id."""
    from refugio.solutions import queries
    from refugio.solutions.service import pathways

    def work(s: Any, a: Any, c: Any) -> str:
        row = pathways.shortlist(
            s, actor=a, offer_id=queries.find_offer(s, offer), individual_id=_person(s, a, person)
        )
        return f"{row.id}  {person} shortlisted on {offer}"

    typer.echo(target.in_uow(work))


@pathways_app.command("move")
@common.with_options()
def move(
    target: common.Target,
    application_id: str,
    status: Annotated[str, typer.Argument(help="applied, accepted, rejected, departed or withdrawn")],
    note: Annotated[str, typer.Option("--note", help="Why (required to reject or withdraw).")] = "",
) -> None:
    """Move an application to its next stage."""
    from pydantic import ValidationError

    from refugio.solutions.schemas import ApplicationMove
    from refugio.solutions.service import pathways

    try:
        data = ApplicationMove(status=status, note=note)
        app_id = uuid.UUID(application_id)
    except (ValidationError, ValueError) as exc:
        common.fail(f"not an application id or a status: {str(exc).splitlines()[0]}")

    def work(s: Any, a: Any, c: Any) -> str:
        row = pathways.move(s, actor=a, application_id=app_id, data=data)
        return f"application {row.id} is {row.status}"

    typer.echo(target.in_uow(work))
