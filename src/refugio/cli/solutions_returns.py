"""`refugio solutions returns …`: voluntary repatriation and AVRR on the database — the return
intention survey (XLSForm, publication on the OpenRosa form list, the intentions through the disclosure
control), go-and-see visits, caseworkers' sign-offs, returns (register a household or some members,
departure, cancel), return grants through assistance, reintegration monitoring and the weights.
People, households and returns by reference or id. Thin: parses options, calls refugio.solutions, prints.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from refugio.cli import common

returns_app = typer.Typer(
    help="Voluntary repatriation and AVRR: intention surveys, go-and-see visits, returns, reintegration.",
    no_args_is_help=True,
)
Today = Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today).")]


def _person(s: Any, a: Any, key: str) -> uuid.UUID:
    from refugio.registration import queries as registry

    return registry.get_individual(s, actor=a, key=key, audit_read=False).person.id


def _household(s: Any, key: str) -> uuid.UUID:
    from refugio.core.errors import NotFound
    from refugio.registration import queries as registry

    found = registry.household_id_for_key(s, key=key)
    if found is None:
        raise NotFound(f"no household {key!r}")
    return found


def _build(model: Any, data: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        common.fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))


def _date(value: str | None) -> str:
    return value or dt.date.today().isoformat()


@returns_app.command("survey-form")
@common.with_options(operation=True)
def survey_form(
    target: common.Target,
    out: Annotated[Path, typer.Option("--out", help="Where to write the XLSForm (.xlsx).")],
) -> None:
    """Write the operation's return intention survey as an XLSForm (for KoboToolbox or ODK Central)."""
    from refugio.solutions.returns import surveys

    def work(s: Any, a: Any, c: Any) -> tuple[str, bytes]:
        return surveys.survey_form(s, actor=a, operation_id=target.operation_id(c))

    form_id, xlsx = target.in_uow(work)
    out.write_bytes(xlsx)
    typer.echo(f"wrote {out} (form {form_id})")


@returns_app.command("survey-publish")
@common.with_options(operation=True)
def survey_publish(target: common.Target) -> None:
    """Publish the return intention survey on refugio's OpenRosa form list; submissions land in solutions."""
    from refugio.intake.openrosa_forms import publish_domain_form
    from refugio.solutions.returns import surveys

    def work(s: Any, a: Any, c: Any) -> str:
        form = publish_domain_form(s, actor=a, handler=surveys.HANDLER, operation_id=target.operation_id(c))
        return f"form {form.form_id} version {form.version} published on /openrosa/formList"

    typer.echo(target.in_uow(work))


@returns_app.command("intentions")
@common.with_options()
def intentions(target: common.Target) -> None:
    """Households by origin area, site and intention, and the conditions cited, through the disclosure
    control, as JSON."""
    from refugio.stats.returns_report import return_intentions_report

    report = target.in_uow(lambda s, a, c: return_intentions_report(s, actor=a))
    typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))


@returns_app.command("visit")
@common.with_options(operation=True)
def plan_visit(
    target: common.Target,
    destination: Annotated[str, typer.Option("--destination", help="Country, ISO3.")],
    area: Annotated[str, typer.Option("--area", help="District, town.")],
    planned_on: Annotated[str, typer.Option("--on", help="YYYY-MM-DD.")],
    people: Annotated[list[str], typer.Argument(help="Participants (references or ids).")],
) -> None:
    """Plan a go-and-see visit."""
    from refugio.solutions.returns import visits
    from refugio.solutions.returns.schemas import VisitIn

    def work(s: Any, a: Any, c: Any) -> str:
        data = _build(
            VisitIn,
            {
                "operation_id": target.operation_id(c),
                "destination_iso3": destination,
                "destination_area": area,
                "planned_on": planned_on,
                "participants": [_person(s, a, p) for p in people],
            },
        )
        row = visits.plan_visit(s, actor=a, data=data)
        return f"{row.ref}  go-and-see visit to {row.destination_area} ({row.destination_iso3}) planned"

    typer.echo(target.in_uow(work))


