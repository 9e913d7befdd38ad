"""`refugio solutions …`: durable solutions. `match` places resettlement cases in localities from three
CSV files (no database needed); `runs` and the RSD commands work on the database.

Thin: parses options, calls refugio.solutions, prints. The shared helpers come from refugio.cli.common.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
