"""`refugio solutions …`: durable solutions. `match` places resettlement cases in localities from three
CSV files (no database needed); `runs` and the RSD commands work on the database.

Thin: parses options, calls refugio.solutions, prints. The shared helpers come from refugio.cli.common.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from refugio.cli import common

solutions_app = typer.Typer(
    help="Durable solutions: status determination, resettlement and the matching of cases to localities.",
    no_args_is_help=True,
)


@solutions_app.command("match")
def match(
    cases: Annotated[Path, typer.Option("--cases", help="CSV: case_id,children,adults,seniors.")],
    localities: Annotated[
        Path,
        typer.Option(
            "--localities",
            help="CSV: locality_id,capacity or locality_id,capacity_children,capacity_adults,"
            "capacity_seniors.",
        ),
    ],
    scores: Annotated[
        Path,
        typer.Option("--scores", help="CSV: case_id,locality_id,score (an absent pair is incompatible)."),
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV written: case_id,locality_id (empty: unplaced).")],
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds for the solver.")] = 10.0,
) -> None:
    """Place every case (a family is never split) in at most one compatible locality within its
    capacities, maximising the total score. The last line printed is `objective=… bound=… gap=…`."""
    from refugio.solutions.service.matching_files import match_files

    done = common.run(
        lambda: match_files(cases=cases, localities=localities, scores=scores, out=out, time_limit=time_limit)
    )
    typer.echo(
        f"{done.placed} of {done.cases} case(s) placed in {done.localities} localities "
        f"({', '.join(done.dimensions)}); method {done.method}; {done.seconds:.2f} s; wrote {out}"
    )
    typer.echo(done.summary)


runs_app = typer.Typer(
    help="Matching runs stored in the database: propose, review, confirm.", no_args_is_help=True
)
claims_app = typer.Typer(
    help="Refugee status determination: claims, figures, abandoned claims.", no_args_is_help=True
)
solutions_app.add_typer(runs_app, name="runs")
solutions_app.add_typer(claims_app, name="claims")


def _print_run(detail: object) -> None:
    from refugio.solutions.matching.solve import summary_line
    from refugio.solutions.schemas import MatchingRunDetail

    assert isinstance(detail, MatchingRunDetail)
    run = detail.run
    typer.echo(f"{run.ref}  {run.status}  {run.title}  ({run.placed} of {run.cases} placed; {run.method})")
    for loc in detail.localities:
        mark = "  OVER CAPACITY" if loc.over else ""
        typer.echo(f"  {loc.locality_ref:<16} used {loc.used} of {loc.capacities}{mark}")
    typer.echo(summary_line(run.objective, run.bound, run.gap))


@runs_app.command("propose")
@common.with_options(operation=True)
def runs_propose(
    target: common.Target,
    cases: Annotated[Path, typer.Option("--cases", help="CSV: case_id,children,adults,seniors.")],
    localities: Annotated[Path, typer.Option("--localities", help="CSV of capacities (1 or 3 dimensions).")],
    scores: Annotated[Path, typer.Option("--scores", help="CSV: case_id,locality_id,score.")],
    title: Annotated[str, typer.Option("--title", help="What the run is for.")],
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds for the solver.")] = 10.0,
) -> None:
    """Solve and store a proposal; it is final only once reviewed and confirmed by a person."""
    from refugio.solutions import queries
    from refugio.solutions.schemas import MatchingRunCreate
    from refugio.solutions.service import matching_runs
    from refugio.solutions.service.matching_files import read_proposal_rows
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    op = target.operation_id(app)
    rows, locs, pairs, _dims = common.run(lambda: read_proposal_rows(cases, localities, scores))
    data = common.build_input(
        MatchingRunCreate,
        title=title,
        time_limit=time_limit,
        cases=[{"case_ref": c, "children": s[0], "adults": s[1], "seniors": s[2]} for c, s in rows],
        localities=[{"locality_ref": lid, "capacities": caps} for lid, caps in locs],
        scores=[{"case_ref": c, "locality_ref": lid, "score": v} for c, lid, v in pairs],
    )
    with unit_of_work(app.sessions) as s:
        run = common.run(lambda: matching_runs.propose(s, actor=who, operation_id=op, data=data))
        _print_run(queries.get_run(s, actor=who, run_id=run.id))


@runs_app.command("list")
@common.with_options()
def runs_list(target: common.Target) -> None:
    from refugio.solutions import queries
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    with unit_of_work(app.sessions) as s:
        for run in queries.list_runs(s, actor=who):
            typer.echo(
                f"{run.ref}  {run.status:<10} {run.placed:>5}/{run.cases:<5} gap={run.gap:.4%}  {run.title}"
            )


def _act(target: common.Target, key: str, verb: str, text: str) -> None:
    from refugio.solutions import queries
    from refugio.solutions.service import matching_runs
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    with unit_of_work(app.sessions) as s:
        run_id = common.run(lambda: queries.find_run(s, key))
        if verb == "review":
            common.run(lambda: matching_runs.review(s, actor=who, run_id=run_id, note=text))
        elif verb == "confirm":
            common.run(lambda: matching_runs.confirm(s, actor=who, run_id=run_id))
        elif verb == "cancel":
            common.run(lambda: matching_runs.cancel(s, actor=who, run_id=run_id, reason=text))
        _print_run(queries.get_run(s, actor=who, run_id=run_id))


@runs_app.command("show")
@common.with_options()
def runs_show(target: common.Target, key: str) -> None:
    """A run with each locality's use (the read is audited)."""
    _act(target, key, "show", "")


