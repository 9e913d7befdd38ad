"""Post-distribution monitoring sample sizes: Cochran's formula for a proportion (p = 0.5, the most
cautious), the finite-population correction and a design effect (default 1.5, for a cluster or
stratified draw).

    n0 = z² · p(1 − p) / e²        n = n0 / (1 + (n0 − 1) / N)        size = ⌈deff · n⌉ (at most N)

Imports the standard library and refugio.assistance.schemas only.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from refugio.assistance.schemas import SampleSize
from refugio.core.errors import FieldError, ValidationFailed

DEFAULT_DESIGN_EFFECT = 1.5


def _fraction(value: float) -> float:
    """0.95 or 95 (per cent) alike."""
    return value / 100 if value > 1 else value


MIN_MARGIN = 0.0001


def sample_size(
    *,
    population: int,
    confidence: float,
    margin: float,
    design_effect: float = DEFAULT_DESIGN_EFFECT,
    proportion: float = 0.5,
) -> SampleSize:
    errors = []
    c, e = _fraction(confidence), _fraction(margin)
    if population < 1:
        errors.append(FieldError("population", "the population must be at least 1"))
    if not 0 < c < 1:
        errors.append(FieldError("confidence", f"{confidence} is not a confidence level (e.g. 0.95 or 95)"))
    if not 0 < e < 1:
        errors.append(FieldError("margin", f"{margin} is not a margin of error (e.g. 0.05 or 5)"))
    elif e < MIN_MARGIN:  # a smaller margin asks for the whole population, and e*e underflows
        errors.append(FieldError("margin", f"the margin of error is at least {MIN_MARGIN} (0.01 %)"))
    if design_effect < 1:
        errors.append(FieldError("design_effect", "the design effect is at least 1"))
    if not 0 < proportion < 1:
        errors.append(FieldError("proportion", "the expected proportion lies between 0 and 1"))
    if errors:
        raise ValidationFailed(errors)
    z = NormalDist().inv_cdf(1 - (1 - c) / 2)
    n0 = z * z * proportion * (1 - proportion) / (e * e)
    n = n0 / (1 + (n0 - 1) / population)
    size = min(population, math.ceil(round(n * design_effect, 9)))
    return SampleSize(
        population=population,
        confidence=c,
        margin=e,
        design_effect=design_effect,
        z=z,
        n0=n0,
        with_fpc=n,
        size=size,
    )
