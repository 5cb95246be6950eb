"""Print the median cost of one 32-byte append plus one 32-byte challenge on a live Merlin
transcript, ours and merlin-transcripts', measured in the same process, and their ratio.

Usage: ``TMPDIR=.tmp .venv/bin/python tools/bench/merlin_ratio.py [--repeats N]``.
Each repeat times a batch of calls with ``timeit``; the figure is the median over repeats.
"""

from __future__ import annotations

import argparse
import statistics
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
    """Median over ``repeats`` of the mean time of ``number`` calls."""
    return statistics.median(t / number for t in timeit.repeat(step, number=number,
                                                               repeat=repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--number", type=int, default=200)
    args = parser.parse_args()
    ours_times: list[float] = []
    theirs_times: list[float] = []
    ours, theirs = _ours(), _theirs()
    for _ in range(args.repeats):  # interleave so both see the same machine load
        ours_times.append(median_seconds(ours, args.number, 1))
        theirs_times.append(median_seconds(theirs, args.number, 1))
    a, b = statistics.median(ours_times), statistics.median(theirs_times)
    print(f"refimpl.crypto.merlin      {a * 1e3:.4f} ms")
    print(f"merlin-transcripts 0.1.1   {b * 1e3:.4f} ms")
    print(f"ratio (theirs / ours)      {b / a:.2f}x")


if __name__ == "__main__":
    main()