@runs_app.command("review")
@common.with_options()
def runs_review(
    target: common.Target,
    key: str,
    note: Annotated[str, typer.Option("--note", help="What was checked.")],
) -> None:
    _act(target, key, "review", note)


@runs_app.command("confirm")
@common.with_options()
def runs_confirm(target: common.Target, key: str) -> None:
    """Make the reviewed placements final (a person: --as USER); refused past a locality's capacity."""
    _act(target, key, "confirm", "")


@runs_app.command("cancel")
@common.with_options()
def runs_cancel(target: common.Target, key: str, reason: Annotated[str, typer.Option("--reason")]) -> None:
    _act(target, key, "cancel", reason)


@claims_app.command("list")
@common.with_options()
def claims_list(target: common.Target) -> None:
    """Claims assigned to you and, for RSD supervisors, the register (no names)."""
    from refugio.solutions import queries
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    with unit_of_work(app.sessions) as s:
        for c in queries.list_claims(s, actor=who):
            typer.echo(
                f"{c.ref}  {c.stage:<20} {c.modality:<24} lodged {c.lodged_on}  {', '.join(c.assigned)}"
            )


@claims_app.command("open")
@common.with_options()
def claims_open(
    target: common.Target,
    principal: Annotated[str, typer.Argument(help="The principal applicant's registration number.")],
    language: Annotated[str, typer.Option("--language", help="Language of the interviews, ISO 639-3.")],
    member: Annotated[
        list[str] | None, typer.Option("--member", help="Another member of the household on the claim.")
    ] = None,
    modality: Annotated[
        str, typer.Option(help="regular, accelerated, simplified, merged_registration_rsd or …_resettlement")
    ] = "regular",
    interpreter_gender: Annotated[str | None, typer.Option(help="F or M, when the applicant asks.")] = None,
    lodged_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD; today if absent.")] = None,
    officer: Annotated[str | None, typer.Option(help="Username of the officer; you if absent.")] = None,
) -> None:
    """Open an RSD claim for a registered person and the members of their household named."""
    from refugio.registration import queries as registry
    from refugio.security import service as security
    from refugio.solutions.schemas import ClaimOpen
    from refugio.solutions.service import rsd

    def work(s: Any, a: Any, _c: Any) -> str:
        head = registry.get_individual(s, actor=a, key=principal, audit_read=False).person
        others = [registry.get_individual(s, actor=a, key=m, audit_read=False).person for m in member or []]
        data = common.build_input(
            ClaimOpen,
            household_id=head.household_id,
            principal_id=head.id,
            member_ids=[o.id for o in others],
            modality=modality,
            language=language,
            interpreter_gender=interpreter_gender,
            lodged_on=lodged_on,
            officer_id=security.get_user(s, officer).id if officer else None,
        )
        claim = rsd.open_claim(s, actor=a, data=data)
        return f"claim {claim.ref} opened for {1 + len(others)} person(s), stage {claim.stage}"

    typer.echo(target.in_uow(work))


