"""A committed import against itself and the registry, in the background: once the import's transaction
has committed, a thread links its households chunk by chunk (each chunk its own unit of work, the pairs
in the review queue as they are found), and keeps its progress on a `DedupRun` (scope `import`,
`summary`: the import, households done of all, state queued → running → done | failed). No command is
needed; `import_linkage` reads the progress for the import's page and the API.

Imports the dedup index, engine and models, the runs and training modules of this package, security,
store and core; never a web framework nor a channel.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from refugio.core import background, clock
from refugio.core.errors import ConcurrentWrite
from refugio.dedup import index
from refugio.dedup.engine import get_engine
from refugio.dedup.models import DedupRun
from refugio.dedup.schemas import ImportLinkage
from refugio.dedup.service.runs import _store_pairs
from refugio.dedup.service.training import _records, active_model, linkage_model, train_model
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import SYSTEM, Principal
from refugio.store.uow import StaleSnapshot, after_transaction, retrying, session_factory, unit_of_work

log = logging.getLogger("refugio.dedup")
IMPORT_CHUNK = 500  # households linked per unit of work
SYNC_STEP = 500  # households taken into deduplication's index per unit of work when an import starts


def link_import_later(
    session: Session, *, operation_id: uuid.UUID, batch_id: uuid.UUID, household_ids: Sequence[uuid.UUID]
) -> None:
    """Start the linkage of a committed import in a background thread once the caller's transaction
    has ended (nothing happens if it was rolled back: its households are not there)."""
    households = sorted(set(household_ids))
    if not households:
        return
    factory = session_factory(session.get_bind())  # type: ignore[arg-type]

    def start(_own: Session) -> None:
        background.start(
            lambda: link_import(factory, operation_id, batch_id, households), name=f"link-{batch_id}"
        )

    after_transaction(session, start)


def wait(batch_id: uuid.UUID, timeout: float = 120.0) -> None:
    """Wait for the background linkage of an import started in this process (tests, the command line)."""
    background.join(f"link-{batch_id}", timeout)


def wait_all(timeout: float = 120.0) -> bool:
    """Wait for all work this process started in the background (`core.background`), the linkages of
    imports included; True when none is still running."""
    return background.join_all(timeout)


def _progress(run: DedupRun, **changes: Any) -> None:
    run.summary = {**(run.summary or {}), **changes}


def _start(
    factory: sessionmaker[Session],
    operation_id: uuid.UUID,
    batch_id: uuid.UUID,
    households: Sequence[uuid.UUID],
) -> uuid.UUID | None:
    """The run of the import (the model trained first if the operation has none); None if the import's
    households are not there (its transaction was rolled back). Short units of work (the index's sync
    in steps of `SYNC_STEP` households), so that the embedded database's single writer is never held
    while a model trains or a whole import is indexed (a clerk's page, which writes its audit entry,
    would wait behind it)."""
    with unit_of_work(factory, immediate=True) as s:
        if not index.load_households(s, households[:1]):
            return None
    # the index brought up to date in steps, each a short unit of work: SQLite's writer is held one
    # step at a time, so that a desk's write waits for a step, not for the whole import's people
    # (20,000 people into 100,000: 7.5 s at once before)
    while True:
        with unit_of_work(factory, immediate=True) as s:
            if index.sync_step(s, SYNC_STEP):
                break
    model_id = _model_of(factory, operation_id)
    with unit_of_work(factory, immediate=True) as s:
        run = DedupRun(
            operation_id=operation_id,
            scope="import",
            model_id=model_id,
            engine="duckdb",
            started_by=SYSTEM.label,
            summary={
                "import_batch_id": str(batch_id),
                "state": "running",
                "households": len(households),
                "done": 0,
            },
        )
        s.add(run)
        s.flush()
        return run.id


def _model_of(factory: sessionmaker[Session], operation_id: uuid.UUID, attempts: int = 3) -> uuid.UUID:
    """The operation's active model, trained now if it has none (training reads, then writes the model at
    the end: a writer that committed meanwhile makes SQLite refuse the upgrade, so it is tried again)."""
    for attempt in range(1, attempts + 1):
        try:
            # deferred: SQLite's single writer is not held while the model trains (but the last attempt)
            with unit_of_work(factory, immediate=attempt == attempts) as s:
                model = active_model(s, operation_id) or train_model(
                    s, actor=SYSTEM, operation_id=operation_id
                )
                return model.id
        except (ConcurrentWrite, StaleSnapshot):
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def link_import(
    factory: sessionmaker[Session],
    operation_id: uuid.UUID,
    batch_id: uuid.UUID,
    households: Sequence[uuid.UUID],
) -> None:
    """The background work: each chunk of the import's households against itself and the registry
    (pairs at or above the review threshold to the queue), progress kept on the run."""
    run_id: uuid.UUID | None = None
    try:
        run_id = _start(factory, operation_id, batch_id, households)
        if run_id is None:
            return
        found = new = done = 0
        for start in range(0, len(households), IMPORT_CHUNK):
            chunk = households[start : start + IMPORT_CHUNK]

            def one_chunk(
                s: Session,
                chunk: Sequence[uuid.UUID] = chunk,
                found: int = found,
                new: int = new,
                done: int = done,
            ) -> tuple[int, int]:
                run = s.get(DedupRun, run_id)
                assert run is not None
                f, n = _link_chunk(s, run, chunk)
                run.pairs_found, run.pairs_new = found + f, new + n
                run.records = done + len(chunk)
                _progress(run, done=done + len(chunk))
                return f, n

            # deferred, so that the linkage's reading and scoring never hold SQLite's single writer;
            # run again from the start if a clerk's write made its snapshot stale (`retrying`)
            f, n = retrying(factory, one_chunk)
            found, new, done = found + f, new + n, done + len(chunk)
        with unit_of_work(factory, immediate=True) as s:
            run = s.get(DedupRun, run_id)
            assert run is not None
            run.finished_at = clock.now()
            _progress(run, state="done")
            audit.record(
                s,
                actor=SYSTEM,
                action="dedup.run_import",
                object_type="dedup_run",
                object_id=str(run_id),
                details={"import": str(batch_id), "households": len(households), "pairs_new": new},
            )
    except Exception as exc:  # the import stays committed; say what happened on the run
        log.exception("linkage of import %s failed", batch_id)
        if run_id is not None:
            with unit_of_work(factory, immediate=True) as s:
                run = s.get(DedupRun, run_id)
                if run is not None:
                    _progress(run, state="failed", error=type(exc).__name__)
                    run.finished_at = clock.now()


def _link_chunk(session: Session, run: DedupRun, households: Sequence[uuid.UUID]) -> tuple[int, int]:
    model = active_model(session, run.operation_id)
    assert model is not None
    batch = [p for p in index.load_households(session, households) if p.status == "active"]
    batch_ids = {p.individual_id for p in batch}
    others: dict[uuid.UUID, index.Indexed] = {}
    for p in batch:
        for c in index.candidates(
            session, operation_id=run.operation_id, keys=index.probe_keys(p.prepared), exclude=batch_ids
        ):
            others[c.individual_id] = c
    pairs = get_engine("duckdb").predict(
        _records([*batch, *others.values()]),
        model=linkage_model(model),
        threshold_weight=model.review_weight,
        restrict_to={str(i) for i in batch_ids},
    )
    household_of = {str(p.individual_id): p.household_id for p in batch}
    pairs = [  # two members of one registration are, by construction, two people
        p
        for p in pairs
        if not (p.left_id in household_of and household_of[p.left_id] == household_of.get(p.right_id))
    ]
    return len(pairs), _store_pairs(session, run=run, pairs=pairs, model_version=model.version)


def import_linkage(session: Session, *, actor: Principal, batch_id: uuid.UUID) -> ImportLinkage | None:
    """The progress of the linkage of a committed import (None: none started), to those who may import
    or review duplicates in its operation."""
    for run in session.scalars(
        select(DedupRun).where(DedupRun.scope == "import").order_by(DedupRun.started_at.desc()).limit(200)
    ):
        summary = run.summary or {}
        if summary.get("import_batch_id") != str(batch_id):
            continue
        if not (
            actor.can(Permission.DEDUP_VIEW, operation_id=run.operation_id)
            or actor.can(Permission.HOUSEHOLD_CREATE, operation_id=run.operation_id)
        ):
            return None
        return ImportLinkage(
            run_id=run.id,
            state=str(summary.get("state", "queued")),
            households=int(summary.get("households", 0)),
            done=int(summary.get("done", 0)),
            pairs_found=run.pairs_found,
            pairs_new=run.pairs_new,
            finished_at=run.finished_at.isoformat(timespec="seconds") if run.finished_at else None,
        )
    return None
