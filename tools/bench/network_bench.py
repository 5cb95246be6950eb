"""Throughput and commit latency of a local validator network under offered load.

Not a pytest-benchmark file (``make bench`` collects only ``test_*.py`` here): a script, run as
``.venv/bin/python tools/bench/network_bench.py [--loads 5,10,15,20,30] ...``.

For each offered load (payments per second, paced by ``run_load``'s ``rate``) it generates a
fresh network in a temporary directory (``refimpl/node/localnet.py``: dense topology, 20 demo
accounts, enough origin outputs per account for that load's payments, SCP traces off unless
``--traces``), starts it (``refimpl/node/supervisor.py``), drives the payments with
``refimpl/client/load.py`` and records its summary (sustained throughput = committed /
(last commit - start of the timed phase), p50/p99 commit latency = ProposeTx to the first sight
of the key image in a block, refusals), checks every acknowledgement against the ledgers
(``check_acks``), and stops the network. A sampler thread reads ``/proc/<pid>/stat``
(utime + stime) of every node and of this process (the load generator), and ``/proc/stat``
(the whole machine), twice a second, so the CPU spent inside the timed window is known per
process.

"Where it saturates" is the highest offered load whose throughput is within 10% of the offered
load and whose p50 commit latency is at most 3 s (and whose ledgers check out). With
``--profile``, ``py-spy record -f raw`` samples node ``n0`` for 15 s during the highest load;
the raw file (lines ``frame;frame;... count``) is aggregated into inclusive frame counts over
the busy samples only (stacks whose leaf frame waits, selects, polls, sleeps or acquires a lock
are dropped).

MobileCoin drives a network the same way with ``mobilecoind-dev-faucet``'s ``/slam``
(``mobilecoind-dev-faucet/src/slam/mod.rs``: rings and membership proofs prepared first,
then transactions built and submitted from many threads); its consensus service refuses
client proposals at 500 pending values (``consensus/service/src/api/client_api_service.rs``)
and nominates at most 100 values per slot (``consensus/service/src/byzantine_ledger/mod.rs``).
The measured figures are in docs/network-performance.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from refimpl.client.load import check_acks, run_load
from refimpl.errors import ClientError, RefImplError
from refimpl.node.localnet import MAX_OUTPUTS_PER_ACCOUNT, generate_local_network
from refimpl.node.supervisor import Supervisor, admin_info

ROOT = Path(__file__).resolve().parents[2]
#: Saturation rule: throughput at least (1 - this) x offered ...
THROUGHPUT_TOLERANCE = 0.10
#: ... and p50 commit latency at most this.
MAX_P50_S = 3.0
#: Leaf-frame words that mark a sample as waiting rather than computing.
IDLE_WORDS = frozenset({"wait", "select", "poll", "epoll", "sleep", "acquire"})
SAMPLE_PERIOD_S = 0.5
#: py-spy samples per second.
PYSPY_RATE = 100
MACHINE = "_machine"
LOADGEN = "loadgen"


def _bad_argument(message: str) -> ClientError:
    return ClientError("client.bench_bad_argument", message)


# --- pure helpers (tests/unit/client/test_bench_helpers.py) ----------------------------------


def parse_loads(text: str) -> list[float]:
    """``"5,10,15"`` -> ``[5.0, 10.0, 15.0]``: positive finite numbers, sorted, distinct."""
    loads: list[float] = []
    for part in text.split(","):
        try:
            value = float(part.strip())
        except ValueError:
            raise _bad_argument(f"--loads: {part.strip()!r} is not a number") from None
        if not math.isfinite(value) or value <= 0:
            raise _bad_argument(f"--loads: {part.strip()!r} is not a positive rate")
        loads.append(value)
    if len(set(loads)) != len(loads):
        raise _bad_argument("--loads: a load is repeated")
    return sorted(loads)


def outputs_per_account(payments: int, clients: int) -> int:
    """Origin outputs each demo account needs so ``clients`` clients can make ``payments``
    payments (``run_load`` gives the first ``payments % clients`` clients one more)."""
    if payments < 1 or clients < 1:
        raise _bad_argument(f"need at least one payment and one client, not {payments}, "
                            f"{clients}")
    needed = -(-payments // clients)
    if needed > MAX_OUTPUTS_PER_ACCOUNT:
        raise _bad_argument(f"{payments} payments over {clients} clients need {needed} outputs "
                            f"per account; a local network allows {MAX_OUTPUTS_PER_ACCOUNT}")
    return needed


def proc_cpu_seconds(stat_text: str, clock_ticks: int) -> float:
    """utime + stime of one ``/proc/<pid>/stat`` line, in seconds (fields 14 and 15; the
    command name in parentheses may hold spaces, so fields are counted after its ``)``)."""
    head, sep, rest = stat_text.rpartition(")")
    fields = rest.split()
    if not sep or len(fields) < 13:
        raise _bad_argument("not a /proc/<pid>/stat line")
    return (int(fields[11]) + int(fields[12])) / clock_ticks


def machine_busy_seconds(proc_stat_text: str, clock_ticks: int) -> float:
    """CPU seconds the whole machine spent not idle (``/proc/stat`` line ``cpu``: all fields
    but idle and iowait, without guest time, which user time already counts)."""
    for line in proc_stat_text.splitlines():
        parts = line.split()
        if parts and parts[0] == "cpu":
            values = [int(v) for v in parts[1:9]]
            values += [0] * (8 - len(values))
            user, nice, system, idle, iowait, irq, softirq, steal = values
            return (user + nice + system + irq + softirq + steal) / clock_ticks
    raise _bad_argument("no aggregate cpu line in /proc/stat text")


Sample = tuple[float, Mapping[str, float]]


def _value_at(samples: Sequence[Sample], name: str, t: float) -> float | None:
    points = [(at, values[name]) for at, values in samples if name in values]
    if not points or t < points[0][0] or t > points[-1][0]:
        return None
    for (t0, v0), (t1, v1) in zip(points, points[1:], strict=False):
        if t0 <= t <= t1:
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return points[-1][1]


def cpu_in_window(samples: Sequence[Sample], start: float, end: float) -> dict[str, float]:
    """CPU seconds each named counter grew between ``start`` and ``end``, interpolating
    linearly between the (time-ordered) samples; a counter not sampled across the whole window
    is left out."""
    out: dict[str, float] = {}
    names = {name for _, values in samples for name in values}
    for name in sorted(names):
        a, b = _value_at(samples, name, start), _value_at(samples, name, end)
        if a is not None and b is not None:
            out[name] = b - a
    return out


def parse_raw_profile(text: str) -> list[tuple[tuple[str, ...], int]]:
    """py-spy's raw (collapsed) output: one ``frame;frame;...;leaf count`` per line, the root
    first. Blank lines are skipped; anything else malformed is ``client.bench_bad_profile``."""
    stacks = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            raise ClientError("client.bench_bad_profile",
                              f"line {number}: not 'frame;...;frame count': {line[:80]!r}")
        stacks.append((tuple(stack.split(";")), int(count)))
    return stacks


def frame_function(frame: str) -> str:
    """``"wait (threading.py:320)"`` -> ``"wait"``."""
    return frame.split(" (", 1)[0].strip()


def is_idle_frame(frame: str) -> bool:
    """A leaf that waits: its function name has one of :data:`IDLE_WORDS` as a word
    (``wait``, ``_wait_for_tstate_lock``, ``select``, ``poll``, ``sleep``, ``acquire``)."""
    words = re.split(r"[^a-z0-9]+", frame_function(frame).lower())
    return any(w in IDLE_WORDS for w in words)


@attrs.frozen
class ProfileSummary:
    """Busy samples of one py-spy recording, aggregated per frame."""

    samples: int
    busy: int
    inclusive: tuple[tuple[str, int], ...]
    """Frames by samples in which they appear (once per stack), most first."""
    leaf: tuple[tuple[str, int], ...]
    """Leaf frames (self time), most first."""


def aggregate_profile(stacks: Sequence[tuple[tuple[str, ...], int]],
                      top: int = 25) -> ProfileSummary:
    """Drop the stacks whose leaf is idle (:func:`is_idle_frame`), then count every frame once
    per remaining stack (inclusive) and every leaf (self); ties keep the frame name order."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = busy = 0
    for frames, count in stacks:
        total += count
        if not frames or is_idle_frame(frames[-1]):
            continue
        busy += count
        for frame in set(frames):
            inclusive[frame] += count
        leaf[frames[-1]] += count

    def ordered(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top])

    return ProfileSummary(total, busy, ordered(inclusive), ordered(leaf))


