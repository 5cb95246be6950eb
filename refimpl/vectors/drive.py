"""``mcref conformance drive``: run the conformance cases against another implementation.

The implementation runs as a subprocess (its command split as a shell would, but started
without a shell) and speaks the JSON-lines protocol of docs/conformance.md over its stdin and
stdout: the runner sends ``hello`` (protocol 1 and the suites it has), the adapter answers
``hello`` with the suites it supports; then one ``case`` per line, one answer per line; then
``bye``. Cases of a suite the adapter does not support, and cases it answers
``unsupported``, are pending by name; a malformed answer line fails its case. The adapter
that exits early, closes its output or does not answer in time is a typed error
(``conformance.adapter_*``), and the subprocess is always killed at the end.
"""

from __future__ import annotations

import collections
import json
import queue
import shlex
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

import attrs

from refimpl import safe_json
from refimpl.errors import ConformanceError
from refimpl.vectors.cases import Case
from refimpl.vectors.runner import CONFORMANCE_ROOT, RunReport, judge_all, plan, suite_of

PROTOCOL = 1
DEFAULT_TIMEOUT = 60.0
_EOF = None
_GRACE_SECONDS = 2.0


@attrs.frozen
class DriveReport:
    """A run report for another implementation: who answered, and which suites it skipped."""

    implementation: str
    supported: tuple[str, ...]
    unsupported: tuple[str, ...]
    report: RunReport

    @property
    def ok(self) -> bool:
        return self.report.ok

    def to_json(self) -> dict[str, object]:
        return {
            "implementation": self.implementation,
            "protocol": PROTOCOL,
            "supportedSuites": list(self.supported),
            "unsupportedSuites": list(self.unsupported),
            **self.report.to_json(),
        }


