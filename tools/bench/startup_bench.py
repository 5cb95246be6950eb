"""Start-up cost of ``mcref``: whole-process CPU time (user + system) per command.

Each command runs as its own process, ``runs`` times; the CPU time is what the kernel charged
the child (``resource.getrusage(RUSAGE_CHILDREN)`` before and after), the wall time is
measured around it. Baselines: ``python -c pass`` (the interpreter alone) and
``python -c 'import refimpl.cli'`` (the package and the CLI's own modules). The ratio column
divides by the ``python -c pass`` median. Goal (issue 16): ``mcref quorum check`` on the
Stellar 2025 snapshot under 0.5 s of CPU as a whole process.

Usage::

    TMPDIR=.tmp .venv/bin/python tools/bench/startup_bench.py [--runs 9] [--json]
    # another checkout (e.g. a worktree of an older commit), run as python -m refimpl.cli:
    TMPDIR=.tmp .venv/bin/python tools/bench/startup_bench.py --root /path/to/checkout

``tools/bench/test_bench_startup.py`` runs the same commands under pytest-benchmark
(``make bench``); docs/architecture.md ("Start-up") has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STELLAR_2025 = ROOT / "data" / "fbas" / "stellar_pubnet_obsrvr_2025-07-20.json"
MCREF = Path(sys.executable).with_name("mcref")

#: (label, argv after the program; None marks a baseline given as ``python -c CODE``)
COMMANDS: list[tuple[str, list[str], str | None]] = [
    ("python -c pass", [], "pass"),
    ("python -c 'import refimpl.cli'", [], "import refimpl.cli"),
    ("mcref --version", ["--version"], None),
    ("mcref quorum check <stellar 2025>", ["quorum", "check", str(STELLAR_2025)], None),
    ("mcref --help", ["--help"], None),
    ("mcref tx build --help", ["tx", "build", "--help"], None),
    ("mcref ledger verify --help", ["ledger", "verify", "--help"], None),
    ("mcref attest verify-quote --help", ["attest", "verify-quote", "--help"], None),
    ("mcref client pay --help", ["client", "pay", "--help"], None),
    ("mcref fog serve ledger --help", ["fog", "serve", "ledger", "--help"], None),
]


def command_line(argv: list[str], code: str | None, root: Path | None) -> list[str]:
    """The process to start: a baseline, the ``mcref`` script, or ``python -m refimpl.cli``
    of another checkout."""
    if code is not None:
        return [sys.executable, "-c", code]
    if root is not None:
        return [sys.executable, "-m", "refimpl.cli", *argv]
    return [str(MCREF), *argv]


def environment(root: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TMPDIR", str(ROOT / ".tmp"))
    if root is not None:
        env["PYTHONPATH"] = str(root)
    return env


def run_once(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def measure(runs: int, root: Path | None = None) -> list[dict[str, object]]:
    """Median CPU and wall seconds of every command, and CPU ratios to ``python -c pass``."""
    env = environment(root)
    cwd = root or ROOT
    rows: list[dict[str, object]] = []
    for label, argv, code in COMMANDS:
        cmd = command_line(argv, code, root)
        try:
            run_once(cmd, env, cwd)  # warm the page cache
        except RuntimeError:  # e.g. an older checkout without --version
            rows.append({"command": label, "cpu_s": None, "wall_s": None, "x_python": None})
            continue
        samples = [run_once(cmd, env, cwd) for _ in range(runs)]
        rows.append({"command": label,
                     "cpu_s": round(statistics.median(s[0] for s in samples), 3),
                     "wall_s": round(statistics.median(s[1] for s in samples), 3)})
    base = float(str(rows[0]["cpu_s"])) or 1e-3
    for row in rows:
        if row["cpu_s"] is not None:
            row["x_python"] = round(float(str(row["cpu_s"])) / base, 1)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--root", type=Path, default=None,
                        help="another checkout to measure (python -m refimpl.cli)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measure(args.runs, args.root)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(str(r["command"])) for r in rows)
    print(f"{'command':<{width}}  cpu (s)  wall (s)  x python")
    for r in rows:
        print(f"{r['command']!s:<{width}}  {r['cpu_s']!s:>7}  {r['wall_s']!s:>8}  "
              f"{r['x_python']!s:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