def meets_goal(row: Mapping[str, Any], tolerance: float = THROUGHPUT_TOLERANCE,
               max_p50_s: float = MAX_P50_S) -> bool:
    """The row's throughput is within ``tolerance`` of its offered load, its p50 is at most
    ``max_p50_s``, nothing failed, and its ledgers check out."""
    p50 = row.get("latency_p50_s")
    return (row.get("error") is None and bool(row.get("acks_ok"))
            and p50 is not None and p50 <= max_p50_s
            and row.get("throughput_per_s", 0.0) >= (1 - tolerance) * row["offered_per_s"])


def saturation_point(rows: Sequence[Mapping[str, Any]],
                     tolerance: float = THROUGHPUT_TOLERANCE,
                     max_p50_s: float = MAX_P50_S) -> float | None:
    """The highest offered load that :func:`meets_goal` (None if none does)."""
    good = [r["offered_per_s"] for r in rows if meets_goal(r, tolerance, max_p50_s)]
    return max(good) if good else None


# --- measuring -------------------------------------------------------------------------------


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


class Sampler:
    """Twice a second: CPU seconds of each named pid and of the machine; once a second the
    height and pending values of one node (its admin ``GetInfo``)."""

    def __init__(self, pids: Mapping[str, int], watch: Callable[[], dict[str, Any] | None]) \
            -> None:
        self._pids = dict(pids)
        self._watch = watch
        self._ticks = os.sysconf("SC_CLK_TCK")
        self.samples: list[Sample] = []
        self.status: list[tuple[float, int, int]] = []  # (time, height, pending values)
        self.first_block = threading.Event()
        self._initial_height: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        values: dict[str, float] = {}
        for name, pid in self._pids.items():
            text = _read(f"/proc/{pid}/stat")
            if text is not None:
                values[name] = proc_cpu_seconds(text, self._ticks)
        machine = _read("/proc/stat")
        if machine is not None:
            values[MACHINE] = machine_busy_seconds(machine, self._ticks)
        self.samples.append((time.time(), values))

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(SAMPLE_PERIOD_S):
            self.sample()
            n += 1
            if n % 2 == 0:
                info = self._watch()
                if info is not None:
                    s = info["status"]
                    height, pending = int(s["block_height"]), int(s["pending_values"])
                    self.status.append((time.time(), height, pending))
                    if self._initial_height is None:
                        self._initial_height = height
                    elif height > self._initial_height:
                        self.first_block.set()

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()


