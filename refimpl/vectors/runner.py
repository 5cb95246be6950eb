"""The conformance runner: every vector file is consumed by a named runner, or reported.

A *suite* is a directory of vector files (``conformance/upstream/mobilecoin/<suite>/`` for
MobileCoin's published vectors, ``conformance/vectors/<area>/`` for ours). Each file is bound
in :data:`refimpl.vectors.registry.FILES` either to a runner (``"module:function"``) or to a
pending reason. A runner returns a :class:`FileResult`. A file on disk that no entry names is
*unused* and fails the run; so does a registry entry whose file is missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from refimpl.errors import ConformanceError, RefImplError
from refimpl.resources import conformance_root

#: conformance/: packaged with the wheel, or at the checkout's top level (refimpl.resources).
CONFORMANCE_ROOT = conformance_root()
VECTOR_SUFFIXES = (".json", ".jsonl", ".ndjson")


@attrs.frozen
class FileResult:
    """Outcome of one vector file: counts, the reasons of failures, and a pending note."""

    path: str
    passed: int = 0
    failed: int = 0
    pending: int = 0
    failures: tuple[str, ...] = ()
    note: str = ""

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "path": self.path,
            "passed": self.passed,
            "failed": self.failed,
            "pending": self.pending,
        }
        if self.failures:
            doc["failures"] = list(self.failures)
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
        return not self.unused and not self.missing and all(f.failed == 0 for f in self.files)

    def to_json(self) -> dict[str, object]:
        return {
            "files": [f.to_json() for f in self.files],
            "unused": list(self.unused),
            "missing": list(self.missing),
            "ok": self.ok,
        }


class CaseTally:
    """Collects per-case outcomes for a runner; a failing case is recorded with its reason."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.passed = 0
        self.failed = 0
        self.failures: list[str] = []

    def check(self, case_id: str, condition: bool, reason: str = "mismatch") -> None:
        if condition:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(f"{case_id}: {reason}")

    def run(self, case_id: str, body: Callable[[], bool]) -> None:
        """Run one case; a typed error or an assertion inside counts as a failure, by name."""
        try:
            ok = body()
        except RefImplError as exc:
            self.check(case_id, False, exc.one_line())
            return
        except (AssertionError, KeyError, ValueError, TypeError) as exc:
            self.check(case_id, False, f"{type(exc).__name__}: {exc}")
            return
        self.check(case_id, ok)

    def result(self) -> FileResult:
        return FileResult(
            self.path, self.passed, self.failed, 0, tuple(self.failures)
        )


Runner = Callable[[Path, str], FileResult]


def _resolve(target: str) -> Runner:
    module_name, _, func_name = target.partition(":")
    module = importlib.import_module(module_name)
    runner: Runner = getattr(module, func_name)
    return runner


def _all_vector_files(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
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


def run(suite: str | None = None, root: Path = CONFORMANCE_ROOT) -> RunReport:
    """Run every registered file (or those of one suite) and account for every file on disk."""
    from refimpl.vectors.registry import FILES

    if suite is not None and suite not in known_suites():
        raise ConformanceError(
            "conformance.unknown_suite",
            f"unknown suite {suite!r}; known: {', '.join(known_suites())}",
        )
    on_disk = _all_vector_files(root)
    selected = [p for p in on_disk if suite is None or suite_of(p) == suite]
    unused = tuple(p for p in selected if p not in FILES)
    registered = [p for p in FILES if suite is None or suite_of(p) == suite]
    missing = tuple(p for p in registered if p not in on_disk)
    results = []
    for rel in registered:
        if rel in missing:
            continue
        target = FILES[rel]
        if target.startswith("pending:"):
            results.append(_pending(root / rel, rel, target.removeprefix("pending:").strip()))
        else:
            results.append(_run_one(target, root / rel, rel))
    return RunReport(tuple(results), unused, missing)


def _run_one(target: str, path: Path, rel: str) -> FileResult:
    """Run one file's runner; a runner that cannot be loaded fails every case of its file."""
    try:
        runner = _resolve(target)
    except (ImportError, AttributeError) as exc:
        return FileResult(rel, failed=count_cases(path),
                          failures=(f"runner {target} cannot be loaded: {exc}",))
    return runner(path, rel)


def _pending(path: Path, rel: str, reason: str) -> FileResult:
    """A file not yet handled: count its cases so the gap is visible, never silent."""
    return FileResult(rel, pending=count_cases(path), note=reason)


def count_cases(path: Path) -> int:
    import json

    if path.suffix in (".jsonl", ".ndjson"):
        return sum(1 for line in path.read_text().splitlines() if line.strip())
    doc = json.loads(path.read_text())
    if isinstance(doc, dict) and "numberOfTests" in doc:
        return int(doc["numberOfTests"])
    return len(doc) if isinstance(doc, list) else 1


def read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, object]]]:
    """Yield ``(line_number, object)`` for each non-empty line of a JSON-lines file."""
    import json

    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConformanceError(
                    "conformance.bad_vector_file", f"{path.name}:{number}: {exc}"
                ) from exc
