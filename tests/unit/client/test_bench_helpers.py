"""The pure helpers of tools/bench/network_bench.py: argument parsing, /proc parsing, CPU
windows, py-spy raw aggregation and the choice of the saturation point (no processes)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.errors import CODES, ClientError

PATH = Path(__file__).resolve().parents[3] / "tools" / "bench" / "network_bench.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("network_bench", PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("network_bench", module)
    spec.loader.exec_module(module)
    return module


nb = _load()


def test_codes_registered() -> None:
    assert "client.bench_bad_argument" in CODES
    assert "client.bench_bad_profile" in CODES


# --- arguments --------------------------------------------------------------------------------


def test_parse_loads_sorts() -> None:
    assert nb.parse_loads("20, 5,10.5") == [5.0, 10.5, 20.0]


@pytest.mark.parametrize("text", ["", "5,", "a", "0", "-3", "nan", "inf", "5,5"])
def test_parse_loads_refuses(text: str) -> None:
    with pytest.raises(ClientError) as info:
        nb.parse_loads(text)
    assert info.value.code == "client.bench_bad_argument"


@given(st.text(max_size=20))
def test_parse_loads_only_typed_errors(text: str) -> None:
    try:
        loads = nb.parse_loads(text)
    except ClientError as exc:
        assert exc.code == "client.bench_bad_argument"
    else:
        assert loads == sorted(loads) and all(x > 0 for x in loads)


@given(st.integers(1, 20_000), st.integers(1, 40))
def test_outputs_per_account_covers_every_client(payments: int, clients: int) -> None:
    # run_load gives client i payments // clients (+1 for the first payments % clients)
    biggest = payments // clients + (1 if payments % clients else 0)
    try:
        needed = nb.outputs_per_account(payments, clients)
    except ClientError as exc:
        assert exc.code == "client.bench_bad_argument"
        assert biggest > nb.MAX_OUTPUTS_PER_ACCOUNT
    else:
        assert needed == biggest


def test_outputs_per_account_refuses_nothing_to_do() -> None:
    for payments, clients in ((0, 5), (5, 0)):
        with pytest.raises(ClientError):
            nb.outputs_per_account(payments, clients)


# --- /proc ------------------------------------------------------------------------------------


def test_proc_cpu_seconds_with_spaces_in_the_name() -> None:
    fields = ["S"] + ["0"] * 10 + ["250", "50"] + ["0"] * 30
    line = "1234 (python (a b)) " + " ".join(fields)
    assert nb.proc_cpu_seconds(line, 100) == 3.0


def test_proc_cpu_seconds_of_this_process_grows() -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    before = nb.proc_cpu_seconds(Path("/proc/self/stat").read_text(), ticks)
    x = 0
    for i in range(300_000):
        x += i * i
    after = nb.proc_cpu_seconds(Path("/proc/self/stat").read_text(), ticks)
    assert 0 <= before <= after


def test_proc_cpu_seconds_refuses_garbage() -> None:
    with pytest.raises(ClientError):
        nb.proc_cpu_seconds("1234 (x) S 1 2", 100)


def test_machine_busy_seconds_skips_idle_and_iowait() -> None:
    text = "cpu  100 10 50 9999 777 5 5 30 40 0\ncpu0 1 1 1 1 1 1 1 1 1 1\n"
    assert nb.machine_busy_seconds(text, 100) == pytest.approx(2.0)
    with pytest.raises(ClientError):
        nb.machine_busy_seconds("cpu0 1 2 3\n", 100)


def test_cpu_in_window_interpolates() -> None:
    samples = [(0.0, {"a": 0.0, "b": 10.0}), (2.0, {"a": 1.0, "b": 10.0}),
               (4.0, {"a": 3.0})]
    out = nb.cpu_in_window(samples, 1.0, 3.0)
    assert out["a"] == pytest.approx(0.5 + 1.0)
    assert "b" not in out  # b was not sampled at t = 3
    assert nb.cpu_in_window(samples, -1.0, 3.0) == {}


@given(st.lists(st.floats(0, 10), min_size=2, max_size=10), st.floats(0, 1), st.floats(0, 1))
def test_cpu_in_window_is_monotone(increments: list[float], u: float, v: float) -> None:
    total, samples = 0.0, []
    for i, inc in enumerate(increments):
        total += inc
        samples.append((float(i), {"p": total}))
    last = float(len(increments) - 1)
    lo, hi = sorted((u * last, v * last))
    got = nb.cpu_in_window(samples, lo, hi)["p"]
    assert -1e-9 <= got <= total - increments[0] + 1e-9


# --- py-spy raw output ------------------------------------------------------------------------

RAW = """\
<module> (main.py);run (worker.py);tick (worker.py);verify (ring.py) 40
<module> (main.py);run (worker.py);tick (worker.py);encode (protobuf.py) 10
<module> (main.py);run (worker.py);wait (threading.py) 500
_bootstrap (threading.py);_serve (grpc/_server.py);poll (selectors.py) 30
_bootstrap (threading.py);loop (peers.py);_wait_for_tstate_lock (threading.py) 7
_bootstrap (threading.py);f (a.py);f (a.py);time.sleep (x.py) 3
_bootstrap (threading.py);f (a.py);f (a.py);g (a.py) 5