@attrs.define
class Profiler:
    """``py-spy record -f raw --nonblocking`` of one pid, started ``delay_s`` after the sampler
    saw the first payment block, for ``seconds``. With ``gil_only`` (``--gil``) only the thread
    holding the GIL is sampled: py-spy's own idle detection does not see threads blocked inside
    C calls (grpc's completion-queue poll in ``_serve``, a thread pool's ``queue.get`` in
    ``_worker``, a unary call waiting in ``_blocking``), so without it those count as busy."""

    pid: int
    out: Path
    seconds: int
    delay_s: float
    gil_only: bool = True
    cpu_s: float | None = None
    error: str | None = None
    started_at: float | None = None
    thread: threading.Thread | None = None

    def start(self, first_block: threading.Event, timeout_s: float) -> None:
        def run() -> None:
            if not first_block.wait(timeout_s):
                self.error = "no payment block appeared; nothing profiled"
                return
            time.sleep(self.delay_s)
            command = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "-p", str(self.pid),
                       "-d", str(self.seconds), "-r", str(PYSPY_RATE), "-f", "raw",
                       "-o", str(self.out), "--nolineno", "--nonblocking",
                       *(["--gil"] if self.gil_only else [])]
            self.started_at = time.time()
            try:
                proc = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
            except OSError as exc:
                self.error = f"py-spy did not start: {exc}"
                return
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            self.cpu_s = usage.ru_utime + usage.ru_stime
            if proc.returncode != 0:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                self.error = f"py-spy exited with {proc.returncode}: {err.strip()[:200]}"
            if proc.stderr:
                proc.stderr.close()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join(timeout=self.seconds + self.delay_s + 30)


