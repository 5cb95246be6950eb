"""A stopped TLC run resumed from its checkpoint, and distributed TLC on loopback, both reach the
state count of one uninterrupted run (docs/tlc.md, "Resuming a stopped run", "Distributed TLC").

The model is a grid walk generated in the test's directory: x in 0..X, y in 0..Y, each step
raises one of them, so it has exactly (X+1)*(Y+1) distinct states and depth X+Y+1 (the figures
of an uninterrupted run), and a deliberately costly invariant keeps TLC busy past its first
checkpoint (3 s after the workers start, TLC 2.15's ``AbstractChecker.runTLC``).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from refimpl.formal.tlc import TlcOptions, find_checkpoint, run_tlc
from refimpl.formal.tlc_distributed import run_server
from refimpl.formal.tlc_output import TlcProgress


def _grid(tmp_path: Path, x: int, y: int) -> tuple[Path, Path]:
    spec = tmp_path / "Grid.tla"
    spec.write_text(
        "---- MODULE Grid ----\nEXTENDS Naturals\nVARIABLES x, y\n"
        "Init == x = 0 /\\ y = 0\n"
        f"Next == \\/ x < {x} /\\ x' = x + 1 /\\ y' = y\n"
        f"        \\/ y < {y} /\\ y' = y + 1 /\\ x' = x\n"
        "Costly == \\A i \\in 0..40 : x + y + i >= i\n====\n")
    cfg = tmp_path / "Grid.cfg"
    cfg.write_text("INIT Init\nNEXT Next\nINVARIANT Costly\n")
    return spec, cfg


class _Stop(Exception):
    """Raised by the progress callback to stop TLC right after its first checkpoint."""


def _stop_after_checkpoint(report: TlcProgress) -> None:
    if report.kind == "checkpointed":
        raise _Stop


@pytest.mark.slow
def test_recover_resumes_a_stopped_run_to_the_same_count(tmp_path: Path) -> None:
    x, y = 1500, 300
    spec, cfg = _grid(tmp_path, x, y)
    metadir = tmp_path / "states"
    with pytest.raises(_Stop):  # TLC is stopped (process group killed) by the exception
        run_tlc(spec, cfg, options=TlcOptions(workers=1, metadir=metadir, timeout_s=120,
                                              checkpoint_minutes=0.01),
                on_progress=_stop_after_checkpoint)
    checkpoint = find_checkpoint(metadir)
    assert (checkpoint / "queue.chkpt").is_file()
    reports: list[TlcProgress] = []
    result = run_tlc(spec, cfg, options=TlcOptions(workers=1, recover=metadir, timeout_s=120),
                     on_progress=reports.append)
    assert [r.kind for r in reports if r.kind.startswith("recover")] == ["recovering",
                                                                         "recovered"]
    assert (result.outcome, result.partial) == ("ok", False)
    assert (result.distinct, result.depth) == ((x + 1) * (y + 1), x + y + 1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_distributed_on_loopback_matches_the_single_process_count(tmp_path: Path) -> None:
    spec, cfg = _grid(tmp_path, 150, 100)
    single = run_tlc(spec, cfg, options=TlcOptions(workers=1, timeout_s=120))
    reports: list[TlcProgress] = []
    result = run_server(spec, cfg, TlcOptions(timeout_s=120, heap_mb=512),
                        port=_free_port(), local_workers=2, worker_threads=1,
                        on_progress=reports.append)
    assert (single.outcome, single.distinct, single.depth) == ("ok", 151 * 101, 251)
    assert (result.outcome, result.distinct, result.depth) == ("ok", 151 * 101, 251)
    # each worker process has one thread, and each thread registers once with the server
    assert len([r for r in reports if r.kind == "worker"]) == 2
