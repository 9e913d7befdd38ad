"""The fast staging path (issue 19): the collector held back over a chunk and run at its end, staged
rows written as driver tuples, CSV cells stored as read. What is stored must be what the row-by-row
path stored: the cells as JSON, the values as canonical JSON, the errors, keys, status and link."""

from __future__ import annotations

import datetime as dt
import gc
import uuid
import weakref
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.helpers import Seed, principal
from tests.intake.support import FAMILY, batch, commit, rows, run_import, write_csv

from refugio.core.errors import ValidationFailed
from refugio.intake import service
from refugio.intake.collector import Collector
from refugio.intake.households import RowView, payload, row_keys, values_json
from refugio.intake.mapping import CellError, Mapping
from refugio.intake.models import StagedRow
from refugio.main import Container
from refugio.store.uow import unit_of_work


class _Node:
    other: _Node | None = None


def test_collector_collects_each_step_and_is_restored() -> None:
    """Inside: no automatic collection, but `step()` frees the cycles a chunk left (memory stays flat);
    after: the collector as it was, nothing left frozen."""
    assert gc.isenabled()
    with Collector() as collector:
        assert not gc.isenabled()
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        del a, b
        assert ref() is not None  # a cycle: only the collector frees it
        collector.step()
        assert ref() is None
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        with Collector() as collector:  # off already: left off, and left alone
            collector.step()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collector_restored_after_an_import_and_after_a_refused_file(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    admin = principal(container, "admin")
    batch_id = run_import(container, admin, write_csv(tmp_path, FAMILY), seeded.camp_id)
    assert batch(container, batch_id).status == "ready"
    assert gc.isenabled() and gc.get_freeze_count() == 0
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"HH ID,First name\n" + b"H1,\xff\xfe\x00\x00bad\n" * 3)
    with pytest.raises(ValidationFailed):
        # a mapping with no name column is refused before any row is staged
        run_import(container, admin, bad, seeded.camp_id, mapping=Mapping(columns={"HH ID": "household_key"}))
    assert gc.isenabled() and gc.get_freeze_count() == 0
    commit(container, admin, batch_id)  # the commit holds the collector back over its pages too
    assert batch(container, batch_id).status == "committed"
    assert gc.isenabled() and gc.get_freeze_count() == 0


def _stage(container: Container, seeded: Seed, inputs: list[service.RowInput]) -> list[StagedRow]:
    admin = principal(container, "admin")
    with unit_of_work(container.sessions) as s:
        b = service.start_batch(s, actor=admin, source="fast", kind="csv", site_id=seeded.camp_id)
        sites = service.sites_by_code(s, b.operation_id)
        assert service.stage(s, batch=b, inputs=inputs, sites=sites) == len(inputs)
        found = list(
            s.scalars(select(StagedRow).where(StagedRow.batch_id == b.id).order_by(StagedRow.row_no))
        )
        s.expunge_all()
        return found


def test_staged_rows_as_stored(container: Container, seeded: Seed) -> None:
    """Cells of every type stored as JSON (dates in ISO form), CSV text cells stored as read, the
    values as the canonical JSON that is hashed, a site code upper-cased (the caller's dict left as
    given), an unknown site an error on the row, a cell error kept with its column."""
    typed = ["H1", 3.5, None, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4), True, uuid.UUID(int=7)]
    values = {"household_key": "H1", "member_key": "P1", "given_name": "Omar", "site": " zaa "}
    unknown = {"household_key": "H2", "given_name": "Lina", "sex": "F", "site": "nowhere"}
    inputs = [
        service.RowInput(2, values, (), typed),
        service.RowInput(
            3,
            unknown,
            (CellError("date_of_birth", "DOB", "bad", "bad_date"),),
            ["H2", "Lina"],
            text_cells=True,
        ),
        service.RowInput(
            4, {"household_key": "H3", "given_name": "Sara"}, (), ["H3", "Sara"], text_cells=True
        ),
    ]
    staged = _stage(container, seeded, inputs)
    assert values["site"] == " zaa "  # not changed under the caller
    first, second, third = staged
    assert first.cells == ["H1", 3.5, None, "2024-01-02", "2024-01-02T03:04:00", True, str(uuid.UUID(int=7))]
    assert first.values == {**values, "site": "ZAA"}
    assert first.content_hash and first.content_hash == _hash({**values, "site": "ZAA"})
    assert (first.household_key, first.member_key) == row_keys({**values, "site": "ZAA"})
    assert (first.status, first.errors, first.changes, first.individual_id) == ("new", [], None, None)
    assert second.cells == ["H2", "Lina"]
    assert second.status == "invalid"
    assert second.errors == [
        {"field": "date_of_birth", "column": "DOB", "message": "bad", "code": "bad_date", "level": "error"},
        {
            "field": "site",
            "column": None,
            "message": "no site 'NOWHERE' in this operation",
            "code": "unknown_site",
            "level": "error",
        },
    ]
    assert (second.household_key, second.member_key) == ("H2", "hh:H2|lina|F")
    assert third.member_key == "hh:H3|sara|" and third.status == "new"