@claims_app.command("assign")
@common.with_options()
def claims_assign(
    target: common.Target,
    claim: Annotated[str, typer.Argument(help="The claim's reference (RSD-…) or id.")],
    user: Annotated[str, typer.Option("--user", help="Username of the member of staff.")],
    role: Annotated[str, typer.Option("--role", help="officer, reviewer or appeal_officer")],
) -> None:
    """Assign a member of staff to a claim (an RSD supervisor's act; recorded on the claim)."""
    from refugio.security import service as security
    from refugio.solutions import queries
    from refugio.solutions.service import rsd

    def work(s: Any, a: Any, _c: Any) -> str:
        claim_id = queries.find_claim(s, claim)
        row = rsd.assign(s, actor=a, claim_id=claim_id, user_id=security.get_user(s, user).id, role=role)
        return f"{row.username} assigned to the claim as {row.role.replace('_', ' ')}"

    typer.echo(target.in_uow(work))


@claims_app.command("figures")
@common.with_options()
def claims_figures(target: common.Target) -> None:
    """Backlog, median days per stage and the rates by level (persons and cases apart), as JSON."""
    import json

    from refugio.solutions import queries

    data = target.in_uow(lambda s, a, c: queries.rsd_figures(s, actor=a))
    typer.echo(json.dumps(data, indent=2))


@claims_app.command("close-abandoned")
@common.with_options(operation=True)
def claims_close_abandoned(
    target: common.Target,
    days: Annotated[int, typer.Option("--days", help="No step for this many days: abandoned.")] = 180,
) -> None:
    from refugio.solutions.service import rsd
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    op = target.operation_id(app)
    with unit_of_work(app.sessions) as s:
        closed = common.run(lambda: rsd.close_abandoned(s, actor=who, operation_id=op, inactive_days=days))
    typer.echo(f"{len(closed)} claim(s) closed as abandoned" + (f": {', '.join(closed)}" if closed else ""))


@claims_app.command("finalise")
@common.with_options(operation=True)
def claims_finalise(target: common.Target) -> None:
    """Make final the first-instance outcomes whose appeal deadline passed without an appeal: each
    person's legal status is set in the registry and a notice is written (an RSD supervisor's act)."""
    from refugio.solutions.service import rsd_status
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    op = target.operation_id(app)
    with unit_of_work(app.sessions) as s:
        done = common.run(lambda: rsd_status.finalise_unappealed(s, actor=who, operation_id=op))
    typer.echo(f"{len(done)} claim(s) made final" + (f": {', '.join(done)}" if done else ""))


@claims_app.command("notices")
@common.with_options()
def claims_notices(target: common.Target, key: str) -> None:
    """A claim's notices to its people: id, person, kind, level, outcome, legal status, delivery."""
    from refugio.solutions import queries

    detail = target.in_uow(
        lambda s, a, c: queries.get_claim(s, actor=a, claim_id=queries.find_claim(s, key)),
    )
    for n in detail.notifications:
        delivered = (
            f"delivered {n.delivered_on} ({n.channel}, {n.delivered_by})" if n.delivered_on else "pending"
        )
        typer.echo(
            f"{n.id}  {n.person_ref}  {n.kind:<8} {n.level:<14} {n.outcome or '-':<14} "
            f"{n.legal_status or '-':<14} {delivered}"
        )


@claims_app.command("deliver")
@common.with_options()
def claims_deliver(
    target: common.Target,
    notice_id: str,
    channel: Annotated[str, typer.Option("--channel", help="in_person, post, phone, email or sms")],
    on: Annotated[
        str | None, typer.Option("--on", help="Date of delivery (YYYY-MM-DD); today if absent.")
    ] = None,
) -> None:
    """Record how and when a notice reached the person (the claim's officer)."""
    import datetime as dt
    import uuid

    from refugio.solutions.enums import NoticeChannel
    from refugio.solutions.service import rsd_status

    if channel not in {c.value for c in NoticeChannel}:
        common.fail(f"--channel: one of {', '.join(c.value for c in NoticeChannel)}")
    try:
        notice = uuid.UUID(notice_id)
        day = dt.date.fromisoformat(on) if on else None
    except ValueError as exc:
        common.fail(f"not a notice id or a date (YYYY-MM-DD): {exc}")

    def work(s: Any, a: Any, c: Any) -> str:
        row = rsd_status.deliver(
            s, actor=a, notification_id=notice, channel=NoticeChannel(channel), delivered_on=day
        )
        return f"notice {row.id} delivered on {row.delivered_on} ({row.channel})"

    typer.echo(target.in_uow(work))


