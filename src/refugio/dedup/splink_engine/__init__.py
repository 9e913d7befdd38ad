"""The linkage engine on Splink 5, the only package importing splink (lazily); see `comparisons`, `scoring`.

DuckDB is the embedded backend; `backend="spark"` runs the same comparisons and blocking rules on a
local pyspark session (Splink's Spark backend; conditions are written once in DuckDB SQL and
translated by Splink/sqlglot, similarity functions come from Splink's dialect layer).

The model layout is defined once, in code; a stored model carries only parameters (m and u per level
keyed by comparison and level label, the prior, the name counts) and a layout fingerprint.

Comparisons (first matching level wins; the layout and its reasons in `comparisons`): given and
family name (exact, attested spelling, swapped, skeleton, crossed, Jaro-Winkler; both without a family
name), father's name, date of birth honest about precision (a year-only or year-month date against an
exact one is compatible, not a disagreement), sex, origin, phone, document, site, household context.
Every comparison has a null level (no evidence either way).

Scoring: the blocked pairs are scored by the desk check's scorer (`scoring`): one scoring path, one
probability per pair, the term-frequency adjustment from the model's own name counts; two records of
one registration are never a pair. Spark scores with Splink (the same comparisons, no frequencies).

Blocking: each rule joins records on one key (given|family skeleton with birth year, the three
canonical names, document, phone, the name-order swap, and broader keys: given|family skeleton,
family skeleton with year, date of birth with a name, family with origin or site, given name with origin,
family with the given name's initial, the family skeleton alone, …). A key's blocks
are taken smallest first within a pair budget per rule (`MIN_RULE_PAIRS`, or `PAIRS_PER_RECORD` per
record when larger), never above `MAX_BLOCK`: broad keys help where their values are rare and cost
nothing where they are common, so the pairs scored grow about linearly with the input.

Training: the prior (`probability_two_random_records_match`) from deterministic rules, u by random
sampling, m by expectation maximisation in two sessions on *sampled* blocked pairs (`max_pairs` for u,
`EM_MAX_PAIRS` for EM), so memory stays bounded whatever the input size; where both sessions train a
comparison, the second's estimates (identifiers or dates of birth) replace the first's (names). Each session
tries its rules, most specific first, until one succeeds with an estimate that can describe true
matches; a session that fails or is rejected leaves the parameters (and the comparisons) as they were.
After EM the prior is estimated again from `PRIOR_RULE`, with the recall the trained m probabilities
give that rule (`rule_recall`) instead of an assumed one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections.abc import Sequence
from typing import Any

from refugio.dedup.engine import Contribution, LinkageModel, Records, ScoredPair, clusters_from_pairs
from refugio.dedup.names import COLUMNS
from refugio.dedup.splink_engine.comparisons import (
    LAYOUT_VERSION,
    _implausible,
    comparisons,
)
from refugio.dedup.splink_engine.scoring import (
    _SCORERS,
    _SCORERS_LOCK,
    MAX_SCORERS,
    _PairScorer,
    local_spark,
    table_of,
    term_frequencies,
)

_ARRAY_COLUMNS = frozenset({"given_skels", "family_skels", "name_units", "hh_names"})
_INT_COLUMNS = frozenset({"dob_year"})


# Blocking. Each rule joins records on one *blocking key*: the values of a few prepared columns, joined
# (`l.bk_x = r.bk_x`; a name-order swap joins one key against its mirror). A key's block is the records
# sharing a value. Blocks are taken smallest first until the rule's pair budget is spent, and a block
# larger than MAX_BLOCK is never taken: a huge block (a common name in a birth year, a family name at a
# site with thousands of people) holds almost only different people, costs quadratic time and memory,
# and its true matches are found by the more specific keys. So the broad keys help where their values
# are rare (a family name at a postcode) and cost nothing where they are common (a family name in a
# camp), and the pairs to score grow about linearly with the records whatever the data.
# (name, columns of the left record, columns of the right record)
_SINGLE = "coalesce(family_skel, '-')"
BLOCKING_KEYS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # a person with a single name (no family name) keys on the given name and the year alone
    ("gfy", ("given_skel", _SINGLE, "dob_year"), ("given_skel", _SINGLE, "dob_year")),
    ("gmf", ("given_canon", "middle_canon", "family_canon"), ("given_canon", "middle_canon", "family_canon")),
    ("doc", ("doc",), ("doc",)),
    ("tel", ("phone",), ("phone",)),
    ("swap", ("given_skel", "family_skel"), ("family_skel", "given_skel")),
    ("gf", ("given_skel", "family_skel"), ("given_skel", "family_skel")),
    ("fy", ("family_skel", "dob_year"), ("family_skel", "dob_year")),
    ("gd", ("given_skel", "dob"), ("given_skel", "dob")),
    ("fd", ("family_skel", "dob"), ("family_skel", "dob")),
    ("gmy", ("given_canon", "middle_canon", "dob_year"), ("given_canon", "middle_canon", "dob_year")),
    ("md", ("middle_skel", "dob"), ("middle_skel", "dob")),
    ("fc", ("family_skel", "country"), ("family_skel", "country")),
    ("fs", ("family_skel", "site"), ("family_skel", "site")),
    ("gs", ("given_skel", "site"), ("given_skel", "site")),
    ("ds", ("dob", "site"), ("dob", "site")),
    ("gc", ("given_skel", "country"), ("given_skel", "country")),
    ("fi", ("family_skel", "substr(given_latin, 1, 1)"), ("family_skel", "substr(given_latin, 1, 1)")),
    # partial dates and misspelt names: the year with the father's and family name, or with the
    # household (its first other member's name) and sex
    ("mfy", ("middle_skel", "family_skel", "dob_year"), ("middle_skel", "family_skel", "dob_year")),
    ("hy", ("hh_names[1]", "sex", "dob_year"), ("hh_names[1]", "sex", "dob_year")),
    ("gsy", ("given_skel", "sex", "dob_year"), ("given_skel", "sex", "dob_year")),
    ("f", ("family_skel",), ("family_skel",)),
)
MAX_BLOCK = 1000
PAIRS_PER_RECORD = 1  # each rule's budget: this many pairs per record (at least MIN_RULE_PAIRS)
MIN_RULE_PAIRS = 250_000  # 1M until issue 13: the same F1 on historical_50k and the generator, 3× the time


def _key_name(name: str, side: int) -> str:
    return f"bk_{name}" if side == 0 else f"bk_{name}_mirror"


def _is_mirrored(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    return left != right


def blocking_rules() -> list[str]:
    rules = []
    for name, left, right in BLOCKING_KEYS:
        if _is_mirrored(left, right):
            rules.append(f"l.{_key_name(name, 0)} = r.{_key_name(name, 1)}")
            rules.append(f"l.{_key_name(name, 1)} = r.{_key_name(name, 0)}")
        else:
            rules.append(f"l.{_key_name(name, 0)} = r.{_key_name(name, 0)}")
    return rules


def blocking_columns(table: Any) -> Any:
    """`table` (Arrow, prepared columns) with a `bk_*` column per blocking key: the key's value where
    its block is taken, else null (see BLOCKING_KEYS). Computed with DuckDB whatever the backend."""
    import duckdb

    budget = max(MIN_RULE_PAIRS, PAIRS_PER_RECORD * table.num_rows)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        import pyarrow as pa  # type: ignore[import-untyped]

        con.register("prepared", table.append_column("bk_row", pa.array(range(table.num_rows), pa.int64())))
        exprs = ["bk_row"]
        for name, left, right in BLOCKING_KEYS:
            exprs.append(f"{_key_sql(left)} AS {_key_name(name, 0)}")
            if left != right:
                exprs.append(f"{_key_sql(right)} AS {_key_name(name, 1)}")
        con.execute(f"CREATE TEMP TABLE keyed AS SELECT {', '.join(exprs)} FROM prepared")
        selects, joins = [], []
        for i, (name, left, right) in enumerate(BLOCKING_KEYS):
            a, b = _key_name(name, 0), _key_name(name, 1)
            if left == right:
                con.execute(
                    f"CREATE TEMP TABLE n{i} AS SELECT {a} AS k, count(*) AS n FROM keyed "
                    f"WHERE {a} IS NOT NULL GROUP BY 1"
                )
                sizes = con.execute(f"SELECT n * (n - 1) // 2, n FROM n{i} WHERE n > 1").fetchall()
                limit = _size_limit(sizes, budget)
                joins.append(f"LEFT JOIN n{i} ON n{i}.k = keyed.{a}")
                selects.append(f"CASE WHEN n{i}.n <= {limit} THEN keyed.{a} END AS {a}")
                continue
            con.execute(
                f"CREATE TEMP TABLE n{i} AS SELECT coalesce(x.k, y.k) AS k, "
                "greatest(coalesce(x.n, 0), coalesce(y.n, 0)) AS n, "
                "coalesce(x.n, 0) * coalesce(y.n, 0) AS pairs "
                f"FROM (SELECT {a} AS k, count(*) AS n FROM keyed WHERE {a} IS NOT NULL GROUP BY 1) x "
                f"FULL JOIN (SELECT {b} AS k, count(*) AS n FROM keyed WHERE {b} IS NOT NULL GROUP BY 1) y "
                "ON x.k = y.k"
            )
            sizes = con.execute(f"SELECT pairs, n FROM n{i} WHERE pairs > 0").fetchall()
            limit = _size_limit(sizes, budget)
            joins.append(f"LEFT JOIN n{i} AS n{i}a ON n{i}a.k = keyed.{a}")
            joins.append(f"LEFT JOIN n{i} AS n{i}b ON n{i}b.k = keyed.{b}")
            selects.append(f"CASE WHEN n{i}a.n <= {limit} AND n{i}a.pairs > 0 THEN keyed.{a} END AS {a}")
            selects.append(f"CASE WHEN n{i}b.n <= {limit} AND n{i}b.pairs > 0 THEN keyed.{b} END AS {b}")
        keys = con.sql(
            f"SELECT {', '.join(selects)} FROM keyed {' '.join(joins)} ORDER BY keyed.bk_row"
        ).to_arrow_table()
    finally:
        con.close()
    for column in keys.column_names:
        table = table.append_column(column, keys.column(column))
    return table


def _key_sql(columns: tuple[str, ...]) -> str:
    present = " AND ".join(f"{c} IS NOT NULL AND CAST({c} AS VARCHAR) <> ''" for c in columns)
    joined = " || '|' || ".join(f"CAST({c} AS VARCHAR)" for c in columns)
    return f"CASE WHEN {present} THEN {joined} END"


def _size_limit(sizes: Sequence[tuple[int, int]], budget: int) -> int:
    """The largest block size taken: blocks smallest first, every block of one size or none, until
    the budget of pairs is spent; never above MAX_BLOCK."""
    cost: dict[int, int] = {}
    for pairs, size in sizes:
        cost[int(size)] = cost.get(int(size), 0) + int(pairs)
    spent, limit = 0, 1
    for size in sorted(cost):
        if size > MAX_BLOCK or spent + cost[size] > budget:
            break
        spent += cost[size]
        limit = size
    return limit


DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.doc = r.doc AND l.given_skel = r.given_skel",
    "l.given_canon = r.given_canon AND l.family_canon = r.family_canon AND l.dob = r.dob",
)
# Each EM session tries its rules in turn until one gives an estimate that can describe true matches:
# Splink 5 refuses an estimate that underflows to m = 0, and a rule whose pairs are mostly different
# people (a common name, a shared date of birth) lets EM split them on something else (household,
# origin), which `_implausible` catches. The most specific rules come first. The first session
# blocks on names (and trains the date of birth and the rest), the second on identifiers or the date
# of birth (and trains the names). The second session's estimates replace the first's for the
# comparisons both train rather than being averaged with them: pairs sharing
# a document or phone are nearly all the same person, while pairs sharing three common names hold
# namesakes that EM partly takes for matches. On the refugee generator (10k people) the name session
# put m(date of birth disagrees) at 0.38, the document session at 0.03 (0.034 in the ground truth);
# averaged, 0.20 let namesakes born years apart score above the threshold.
EM_RULES: tuple[tuple[str, ...], ...] = (
    (
        "l.given_canon = r.given_canon AND l.middle_canon = r.middle_canon "
        "AND l.family_canon = r.family_canon",
        "l.given_skel = r.given_skel AND l.family_skel = r.family_skel AND l.site = r.site",
        "l.given_skel = r.given_skel AND l.family_skel = r.family_skel AND l.country = r.country",
        "l.given_skel = r.given_skel AND l.family_skel = r.family_skel",
    ),
    (
        "l.doc = r.doc",
        "l.phone = r.phone",
        "l.dob = r.dob AND l.dob_precision = 'exact'",
        "l.dob = r.dob",
    ),
)


EM_MAX_PAIRS = 500_000

# The prior re-estimated after EM: the pairs agreeing on this rule, divided by the rule's recall among
# true matches as the trained model states it (`rule_recall`). Each condition of the rule holds in
# exactly a set of levels of one comparison, so its recall is read off their m probabilities. (The
# first estimate, from DETERMINISTIC_RULES with an assumed recall of 0.7, was 5× too low on
# historical_50k, where only 13 % of the true pairs agree on names and an exact date of birth.)
PRIOR_RULE = (
    "l.given_canon = r.given_canon AND l.family_canon = r.family_canon AND l.dob = r.dob "
    "AND l.dob_precision = 'exact' AND r.dob_precision = 'exact'"
)
# (comparison, the levels in which the rule's condition on it holds, the column both records need)
PRIOR_RULE_LEVELS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("given_name", ("exact", "same name, other spelling"), "given_canon"),
    ("family_name", ("exact", "same name, other spelling"), "family_canon"),
    ("date_of_birth", ("same date",), "dob"),
)
MIN_PRIOR_RECALL = 0.02  # a recall below it is too uncertain to divide by: the first estimate is kept


def _settings(params: dict[str, Any] | None = None) -> Any:
    from splink import SettingsCreator

    prior = (params or {}).get("probability_two_random_records_match") or 1e-5
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=float(prior),
        comparisons=comparisons(params),
        blocking_rules_to_generate_predictions=list[Any](blocking_rules()),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )


def layout() -> list[tuple[str, list[str]]]:
    """(comparison, level labels) in order: the fingerprint a stored model must match."""
    out = []
    for comp in comparisons():
        name = comp.create_output_column_name()
        labels = [lvl.create_label_for_charts() for lvl in comp.create_comparison_levels()]
        out.append((name, labels))
    return out


def layout_fingerprint() -> str:
    return hashlib.sha256(json.dumps([LAYOUT_VERSION, layout()]).encode()).hexdigest()[:16]


def parameters_of(spec: dict[str, Any]) -> dict[str, Any]:
    """The learnt parameters of a Splink settings dict, keyed by comparison and level label."""
    params: dict[str, Any] = {
        "layout": layout_fingerprint(),
        "probability_two_random_records_match": spec.get("probability_two_random_records_match"),
        "comparisons": {},
    }
    for comp in spec["comparisons"]:
        levels = []
        for lvl in comp["comparison_levels"]:
            levels.append(
                {
                    "label": lvl.get("label_for_charts"),
                    "m": lvl.get("m_probability"),
                    "u": lvl.get("u_probability"),
                }
            )
        params["comparisons"][comp["output_column_name"]] = levels
    return params


def _pa_table(records: Records, *, blocking: bool = False) -> Any:
    """The records as an Arrow table (with the blocking-key columns when `blocking`)."""
    import pyarrow as pa

    fields = []
    for c in COLUMNS:
        if c in _ARRAY_COLUMNS:
            fields.append(pa.field(c, pa.list_(pa.string())))
        elif c in _INT_COLUMNS:
            fields.append(pa.field(c, pa.int32()))
        else:
            fields.append(pa.field(c, pa.string()))
    schema = pa.schema(fields)
    table = pa.table(
        {c: pa.array(records.columns[c], type=schema.field(c).type) for c in COLUMNS}, schema=schema
    )
    return blocking_columns(table) if blocking else table


class SplinkEngine:
    """Our `LinkageEngine` on Splink, with DuckDB (default) or local Spark as the backend."""

    def __init__(
        self, backend: str = "duckdb", *, threads: int | None = None, spark_session: Any = None
    ) -> None:
        self.name = backend
        self.threads = threads
        self._spark = spark_session
        self._lock = threading.RLock()
        self._counter = 0
        logging.getLogger("splink").setLevel(logging.ERROR)

    # ----- backends

    def _db_api(self) -> Any:
        if self.name == "spark":
            from splink import SparkAPI

            return SparkAPI(spark_session=self._spark or local_spark())  # type: ignore[no-untyped-call]
        import duckdb
        from splink import DuckDBAPI

        con = duckdb.connect()
        if self.threads:
            con.execute(f"SET threads = {int(self.threads)}")
        con.execute("SET preserve_insertion_order = false")
        return DuckDBAPI(connection=con)

    def _linker(self, db_api: Any, records: Records, model: LinkageModel | None) -> Any:
        from splink import Linker

        table = db_api.register(_pa_table(records, blocking=True), table_name=self._next_name())
        return Linker(table, self._settings_with(model), log_level=None, validate_settings=False)

    def _next_name(self) -> str:
        with self._lock:
            self._counter += 1
            return f"refugio_records_{self._counter}"

    def _settings_with(self, model: LinkageModel | None) -> Any:
        if model is None:
            return _settings()
        params = model.spec.get("parameters") or {}
        if params.get("layout") != layout_fingerprint():
            model.notes.append("stored parameters are for another model layout; prior parameters used")
            return _settings()
        return _settings(params)

    # ----- the four verbs

    def train(
        self,
        records: Records,
        *,
        seed: int = 42,
        max_pairs: int = 2_000_000,
        prior: LinkageModel | None = None,
    ) -> LinkageModel:
        """Estimate the prior, u (random sampling) and m (EM on sampled blocked pairs)."""
        from splink import Linker

        notes: list[str] = []
        n = len(records)
        db_api = self._db_api()
        linker = self._linker(db_api, records, prior)
        trained = False
        if n < 30:
            notes.append(f"{n} records are too few to train on: prior parameters kept")
        else:
            try:
                linker.training.estimate_probability_two_random_records_match(
                    list(DETERMINISTIC_RULES), recall=0.7
                )
            except Exception as exc:
                notes.append(f"prior not estimated ({type(exc).__name__}: {exc})")
            try:
                pairs = min(float(max_pairs), n * (n - 1) / 2)
                linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=seed)
                trained = True
            except Exception as exc:
                notes.append(f"u not estimated ({type(exc).__name__}: {exc})")
            for session, rules in enumerate(EM_RULES):
                if session:
                    # Splink averages the estimates of every session that trained a level; rebuilt from
                    # its settings, the linker forgets them, so this session's estimates replace the
                    # earlier session's for the comparisons it trains (see EM_RULES)
                    spec_now = linker.misc.save_model_to_json()
                    linker = Linker(table_of(linker), spec_now, log_level=None, validate_settings=False)
                for rule in rules:
                    before = linker.misc.save_model_to_json()
                    try:
                        linker.training.estimate_parameters_using_expectation_maximisation(
                            rule,
                            max_pairs=float(min(max_pairs, EM_MAX_PAIRS)),
                            estimate_without_term_frequencies=True,
                            populate_probability_two_random_records_match_from_trained_values=False,
                        )
                    except Exception as exc:
                        notes.append(f"EM on {rule!r} skipped ({type(exc).__name__}: {str(exc)[:120]})")
                        # a failed session can leave the linker without the comparisons it blocked on
                        linker = Linker(table_of(linker), before, log_level=None, validate_settings=False)
                        continue
                    implausible = _implausible(linker.misc.save_model_to_json())
                    if implausible:
                        # EM found another split than same/different person (e.g. households, namesakes)
                        notes.append(f"EM on {rule!r} rejected: {implausible}; parameters before it kept")
                        linker = Linker(table_of(linker), before, log_level=None, validate_settings=False)
                        continue
                    break
            if trained:
                self._reestimate_prior(linker, records, notes)
        spec = linker.misc.save_model_to_json()
        self._guard_parameters(spec, notes)
        parameters = parameters_of(spec)
        parameters["term_frequencies"] = term_frequencies(records.columns)  # stored with the rest
        return LinkageModel(
            spec={"splink": spec, "parameters": parameters, "engine": self.name},
            trained=trained,
            notes=notes,
            records_seen=n,
        )

    @staticmethod
    def _reestimate_prior(linker: Any, records: Records, notes: list[str]) -> None:
        """The prior from `PRIOR_RULE`, with the recall the trained m probabilities give it."""
        spec = linker.misc.save_model_to_json()
        from refugio.dedup.splink_engine.recall import rule_recall

        recall = rule_recall(spec, records)
        if recall is None or recall < MIN_PRIOR_RECALL:
            shown = "unknown" if recall is None else f"{recall:.3f}"
            notes.append(f"prior not re-estimated (recall of the prior rule {shown})")
            return
        before = spec.get("probability_two_random_records_match")
        try:
            linker.training.estimate_probability_two_random_records_match([PRIOR_RULE], recall=recall)
        except Exception as exc:
            notes.append(f"prior not re-estimated ({type(exc).__name__}: {str(exc)[:120]})")
            return
        after = linker.misc.save_model_to_json().get("probability_two_random_records_match")
        notes.append(
            f"prior {before:.3g} re-estimated as {after:.3g} (recall of the prior rule {recall:.3f})"
        )

    @staticmethod
    def _guard_parameters(spec: dict[str, Any], notes: list[str]) -> None:
        """EM can drive a level's m to ~0 on odd data; keep every probability inside (1e-6, 1)."""
        for comp in spec["comparisons"]:
            for lvl in comp["comparison_levels"]:
                for key in ("m_probability", "u_probability"):
                    v = lvl.get(key)
                    if v is None:
                        continue
                    if not isinstance(v, int | float) or math.isnan(v) or v <= 0:
                        lvl[key] = 1e-6
                        notes.append(
                            f"{comp['output_column_name']}/{lvl.get('label_for_charts')}: {key} floored"
                        )

    def predict(
        self,
        records: Records,
        *,
        model: LinkageModel,
        threshold_weight: float,
        restrict_to: set[str] | None = None,
    ) -> list[ScoredPair]:
        """Scored pairs at or above the threshold (only pairs touching `restrict_to` when given: on
        DuckDB the other pairs are not even scored). The blocking keys' blocks are chosen on all the
        records whether or not `restrict_to` is given, so it changes no pair that touches it."""
        if len(records) < 2:
            return []
        pairs = self._predict_all(records, model, threshold_weight, restrict_to)
        if restrict_to is None:
            return pairs
        return [p for p in pairs if p.left_id in restrict_to or p.right_id in restrict_to]

    def _predict_all(
        self,
        records: Records,
        model: LinkageModel,
        threshold_weight: float,
        restrict_to: set[str] | None = None,
    ) -> list[ScoredPair]:
        """The blocked pairs scored: on DuckDB by the desk's scorer (one scoring path, see
        `scoring`; with `restrict_to`, only the pairs touching it), on Spark by Splink (the same
        comparisons, no term frequencies; all the pairs)."""
        if self.name != "spark":
            import pyarrow as pa

            table = _pa_table(records, blocking=True)
            table = table.append_column("bk_row", pa.array(range(table.num_rows), pa.int64()))
            if restrict_to is not None:
                probe = [i in restrict_to for i in records.columns["unique_id"]]
                table = table.append_column("bk_probe", pa.array(probe, pa.bool_()))
            return self._scorer(model).score_blocked(
                table,
                blocking_rules(),
                min_weight=threshold_weight,
                threads=self.threads,
                probes=restrict_to is not None,
            )
        linker = self._linker(self._db_api(), records, model)
        df = linker.inference.predict(threshold_match_weight=threshold_weight, warning_mode="never")
        household = dict(zip(records.columns["unique_id"], records.columns["household"], strict=True))
        out = []
        for row in df.as_record_list():
            a, b = str(row["unique_id_l"]), str(row["unique_id_r"])
            if household[a] is None or household[a] != household[b]:  # never two of one registration
                out.append(self._pair(row, a, b, model))
        return out

    def cluster(self, records: Records, *, model: LinkageModel, threshold_weight: float) -> dict[str, str]:
        """Every record's cluster (connected components of the pairs at or above the threshold)."""
        ids = records.ids()
        if len(records) < 2:
            return {i: i for i in ids}
        pairs = self._predict_all(records, model, threshold_weight)
        return clusters_from_pairs(ids, [(p.left_id, p.right_id) for p in pairs])

    def score(self, probe: Records, candidates: Records, *, model: LinkageModel) -> list[ScoredPair]:
        """Every probe record against every candidate, no blocking (the registration-desk check).

        Splink's `score_pairs` runs its whole pipeline per call (~0.3 s); the desk check must answer in
        milliseconds, so this evaluates the very comparison-level SQL that Splink rendered for the
        model (its `Settings` object) in one DuckDB query, and the weights from the same m and u.
        """
        if not len(probe) or not len(candidates):
            return []
        scorer = self._scorer(model)
        return scorer.score(_pa_table(probe), _pa_table(candidates))

    def _scorer(self, model: LinkageModel) -> _PairScorer:
        """The scorer of these parameters, built once per process (building one renders the Splink
        settings, ~0.3 s; an engine is made per request, so the cache cannot live on the engine)."""
        tf = (model.spec.get("parameters") or {}).get("term_frequencies")
        key = hashlib.sha256(json.dumps(model.spec.get("parameters"), sort_keys=True).encode()).hexdigest()
        with _SCORERS_LOCK:
            scorer = _SCORERS.pop(key, None)
            if scorer is None:
                scorer = _PairScorer(self._settings_with(model), tf)
            _SCORERS[key] = scorer  # most recently used last
            while len(_SCORERS) > MAX_SCORERS:
                del _SCORERS[next(iter(_SCORERS))]
            return scorer

    # ----- helpers

    def _pair(self, row: dict[str, Any], a: str, b: str, model: LinkageModel) -> ScoredPair:
        """A predicted pair with its per-comparison weights (`mw_*`) named by their level."""
        contributions = []
        for name, levels in self._scorer(model).comparisons:
            weight = row.get(f"mw_{name}")
            if weight is None:
                continue
            w = float(weight)
            label = min(levels, key=lambda lv: abs(lv[1] - w))[0] if levels else ""
            contributions.append(Contribution(name, label, round(w, 3)))
        return ScoredPair(a, b, float(row["match_weight"]), tuple(contributions))