def _hash(values: dict[str, object]) -> str:
    from refugio.intake.households import hash_of_json

    return hash_of_json(values_json(values))


def test_row_keys_with_and_without_a_person_id() -> None:
    """A source person id makes the key alone (no name needed); without a household key the row is a
    household of its own, keyed by that id; without either, names, sex and birth date."""
    assert row_keys({"household_key": "H1", "member_key": "P1", "given_name": "Omar"}) == ("H1", "id:P1")
    assert row_keys({"member_key": " P1 "}) == ("m:id:P1", "id:P1")
    long = "x" * 300
    hh, member = row_keys({"member_key": long})
    assert len(hh) == len(member) == 200 and member.startswith("id:x") and hh.startswith("m:id:x")
    assert row_keys({"given_name": "Éva", "family_name": "Nagy", "sex": "F", "date_of_birth": "1990"}) == (
        "m:p:eva|nagy|F|1990",
        "p:eva|nagy|F|1990",
    )


def test_reimport_links_each_row_to_its_person(container: Container, seeded: Seed, tmp_path: Path) -> None:
    """The link written with the staged tuple: a re-imported row points at the person it registered
    (unchanged when the same, update when changed)."""
    admin = principal(container, "admin")
    first = run_import(container, admin, write_csv(tmp_path, FAMILY), seeded.camp_id)
    commit(container, admin, first)
    changed = [FAMILY[0], FAMILY[1].replace("Mariam", "Maryam"), FAMILY[2]]
    again = run_import(container, admin, write_csv(tmp_path, changed, "again.csv"), seeded.camp_id)
    staged = rows(container, again)
    assert [r.status for r in staged] == ["unchanged", "update", "unchanged"]
    assert all(r.individual_id is not None for r in staged)
    assert len({r.individual_id for r in staged}) == 3


@pytest.mark.parametrize(
    "values",
    [
        {"given_name": "Omar", "languages": ["ara", "eng"], "consent_given": True, "stated_age": 4},
        {"b": "é", "a": [1, "x"], "c": None, "d": dt.date(2024, 1, 2)},
        {"ratio": 0.1, "given_name": "Omar"},  # a float: the standard library's spelling
        {"given_name": "Omar", "scores": [1, 2.5]},  # a float inside a list
        {"big": 2**70},  # beyond orjson's integers
        {},
    ],
)
def test_values_json_and_hash_as_values_json_and_hash_of_json(values: dict[str, object]) -> None:
    from refugio.intake.households import _no_float, hash_of_json, values_json_and_hash

    text, digest = values_json_and_hash(values)
    assert text == values_json(values) and digest == hash_of_json(values_json(values))
    has_float = any(
        type(v) is float or (type(v) is list and any(type(x) is float for x in v)) for v in values.values()
    )
    assert _no_float(values) is not has_float


def _view(row_no: int, **values: object) -> RowView:
    return RowView(id=row_no, row_no=row_no, values=dict(values), errors=[], member_key=f"id:{row_no}")


def test_household_values_alike_and_differing() -> None:
    """Rows repeating their household's columns alike give the focal point's values and no warning;
    a row that differs is warned (the household takes the value of the focal point's row, then the
    first row that gives one), whichever path computes it."""
    alike = [
        _view(2, relationship="spouse", address="Block 4", consent_given=True),
        _view(3, relationship="focal_point", address="Block 4", consent_given=True),
    ]
    data, origin = payload(alike, uuid.UUID(int=1), source="t")
    assert data["address"] == "Block 4" and origin["address"] is alike[1]
    assert data["consent_given"] is True and all(v.errors == [] for v in alike)
    differs = [
        _view(2, relationship="spouse", address="Block 5", shelter="C1"),
        _view(3, relationship="focal_point", address="Block 4"),
        _view(4, relationship="son_daughter", address="", shelter="C2"),
    ]
    data, origin = payload(differs, uuid.UUID(int=1), source="t")
    assert (data["address"], data["shelter"]) == ("Block 4", "C1")
    assert (origin["address"], origin["shelter"]) == (differs[1], differs[0])
    assert [e["message"] for e in differs[0].errors] == [
        "differs from row 3 ('Block 4'); the household takes that value"
    ]
    assert differs[1].errors == []
    assert [(e["field"], e["code"], e["level"]) for e in differs[2].errors] == [
        ("shelter", "household_value_differs", "warning")
    ]
    assert [m.get("relationship") for m in data["members"]] == ["spouse", "focal_point", "son_daughter"]
    assert "address" not in data["members"][0]  # household columns are not a member's
