"""The reintegration weights: versioned configuration files (`weights/reintegration-<n>.yaml`),
validated by pydantic, and the composite scores they give. A dimension's score is the weighted mean of
its indicators' scores ((answer - 1) / 4, answers 1 to 5); the overall score the weighted mean of the
dimensions'. Every score records the version of the weights used, so later versions never change a
score already given. Imports pydantic and yaml; nothing of the database.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from refugio.core.errors import FieldError, ValidationFailed
from refugio.solutions.returns.enums import Dimension

WEIGHTS_DIR = Path(__file__).with_name("weights")
Weight = Annotated[float, Field(gt=0, le=100)]


class DimensionWeights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    weight: Weight
    indicators: dict[str, Weight] = Field(min_length=1)


class Weights(BaseModel):
    """One version of the weights."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    threshold: float = Field(default=0.5, ge=0, le=1)
    dimensions: dict[Dimension, DimensionWeights]

    @model_validator(mode="after")
    def _complete(self) -> Weights:
        missing = [d.value for d in Dimension if d not in self.dimensions]
        if missing:
            raise ValueError(f"no weights for the dimension(s) {', '.join(missing)}")
        seen: dict[str, str] = {}
        for dim, weights in self.dimensions.items():
            for name in weights.indicators:
                if name in seen:
                    raise ValueError(f"indicator {name} is in both {seen[name]} and {dim.value}")
                seen[name] = dim.value
        return self

    def indicators(self) -> dict[str, Dimension]:
        return {name: dim for dim, w in self.dimensions.items() for name in w.indicators}


@dataclass(frozen=True)
class Scores:
    economic: float
    social: float
    psychosocial: float
    overall: float
    version: str


def parse_weights(text: str | bytes, *, source: str = "weights") -> Weights:
    """A version of the weights from YAML or JSON, or ValidationFailed naming the file and the field."""
    try:
        data = yaml.safe_load(text)
        return Weights.model_validate(data)
    except yaml.YAMLError as exc:
        raise ValidationFailed.single("weights", f"{source}: not YAML or JSON ({exc})") from None
    except ValidationError as exc:
        raise ValidationFailed(
            [
                FieldError(
                    "weights", f"{source}: {'.'.join(str(p) for p in e['loc']) or 'document'}: {e['msg']}"
                )
                for e in exc.errors()
            ]
        ) from None


@functools.cache
def versions(directory: Path = WEIGHTS_DIR) -> dict[str, Weights]:
    """Every version of the weights in the folder, by version (two files of one version: refused)."""
    out: dict[str, Weights] = {}
    for path in sorted(directory.glob("reintegration-*.yaml")):
        found = parse_weights(path.read_bytes(), source=path.name)
        if found.version in out:
            raise ValidationFailed.single("weights", f"{path.name}: version {found.version} given twice")
        out[found.version] = found
    return out


def latest(directory: Path = WEIGHTS_DIR) -> Weights:
    """The newest version (versions compared as numbers where they are numbers)."""
    found = versions(directory)
    if not found:
        raise ValidationFailed.single("weights", f"no reintegration weights in {directory}")
    return found[max(found, key=lambda v: (0, int(v), "") if v.isdigit() else (1, 0, v))]


def weights(version: str | None = None, directory: Path = WEIGHTS_DIR) -> Weights:
    if version is None:
        return latest(directory)
    found = versions(directory)
    if version not in found:
        raise ValidationFailed.single(
            "weights_version", f"no weights version {version!r} (known: {', '.join(sorted(found))})"
        )
    return found[version]


def check_answers(w: Weights, answers: dict[str, int]) -> list[FieldError]:
    """Every indicator answered once with 1 to 5, and nothing else."""
    errors: list[FieldError] = []
    known = w.indicators()
    for name in known:
        value = answers.get(name)
        if value is None:
            errors.append(FieldError(name, f"answer {name} (1 to 5)", "required"))
        elif not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors.append(FieldError(name, f"{name}: an answer from 1 (worst) to 5 (best)", "range"))
    for name in answers:
        if name not in known:
            errors.append(FieldError(name, f"{name} is not an indicator of weights {w.version}", "unknown"))
    return errors


def score(w: Weights, answers: dict[str, int]) -> Scores:
    """The composite scores (0 to 1, four decimals) of complete answers."""
    errors = check_answers(w, answers)
    if errors:
        raise ValidationFailed(errors)
    by_dim: dict[Dimension, float] = {}
    for dim, dw in w.dimensions.items():
        total = sum(dw.indicators.values())
        by_dim[dim] = sum(wt * (answers[n] - 1) / 4 for n, wt in dw.indicators.items()) / total
    dim_total = sum(dw.weight for dw in w.dimensions.values())
    overall = sum(w.dimensions[d].weight * s for d, s in by_dim.items()) / dim_total
    return Scores(
        economic=round(by_dim[Dimension.ECONOMIC], 4),
        social=round(by_dim[Dimension.SOCIAL], 4),
        psychosocial=round(by_dim[Dimension.PSYCHOSOCIAL], 4),
        overall=round(overall, 4),
        version=w.version,
    )


__all__ = ["Scores", "Weights", "check_answers", "latest", "parse_weights", "score", "versions", "weights"]