"""


def test_parse_raw_profile() -> None:
    stacks = nb.parse_raw_profile(RAW)
    assert len(stacks) == 7
    assert stacks[0] == (("<module> (main.py)", "run (worker.py)", "tick (worker.py)",
                          "verify (ring.py)"), 40)


@pytest.mark.parametrize("line", ["no count here", "a;b x", " 12", "a;b 1.5"])
def test_parse_raw_profile_refuses(line: str) -> None:
    with pytest.raises(ClientError) as info:
        nb.parse_raw_profile("a;b 3\n" + line + "\n")
    assert info.value.code == "client.bench_bad_profile"
    assert "line 2" in info.value.message


@pytest.mark.parametrize(("frame", "idle"), [
    ("wait (threading.py)", True), ("_wait_for_tstate_lock (threading.py)", True),
    ("select (selectors.py)", True), ("poll (selectors.py)", True),
    ("time.sleep (x.py)", True), ("Lock.acquire (x.py)", True),
    ("verify (ring.py)", False), ("waiter_count (q.py)", False), ("polling_rate (a.py)", False),
])
def test_is_idle_frame(frame: str, idle: bool) -> None:
    assert nb.is_idle_frame(frame) is idle


def test_aggregate_profile_counts_busy_stacks_once_per_frame() -> None:
    summary = nb.aggregate_profile(nb.parse_raw_profile(RAW), top=50)
    assert summary.samples == 595
    assert summary.busy == 55  # 40 + 10 + 5: the waiting leaves are dropped
    inclusive = dict(summary.inclusive)
    assert inclusive["<module> (main.py)"] == 50
    assert inclusive["tick (worker.py)"] == 50
    assert inclusive["f (a.py)"] == 5  # recursion counted once per stack
    assert "wait (threading.py)" not in inclusive
    assert "_serve (grpc/_server.py)" not in inclusive
    assert summary.inclusive[0] == ("<module> (main.py)", 50)
    assert summary.leaf == (("verify (ring.py)", 40), ("encode (protobuf.py)", 10),
                            ("g (a.py)", 5))


frames = st.sampled_from(["a (m.py)", "b (m.py)", "wait (t.py)", "sleep (t.py)", "c (n.py)"])


@given(st.lists(st.tuples(st.lists(frames, min_size=1, max_size=6).map(tuple),
                          st.integers(1, 1000)), max_size=20))
def test_aggregate_profile_bounds(stacks: list[tuple[tuple[str, ...], int]]) -> None:
    summary = nb.aggregate_profile(stacks, top=10)
    assert summary.samples == sum(c for _, c in stacks)
    assert summary.busy <= summary.samples
    assert all(c <= summary.busy for _, c in summary.inclusive)
    assert sum(c for _, c in summary.leaf) == summary.busy
    counts = [c for _, c in summary.inclusive]
    assert counts == sorted(counts, reverse=True)


# --- the saturation point ---------------------------------------------------------------------


def _row(offered: float, throughput: float, p50: float | None, ok: bool = True,
         error: str | None = None) -> dict[str, Any]:
    return {"offered_per_s": offered, "throughput_per_s": throughput, "latency_p50_s": p50,
            "acks_ok": ok, "error": error}


def test_meets_goal_edges() -> None:
    assert nb.meets_goal(_row(10, 9.0, 3.0))
    assert not nb.meets_goal(_row(10, 8.99, 1.0))
    assert not nb.meets_goal(_row(10, 10.0, 3.01))
    assert not nb.meets_goal(_row(10, 10.0, None))
    assert not nb.meets_goal(_row(10, 10.0, 1.0, ok=False))
    assert not nb.meets_goal(_row(10, 10.0, 1.0, error="boom"))


def test_saturation_point() -> None:
    rows = [_row(5, 5.1, 1.2), _row(10, 9.8, 1.9), _row(15, 12.0, 4.5), _row(20, 12.5, 9.0)]
    assert nb.saturation_point(rows) == 10
    assert nb.saturation_point(rows[2:]) is None
    assert nb.saturation_point([]) is None
    # a looser rule moves it
    assert nb.saturation_point(rows, tolerance=0.25, max_p50_s=5.0) == 15


def test_table_marks_failures() -> None:
    rows = [_row(5, 5.0, 1.0) | {"payments": 10, "committed": 10, "latency_p99_s": 2.0,
                                 "refused": {"TxPoolFull": 2}, "blocks": 4,
                                 "cores_window": {"n0": 0.5, "loadgen": 0.1}},
            _row(10, 0.0, None, error="NodeError: boom") | {"payments": 20}]
    text = nb.table(rows, ["n0"])
    lines = text.splitlines()
    assert len(lines) == 4
    assert "TxPoolFull 2" in lines[2] and "| yes |" in lines[2] and "0.50" in lines[2]
    assert "error: NodeError: boom" in lines[3]
