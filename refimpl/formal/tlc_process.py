"""Run TLC processes: stream their output line by line, report progress, stop them cleanly.

TLC runs in its own process group (``start_new_session``) so that stopping it (timeout, Ctrl-C,
an exception in a progress callback, the end of a distributed run) ends the JVM and anything it
started: SIGTERM to the group, then SIGKILL if it has not exited within a few seconds. Output is
read while TLC runs (not collected at the end), each line fed to a
:class:`refimpl.formal.tlc_output.ProgressReader`; the whole text is kept for
:func:`refimpl.formal.tlc_output.parse_tool_output`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from refimpl.formal.tlc_output import ProgressReader, TlcProgress

ProgressCallback = Callable[[TlcProgress], None]

#: Seconds between SIGTERM and SIGKILL when stopping a process group.
_GRACE_SECONDS = 3.0


def start(command: Sequence[str], cwd: Path) -> subprocess.Popen[str]:
    """Start ``command`` in a new process group, stdout and stderr merged into one text pipe."""
    return subprocess.Popen(list(command), cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            bufsize=1)


def stop(process: subprocess.Popen[Any]) -> None:
    """End ``process`` and its whole process group (TERM, then KILL after a grace period)."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, _GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def signals_raise() -> Iterator[None]:
    """While TLC runs, SIGTERM and SIGHUP to this process raise ``SystemExit`` (so the
    ``finally`` that stops TLC's process group runs: TLC is in its own session and would
    otherwise outlive us, e.g. under ``timeout``). Only the main thread can set handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _exit_on_signal) for sig in (signal.SIGTERM,
                                                                       signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@attrs.frozen
class Finished:
    """What a streamed run produced: its whole output, exit code (None when it was stopped at
    the deadline) and wall-clock seconds."""

    output: str
    exit_code: int | None
    seconds: float


def stream(process: subprocess.Popen[str], *, timeout_s: float | None,
           on_progress: ProgressCallback | None = None) -> Finished:
    """Read ``process``'s output until it exits or ``timeout_s`` passes (None: no limit).

    Each status report is handed to ``on_progress`` as it arrives. At the deadline the process
    group is stopped and the exit code reported as None. On any exception (Ctrl-C, SIGTERM or
    SIGHUP via :func:`signals_raise`, an exception raised by the callback) the process group is
    stopped and the exception propagates.
    """
    started = time.monotonic()
    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        stop(process)

    timer = threading.Timer(timeout_s, expire) if timeout_s else None
    lines: list[str] = []
    reader = ProgressReader()
    assert process.stdout is not None
    try:
        with signals_raise():
            if timer is not None:
                timer.daemon = True
                timer.start()
            for raw in process.stdout:
                line = raw.rstrip("\n")
                lines.append(line)
                report = reader.feed(line, time.monotonic() - started)
                if report is not None and on_progress is not None:
                    on_progress(report)
            code = process.wait()
    finally:
        if timer is not None:
            timer.cancel()
        stop(process)
        process.stdout.close()
    exit_code = None if timed_out.is_set() else code
    return Finished(output="\n".join(lines), exit_code=exit_code,
                    seconds=time.monotonic() - started)
