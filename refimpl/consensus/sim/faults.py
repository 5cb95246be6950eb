"""The fault model of the simulated network: delays, loss, partitions that heal, crashes.

The model follows the partial-synchrony assumption under which SCP is live (WP Theorems 14-16:
"given long enough timeouts", i.e. eventual synchrony): before the global stabilisation time
``gst_ms`` messages may be lost (probability ``loss_rate``) and delayed up to
``pre_gst_delay_max_ms``; from ``gst_ms`` on every message between two running, connected nodes
arrives within ``delay_max_ms``. Partitions cut links between groups of nodes from ``start_ms``
until ``heal_ms`` (messages sent across the cut are dropped). Crashed nodes stop at ``at_ms`` for
good (crash-stop). All draws come from the simulation's seeded :class:`random.Random`, in a fixed
order, so runs replay exactly.
"""

from __future__ import annotations

import random

import attrs

from refimpl.errors import ScpError

NodeID = str


def uniform_ms(rng: random.Random, lo: int, hi: int) -> int:
    """A uniform integer in [lo, hi] from one ``rng.random()`` draw (none when lo == hi)."""
    if lo == hi:
        return lo
    return lo + int(rng.random() * (hi - lo + 1))


@attrs.frozen
class Partition:
    """Nodes in different ``groups`` cannot talk during ``[start_ms, heal_ms)``."""

    start_ms: int
    heal_ms: int
    groups: tuple[frozenset[NodeID], ...]

    def separates(self, src: NodeID, dst: NodeID, now_ms: int) -> bool:
        if not self.start_ms <= now_ms < self.heal_ms:
            return False
        src_group = dst_group = -1
        for index, group in enumerate(self.groups):
            if src in group:
                src_group = index
            if dst in group:
                dst_group = index
        return src_group != dst_group and src_group >= 0 and dst_group >= 0

    def to_json(self) -> dict[str, object]:
        return {
            "start_ms": self.start_ms,
            "heal_ms": self.heal_ms,
            "groups": [sorted(group) for group in self.groups],
        }


@attrs.frozen
class Crash:
    """``node`` stops taking steps at ``at_ms`` and never recovers."""

    node: NodeID
    at_ms: int


@attrs.frozen
class FaultModel:
    """Message delays and loss, partitions and crashes of one simulation."""

    delay_min_ms: int = 5
    delay_max_ms: int = 50
    loss_rate: float = 0.0
    gst_ms: int = 0
    pre_gst_delay_max_ms: int = 50
    partitions: tuple[Partition, ...] = ()
    crashes: tuple[Crash, ...] = ()

    def validate(self, nodes: frozenset[NodeID]) -> None:
        """Reject inconsistent parameters with ``scp.sim_bad_parameters``."""
        problems = []
        if not 0 <= self.delay_min_ms <= self.delay_max_ms:
            problems.append("need 0 <= delay_min_ms <= delay_max_ms")
        if self.pre_gst_delay_max_ms < self.delay_min_ms:
            problems.append("need pre_gst_delay_max_ms >= delay_min_ms")
        if not 0.0 <= self.loss_rate < 1.0:
            problems.append("loss_rate must be in [0, 1)")
        if self.gst_ms < 0:
            problems.append("gst_ms must be >= 0")
        for partition in self.partitions:
            if not 0 <= partition.start_ms <= partition.heal_ms:
                problems.append("a partition must heal after it starts")
            for group in partition.groups:
                if not group <= nodes:
                    problems.append(f"a partition names unknown nodes {sorted(group - nodes)}")
        for crash in self.crashes:
            if crash.node not in nodes or crash.at_ms < 0:
                problems.append(f"bad crash {crash.node!r} at {crash.at_ms}")
        if problems:
            raise ScpError("scp.sim_bad_parameters", "; ".join(problems))

    def crash_time(self, node: NodeID) -> int | None:
        times = [crash.at_ms for crash in self.crashes if crash.node == node]
        return min(times) if times else None

    def heal_times(self) -> list[int]:
        """When links come back: partition heals and GST, sorted, without duplicates."""
        times = {partition.heal_ms for partition in self.partitions}
        if self.gst_ms > 0:
            times.add(self.gst_ms)
        return sorted(times)

    def delivery_delay(
        self, rng: random.Random, src: NodeID, dst: NodeID, now_ms: int
    ) -> int | None:
        """The delay of one message from ``src`` to ``dst`` sent now, or None if it is lost."""
        for partition in self.partitions:
            if partition.separates(src, dst, now_ms):
                return None
        if now_ms < self.gst_ms:
            if self.loss_rate and rng.random() < self.loss_rate:
                return None
            return uniform_ms(rng, self.delay_min_ms, self.pre_gst_delay_max_ms)
        return uniform_ms(rng, self.delay_min_ms, self.delay_max_ms)

    def to_json(self) -> dict[str, object]:
        return {
            "delay_min_ms": self.delay_min_ms,
            "delay_max_ms": self.delay_max_ms,
            "loss_rate": self.loss_rate,
            "gst_ms": self.gst_ms,
            "pre_gst_delay_max_ms": self.pre_gst_delay_max_ms,
            "partitions": [partition.to_json() for partition in self.partitions],
            "crashes": [{"node": c.node, "at_ms": c.at_ms} for c in self.crashes],
        }
