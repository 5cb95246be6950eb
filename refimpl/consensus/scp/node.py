"""An SCP node over consecutive slots (MobileCoin ``consensus/scp/src/node/node_impl.rs``).

The node runs one current slot plus the last externalized one (``MAX_EXTERNALIZED_SLOTS = 1``, kept
to answer stragglers; docs/deviations.md#dev-scp-node-slots). When the current slot externalizes,
slot ``index + 1`` starts at once. Messages for other (older or future) slots are dropped: buffering
future messages is the service layer's job (the simulator does it). Contract: docs/scp-interface.md
"The slot and the node".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from refimpl.consensus.scp.msg import VARIANTS, Msg, Variant
from refimpl.consensus.scp.slot import CombineFn, Slot, SlotOutput, ValidityFn
from refimpl.consensus.scp.types import NodeID, QuorumSet, Value
from refimpl.errors import ScpError

TimerKey = tuple[int, str]


@attrs.frozen(eq=False)
class NodeOutput:
    """The result of one node input: messages to broadcast, timer changes keyed by
    (slot_index, kind) (None = cancelled), a newly externalized (slot_index, values), steps."""

    messages: tuple[Msg, ...]
    timers: dict[TimerKey, int | None]
    externalized: tuple[int, tuple[Value, ...]] | None
    steps: tuple[dict[str, Any], ...]


class Node:
    """One node: a current slot and the last externalized slot. With ``trace=False`` its slots
    build no spec-level steps (``NodeOutput.steps`` stays empty): for callers that write no
    trace, such as a simulator run without a trace sink."""

    def __init__(
        self,
        node_id: NodeID,
        quorum_set: QuorumSet,
        validity_fn: ValidityFn,
        combine_fn: CombineFn,
        variant: Variant = "correct",
        slot_index: int = 1,
        trace: bool = True,
    ) -> None:
        if variant not in VARIANTS:
            raise ScpError("scp.config_bad_variant", f"unknown variant {variant!r}")
        quorum_set.validate()
        self.node_id = node_id
        self.quorum_set = quorum_set
        self.variant: Variant = variant
        self._validity_fn = validity_fn
        self._combine_fn = combine_fn
        self.trace = trace
        self.current = self._new_slot(slot_index)
        self.previous: Slot | None = None
        self._externalized: dict[int, tuple[Value, ...]] = {}

    @property
    def current_slot_index(self) -> int:
        return self.current.slot_index

    def _new_slot(self, slot_index: int) -> Slot:
        return Slot(slot_index, self.node_id, self.quorum_set, self._validity_fn,
                    self._combine_fn, self.variant, trace=self.trace)

    def externalized_values(self, slot_index: int) -> tuple[Value, ...] | None:
        """The values this node externalized for ``slot_index`` (None if not yet)."""
        return self._externalized.get(slot_index)

    def propose_values(self, values: Iterable[Value], now_ms: int) -> NodeOutput:
        """Propose values for the current slot."""
        return self._wrap(self.current, self.current.propose_values(values, now_ms))

    def handle_message(self, msg: Msg, now_ms: int) -> NodeOutput:
        """Deliver one message to the current or the previous slot; others are dropped."""
        slot = self._slot(msg.slot_index) if isinstance(msg, Msg) else None
        if slot is None:
            return NodeOutput((), {}, None, ())
        return self._wrap(slot, slot.handle_messages([msg], now_ms))

    def handle_timeout(self, slot_index: int, kind: str, now_ms: int) -> NodeOutput:
        """A timer of ``slot_index`` fired (``scp.unknown_slot`` if the node has no such slot)."""
        slot = self._slot(slot_index)
        if slot is None:
            raise ScpError("scp.unknown_slot", f"no slot {slot_index} at {self.node_id}")
        return self._wrap(slot, slot.handle_timeout(kind, now_ms))

    def _slot(self, slot_index: int) -> Slot | None:
        if slot_index == self.current.slot_index:
            return self.current
        if self.previous is not None and slot_index == self.previous.slot_index:
            return self.previous
        return None

    def _wrap(self, slot: Slot, out: SlotOutput) -> NodeOutput:
        timers: dict[TimerKey, int | None] = {
            (slot.slot_index, kind): deadline for kind, deadline in out.timers.items()
        }
        externalized = None
        if out.externalized is not None and slot is self.current:
            externalized = (slot.slot_index, out.externalized)
            self._externalized[slot.slot_index] = out.externalized
            self.previous = slot
            self.current = self._new_slot(slot.slot_index + 1)
            self._externalized = {
                i: v for i, v in self._externalized.items() if i >= slot.slot_index - 1000
            }
        messages = () if out.message is None else (out.message,)
        return NodeOutput(messages, timers, externalized, out.steps)
