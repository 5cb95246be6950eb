"""The conformance runner: every vector file is read into cases, or reported.

A *suite* is a directory of vector files (``conformance/upstream/mobilecoin/<suite>/`` for
MobileCoin's published vectors, ``conformance/vectors/<area>/`` for ours). Each file is bound
in :data:`refimpl.vectors.registry.FILES` to a case source (``"module:function"``,
``(path, rel) -> list[Case]``) or to a pending reason. :func:`run` answers every case with our
own operations (refimpl.vectors.operations); ``mcref conformance drive`` answers them with
another implementation (refimpl.vectors.drive). Both judge each answer with
:func:`refimpl.vectors.cases.judge` and count one case per test (``numberOfTests``, or one per
line of a JSON-lines file); a file's structural checks are counted apart. A file on disk that
no entry names is *unused* and fails the run; so does a registry entry whose file is missing.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from refimpl.errors import ConformanceError, RefImplError
from refimpl.resources import conformance_root
from refimpl.vectors.cases import Case, CaseList, judge
from refimpl.vectors.inputs import read_jsonl

__all__ = ["CONFORMANCE_ROOT", "FileResult", "RunReport", "read_jsonl", "run"]

#: conformance/: packaged with the wheel, or at the checkout's top level (refimpl.resources).
CONFORMANCE_ROOT = conformance_root()
VECTOR_SUFFIXES = (".json", ".jsonl", ".ndjson")

CaseSource = Callable[[Path, str], list[Case]]
#: Answers one case: ``{"output": ...}``, ``{"error": ...}`` or ``{"unsupported": true}``.
Answerer = Callable[[Case], object]


@attrs.frozen
class Failure:
    """A failed case (or structural check) and why."""

    id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.id}: {self.reason}"

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "reason": self.reason}


@attrs.frozen
class FileResult:
    """Outcome of one vector file: case counts, structural counts, failures, a note."""

    path: str
    passed: int = 0
    failed: int = 0
    pending: int = 0
    failures: tuple[Failure, ...] = ()
    note: str = ""
    structural_passed: int = 0
    structural_failed: int = 0
    structural_failures: tuple[Failure, ...] = ()
    pending_ids: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.structural_failed == 0

    @property
    def suite(self) -> str:
        return suite_of(self.path)

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "path": self.path,
            "suite": self.suite,
            "passed": self.passed,
            "failed": self.failed,
            "pending": self.pending,
            "structural": {"passed": self.structural_passed, "failed": self.structural_failed},
        }
        if self.failures:
            doc["failures"] = [f.to_json() for f in self.failures]
        if self.structural_failures:
            doc["structuralFailures"] = [f.to_json() for f in self.structural_failures]
        if self.pending_ids:
            doc["pendingIds"] = list(self.pending_ids)
        if self.note:
            doc["note"] = self.note
        return doc


@attrs.frozen
class RunReport:
    files: tuple[FileResult, ...]
    unused: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.unused and not self.missing and all(f.ok for f in self.files)

    def totals(self) -> dict[str, int]:
        return {
            "passed": sum(f.passed for f in self.files),
            "failed": sum(f.failed for f in self.files),
            "pending": sum(f.pending for f in self.files),
            "structuralPassed": sum(f.structural_passed for f in self.files),
            "structuralFailed": sum(f.structural_failed for f in self.files),
        }

    def failed_ids(self) -> set[str]:
        """The ids of every failed case (not the structural checks)."""
        return {failure.id for f in self.files for failure in f.failures}

    def to_json(self) -> dict[str, object]:
        return {
            "files": [f.to_json() for f in self.files],
            "totals": self.totals(),
            "unused": list(self.unused),
            "missing": list(self.missing),
            "ok": self.ok,
        }


@attrs.frozen
class FilePlan:
    """A registered file, read: its cases, or why it is pending, or why it cannot be read."""

    rel: str
    cases: CaseList
    pending: str = ""
    error: str = ""
    raw_count: int = 0


# --- files and suites --------------------------------------------------------------------------


#: The directories of conformance/ that hold vector files (the rest: schemas, the manifest,
#: error-codes.json, describes them).
VECTOR_DIRS = ("upstream", "vectors")


def _all_vector_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for top in VECTOR_DIRS
        for p in (root / top).rglob("*")
        if p.is_file() and p.suffix in VECTOR_SUFFIXES
    )


def suite_of(rel_path: str) -> str:
    """The suite of a file: ``upstream/mobilecoin/memos/x.jsonl`` -> ``memos``,
    ``vectors/transaction/x.json`` -> ``transaction``."""
    parts = Path(rel_path).parts
    return parts[2] if parts[0] == "upstream" else parts[1]


def known_suites() -> list[str]:
    from refimpl.vectors.registry import FILES

    return sorted({suite_of(p) for p in FILES})


def check_suite(suite: str | None) -> None:
    if suite is not None and suite not in known_suites():
        raise ConformanceError(
            "conformance.unknown_suite",
            f"unknown suite {suite!r}; known: {', '.join(known_suites())}",
        )


def count_cases(path: Path) -> int:
    """The cases a file declares, read from the file alone: ``numberOfTests``, else one per
    line of a JSON-lines file, else one per element of a JSON array (used for pending and
    unreadable files; :func:`load_cases` gives the real cases)."""
    if path.suffix in (".jsonl", ".ndjson"):
        return sum(1 for line in path.read_text().splitlines() if line.strip())
    try:
        doc = json.loads(path.read_text())
    except ValueError:
        return 0
    if isinstance(doc, dict) and isinstance(doc.get("numberOfTests"), int):
        return int(doc["numberOfTests"])
    return len(doc) if isinstance(doc, list) else 1


def _resolve(target: str) -> CaseSource:
    module_name, _, func_name = target.partition(":")
    module = importlib.import_module(module_name)
    source: CaseSource = getattr(module, func_name)
    return source


def load_cases(rel: str, root: Path = CONFORMANCE_ROOT) -> CaseList:
    """The cases of one registered file (a typed error when it is pending or unreadable)."""
    from refimpl.vectors.registry import FILES

    target = FILES.get(rel)
    if target is None or target.startswith("pending:"):
        raise ConformanceError("conformance.bad_vector_file", f"{rel}: no case source")
    cases = _resolve(target)(root / rel, rel)
    return cases if isinstance(cases, CaseList) else CaseList(cases)


def plan(suite: str | None = None,
         root: Path = CONFORMANCE_ROOT) -> tuple[list[FilePlan], tuple[str, ...], tuple[str, ...]]:
    """Read every registered file of ``suite`` (or all): (plans, unused files, missing files)."""
    from refimpl.vectors.registry import FILES

    check_suite(suite)
    on_disk = _all_vector_files(root)
    selected = [p for p in on_disk if suite is None or suite_of(p) == suite]
    unused = tuple(p for p in selected if p not in FILES)
    registered = [p for p in FILES if suite is None or suite_of(p) == suite]
    missing = tuple(p for p in registered if p not in on_disk)
    plans = []
    for rel in registered:
        if rel in missing:
            continue
        target = FILES[rel]
        if target.startswith("pending:"):
            plans.append(FilePlan(rel, CaseList(), pending=target.removeprefix("pending:").strip(),
                                  raw_count=count_cases(root / rel)))
            continue
        try:
            plans.append(FilePlan(rel, load_cases(rel, root)))
        except (RefImplError, ImportError, AttributeError, OSError) as exc:
            reason = exc.one_line() if isinstance(exc, RefImplError) else f"{target}: {exc}"
            plans.append(FilePlan(rel, CaseList(), error=reason, raw_count=count_cases(root / rel)))
    return plans, unused, missing


# --- judging -----------------------------------------------------------------------------------


def judge_file(file_plan: FilePlan, answer: Answerer, pending_note: str = "") -> FileResult:
    """Ask ``answer`` for each case of one file and count; a defective case fails unasked."""
    rel = file_plan.rel
    if file_plan.pending:
        return FileResult(rel, pending=file_plan.raw_count, note=file_plan.pending)
    if file_plan.error:
        return FileResult(rel, failed=file_plan.raw_count,
                          failures=(Failure(rel, file_plan.error),))
    cases = file_plan.cases
    passed, failures, pending = 0, [], []
    for case in cases:
        if case.defect:
            failures.append(Failure(case.id, f"malformed vector: {case.defect}"))
            continue
        got = answer(case)
        if isinstance(got, dict) and got.get("unsupported") is True:
            pending.append(case.id)
            continue
        reason = judge(case.expected, got)
        if reason is None:
            passed += 1
        else:
            failures.append(Failure(case.id, reason))
    structural = cases.structural
    notes = [n for n in (cases.note, pending_note if pending else "") if n]
    return FileResult(
        rel, passed, len(failures), len(pending), tuple(failures), "; ".join(notes),
        sum(1 for s in structural if s.ok), sum(1 for s in structural if not s.ok),
        tuple(Failure(f"{rel}#{s.name}", s.reason) for s in structural if not s.ok),
        tuple(pending),
    )


def judge_all(plans: Sequence[FilePlan], unused: tuple[str, ...], missing: tuple[str, ...],
              answer: Answerer, pending_note: Callable[[str], str] = lambda rel: "") -> RunReport:
    files = tuple(judge_file(p, answer, pending_note(p.rel)) for p in plans)
    return RunReport(files, unused, missing)


def in_process_answer(case: Case) -> dict[str, Any]:
    """Our own answer to a case (refimpl.vectors.operations.perform)."""
    from refimpl.vectors.operations import perform

    return perform(case.kind, case.input)


def run_file(rel: str, path: Path | None = None, root: Path = CONFORMANCE_ROOT) -> FileResult:
    """Run one registered file in-process; ``path`` reads a stand-in copy (an altered file)
    with the case source of ``rel``."""
    from refimpl.vectors.registry import FILES

    cases = _resolve(FILES[rel])(path or root / rel, rel)
    file_plan = FilePlan(rel, cases if isinstance(cases, CaseList) else CaseList(cases))
    return judge_file(file_plan, in_process_answer)


def run(suite: str | None = None, root: Path = CONFORMANCE_ROOT) -> RunReport:
    """Run every registered file (or those of one suite) in-process; account for every file."""
    plans, unused, missing = plan(suite, root)
    return judge_all(plans, unused, missing, in_process_answer)