def _rounded(values: Mapping[str, float], window: float) -> dict[str, float]:
    return {k: round(v / window, 3) for k, v in values.items()} if window > 0 else {}


def run_one(load: float, args: argparse.Namespace, profile: bool) -> dict[str, Any]:
    """One offered load on a fresh network; a JSON-ready row."""
    payments = args.payments_per_load or max(args.clients, round(load * args.duration))
    per_account = outputs_per_account(payments, args.clients)
    work = Path(tempfile.mkdtemp(prefix=f"mcref-bench-{load:g}-"))
    row: dict[str, Any] = {"offered_per_s": load, "payments": payments,
                           "outputs_per_account": per_account, "error": None, "dir": str(work)}
    supervisor: Supervisor | None = None
    sampler: Sampler | None = None
    profiler: Profiler | None = None
    try:
        network = generate_local_network(
            work / "net", args.nodes, "dense", f"mcref-bench-{load:g}".encode(),
            accounts=max(20, args.clients), outputs_per_account=per_account,
            scp_timebase_ms=args.timebase_ms, scp_debug_dump=args.traces)
        supervisor = Supervisor(network)
        supervisor.start_all()
        supervisor.wait_serving(timeout_s=120)
        pids = {name: proc.pid for name, proc in supervisor.procs.items()}
        pids[LOADGEN] = os.getpid()
        first = network.nodes[0]
        sampler = Sampler(pids, lambda: admin_info(first, 1.0))
        sampler.start()
        timed_s = payments / load
        if profile:
            profiler = Profiler(pids[first.name], work / "py-spy.raw", args.profile_seconds,
                                args.profile_delay, gil_only=args.profile_mode == "gil")
            profiler.start(sampler.first_block, timeout_s=600)
        called = time.time()
        report = run_load(network, payments, args.clients, rate=load,
                          timeout_s=max(300.0, 3 * timed_s + 120))
        row["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        summary = report.summary()
        row.update(summary)
        row["build_s"] = round(report.started_at - called, 1)
        window = summary["duration_s"]
        end = report.started_at + window
        if profiler is not None:
            profiler.join()
        supervisor.wait_heights_equal(0, timeout_s=60)
        sampler.stop()
        cpu = cpu_in_window(sampler.samples, report.started_at, end)
        row["window_s"] = window
        row["cpu_s_window"] = {k: round(v, 2) for k, v in cpu.items()}
        row["cores_window"] = _rounded(cpu, window)
        if MACHINE in cpu and window > 0:
            ours = sum(v for k, v in cpu.items() if k != MACHINE)
            row["other_cores_window"] = round((cpu[MACHINE] - ours) / window, 3)
        first_values, last_values = sampler.samples[0][1], sampler.samples[-1][1]
        row["cpu_s_total"] = {k: round(last_values[k] - first_values[k], 2)
                              for k in first_values if k in last_values}
        row["max_pending_n0"] = max((p for _, _, p in sampler.status), default=None)
        supervisor.stop_all()
        check = check_acks(report.acks,
                           {n.name: n.directory / "ledger" for n in network.nodes})
        row["acks_ok"] = check.ok
        row["ledgers_identical"] = check.identical
        row["missing"], row["split"] = len(check.missing), len(check.split)
        row["refused_but_present"] = len(check.refused_but_present)
        blocks = max(check.num_blocks.values()) if check.num_blocks else 0
        row["blocks"] = blocks
        row["txs_per_block"] = round(summary["committed"] / (blocks - 1), 2) if blocks > 1 \
            else None
        if profiler is not None:
            row["profile"] = _profile_result(profiler)
    except (RefImplError, OSError) as exc:
        row["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if sampler is not None:
            sampler.stop()
        if supervisor is not None:
            supervisor.stop_all()
        if not args.keep and row["error"] is None:
            shutil.rmtree(work, ignore_errors=True)
    return row


def _profile_result(profiler: Profiler) -> dict[str, Any]:
    result: dict[str, Any] = {"seconds": profiler.seconds, "rate": PYSPY_RATE,
                              "gil_only": profiler.gil_only, "pyspy_cpu_s": profiler.cpu_s,
                              "error": profiler.error}
    if profiler.error is None and profiler.out.is_file():
        summary = aggregate_profile(parse_raw_profile(profiler.out.read_text()))
        result.update(samples=summary.samples, busy=summary.busy,
                      inclusive=[list(kv) for kv in summary.inclusive],
                      leaf=[list(kv) for kv in summary.leaf])
    return result


# --- output ----------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(rows: Sequence[Mapping[str, Any]], nodes: Sequence[str]) -> str:
    """The measured rows as a Markdown table (CPU in cores = CPU seconds / window seconds)."""
    head = ["offered/s", "payments", "committed", "thru/s", "p50 s", "p99 s", "refused",
            "acks", "blocks", "tx/block", "max pending n0", *[f"{n} cores" for n in nodes],
            "loadgen cores", "machine cores", "other cores", "load1", "meets"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if r.get("error"):
            lines.append(f"| {r['offered_per_s']:g} | {r['payments']} | error: "
                         f"{r['error'][:120]} |")
            continue
        cores = r.get("cores_window", {})
        refused = ", ".join(f"{k} {v}" for k, v in sorted(r.get("refused", {}).items())) or "0"
        cells = [f"{r['offered_per_s']:g}", r["payments"], r["committed"],
                 _fmt(r["throughput_per_s"]), _fmt(r["latency_p50_s"]),
                 _fmt(r["latency_p99_s"]), refused, "ok" if r.get("acks_ok") else "FAILED",
                 r.get("blocks"), _fmt(r.get("txs_per_block"), 1), r.get("max_pending_n0"),
                 *[_fmt(cores.get(n)) for n in nodes], _fmt(cores.get(LOADGEN)),
                 _fmt(cores.get(MACHINE)), _fmt(r.get("other_cores_window")),
                 _fmt(r.get("load_average_end", [None])[0]),
                 "yes" if meets_goal(r) else "no"]
        lines.append("| " + " | ".join(_fmt(c) for c in cells) + " |")
    return "\n".join(lines)


def profile_text(profile: Mapping[str, Any], top: int = 15) -> str:
    if profile.get("error"):
        return f"profile: {profile['error']}"
    busy = profile.get("busy") or 0
    attempts = profile["seconds"] * profile["rate"]
    what = "GIL-holding thread" if profile["gil_only"] else "active threads"
    lines = [f"py-spy --nonblocking, node n0, {profile['seconds']} s at {profile['rate']} Hz, "
             f"{what}: {profile.get('samples')} samples (~{attempts} attempts), {busy} busy "
             f"(leaf not waiting); py-spy itself used {_fmt(profile['pyspy_cpu_s'])} CPU s",
             "top inclusive frames (share of busy samples):"]
    for frame, count in profile.get("inclusive", [])[:top]:
        lines.append(f"  {100 * count / busy:5.1f}%  {frame}" if busy else f"  {frame}")
    lines.append("top leaf frames (self):")
    for frame, count in profile.get("leaf", [])[:10]:
        lines.append(f"  {100 * count / busy:5.1f}%  {frame}" if busy else f"  {frame}")
    return "\n".join(lines)


def _cpu_model() -> str | None:
    text = _read("/proc/cpuinfo") or ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--loads", default="5,10,15,20,30",
                        help="offered loads in payments/s, comma separated (default: %(default)s)")
    parser.add_argument("--duration", type=float, default=40.0,
                        help="seconds of payments per load (payments = load x this; default: "
                             "%(default)s)")
    parser.add_argument("--payments-per-load", type=int, default=None,
                        help="fixed number of payments per load (overrides --duration)")
    parser.add_argument("--nodes", type=int, default=5)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--timebase-ms", type=int, default=1000,
                        help="real duration of SCP's 1000 ms base interval")
    parser.add_argument("--traces", action="store_true",
                        help="keep each node's SCP trace (scp_debug_dump; costs CPU)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy node n0 during the highest load")
    parser.add_argument("--profile-seconds", type=int, default=15)
    parser.add_argument("--profile-delay", type=float, default=5.0,
                        help="seconds after the first payment block before py-spy starts")
    parser.add_argument("--profile-mode", choices=("gil", "threads"), default="gil",
                        help="gil: sample only the thread holding the GIL (default); threads: "
                             "every thread py-spy deems active")
    parser.add_argument("--keep", action="store_true", help="keep the network directories")
    args = parser.parse_args(argv)
    try:
        loads = parse_loads(args.loads)
        if args.payments_per_load is not None and args.payments_per_load < 1:
            raise _bad_argument("--payments-per-load must be positive")
    except ClientError as exc:
        print(f"error[{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    machine = {"nproc": os.cpu_count(), "cpu": _cpu_model(),
               "load_average_start": [round(x, 2) for x in os.getloadavg()],
               "python": sys.version.split()[0]}
    print(f"machine: {machine['nproc']} CPUs ({machine['cpu']}), load average "
          f"{machine['load_average_start']}; {args.nodes} nodes dense, {args.clients} clients, "
          f"timebase {args.timebase_ms} ms, SCP traces {'on' if args.traces else 'off'}",
          flush=True)
    rows = []
    for load in loads:
        print(f"offered {load:g}/s ...", flush=True)
        row = run_one(load, args, profile=args.profile and load == loads[-1])
        rows.append(row)
        if row["error"]:
            print(f"  error: {row['error']}", flush=True)
        else:
            print(f"  {row['committed']}/{row['payments']} committed, "
                  f"{row['throughput_per_s']}/s, p50 {row['latency_p50_s']} s, "
                  f"p99 {row['latency_p99_s']} s, acks {'ok' if row['acks_ok'] else 'FAILED'}, "
                  f"build {row['build_s']} s", flush=True)
    node_names = [f"n{i}" for i in range(args.nodes)]
    print()
    print(table(rows, node_names))
    saturation = saturation_point(rows)
    print(f"\nsaturation (highest load with throughput >= {1 - THROUGHPUT_TOLERANCE:.0%} of "
          f"offered, p50 <= {MAX_P50_S:g} s, ledgers ok): "
          f"{'none' if saturation is None else f'{saturation:g}/s'}")
    for row in rows:
        if "profile" in row:
            print(f"\nat {row['offered_per_s']:g}/s offered:\n" + profile_text(row["profile"]))
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.json is not None:
        document = {"command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
                    "machine": machine, "nodes": args.nodes, "topology": "dense",
                    "clients": args.clients, "timebase_ms": args.timebase_ms,
                    "scp_traces": args.traces, "rows": rows, "saturation_per_s": saturation,
                    "rule": {"throughput_tolerance": THROUGHPUT_TOLERANCE,
                             "max_p50_s": MAX_P50_S}}
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    failed = [r for r in rows if r["error"] or not r.get("acks_ok")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