class Adapter:
    """The implementation under test, as a subprocess speaking JSON lines."""

    def __init__(self, command: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        argv = shlex.split(command)
        if not argv:
            raise ConformanceError("conformance.adapter_not_started", "the command is empty")
        self.command = command
        self.timeout = timeout
        try:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, encoding="utf-8", errors="replace", bufsize=1,
            )
        except OSError as exc:
            raise ConformanceError(
                "conformance.adapter_not_started", f"cannot start {argv[0]!r}: {exc}"
            ) from exc
        self._hung = False
        self._write_failed = False
        self._outbox: queue.Queue[str | None] = queue.Queue()
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=5)
        assert self.process.stdout is not None and self.process.stderr is not None
        self._start_reader(self.process.stdout, self._lines.put)
        self._start_reader(self.process.stderr, lambda line: self._stderr.append(
            line.rstrip("\n") if line is not None else ""))
        threading.Thread(target=self._write_loop, daemon=True).start()

    def _write_loop(self) -> None:
        """Write queued lines to the adapter's stdin: a case larger than the pipe buffer sent
        to an adapter that stopped reading blocks this thread, never the runner, whose wait
        for the answer times out."""
        stdin = self.process.stdin
        assert stdin is not None
        try:
            while (line := self._outbox.get()) is not None:
                stdin.write(line)
                stdin.flush()
            stdin.close()
        except (OSError, ValueError):
            self._write_failed = True

    @staticmethod
    def _start_reader(stream: IO[str], sink: Any) -> None:
        def pump() -> None:
            try:
                for line in stream:
                    sink(line)
            except (OSError, ValueError):
                pass
            sink(_EOF)

        threading.Thread(target=pump, daemon=True).start()

    # --- the protocol ------------------------------------------------------------------------

    def send(self, message: dict[str, Any]) -> None:
        if self._write_failed:
            raise self._crashed(f"before {message.get('type')} could be sent")
        self._outbox.put(json.dumps(message, separators=(",", ":")) + "\n")

    def receive(self, waiting_for: str) -> str:
        """The next non-blank line the adapter writes (a typed error on timeout or end of
        output)."""
        while True:
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                self._hung = True
                raise ConformanceError(
                    "conformance.adapter_timeout",
                    f"no answer to {waiting_for} within {self.timeout:g} s",
                ) from None
            if line is _EOF:
                raise self._crashed(f"while waiting for {waiting_for}")
            if line.strip():
                return line

    def _crashed(self, when: str) -> ConformanceError:
        try:
            code = self.process.wait(timeout=_GRACE_SECONDS)
            status = f"exited with status {code}"
        except subprocess.TimeoutExpired:
            status = "closed its output"
        tail = " | ".join(line for line in self._stderr if line)
        return ConformanceError(
            "conformance.adapter_crashed",
            f"the implementation {status} {when}" + (f"; stderr: {tail}" if tail else ""),
        )

    def hello(self, suites: list[str]) -> tuple[str, list[str]]:
        """Send our hello; return the adapter's name and the suites it supports."""
        self.send({"type": "hello", "protocol": PROTOCOL, "suites": suites})
        line = self.receive("hello")
        try:
            answer = safe_json.parse(line)  # deep nesting, huge integers: ValueError
        except ValueError:
            answer = None
        if (not isinstance(answer, dict) or answer.get("type") != "hello"
                or answer.get("protocol") != PROTOCOL
                or not isinstance(answer.get("suites"), list)
                or not all(isinstance(s, str) for s in answer["suites"])):
            raise ConformanceError(
                "conformance.bad_handshake",
                f"expected {{\"type\": \"hello\", \"protocol\": {PROTOCOL}, \"suites\": [...]}}, "
                f"got {line.strip()[:200]!r}",
            )
        name = answer.get("implementation")
        return (name if isinstance(name, str) else "unnamed"), list(answer["suites"])

    def ask(self, case: Case) -> object:
        """Send one case; its answer without ``type`` and ``id`` (or a malformed-answer note,
        which fails the case)."""
        self.send(case.wire())
        line = self.receive(f"case {case.id}")
        try:
            answer = safe_json.parse(line)  # deep nesting, huge integers: ValueError
        except ValueError:
            return f"malformed answer line (not JSON): {line.strip()[:200]!r}"
        if not isinstance(answer, dict):
            return "malformed answer line (not a JSON object)"
        if answer.get("id") != case.id:
            return f"malformed answer: id {answer.get('id')!r} is not {case.id!r}"
        if answer.get("type", "answer") != "answer":
            return f"malformed answer: type {answer.get('type')!r}"
        return {k: v for k, v in answer.items() if k not in ("type", "id")}

    def close(self) -> None:
        """Say bye, give the adapter a moment to exit, and kill it if it does not (at once
        when it has stopped answering)."""
        try:
            if self.process.poll() is None and not self._hung:
                self._outbox.put(json.dumps({"type": "bye"}) + "\n")
                self._outbox.put(None)  # then close stdin
                try:
                    self.process.wait(timeout=_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def drive(command: str, suite: str | None = None, timeout: float = DEFAULT_TIMEOUT,
          root: Path = CONFORMANCE_ROOT) -> DriveReport:
    """Send every case (of one suite, or all) to ``command`` and judge its answers."""
    plans, unused, missing = plan(suite, root)
    suites = sorted({suite_of(p.rel) for p in plans})
    adapter = Adapter(command, timeout)
    try:
        name, claimed = adapter.hello(suites)
        supported = tuple(s for s in suites if s in claimed)
        skipped = tuple(s for s in suites if s not in claimed)

        def answer(case: Case) -> object:
            if suite_of(case.id.partition("#")[0]) in skipped:
                return {"unsupported": True}
            return adapter.ask(case)

        def pending_note(rel: str) -> str:
            if suite_of(rel) in skipped:
                return f"suite {suite_of(rel)} is not supported by {name}"
            return f"cases answered unsupported by {name}"

        report = judge_all(plans, unused, missing, answer, pending_note)
    finally:
        adapter.close()
    return DriveReport(name, supported, skipped, report)
