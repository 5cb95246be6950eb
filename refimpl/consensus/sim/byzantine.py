"""Byzantine node stand-ins: every message they emit is well formed, their content is not.

Strategies (ours: MobileCoin's mock network, ``consensus/scp/tests/mock_network``, has only
honest nodes):

* ``silent``: never sends anything (a crashed node that still counts as faulty);
* ``equivocate``: runs two honest protocol instances ("worlds") proposing different values and
  splits its peers in two, so each half sees a consistent but different node; Byzantine peers
  are told which world a message belongs to, so equivocators act as one coalition;
* ``random``: answers messages with random well-formed messages (all five topics, random ballots
  and counters over the values it has seen) to random subsets of peers;
* ``lie_qset``: runs the honest protocol but advertises a quorum set naming only itself, so that
  peers' quorum searches treat it as needing nobody.

Byzantine actors report no spec steps and no externalizations; the network records their
sends as ``send`` steps marked ``"byzantine": true`` (docs/scp-interface.md, "Traces").
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Hashable
from typing import Literal

import attrs

from refimpl.consensus.scp.msg import (
    Commit,
    Externalize,
    Msg,
    Nominate,
    NominatePrepare,
    Prepare,
    Topic,
    Variant,
    topic_values,
)
from refimpl.consensus.scp.types import Ballot, NodeID, QuorumSet, Value
from refimpl.consensus.sim.actors import CombineFn, Effects, HonestActor, Send, ValidityFn
from refimpl.errors import ScpError

Behaviour = Literal["silent", "equivocate", "random", "lie_qset"]
BEHAVIOURS: tuple[Behaviour, ...] = ("silent", "equivocate", "random", "lie_qset")


@attrs.frozen
class ByzantineContext:
    """What a Byzantine stand-in knows about the network it attacks."""

    peers: tuple[NodeID, ...]
    byzantine: frozenset[NodeID]
    world_of: dict[NodeID, int]
    variant: Variant
    validity_fn: ValidityFn
    combine_fn: CombineFn
    seed: int


def _derived_seed(seed: int, node_id: NodeID) -> int:
    digest = hashlib.sha256(f"mcref-scp-sim/byzantine/{seed}/{node_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class SilentActor:
    """Takes part in nothing."""

    byzantine = True
    buffers_future = False

    def __init__(self, node_id: NodeID) -> None:
        self.node_id = node_id

    def current_slot(self) -> int:
        return 0

    def propose(self, values: tuple[Value, ...], now_ms: int) -> Effects:
        return Effects()

    def receive(self, msg: Msg, world: int | None, now_ms: int) -> Effects:
        return Effects()

    def timeout(self, key: Hashable, now_ms: int) -> Effects:
        return Effects()


class EquivocatingActor:
    """Two honest instances, each shown to one half of the honest peers."""

    byzantine = True

    def __init__(self, node_id: NodeID, quorum_set: QuorumSet, ctx: ByzantineContext) -> None:
        self.node_id = node_id
        self._ctx = ctx
        self._worlds = [
            HonestActor(node_id, quorum_set, ctx.variant, ctx.validity_fn, ctx.combine_fn)
            for _ in range(2)
        ]
        self._targets = [
            tuple(p for p in ctx.peers if p in ctx.byzantine or ctx.world_of.get(p) == world)
            for world in range(2)
        ]

    def current_slot(self) -> int:
        return min(w.current_slot() for w in self._worlds)

    def _wrap(self, world: int, inner: Effects) -> Effects:
        out = Effects()
        for send in inner.sends:
            out.sends.append(Send(send.msg, self._targets[world], world))
        out.timers = {(world, key): deadline for key, deadline in inner.timers.items()}
        return out

    def _world_values(self, world: int, slot: int) -> tuple[Value, ...]:
        tag = f"equivocation/{self.node_id}/{world}/{slot}".encode()
        return (hashlib.sha256(tag).digest()[:10],)

    def propose(self, values: tuple[Value, ...], now_ms: int) -> Effects:
        out = Effects()
        for world, inner in enumerate(self._worlds):
            own = self._world_values(world, inner.current_slot())
            out.merge(self._wrap(world, inner.propose(own, now_ms)))
        return out

    def receive(self, msg: Msg, world: int | None, now_ms: int) -> Effects:
        if world is None:
            world = self._ctx.world_of.get(msg.sender, 0)
        return self._wrap(world, self._worlds[world].receive(msg, None, now_ms))

    def timeout(self, key: Hashable, now_ms: int) -> Effects:
        assert isinstance(key, tuple)
        world, inner_key = key
        return self._wrap(world, self._worlds[world].timeout(inner_key, now_ms))


class LyingQuorumSetActor:
    """Honest protocol, dishonest quorum set: it claims to trust only itself."""

    byzantine = True

    def __init__(self, node_id: NodeID, quorum_set: QuorumSet, ctx: ByzantineContext) -> None:
        self.node_id = node_id
        self._inner = HonestActor(node_id, quorum_set, ctx.variant, ctx.validity_fn,
                                  ctx.combine_fn)
        self.lie = QuorumSet(1, (node_id,))

    def current_slot(self) -> int:
        return self._inner.current_slot()

    def _lying(self, inner: Effects) -> Effects:
        sends = [Send(attrs.evolve(s.msg, quorum_set=self.lie)) for s in inner.sends]
        return Effects(sends=sends, timers=inner.timers)

    def propose(self, values: tuple[Value, ...], now_ms: int) -> Effects:
        return self._lying(self._inner.propose(values, now_ms))

    def receive(self, msg: Msg, world: int | None, now_ms: int) -> Effects:
        return self._lying(self._inner.receive(msg, None, now_ms))

    def timeout(self, key: Hashable, now_ms: int) -> Effects:
        return self._lying(self._inner.timeout(key, now_ms))


class RandomMessageActor:
    """Answers messages with random well-formed messages to random peers."""

    byzantine = True
    buffers_future = False
    reply_rate = 0.5
    budget_per_slot = 30

    def __init__(self, node_id: NodeID, quorum_set: QuorumSet, ctx: ByzantineContext) -> None:
        self.node_id = node_id
        self.quorum_set = quorum_set
        self._peers = ctx.peers
        self._rng = random.Random(_derived_seed(ctx.seed, node_id))
        self._seen: dict[int, set[Value]] = {}
        self._sent: dict[int, int] = {}
        self._slot = 0

    def current_slot(self) -> int:
        return self._slot

    def _ballot(self, pool: list[Value], max_counter: int = 4) -> Ballot:
        size = self._rng.randint(1, min(3, len(pool)))
        values = tuple(sorted(self._rng.sample(pool, size)))
        return Ballot(self._rng.randint(1, max_counter), values)

    def _topic(self, pool: list[Value]) -> Topic:
        rng = self._rng
        choice = rng.randrange(5)
        if choice == 0:
            chosen = rng.sample(pool, rng.randint(1, min(4, len(pool))))
            cut = rng.randint(0, len(chosen))
            return Nominate(frozenset(chosen[:cut]), frozenset(chosen[cut:]))
        if choice in (1, 2):
            b = self._ballot(pool)
            p = self._ballot(pool, b.counter) if rng.random() < 0.7 else None
            if p is not None and b < p:
                p = None
            pp = self._ballot(pool, p.counter) if p is not None and rng.random() < 0.5 else None
            if pp is not None and p is not None and not pp < p:
                pp = None
            hn = rng.randint(0, b.counter)
            prepare = Prepare(b, p, pp, rng.randint(0, hn), hn)
            if choice == 1:
                return prepare
            return NominatePrepare(Nominate(frozenset(), frozenset(pool[:1])), prepare)
        if choice == 3:
            b = self._ballot(pool)
            hn = rng.randint(1, b.counter)
            return Commit(b, rng.randint(1, b.counter), rng.randint(1, hn), hn)
        c = self._ballot(pool)
        return Externalize(c, c.counter + rng.randint(0, 3))

    def _reply(self, slot: int) -> Effects:
        if self._sent.get(slot, 0) >= self.budget_per_slot or not self._peers:
            return Effects()
        self._sent[slot] = self._sent.get(slot, 0) + 1
        seen = self._seen.setdefault(slot, set())
        pool = sorted(seen) + [self._rng.randbytes(8)]
        msg = Msg(self.node_id, slot, self.quorum_set, self._topic(pool))
        try:
            msg.validate()
        except ScpError:  # pragma: no cover - the generator only builds valid topics
            return Effects()
        count = self._rng.randint(1, len(self._peers))
        targets = tuple(sorted(self._rng.sample(self._peers, count)))
        return Effects(sends=[Send(msg, targets)])

    def propose(self, values: tuple[Value, ...], now_ms: int) -> Effects:
        return self._reply(max(self._slot, 1))

    def receive(self, msg: Msg, world: int | None, now_ms: int) -> Effects:
        self._slot = max(self._slot, msg.slot_index)
        self._seen.setdefault(msg.slot_index, set()).update(topic_values(msg.topic))
        if self._rng.random() >= self.reply_rate:
            return Effects()
        return self._reply(msg.slot_index)

    def timeout(self, key: Hashable, now_ms: int) -> Effects:
        return Effects()


def make_byzantine(behaviour: str, node_id: NodeID, quorum_set: QuorumSet,
                   ctx: ByzantineContext) -> SilentActor | EquivocatingActor | \
        LyingQuorumSetActor | RandomMessageActor:
    """The stand-in for ``node_id`` with the named behaviour (``scp.sim_bad_parameters``)."""
    if behaviour == "silent":
        return SilentActor(node_id)
    if behaviour == "equivocate":
        return EquivocatingActor(node_id, quorum_set, ctx)
    if behaviour == "lie_qset":
        return LyingQuorumSetActor(node_id, quorum_set, ctx)
    if behaviour == "random":
        return RandomMessageActor(node_id, quorum_set, ctx)
    raise ScpError("scp.sim_bad_parameters", f"unknown Byzantine behaviour {behaviour!r}")
