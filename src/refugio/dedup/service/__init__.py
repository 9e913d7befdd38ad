"""Deduplication writes (and the desk check), named with domain verbs. Keyword-only arguments; they
flush, never commit: the caller's unit of work commits. Every write is audited.

    index_people        take in registration changes (or rebuild the index)          (training)
    train_model         a new version of the operation's model (EM on sampled pairs),
                        made active                                                   (training)
    set_thresholds      the review and match thresholds (match weights) of a model    (training)
    run_population      everyone registered in the operation against everyone         (runs)
    run_batch           an import batch against itself and against everyone already
                        registered                                                    (runs)
    desk_check          one person being registered against everyone registered
                        (nothing written but, when the index is behind, the index)    (desk)
    check_members       the desk check of every member of a household being saved;
                        `confirmation_errors`: likely matches saved without a reason  (desk)
    link_household      a household just registered against the registry: its pairs
                        go to the review queue in the same transaction               (household_link)
    link_import_later   a committed import against the registry, in a background thread
                        after the commit, its progress on the run (`import_linkage`)  (import_link)
    record_desk_decisions  the clerk's "same person" / "not the same" and reason, as
                        notes on the pairs, audited                                   (household_link)
    confirm_duplicate   "same person": the pair's second record is merged into the
                        first (both kept)                                             (decisions)
    reject_duplicate    "different people": remembered, the pair is never raised again (decisions)
    unmerge             undo a merge: both records as they were                       (decisions)

A merge keeps both histories: nothing is deleted and nothing is re-pointed. The merged person's
status becomes `inactive` (so lists, counts and assistance use the survivor), a `DedupMerge` row
points to the survivor and keeps the previous status, and each of the two people gets a history event
naming the other. Unmerging restores the previous status and adds the events that say so. Both keep
registration's name index in step with the status (`registration.service.refresh_name_index`).

The constants live in the module that reads them (re-exported here): setting `service.X` changes
nothing; set it on the module that owns it (`service.desk.DESK_CANDIDATES`). Imports the dedup
modules, registration, security and core; never a web framework nor a channel.
"""

from __future__ import annotations

from refugio.dedup.service.decisions import confirm_duplicate, reject_duplicate, unmerge
from refugio.dedup.service.desk import (
    DESK_CANDIDATES,
    DESK_MIN_WEIGHT,
    DESK_SYNC_LAG,
    check_members,
    confirmation_errors,
    desk_check,
)
from refugio.dedup.service.household_link import link_household, record_desk_decisions
from refugio.dedup.service.import_link import import_linkage, link_import_later, wait_all
from refugio.dedup.service.runs import run_batch, run_population
from refugio.dedup.service.training import (
    DEFAULT_MATCH_WEIGHT,
    DEFAULT_REVIEW_WEIGHT,
    MAX_PAIRS,
    TRAIN_SAMPLE,
    active_model,
    index_people,
    linkage_model,
    model_thresholds,
    set_thresholds,
    train_model,
)

__all__ = [
    "DEFAULT_MATCH_WEIGHT",
    "DEFAULT_REVIEW_WEIGHT",
    "DESK_CANDIDATES",
    "DESK_MIN_WEIGHT",
    "DESK_SYNC_LAG",
    "MAX_PAIRS",
    "TRAIN_SAMPLE",
    "active_model",
    "check_members",
    "confirm_duplicate",
    "confirmation_errors",
    "desk_check",
    "import_linkage",
    "index_people",
    "link_household",
    "link_import_later",
    "linkage_model",
    "model_thresholds",
    "record_desk_decisions",
    "reject_duplicate",
    "run_batch",
    "run_population",
    "set_thresholds",
    "train_model",
    "unmerge",
    "wait_all",
]
