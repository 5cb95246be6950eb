"""Print the median cost of one 32-byte append plus one 32-byte challenge on a live Merlin
transcript, ours and merlin-transcripts', measured in the same process, and their ratio.

Usage: ``TMPDIR=.tmp .venv/bin/python tools/bench/merlin_ratio.py [--repeats N] [--number K]``.
Each sample times a batch of ``K`` calls with ``timeit`` on this process's CPU clock
(``time.process_time``), so time slices taken by other processes on a shared machine do not
count; the figure is the median over ``N`` samples, taken alternately for the two
implementations.
"""

from __future__ import annotations

import argparse
import statistics
import time
import timeit
from collections.abc import Callable

from merlin_transcripts import MerlinTranscript

from refimpl.crypto.merlin import Transcript

MESSAGE = bytes(32)


def _ours() -> Callable[[], object]:
    transcript = Transcript(b"bench")

    def step() -> object:
        transcript.append_message(b"label", MESSAGE)
        return transcript.challenge_bytes(b"challenge", 32)

    return step


def _theirs() -> Callable[[], object]:
    transcript = MerlinTranscript(b"bench")

    def step() -> object:
        transcript.append_message(b"label", MESSAGE)
        return transcript.challenge_bytes(b"challenge", 32)

    return step


def median_seconds(step: Callable[[], object], number: int, repeats: int) -> float:
    """Median over ``repeats`` of the mean CPU time of ``number`` calls."""
    timer = timeit.Timer(step, timer=time.process_time)
    return statistics.median(t / number for t in timer.repeat(number=number, repeat=repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--number", type=int, default=50)
    args = parser.parse_args()
    ours_times: list[float] = []
    theirs_times: list[float] = []
    ours, theirs = _ours(), _theirs()
    for _ in range(args.repeats):  # alternate so both see the same machine load
        ours_times.append(median_seconds(ours, args.number, 1))
        theirs_times.append(median_seconds(theirs, args.number, 1))
    a, b = statistics.median(ours_times), statistics.median(theirs_times)
    print(f"refimpl.crypto.merlin      {a * 1e3:.4f} ms")
    print(f"merlin-transcripts 0.1.1   {b * 1e3:.4f} ms")
    print(f"ratio (theirs / ours)      {b / a:.2f}x")


if __name__ == "__main__":
    main()