@returns_app.command("visit-done")
@common.with_options()
def visit_done(
    target: common.Target,
    visit: Annotated[str, typer.Argument(help="Visit id.")],
    findings: Annotated[
        str, typer.Option("--findings", help="What the participants found (20+ characters).")
    ],
    on: Today = None,
) -> None:
    """Record that a go-and-see visit took place, with its findings."""
    from refugio.solutions.returns import visits
    from refugio.solutions.returns.schemas import VisitDone

    data = _build(VisitDone, {"done_on": _date(on), "findings": findings})
    try:
        vid = uuid.UUID(visit)
    except ValueError:
        common.fail(f"not a visit id: {visit}")

    def work(s: Any, a: Any, c: Any) -> str:
        return f"{visits.record_visit(s, actor=a, visit_id=vid, data=data).ref} done"

    typer.echo(target.in_uow(work))


@returns_app.command("visits")
@common.with_options()
def list_visits(target: common.Target) -> None:
    """The go-and-see visits: reference, status, date, destination, participants."""
    from refugio.solutions.returns import queries

    for v in target.in_uow(lambda s, a, c: queries.list_visits(s, actor=a)):
        when = v.done_on or v.planned_on
        typer.echo(
            f"{v.id}  {v.ref}  {v.status:<9} {when}  {v.destination_iso3} {v.destination_area}  "
            f"{len(v.participants)} participant(s)"
        )


@returns_app.command("sign-off")
@common.with_options()
def sign_off(
    target: common.Target,
    person: str,
    note: Annotated[str, typer.Option("--note", help="Why the return is safe for this person.")],
) -> None:
    """As the assigned caseworker of the person's open protection case, sign off their return."""
    from refugio.solutions.returns import service
    from refugio.solutions.returns.schemas import SignOffIn

    def work(s: Any, a: Any, c: Any) -> str:
        service.sign_off(
            s, actor=a, data=_build(SignOffIn, {"individual_id": _person(s, a, person), "note": note})
        )
        return f"return of {person} signed off"

    typer.echo(target.in_uow(work))


@returns_app.command("register")
@common.with_options()
def register(
    target: common.Target,
    household: str,
    destination: Annotated[str, typer.Option("--destination", help="Country of return, ISO3.")],
    area: Annotated[str, typer.Option("--area", help="District, town of return.")],
    members: Annotated[
        list[str] | None, typer.Option("--member", help="A returning member (repeat); none: all.")
    ] = None,
    new_focal_point: Annotated[
        str | None, typer.Option("--new-focal-point", help="Who heads those who stay.")
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="voluntary_repatriation or avrr.")
    ] = "voluntary_repatriation",
    on: Today = None,
    unassisted: Annotated[bool, typer.Option("--unassisted", help="A return without assistance.")] = False,
) -> None:
    """Register the return of a household, or of some members (they split into a household of their own)."""
    from refugio.solutions.returns import service
    from refugio.solutions.returns.schemas import ReturnIn

    def work(s: Any, a: Any, c: Any) -> str:
        data = {
            "household_id": _household(s, household),
            "destination_iso3": destination,
            "destination_area": area,
            "individual_ids": [_person(s, a, m) for m in members or []],
            "kind": kind,
            "return_date": _date(on),
            "assisted": not unassisted,
            "new_focal_point_id": _person(s, a, new_focal_point) if new_focal_point else None,
        }
        row = service.register_return(s, actor=a, data=_build(ReturnIn, data))
        whole = "whole household" if row.whole_household else "split into a household of their own"
        return f"{row.ref}  {len(row.members)} person(s) returning to {row.destination_iso3} ({whole})"

    typer.echo(target.in_uow(work))


@returns_app.command("depart")
@common.with_options()
def depart(
    target: common.Target,
    ret: Annotated[str, typer.Argument(help="Return reference or id.")],
    on: Today = None,
) -> None:
    """Record the departure: the returnees leave the active registry."""
    from refugio.solutions.returns import queries, service
    from refugio.solutions.returns.schemas import DepartureIn

    def work(s: Any, a: Any, c: Any) -> str:
        row = service.record_departure(
            s,
            actor=a,
            return_id=queries.find_return(s, ret),
            data=_build(DepartureIn, {"departed_on": _date(on)}),
        )
        return (
            f"{row.ref} departed on {row.departed_on}: {len(row.members)} person(s) left the active registry"
        )

    typer.echo(target.in_uow(work))


@returns_app.command("cancel")
@common.with_options()
def cancel(
    target: common.Target,
    ret: Annotated[str, typer.Argument(help="Return reference or id.")],
    reason: Annotated[str, typer.Option("--reason")],
) -> None:
    """Cancel a planned return (the population types are given back)."""
    from refugio.solutions.returns import queries, service
    from refugio.solutions.returns.schemas import CancelIn

    def work(s: Any, a: Any, c: Any) -> str:
        row = service.cancel_return(
            s, actor=a, return_id=queries.find_return(s, ret), data=_build(CancelIn, {"reason": reason})
        )
        return f"{row.ref} cancelled"

    typer.echo(target.in_uow(work))


