"""A deterministic discrete-event scheduler: a priority queue of ``(time_ms, seq)`` events.

Ties in time are broken by the insertion sequence number, so the order in which events run
depends only on the order in which they were scheduled, never on hashing or object identity.
Together with a seeded :class:`random.Random` for delays and loss (see ``faults.py``) this makes a
whole simulation a pure function of its configuration and seed (docs/architecture.md).

Time is simulated, in integer milliseconds; nothing here reads a clock.
"""

from __future__ import annotations

import heapq
from typing import Generic, TypeVar

from refimpl.errors import ScpError

E = TypeVar("E")


class Scheduler(Generic[E]):
    """Events of type ``E`` ordered by (time, insertion order); ``now_ms`` never goes back."""

    __slots__ = ("_heap", "_seq", "now_ms")

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, E]] = []
        self._seq = 0
        self.now_ms = 0

    def schedule(self, at_ms: int, event: E) -> int:
        """Queue ``event`` to run at ``at_ms`` (not before now); returns its sequence number."""
        if at_ms < self.now_ms:
            raise ScpError(
                "scp.sim_bad_parameters", f"event scheduled in the past ({at_ms} < {self.now_ms})"
            )
        seq = self._seq
        self._seq += 1
        heapq.heappush(self._heap, (at_ms, seq, event))
        return seq

    def pop(self) -> tuple[int, E] | None:
        """The next event and its time (advancing ``now_ms``), or None when the queue is empty."""
        if not self._heap:
            return None
        at_ms, _, event = heapq.heappop(self._heap)
        self.now_ms = at_ms
        return at_ms, event

    def peek_time(self) -> int | None:
        """The time of the next event without running it."""
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
