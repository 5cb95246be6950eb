"""The conformance runner accounts for every vector file: unused and missing files fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refimpl.errors import ConformanceError
from refimpl.vectors import registry, runner


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


def test_case_tally_names_failures() -> None:
    tally = runner.CaseTally("x")
    tally.run("ok", lambda: True)
    tally.run("mismatch", lambda: False)

    def boom() -> bool:
        raise ConformanceError("conformance.bad_vector_file", "broken")

    tally.run("typed", boom)
    result = tally.result()
    assert (result.passed, result.failed) == (1, 2)
    assert result.failures == ("mismatch: mismatch",
                               "typed: error[conformance.bad_vector_file]: broken")