@returns_app.command("list")
@common.with_options()
def list_returns(
    target: common.Target,
    status: Annotated[str | None, typer.Option("--status", help="planned, departed or cancelled.")] = None,
) -> None:
    """The returns: reference, status, date, destination, people, household."""
    from refugio.solutions.returns import queries

    for r in target.in_uow(lambda s, a, c: queries.list_returns(s, actor=a, status=status)):
        typer.echo(
            f"{r.ref}  {r.status:<9} {r.return_date}  {r.destination_iso3} {r.destination_area}  "
            f"{r.people} person(s)  {r.returning_household_ref}"
        )


@returns_app.command("grant")
@common.with_options(operation=True)
def grant(
    target: common.Target,
    code: Annotated[str, typer.Option("--code", help="Programme code, e.g. RET-2027.")],
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217, e.g. JOD.")],
    usd_rate: Annotated[float, typer.Option("--usd-rate", help="USD per unit of the currency.")],
    per_household: Annotated[float, typer.Option("--per-household")] = 0,
    per_member: Annotated[float, typer.Option("--per-member")] = 0,
    start: Today = None,
) -> None:
    """Create a return grant: an assistance cash programme for returnees, its rules and a first cycle."""
    from refugio.solutions.returns import packages
    from refugio.solutions.returns.schemas import GrantIn

    def work(s: Any, a: Any, c: Any) -> str:
        data = _build(
            GrantIn,
            {
                "operation_id": target.operation_id(c),
                "code": code,
                "currency": currency,
                "usd_rate": usd_rate,
                "per_household": per_household,
                "per_member": per_member,
                "start_date": _date(start),
            },
        )
        made = packages.create_return_grant(s, actor=a, data=data)
        return (
            f"programme {made.programme_code} (rules v{made.rule_version}), cycle {made.cycle_id}: "
            f"{made.households_planned} planned return(s) now"
        )

    typer.echo(target.in_uow(work))


@returns_app.command("monitor")
@common.with_options()
def monitor(
    target: common.Target,
    ret: Annotated[str, typer.Argument(help="Return reference or id.")],
    answers: Annotated[Path, typer.Option("--answers", help="JSON file: {indicator: 1-5, …}.")],
    on: Today = None,
    weights_version: Annotated[
        str | None, typer.Option("--weights", help="Weights version (default: latest).")
    ] = None,
) -> None:
    """Record a reintegration monitoring visit and print its scores (and the weights version used)."""
    from refugio.solutions.returns import queries, service
    from refugio.solutions.returns.schemas import MonitoringIn

    try:
        given = json.loads(answers.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        common.fail(f"{answers}: not a JSON file of answers ({exc})")
    data = _build(
        MonitoringIn, {"visited_on": _date(on), "answers": given, "weights_version": weights_version}
    )

    def work(s: Any, a: Any, c: Any) -> str:
        v = service.record_monitoring(s, actor=a, return_id=queries.find_return(s, ret), data=data)
        return (
            f"economic {v.economic:.2f}  social {v.social:.2f}  psychosocial {v.psychosocial:.2f}  "
            f"overall {v.overall:.2f}  (weights {v.weights_version})"
        )

    typer.echo(target.in_uow(work))


@returns_app.command("figures")
@common.with_options()
def figures(target: common.Target) -> None:
    """Returns and people by status and destination (departures, not arrivals) and reintegration
    scores by weights version, as JSON."""
    from refugio.solutions.returns import queries

    def work(s: Any, a: Any, c: Any) -> dict[str, Any]:
        return {
            **queries.return_figures(s, actor=a),
            "reintegration": queries.reintegration_figures(s, actor=a),
        }

    typer.echo(json.dumps(target.in_uow(work), indent=2))


@returns_app.command("weights")
def weights() -> None:
    """The reintegration weights, every version, as JSON (the latest is used unless one is named)."""
    from refugio.solutions.returns import weights as weighting

    found = {k: v.model_dump(mode="json") for k, v in common.run(weighting.versions).items()}
    typer.echo(json.dumps({"latest": weighting.latest().version, "versions": found}, indent=2))
