"""Synthetic matching problems for the demo, the tests and the benchmark: realistic family sizes (1 to
10, most 1 to 5), children/adults/seniors, localities of uneven size with a total capacity near the
demand, hard incompatibilities and scores in [0, 1]. Deterministic for a seed. Numpy only."""

from __future__ import annotations

import numpy as np

from refugio.solutions.matching.problem import DIMENSIONS_1, DIMENSIONS_3, Problem, build

FAMILY_SIZE_SHARES = np.array([20, 18, 17, 15, 12, 7, 5, 3, 2, 1], dtype=np.float64)


def problem(
    n_cases: int,
    n_localities: int,
    *,
    seed: int = 0,
    compatible: float = 0.7,
    capacity_ratio: float = 0.95,
    dimensions: int = 3,
) -> Problem:
    """`capacity_ratio`: total capacity per dimension over the total demand."""
    rows = rows_of(
        n_cases,
        n_localities,
        seed=seed,
        compatible=compatible,
        capacity_ratio=capacity_ratio,
        dimensions=dimensions,
    )
    cases, localities, scores = rows
    return build(
        cases=cases,
        localities=localities,
        scores=scores,
        dimensions=DIMENSIONS_3 if dimensions == 3 else DIMENSIONS_1,
    )


def rows_of(
    n_cases: int,
    n_localities: int,
    *,
    seed: int = 0,
    compatible: float = 0.7,
    capacity_ratio: float = 0.95,
    dimensions: int = 3,
) -> tuple[list[tuple[str, list[int]]], list[tuple[str, list[int]]], list[tuple[str, str, float]]]:
    """The same as plain rows (case id and sizes; locality id and capacities; scored pairs)."""
    rng = np.random.default_rng(seed)
    size = rng.choice(np.arange(1, 11), p=FAMILY_SIZE_SHARES / FAMILY_SIZE_SHARES.sum(), size=n_cases)
    children = rng.binomial(np.maximum(size - 1, 0), 0.55)
    seniors = rng.binomial(size - children, 0.08)
    adults = size - children - seniors
    sizes = np.stack([children, adults, seniors], axis=1)
    share = rng.dirichlet(np.full(n_localities, 2.0))
    demand = sizes.sum(axis=0) if dimensions == 3 else np.array([sizes.sum()])
    caps = np.ceil(share[:, None] * demand[None, :] * capacity_ratio).astype(np.int64)
    # a locality's outcome level and a case's profile: scores are correlated, as employment rates are
    level = rng.normal(0.5, 0.12, size=n_localities)
    affinity = rng.normal(0.0, 0.1, size=(n_cases, n_localities))
    score = np.clip(level[None, :] + affinity, 0.01, 0.99).round(4)
    ok = rng.random((n_cases, n_localities)) < compatible
    ok[np.arange(n_cases), rng.integers(0, n_localities, n_cases)] = True  # everyone has some option
    width = len(str(max(n_cases, n_localities)))
    case_ids = [f"C{i:0{width}d}" for i in range(n_cases)]
    loc_ids = [f"L{j:0{width}d}" for j in range(n_localities)]
    ci, li = np.nonzero(ok)
    return (
        [(case_ids[i], sizes[i].tolist()) for i in range(n_cases)],
        [(loc_ids[j], caps[j].tolist()) for j in range(n_localities)],
        [
            (case_ids[i], loc_ids[j], float(score[i, j]))
            for i, j in zip(ci.tolist(), li.tolist(), strict=True)
        ],
    )