@solutions_app.command("quotas")
@common.with_options()
def quotas(target: common.Target) -> None:
    """Resettlement quotas and their use. The last column counts departures from the country of asylum,
    not arrivals in the resettlement State."""
    from refugio.solutions import queries
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    with unit_of_work(app.sessions) as s:
        rows = queries.list_quotas(s, actor=who)
    typer.echo(
        f"{'state':<6}{'year':<6}{'places':>7}{'submitted':>10}{'accepted':>10}{'departures':>11}  label"
    )
    for q in rows:
        typer.echo(
            f"{q.state_iso3:<6}{q.year:<6}{q.places:>7}{q.submitted_persons:>10}{q.accepted_persons:>10}"
            f"{q.departed_persons:>11}  {q.label}"
        )


@solutions_app.command("resettlement-needs")
@common.with_options()
def resettlement_needs(target: common.Target) -> None:
    """Households whose people's specific needs point to a resettlement submission category, the most
    pressing first, with the suggested categories and priority (a resettlement officer confirms them)."""
    from refugio.solutions import queries

    rows = target.in_uow(lambda s, a, c: queries.resettlement_needs(s, actor=a))
    for n in rows:
        second = f" / {n.secondary_category.value}" if n.secondary_category else ""
        caution = f"  CHECK: {', '.join(n.cautions)}" if n.cautions else ""
        typer.echo(
            f"{n.household_ref}  {n.priority.value:<9} {n.primary_category.value}{second}  "
            f"{', '.join(n.flagged)}{caution}"
        )
    typer.echo(f"{len(rows)} household(s) to consider")


@solutions_app.command("rrf")
@common.with_options()
def rrf(
    target: common.Target,
    case: str,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (XML goes to standard output without it).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="pdf (the RRF) or xml (the eRRF, schema errf-1.0.xsd).")
    ] = "pdf",
) -> None:
    """The resettlement registration form of a case (id or reference): PDF, or the eRRF as XML."""
    from refugio.solutions import queries

    if fmt not in ("pdf", "xml"):
        raise typer.BadParameter(f"--format must be pdf or xml (found {fmt!r})", param_hint="--format")
    if fmt == "pdf" and out is None:
        raise typer.BadParameter("a PDF needs --out FILE", param_hint="--out")
    make = queries.rrf_xml if fmt == "xml" else queries.rrf_dossier
    ref, data = target.in_uow(lambda s, a, c: make(s, actor=a, case_key=case))
    if out is None:
        typer.echo(data.decode("utf-8"), nl=False)
        return
    out.write_bytes(data)
    typer.echo(f"wrote {out} ({len(data):,} bytes) for {ref}")


@claims_app.command("letter")
@common.with_options()
def claims_letter(
    target: common.Target,
    key: str,
    out: Annotated[Path, typer.Option("--out", help="PDF file to write.")],
    level: Annotated[str, typer.Option("--level", help="first_instance or appeal")] = "first_instance",
) -> None:
    """The decision letter as PDF, in the claim's language (for the staff assigned to the claim)."""
    from refugio.solutions import queries

    pdf = target.in_uow(
        lambda s, a, c: queries.decision_letter(s, actor=a, claim_id=queries.find_claim(s, key), level=level),
    )
    out.write_bytes(pdf)
    typer.echo(f"wrote {out} ({len(pdf):,} bytes)")


from refugio.cli.solutions_pathways import pathways_app  # noqa: E402

solutions_app.add_typer(pathways_app, name="pathways")

from refugio.cli.solutions_returns import returns_app  # noqa: E402

solutions_app.add_typer(returns_app, name="returns")

from refugio.cli.solutions_scores import scores_app  # noqa: E402

solutions_app.add_typer(scores_app, name="scores")
