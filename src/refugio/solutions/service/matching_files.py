"""`refugio solutions match` as a domain call: read the three CSV files (line-numbered errors), solve,
write OUT.csv only when all went well. No database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from refugio.solutions.matching import files, solve


@dataclass(frozen=True)
class FileMatch:
    cases: int
    placed: int
    localities: int
    dimensions: tuple[str, ...]
    method: str
    seconds: float
    summary: str  # objective=… bound=… gap=…


def match_files(*, cases: Path, localities: Path, scores: Path, out: Path, time_limit: float) -> FileMatch:
    problem = files.read(cases, localities, scores)
    result = solve.match(problem, time_limit=time_limit)
    files.write(out, problem, result.assignment)
    return FileMatch(
        cases=problem.n_cases,
        placed=int((result.assignment >= 0).sum()),
        localities=problem.n_localities,
        dimensions=problem.dimensions,
        method=result.method,
        seconds=result.seconds,
        summary=result.summary(),
    )


def read_proposal_rows(cases: Path, localities: Path, scores: Path) -> files.Rows:
    """The checked rows of the three files, for a run stored in the database."""
    return files.read_rows(cases, localities, scores)