def featured(
    n_cases: int,
    n_localities: int,
    *,
    seed: int = 0,
    capacity_ratio: float = 1.2,
    dimensions: int = 3,
) -> Problem:
    """A problem whose scores come from per-locality models over a few case features, as in Annie MOORE
    (HIAS's year: a model per affiliate over the features of the family): the chance that the head of
    the family finds work, by a logistic model per locality over education (3 levels), English (yes or
    no), origin (3 groups) and the number of adults. Compatibility follows features too: a fifth of the
    localities take families of at most 5 members, and each supports an origin group with chance 0.85
    (the largest supports everyone). Families with equal features and members have equal scores, so many
    cases are interchangeable; sizes and capacities are drawn as in `problem`."""
    rng = np.random.default_rng(seed)
    size = rng.choice(np.arange(1, 11), p=FAMILY_SIZE_SHARES / FAMILY_SIZE_SHARES.sum(), size=n_cases)
    children = rng.binomial(np.maximum(size - 1, 0), 0.55)
    seniors = rng.binomial(size - children, 0.08)
    adults = size - children - seniors
    sizes = np.stack([children, adults, seniors], axis=1)
    education = rng.choice(3, p=[0.4, 0.4, 0.2], size=n_cases)
    english = rng.random(n_cases) < 0.3
    origin = rng.choice(3, p=[0.5, 0.3, 0.2], size=n_cases)
    share = rng.dirichlet(np.full(n_localities, 2.0))
    demand = sizes.sum(axis=0) if dimensions == 3 else np.array([sizes.sum()])
    caps = np.ceil(share[:, None] * demand[None, :] * capacity_ratio).astype(np.int64)
    base, per_edu = rng.normal(-0.6, 0.5, n_localities), rng.normal(0.4, 0.15, n_localities)
    per_english, per_adult = rng.normal(0.6, 0.3, n_localities), rng.normal(0.15, 0.1, n_localities)
    per_origin = rng.normal(0.0, 0.4, (n_localities, 3))
    z = (
        base[None, :]
        + per_edu[None, :] * education[:, None]
        + per_english[None, :] * english[:, None]
        + per_origin.T[origin]
        + per_adult[None, :] * np.minimum(adults, 4)[:, None]
    )
    score = np.clip(1.0 / (1.0 + np.exp(-z)), 0.01, 0.99).round(4)
    small_only = rng.random(n_localities) < 0.2
    supports = rng.random((n_localities, 3)) < 0.85
    universal = int(np.argmax(share))
    small_only[universal], supports[universal] = False, True
    ok = supports.T[origin] & ~(small_only[None, :] & (size[:, None] > 5))
    width = len(str(max(n_cases, n_localities)))
    case_ids = [f"C{i:0{width}d}" for i in range(n_cases)]
    loc_ids = [f"L{j:0{width}d}" for j in range(n_localities)]
    ci, li = np.nonzero(ok)
    return build(
        cases=[(case_ids[i], sizes[i].tolist()) for i in range(n_cases)],
        localities=[(loc_ids[j], caps[j].tolist()) for j in range(n_localities)],
        scores=[
            (case_ids[i], loc_ids[j], float(score[i, j]))
            for i, j in zip(ci.tolist(), li.tolist(), strict=True)
        ],
        dimensions=DIMENSIONS_3 if dimensions == 3 else DIMENSIONS_1,
    )


PLACEMENT_HEADER = [
    "case_id", "locality_id", "children", "adults", "seniors", "head_age", "education", "languages",
    "skills", "outcome",
]  # fmt: skip
LANGUAGES = ("ar", "fr", "en", "so", "prs", "ps")
SKILLS = ("farming", "driving", "nursing", "tailoring", "construction", "teaching")


def true_probability(
    locality: int, children: int, education: int, langs: set[str], skills: set[str]
) -> float:
    """The outcome's chance in the synthetic placements, known to the tests: locality 0 employs Arabic
    speakers, locality 1 the educated, locality 2 small families with a driver or a builder; other
    localities are middling for everyone."""
    if locality == 0:
        z = -1.2 + 2.6 * ("ar" in langs)
    elif locality == 1:
        z = -1.8 + 1.3 * education
    elif locality == 2:
        z = 0.6 - 0.7 * children + 1.6 * bool(skills & {"driving", "construction"})
    else:
        z = 0.0
    return float(1.0 / (1.0 + np.exp(-z)))


def placements(per_locality: list[int], *, seed: int = 0) -> list[list[str]]:
    """Past placements (rows of PAST.csv, header first): `per_locality[j]` placements in locality Lj."""
    rng = np.random.default_rng(seed)
    rows: list[list[str]] = [PLACEMENT_HEADER]
    n = 0
    for loc, count in enumerate(per_locality):
        for _ in range(count):
            size = int(rng.choice(np.arange(1, 11), p=FAMILY_SIZE_SHARES / FAMILY_SIZE_SHARES.sum()))
            children = int(rng.binomial(max(size - 1, 0), 0.55))
            seniors = int(rng.binomial(size - children, 0.08))
            education = int(rng.integers(0, 4))
            langs = {str(x) for x in rng.choice(LANGUAGES, size=int(rng.integers(1, 3)), replace=False)}
            skills = {str(x) for x in rng.choice(SKILLS, size=int(rng.integers(0, 3)), replace=False)}
            p = true_probability(loc, children, education, langs, skills)
            rows.append(
                [
                    f"P{n:06d}",
                    f"L{loc}",
                    str(children),
                    str(size - children - seniors),
                    str(seniors),
                    str(int(rng.integers(18, 70))),
                    ("none", "primary", "secondary", "tertiary")[education],
                    ";".join(sorted(langs)),
                    ";".join(sorted(skills)),
                    str(int(rng.random() < p)),
                ]
            )
            n += 1
    return rows
