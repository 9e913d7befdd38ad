"""`refugio consent …`: a person's consent per purpose (show), and giving or withdrawing it for a person
or a whole household (INDIVIDUAL_UPDATE); each change is an event and an audit entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from refugio.cli import common

if TYPE_CHECKING:
    from refugio.main import Container
    from refugio.registration.schemas import ConsentRead
    from refugio.security.principals import Principal
    from refugio.store.uow import Session

consent_app = typer.Typer(help="Consent per purpose: show, give, withdraw.", no_args_is_help=True)

PersonArg = Annotated[str, typer.Argument(help="The person's registration number or id.")]
PurposeOption = Annotated[
    str, typer.Option("--purpose", help="registration, assistance, protection, tracing, …")
]
ReasonOption = Annotated[str, typer.Option("--reason", help="What the person said, or why.")]
HouseholdOption = Annotated[
    bool, typer.Option("--household", help="Every active member of the person's household.")
]


def _show(s: Session, a: Principal, key: str) -> ConsentRead:
    from refugio.registration import queries

    person = queries.individual_read(s, actor=a, key=key)
    return queries.consent_of(s, actor=a, individual_id=person.id)


@consent_app.command("show")
@common.with_options()
def show(
    target: common.Target,
    person: PersonArg,
) -> None:
    """Where the person stands for each purpose, and every recorded change."""
    consent = target.in_uow(lambda s, a, _: _show(s, a, person))
    typer.echo(f"{consent.ref}  legal basis {consent.legal_basis or '-'}")
    for p in consent.purposes:
        extra = f" on {p.withdrawn_at:%Y-%m-%d %H:%M} by {p.withdrawn_by}" if p.withdrawn_at else ""
        typer.echo(f"  {p.purpose:<14}{p.state}{extra}")
    for e in consent.history:
        typer.echo(f"  {e.recorded_at:%Y-%m-%d %H:%M}  {e.recorded_by}: {e.summary}")


def _change(
    person: str,
    purpose: str,
    reason: str,
    household: bool,
    given: bool,
    target: common.Target,
) -> None:
    from refugio.registration import queries, service

    def run(s: Session, a: Principal, _: Container) -> int:
        found = queries.individual_read(s, actor=a, key=person)
        if household:
            return service.change_household_consent(
                s, actor=a, household_id=found.household_id, purpose=purpose, given=given, reason=reason
            )
        return int(
            service.change_consent(
                s, actor=a, individual_id=found.id, purpose=purpose, given=given, reason=reason
            )
        )

    changed = target.in_uow(run)
    verb = "given" if given else "withdrawn"
    typer.echo(f"consent for {purpose} {verb}: {changed} {'person' if changed == 1 else 'people'} changed")


@consent_app.command("give")
@common.with_options()
def give(
    target: common.Target,
    person: PersonArg,
    purpose: PurposeOption,
    reason: ReasonOption = "",
    household: HouseholdOption = False,
) -> None:
    """Record consent for a purpose (again)."""
    _change(person, purpose, reason, household, True, target)


@consent_app.command("withdraw")
@common.with_options()
def withdraw(
    target: common.Target,
    person: PersonArg,
    purpose: PurposeOption,
    reason: ReasonOption = "",
    household: HouseholdOption = False,
) -> None:
    """Withdraw consent for a purpose: it takes effect wherever the purpose is used."""
    _change(person, purpose, reason, household, False, target)


__all__ = ["consent_app"]
