"""spec/manifest.json against spec/manifest.schema.json, the distinct/depth comparison of
``check_model``, ``mcref tlc check --record`` and ``mcref tlc list`` (docs/tlc.md, "The manifest").

No TLC runs here: the results are built by hand, as TLC reports them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from refimpl.cli import main
from refimpl.errors import FormalError
from refimpl.formal.manifest import MANIFEST, ModelCheck, load_manifest, record
from refimpl.formal.tlc_output import TlcResult


def _result(distinct: int | None, depth: int | None, *, outcome: str = "ok",
            partial: bool = False) -> TlcResult:
    return TlcResult(outcome=outcome, exit_code=None if partial else 0, generated=10,
                     distinct=distinct, depth=depth, seconds=12.34, violated_invariant=None,
                     counterexample=(), errors=(), partial=partial)


def _copy(tmp_path: Path) -> Path:
    """A copy of the manifest whose paths still resolve (the models are not run)."""
    path = tmp_path / "manifest.json"
    shutil.copyfile(MANIFEST, path)
    return path


def _entries(path: Path) -> list[dict[str, object]]:
    entries = json.loads(path.read_text())["models"]
    assert isinstance(entries, list)
    return entries


def test_every_exhaustive_ci_model_that_finishes_records_its_counts() -> None:
    for model in load_manifest():
        if model.size == "small" and model.simulation is None and (
                model.expected_outcome == "ok"):
            assert model.expected_distinct and model.expected_depth, (
                f"{model.name}: run mcref tlc check --model {model.name} --record")


@pytest.mark.parametrize(("change", "where"), [
    (lambda e: e.update(size="medium"), "entry 'scp-ballot': size"),
    (lambda e: e["expected"].update(distinct=-1), "entry 'scp-ballot': expected.distinct"),
    (lambda e: e["expected"].update(invariant="Agreement"), "entry 'scp-ballot': expected"),
    (lambda e: e.update(runtime_seconds="fast"), "entry 'scp-ballot': runtime_seconds"),
    (lambda e: e.update(simulate={"num": 1, "depth": 1}), "entry 'scp-ballot'"),
    (lambda e: e.pop("budget_seconds"), "entry 'scp-ballot'"),
    (lambda e: e.update(extra=1), "entry 'scp-ballot'"),
])
def test_a_wrong_entry_is_a_typed_error_naming_it(tmp_path: Path, change: object,
                                                   where: str) -> None:
    path = _copy(tmp_path)
    document = json.loads(path.read_text())
    (entry,) = [e for e in document["models"] if e["name"] == "scp-ballot"]
    change(entry)  # type: ignore[operator]
    path.write_text(json.dumps(document))
    with pytest.raises(FormalError) as info:
        load_manifest(path)
    assert info.value.code == "formal.bad_manifest"
    assert where in str(info.value)


def test_counts_that_differ_from_the_manifest_are_not_as_expected() -> None:
    model = next(m for m in load_manifest() if m.name == "scp-ballot")
    assert model.expected_distinct is not None and model.expected_depth is not None
    right = ModelCheck(model, _result(model.expected_distinct, model.expected_depth))
    assert right.as_expected and right.mismatches == []
    wrong = ModelCheck(model, _result(model.expected_distinct + 1, model.expected_depth))
    assert not wrong.as_expected
    assert wrong.mismatches == [f"distinct states {model.expected_distinct + 1}, manifest says "
                                f"{model.expected_distinct} (the spec changed? mcref tlc "
                                "check --record)"]
    stopped = ModelCheck(model, _result(5, 3, outcome="timeout", partial=True))
    assert stopped.mismatches == ["outcome timeout, expected ok"]


def test_record_writes_counts_in_place_and_keeps_the_rest(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    document = json.loads(path.read_text())
    for entry in document["models"]:  # as if the counts had never been recorded
        entry["expected"].pop("distinct", None)
        entry["expected"].pop("depth", None)
        entry.pop("runtime_seconds", None)
    path.write_text(json.dumps(document, indent=2) + "\n")
    before = _entries(path)
    models = {m.name: m for m in load_manifest(path)}
    checks = [ModelCheck(models["scp-ballot"], _result(39_121, 29)),
              ModelCheck(models["scp-full-smoke"], _result(None, None)),  # a simulation
              ModelCheck(models["attest-handshake"], _result(7, 3, partial=True))]
    assert record(checks, path) == ["scp-ballot", "scp-full-smoke"]
    after = _entries(path)
    for old, new in zip(before, after, strict=True):
        if old["name"] == "scp-full-smoke":  # a simulation: its runtime only
            assert new == {**old, "runtime_seconds": 12.3}
            assert list(new)[-3:] == ["runtime_seconds", "budget_seconds", "note"]
        if old["name"] != "scp-ballot":
            assert old == new or old["name"] == "scp-full-smoke"
            continue
        assert list(new) == ["name", "spec", "cfg", "size", "mode", "expected",
                             "runtime_seconds", "budget_seconds", "note"]
        assert new["expected"] == {"outcome": "ok", "distinct": 39_121, "depth": 29}
        assert new["runtime_seconds"] == 12.3
    assert path.read_text() == json.dumps(json.loads(path.read_text()), indent=2,
                                          ensure_ascii=False) + "\n"
    load_manifest(path)  # still valid


def test_list_shows_every_model_with_its_cost(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tlc", "list"]) == 0
    out = capsys.readouterr().out
    models = load_manifest()
    for model in models:
        assert model.name in out
    assert main(["tlc", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["models"]
    assert [m["name"] for m in listed] == [m.name for m in models]
    ballot = next(m for m in listed if m["name"] == "scp-ballot")
    assert ballot["expected"]["distinct"] and ballot["budget_seconds"] > 0
