"""Placement scores from models trained on past placements: on synthetic placements whose outcome
chances are known (locality L0 employs Arabic speakers, L1 the educated, L2 small families with a driver
or a builder), each locality's model ranks the cases as the truth does, with its held-out AUC and Brier
score printed; a locality with too few placements is refused by name; the model folder holds a
manifest whose scikit-learn version and weights hash are checked when loading; bad files get
line-numbered errors and no output; predicted scores feed `refugio solutions match`. No database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from refugio.cli.app import app as cli
from refugio.core.errors import ValidationFailed
from refugio.solutions.matching import features, scores_model, synthetic

CASES = [
    # case_id, children, adults, seniors, head_age, education, languages, skills
    ["arabic-large", "5", "2", "0", "40", "none", "ar", ""],
    ["educated", "0", "1", "0", "30", "tertiary", "fr", ""],
    ["small-driver", "0", "2", "0", "35", "none", "so", "driving"],
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture(scope="module")
def past(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("past")
    return write(folder / "past.csv", synthetic.placements([700, 700, 700, 20], seed=4))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["solutions", "scores", *args])
    return result.exit_code, result.output


def test_train_and_predict_find_the_known_answer(past: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    code, output = run("train", "--placements", str(past), "--out", str(model_dir))
    assert code == 0, output
    assert "refused: locality L3: 20 past placements (at least 50 needed)" in output
    assert "AUC" in output and "Brier" in output
    manifest = json.loads((model_dir / "manifest.json").read_text())
    quality = {q["locality_id"]: q for q in manifest["localities"]}
    assert set(quality) == {"L0", "L1", "L2"} and "L3" in manifest["refused"]
    for q in quality.values():  # held-out: better than chance and than a constant forecast
        assert q["auc"] > 0.7 and q["brier"] < q["base_rate"] * (1 - q["base_rate"])
    assert manifest["sklearn_version"] == scores_model.sklearn_version()
    assert "language:ar" in manifest["features"] and "skill:driving" in manifest["features"]

    cases = write(tmp_path / "cases.csv", [list(features.CASE_COLUMNS), *CASES])
    scores = tmp_path / "scores.csv"
    code, output = run("predict", "--model", str(model_dir), "--cases", str(cases), "--out", str(scores))
    assert code == 0, output
    assert "9 score(s) for 3 case(s) x 3 locality(ies)" in output
    got: dict[tuple[str, str], float] = {}
    with scores.open() as handle:
        for row in csv.DictReader(handle):
            got[(row["case_id"], row["locality_id"])] = float(row["score"])
    best = {c: max(("L0", "L1", "L2"), key=lambda lid, c=c: got[(c, lid)]) for c, *_ in CASES}
    assert best == {"arabic-large": "L0", "educated": "L1", "small-driver": "L2"}
    # and close to the true chances (a well-specified logistic model on 700 placements)
    truth = synthetic.true_probability(0, 5, 0, {"ar"}, set())
    assert abs(got[("arabic-large", "L0")] - truth) < 0.1


def test_predict_for_the_localities_of_a_match(past: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    assert run("train", "--placements", str(past), "--out", str(model_dir))[0] == 0
    cases = write(tmp_path / "cases.csv", [[*features.CASE_COLUMNS, "note"], *[[*c, "x"] for c in CASES]])
    locs = write(tmp_path / "locs.csv", [["locality_id", "capacity"], ["L0", "7"], ["L1", "2"], ["L3", "9"]])
    scores = tmp_path / "scores.csv"
    code, output = run(
        "predict", "--model", str(model_dir), "--cases", str(cases), "--localities", str(locs),
        "--out", str(scores),
    )  # fmt: skip
    assert code == 0, output
    assert "no model for locality L3 (20 past placements" in output
    with scores.open() as handle:
        assert {r["locality_id"] for r in csv.DictReader(handle)} == {"L0", "L1"}
    match_cases = write(
        tmp_path / "match_cases.csv", [["case_id", "children", "adults", "seniors"], *[c[:4] for c in CASES]]
    )
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        cli,
        ["solutions", "match", "--cases", str(match_cases), "--localities", str(locs),
         "--scores", str(scores), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        placed = {r["case_id"]: r["locality_id"] for r in csv.DictReader(handle)}
    assert placed["arabic-large"] == "L0" and result.output.strip().splitlines()[-1].startswith("objective=")


def test_loading_checks_version_and_hash(past: Path, tmp_path: Path) -> None:
    rows = features.read(past, past=True)
    model = scores_model.train(rows, seed=1)
    folder = tmp_path / "m"
    scores_model.save(model, folder)
    again = scores_model.load(folder)
    assert again.locality_ids == model.locality_ids
    subset = rows[:50]
    assert np.allclose(again.predict(subset), model.predict(subset))
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "sklearn_version": "0.24.2"}))
    with pytest.raises(ValidationFailed, match=r"scikit-learn 0\.24\.2"):
        scores_model.load(folder)
    manifest_path.write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(ValidationFailed, match="version 99"):
        scores_model.load(folder)
    manifest_path.write_text(json.dumps(manifest))
    weights = folder / "weights.npz"
    data = bytearray(weights.read_bytes())
    data[-40] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ValidationFailed, match="does not match the hash"):
        scores_model.load(folder)
    code, output = run(
        "predict", "--model", str(folder), "--cases", str(past), "--out", str(tmp_path / "s.csv")
    )
    assert code == 1 and "does not match the hash" in output and not (tmp_path / "s.csv").exists()


def test_too_few_placements_everywhere_is_refused(tmp_path: Path) -> None:
    past = write(tmp_path / "past.csv", synthetic.placements([30, 12], seed=2))
    code, output = run("train", "--placements", str(past), "--out", str(tmp_path / "m"))
    assert code == 1
    assert "L0: 30 past placements (at least 50 needed)" in output and "L1: 12 past placements" in output
    assert not (tmp_path / "m").exists()
    one_sided = synthetic.placements([60], seed=2)
    for row in one_sided[1:]:
        row[-1] = "1"
    code, output = run(
        "train", "--placements", str(write(tmp_path / "p1.csv", one_sided)), "--out", str(tmp_path / "m")
    )
    assert code == 1 and "L0: 60 positive and 0 negative outcomes" in output


def test_bad_files_get_line_numbered_errors(tmp_path: Path) -> None:
    rows = synthetic.placements([60], seed=3)
    rows[2][2] = "-1"  # line 3: negative children
    rows[4][6] = "college"  # line 5
    rows[6][-1] = "yes"  # line 7
    rows[8] = list(rows[9])  # lines 9 and 10: the same case in the same locality
    past = write(tmp_path / "past.csv", rows)
    code, output = run("train", "--placements", str(past), "--out", str(tmp_path / "m"))
    assert code == 1 and not (tmp_path / "m").exists()
    assert "past.csv line 3: children must be between 0" in output
    assert "past.csv line 5: education must be one of none, primary, secondary, tertiary" in output
    assert "past.csv line 7: outcome must be 0 or 1 (found 'yes')" in output
    assert "past.csv line 10: case" in output and "already on line 9" in output
    headless = write(tmp_path / "cases.csv", [["case_id", "children"], ["a", "1"]])
    with pytest.raises(ValidationFailed, match="the header lacks adults,seniors,head_age"):
        features.read(headless, past=False)
