"""Participants of a simulated network: the honest node adapter and the effects of a step.

An *actor* is what the network delivers messages and timer expiries to. The honest actor wraps the
sans-I/O :class:`refimpl.consensus.scp.node.Node` (docs/scp-interface.md, "The slot and the node")
and translates its ``NodeOutput`` into :class:`Effects` the network carries out; Byzantine actors
(``byzantine.py``) produce the same effects from adversarial strategies. This is the simulator's
stand-in for MobileCoin's service layer (``consensus/service/src/byzantine_ledger``), which
broadcasts every new latest message to all peers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol

import attrs

from refimpl.consensus.scp.msg import Msg, Variant
from refimpl.consensus.scp.node import Node
from refimpl.consensus.scp.types import NodeID, QuorumSet, Value

ValidityFn = Callable[[Value], bool]
CombineFn = Callable[[Sequence[Value]], tuple[Value, ...]]


@attrs.frozen
class Send:
    """Send ``msg`` to ``targets`` (None: every other node). ``world`` tags equivocations."""

    msg: Msg
    targets: tuple[NodeID, ...] | None = None
    world: int | None = None


@attrs.define
class Effects:
    """What one actor step asks of the network."""

    sends: list[Send] = attrs.field(factory=list)
    timers: dict[Hashable, int | None] = attrs.field(factory=dict)
    externalized: tuple[int, tuple[Value, ...]] | None = None
    steps: list[dict[str, Any]] = attrs.field(factory=list)

    def merge(self, other: Effects) -> None:
        self.sends.extend(other.sends)
        self.timers.update(other.timers)
        if other.externalized is not None:
            self.externalized = other.externalized
        self.steps.extend(other.steps)


class Actor(Protocol):
    """The interface the network drives."""

    node_id: NodeID
    byzantine: bool

    def current_slot(self) -> int: ...

    def propose(self, values: tuple[Value, ...], now_ms: int) -> Effects: ...

    def receive(self, msg: Msg, world: int | None, now_ms: int) -> Effects: ...

    def timeout(self, key: Hashable, now_ms: int) -> Effects: ...


def sorted_union_capped(cap: int) -> CombineFn:
    """combine = sorted union of the values, keeping the ``cap`` smallest (MobileCoin's test
    combine functions: sort + dedup, truncated; ``consensus/scp/src/test_utils.rs``
    ``get_bounded_combine_fn``)."""

    def combine(values: Sequence[Value]) -> tuple[Value, ...]:
        return tuple(sorted(set(values))[:cap])

    return combine


def always_valid(value: Value) -> bool:
    """The trivial validity function of MobileCoin's mock-network tests."""
    return True


class HonestActor:
    """A correct node: the protocol core, with its messages broadcast to every other node."""

    byzantine = False

    def __init__(self, node_id: NodeID, quorum_set: QuorumSet, variant: Variant,
                 validity_fn: ValidityFn, combine_fn: CombineFn) -> None:
        self.node_id = node_id
        self.quorum_set = quorum_set
        self.node = Node(node_id, quorum_set, validity_fn, combine_fn, variant=variant)

    def current_slot(self) -> int:
        return int(self.node.current_slot_index)

    def _effects(self, output: Any) -> Effects:
        return Effects(
            sends=[Send(msg) for msg in output.messages],
            timers=dict(output.timers),
            externalized=output.externalized,
            steps=list(output.steps),
        )

    def propose(self, values: tuple[Value, ...], now_ms: int) -> Effects:
        return self._effects(self.node.propose_values(values, now_ms))

    def receive(self, msg: Msg, world: int | None, now_ms: int) -> Effects:
        return self._effects(self.node.handle_message(msg, now_ms))

    def timeout(self, key: Hashable, now_ms: int) -> Effects:
        assert isinstance(key, tuple)
        slot_index, kind = key
        return self._effects(self.node.handle_timeout(slot_index, kind, now_ms))
