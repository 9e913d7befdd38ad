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
    from refugio.solutions.matching import files, solve

    problem = common.run(lambda: files.read(cases, localities, scores))
    result = common.run(lambda: solve.match(problem, time_limit=time_limit))
    files.write(out, problem, result.assignment)
    placed = int((result.assignment >= 0).sum())
    typer.echo(
        f"{placed} of {problem.n_cases} case(s) placed in {problem.n_localities} localities "
        f"({', '.join(problem.dimensions)}); method {result.method}; {result.seconds:.2f} s; wrote {out}"
    )
    typer.echo(result.summary())
