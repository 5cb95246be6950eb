"""A stopped TLC run resumed from its checkpoint, and distributed TLC on loopback, both reach the
state count of one uninterrupted run (docs/tlc.md, "Resuming a stopped run", "Distributed TLC").

The model is a grid walk generated in the test's directory: x in 0..X, y in 0..Y, each step
raises one of them, so it has exactly (X+1)*(Y+1) distinct states and depth X+Y+1 (the figures
of an uninterrupted run), and a deliberately costly invariant (costlier when a fast machine
finished first) keeps TLC busy past its first checkpoint (3 s after the workers start, TLC
2.15's ``AbstractChecker.runTLC``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from refimpl.errors import FormalError
from refimpl.formal.tlc import TlcOptions, find_checkpoint, run_tlc
from refimpl.formal.tlc_distributed import Endpoint, WorkerWatch, run_server
from refimpl.formal.tlc_output import TlcProgress


def _grid(tmp_path: Path, x: int, y: int, cost: int = 40) -> tuple[Path, Path]:
    spec = tmp_path / "Grid.tla"
    spec.write_text(
        "---- MODULE Grid ----\nEXTENDS Naturals\nVARIABLES x, y\n"
        "Init == x = 0 /\\ y = 0\n"
        f"Next == \\/ x < {x} /\\ x' = x + 1 /\\ y' = y\n"
        f"        \\/ y < {y} /\\ y' = y + 1 /\\ x' = x\n"
        f"Costly == \\A i \\in 0..{cost} : x + y + i >= i\n====\n")
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
    # A fast machine may finish the grid before TLC's first checkpoint: then the invariant is
    # made costlier (same states) and the run tried again.
    for cost in (40, 200, 1000):
        spec, cfg = _grid(tmp_path, x, y, cost)
        metadir = tmp_path / f"states-{cost}"
        try:
            run_tlc(spec, cfg, options=TlcOptions(workers=1, metadir=metadir, timeout_s=120,
                                                  checkpoint_minutes=0.01),
                    on_progress=_stop_after_checkpoint)
        except _Stop:  # TLC was stopped (process group killed) by the exception
            break
    else:
        pytest.fail("TLC finished the grid before its first checkpoint even at the top cost")
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
    # TLCServer's depth is its own trace's (one less in some runs): docs/tlc.md compares counts
    assert (result.outcome, result.distinct, result.partial) == ("ok", 151 * 101, False)
    # each worker process has one thread, and each thread registers once with the server
    assert len([r for r in reports if r.kind == "worker"]) == 2


def test_local_workers_that_die_before_registering_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "worker0.log").write_text("Error: Could not find or load main class\n")
    dead = subprocess.Popen([sys.executable, "-c", "pass"], text=True)
    dead.wait()
    watch = WorkerWatch([dead], tmp_path, None)
    watch(TlcProgress(kind="starting"))  # not yet a progress report: keep waiting
    with pytest.raises(FormalError) as info:
        watch(TlcProgress(kind="progress", generated=1, distinct=1, queue=1))
    assert info.value.code == "formal.tlc_failed" and "main class" in str(info.value)
    registered = WorkerWatch([dead], tmp_path, None)
    registered(TlcProgress(kind="worker"))  # a remote worker joined: no complaint
    registered(TlcProgress(kind="progress"))


def test_server_endpoint_parsing() -> None:
    assert Endpoint.parse("10.0.0.5") == Endpoint("10.0.0.5", 10997)
    assert Endpoint.parse("host:2000") == Endpoint("host", 2000)
    for bad in ("host:", ":2000", "host:0", "host:70000", "host:x"):
        with pytest.raises(ValueError):
            Endpoint.parse(bad)
