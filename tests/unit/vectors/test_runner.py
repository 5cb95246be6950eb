"""The conformance runner accounts for every vector file: unused and missing files fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refimpl.errors import ConformanceError
from refimpl.vectors import registry, runner
from refimpl.vectors.cases import Case, CaseList, judge


def test_every_file_on_disk_is_registered_and_every_registered_file_exists() -> None:
    on_disk = set(runner._all_vector_files(runner.CONFORMANCE_ROOT))
    assert on_disk, "no vector files found"
    assert on_disk - set(registry.FILES) == set()
    assert set(registry.FILES) - on_disk == set()


def test_upstream_copy_keeps_its_source_note() -> None:
    source = runner.CONFORMANCE_ROOT / "upstream" / "mobilecoin" / "SOURCE.md"
    assert "a2229c005d5561bc10eda769582e52fae307e190" in source.read_text()


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_an_unregistered_file_is_reported_unused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path, {
        "upstream/mobilecoin/memos/a.jsonl": '{"x": 1}\n{"x": 2}\n',
        "upstream/mobilecoin/memos/stray.jsonl": "{}\n",
    })
    monkeypatch.setattr(registry, "FILES", {
        "upstream/mobilecoin/memos/a.jsonl": "pending: not yet",
    })
    report = runner.run(root=root)
    assert report.unused == ("upstream/mobilecoin/memos/stray.jsonl",)
    assert not report.ok
    (pending,) = report.files
    assert (pending.pending, pending.note) == (2, "not yet")


def test_a_registered_file_that_is_missing_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path, {"vectors/tx/a.json": json.dumps({"numberOfTests": 3})})
    monkeypatch.setattr(registry, "FILES", {
        "vectors/tx/a.json": "pending: later",
        "vectors/tx/gone.json": "pending: later",
    })
    report = runner.run(root=root)
    assert report.missing == ("vectors/tx/gone.json",)
    assert report.files[0].pending == 3
    assert not report.ok


def test_pending_only_run_is_ok(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path, {"vectors/tx/a.json": json.dumps({"numberOfTests": 3})})
    monkeypatch.setattr(registry, "FILES", {"vectors/tx/a.json": "pending: later"})
    assert runner.run(root=root).ok


def test_unknown_suite_is_a_typed_error() -> None:
    with pytest.raises(ConformanceError) as info:
        runner.run("no-such-suite")
    assert info.value.code == "conformance.unknown_suite"


def test_judge_compares_expected_keys_only_and_errors_exactly() -> None:
    assert judge({"a": "01"}, {"output": {"a": "01", "extra": 1}}) is None
    assert judge({"a": "01"}, {"output": {"a": "02"}}) == 'a: expected "01", got "02"'
    assert judge({"v": True}, {"output": {"v": 1}}) is not None  # JSON equality, not Python's
    assert judge({"a": 1}, {"error": "x.y"}) == 'expected an output, got error "x.y"'
    assert judge({"error": "x.y"}, {"error": "x.y", "cause": "z"}) is None
    assert judge({"error": "x.y", "cause": "z"}, {"error": "x.y"}) is not None
    assert judge({"error": "x.y"}, {"output": {}}) is not None
    assert judge({"a": 1}, "malformed answer line") == "malformed answer line"


def test_a_defective_case_fails_by_id_without_being_answered() -> None:
    asked: list[str] = []

    def answer(case: Case) -> object:
        asked.append(case.id)
        return {"output": {"a": 1}}

    cases = CaseList([Case("f#1", "k", {}, {"a": 1}), Case("f#2", "k", {}, {}, defect="bad"),
                      Case("f#3", "k", {}, {"a": 2})], note="n")
    cases.check("count", False, "count differs")
    result = runner.judge_file(runner.FilePlan("vectors/x/f.json", cases), answer)
    assert asked == ["f#1", "f#3"]
    assert (result.passed, result.failed, result.structural_failed) == (1, 2, 1)
    assert [f.id for f in result.failures] == ["f#2", "f#3"]
    assert result.to_json()["structural"] == {"passed": 0, "failed": 1}
