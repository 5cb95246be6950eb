"""Child processes the OS really denies: file-permission refusals even when the tests run as root.

Root passes every permission check through the capabilities CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH and CAP_FOWNER (capabilities(7)), so ``chmod 0o555`` denies root nothing.
A child started by :func:`run_denied` drops those three from its capability bounding set
(``prctl(PR_CAPBSET_DROP)``) before ``execve``; a root process's permitted set after ``execve``
is bounded by that set, so the child is held to the mode bits like any owner. Not root: the
child runs unchanged (the mode bits already apply). :func:`denial_works` probes whether this
machine enforces it (a test skips, naming why, when it does not).
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

PR_CAPBSET_DROP = 24  # <linux/prctl.h>
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3  # <linux/capability.h>
ROOT = Path(__file__).resolve().parents[3]


def _drop_permission_capabilities() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_denied(argv: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` held to file permissions (see the module docstring)."""
    drop = _drop_permission_capabilities if os.geteuid() == 0 else None
    return subprocess.run(list(argv), preexec_fn=drop, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, check=False)


class CliRun(NamedTuple):
    """What one ``mcref`` command returned and printed."""

    returncode: int
    stdout: str
    stderr: str


_CLI = """
import contextlib, io, json, sys
from refimpl.cli import main
runs = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    runs.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(runs))
"""


def run_cli_denied(*commands: Sequence[str]) -> list[CliRun]:
    """Each ``mcref ARGV`` of ``commands`` (``refimpl.cli.main``, as ``python -m refimpl.cli``
    runs it), in one child process held to file permissions (one interpreter start for all)."""
    child = run_denied([sys.executable, "-c", _CLI, json.dumps([list(c) for c in commands])])
    assert child.returncode == 0 and child.stderr == "", child.stderr
    return [CliRun(*run) for run in json.loads(child.stdout)]


def denial_works(scratch: Path) -> bool:
    """Whether a child of :func:`run_denied` is refused creating a file in a 0o555 directory."""
    locked = scratch / "denial-probe"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        probe = run_denied([sys.executable, "-c",
                            f"open({str(locked / 'f')!r}, 'w')"])
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        locked.chmod(0o755)
    return probe.returncode != 0 and "PermissionError" in probe.stderr
