"""Nodes over consecutive slots: a tiny in-test delivery loop (not the simulator), slot
management, and fuzzed message intake that must only ever raise typed errors.

MobileCoin consensus/scp/src/node/node_impl.rs (docs/deviations.md#dev-scp-node-slots); invariants
of slot.rs check_*_phase_invariants.
"""

from __future__ import annotations

import heapq
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.scp import ballot as bp
from refimpl.consensus.scp.msg import Msg, Nominate, intake, topic_order_key
from refimpl.consensus.scp.node import Node
from refimpl.consensus.scp.quorum import find_quorum, is_v_blocking
from refimpl.consensus.scp.types import Ballot, QuorumSet
from refimpl.errors import CODES, RefImplError, ScpError

from ._scp import IDS, b, combine, commit, ext, mesh_qset, msg, nom, nomprep, prep, slot, x, y, z

STEP_KEYS = {"kind", "time_ms", "node", "slot", "event", "args", "state"}
STATE_KEYS = {"phase", "X", "Y", "Z", "B", "P", "PP", "H", "C", "nominate_round"}


def run_network(variant: str, slots: int, ids: tuple[str, ...] = IDS, k: int = 2,
                delay: int = 10, trace: bool = True,
                ) -> tuple[dict[str, Node], list[dict[str, Any]], int]:
    """Deliver every message to every other node after ``delay`` ms; fire due timers."""
    nodes = {i: Node(i, mesh_qset(i, ids, k), lambda v: True, combine,
                     variant=variant, trace=trace) for i in ids}  # type: ignore[arg-type]
    queue: list[tuple[int, int, str, str, Any]] = []
    timers: dict[tuple[str, tuple[int, str]], int] = {}
    steps: list[dict[str, Any]] = []
    seq = 0
    now = 0

    def apply(node: str, out: Any) -> None:
        nonlocal seq
        steps.extend(out.steps)
        for m in out.messages:
            assert m.sender == node
            for other in ids:
                if other != node:
                    seq += 1
                    heapq.heappush(queue, (now + delay, seq, "msg", other, m))
        for key, deadline in out.timers.items():
            if deadline is None:
                timers.pop((node, key), None)
            elif timers.get((node, key)) != deadline:
                timers[(node, key)] = deadline
                seq += 1
                heapq.heappush(queue, (deadline, seq, "timer", node, (key, deadline)))
        if out.externalized is not None and out.externalized[0] < slots:
            apply(node, nodes[node].propose_values([f"{node}/{out.externalized[0] + 1}".encode()],
                                                  now))

    for i in ids:
        apply(i, nodes[i].propose_values([f"{i}/1".encode()], 0))
    delivered = 0
    while queue and not all(n.externalized_values(slots) for n in nodes.values()):
        now, _, kind, node, item = heapq.heappop(queue)
        if kind == "msg":
            if item.slot_index > nodes[node].current_slot_index:  # the service buffers these
                seq += 1
                heapq.heappush(queue, (now + delay, seq, "msg", node, item))
                continue
            delivered += 1
            apply(node, nodes[node].handle_message(item, now))
        else:
            key, deadline = item
            if timers.get((node, key)) == deadline:
                del timers[(node, key)]
                apply(node, nodes[node].handle_timeout(key[0], key[1], now))
        assert now < 60_000, "no progress"
    return nodes, steps, delivered


@pytest.mark.parametrize("variant", ["correct", "mobilecoin"])
def test_four_nodes_externalize_the_same_values_over_two_slots(variant: str) -> None:
    nodes, steps, delivered = run_network(variant, slots=2)
    for index in (1, 2):
        values = {n.externalized_values(index) for n in nodes.values()}
        assert len(values) == 1 and None not in values
        (chosen,) = values
        assert chosen and all(v.decode().endswith(f"/{index}") for v in chosen)  # type: ignore
    assert all(n.current_slot_index == 3 for n in nodes.values())
    assert delivered > 0
    for step in steps:
        assert set(step) == STEP_KEYS and set(step["state"]) == STATE_KEYS
    sends = [Msg.from_json(s["args"]["msg"]) for s in steps if s["event"] == "send"]
    by_sender: dict[tuple[str, int], list[Msg]] = {}
    for m in sends:
        m.validate()
        by_sender.setdefault((m.sender, m.slot_index), []).append(m)
    for seq in by_sender.values():  # every node's messages only ever move forward
        keys = [topic_order_key(m.topic, "correct") for m in seq]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
    externalize_steps = [s for s in steps if s["event"] == "externalize"]
    assert len(externalize_steps) == 2 * len(IDS)


def test_seven_nodes_threshold_five() -> None:
    ids = tuple(f"n{i}" for i in range(7))
    nodes, _, _ = run_network("correct", slots=1, ids=ids, k=4)
    assert len({n.externalized_values(1) for n in nodes.values()}) == 1


def test_node_slot_management() -> None:
    node = Node("n0", mesh_qset("n0"), lambda v: True, combine)  # type: ignore[arg-type]
    assert node.current_slot_index == 1
    # A quorum externalized slot 1: the node follows and starts slot 2.
    out = None
    for n in ("n1", "n2"):
        out = node.handle_message(msg(n, ext(b(1, x), 1)), 5)
    assert out is not None and out.externalized == (1, (x,))
    assert node.externalized_values(1) == (x,) and node.current_slot_index == 2
    assert out.timers[(1, "ballot")] is None
    # Stragglers for slot 1 reach the previous slot; slot 3 and slot 0 are dropped.
    assert node.handle_message(msg("n3", nom([y]), 3), 6).steps == ()
    assert node.handle_message(msg("n3", nom([y]), 0), 6).steps == ()
    assert node.handle_message(msg("n3", ext(b(1, x), 1)), 6).steps[0]["slot"] == 1
    with pytest.raises(ScpError) as err:
        node.handle_timeout(7, "ballot", 10)
    assert err.value.code == "scp.unknown_slot"
    with pytest.raises(ScpError) as err:
        node.handle_timeout(2, "lunch", 10)
    assert err.value.code == "scp.bad_timer"


def test_bad_configuration_is_a_typed_error() -> None:
    for qset, code in ((QuorumSet(3, ("a", "b")), "scp.config_threshold_too_large"),
                       (QuorumSet(0, ("a",)), "scp.config_threshold_zero"),
                       (QuorumSet(1, ("a", QuorumSet(1, ()))), "scp.config_empty_quorum_set"),
                       (QuorumSet(1, ("a", "a")), "scp.config_duplicate_member")):
        with pytest.raises(ScpError) as err:
            Node("n0", qset, lambda v: True, combine)  # type: ignore[arg-type]
        assert err.value.code == code
    with pytest.raises(ScpError) as err:
        slot(variant="lenient")
    assert err.value.code == "scp.config_bad_variant"


# --- fuzzed intake --------------------------------------------------------------------------

values = st.sampled_from([x, y, z])
value_sets = st.frozensets(values, max_size=3)
counters = st.sampled_from([0, 1, 2, 3, 5, 2**32 - 1])
ballots = st.builds(lambda n, vs: Ballot(n, tuple(sorted(vs))), counters, value_sets)
opt_ballots = st.none() | ballots
topics = st.one_of(
    st.builds(Nominate, value_sets, value_sets),
    st.builds(prep, ballots, opt_ballots, opt_ballots, counters, counters),
    st.builds(nomprep, st.builds(nom, value_sets, value_sets),
              st.builds(prep, ballots, opt_ballots, opt_ballots, counters, counters)),
    st.builds(commit, ballots, counters, counters, counters),
    st.builds(ext, ballots, counters),
)
messages = st.builds(lambda s, t, i: msg(s, t, i), st.sampled_from(IDS), topics,
                     st.sampled_from([1, 1, 1, 2]))
inputs = st.lists(st.one_of(
    st.tuples(st.just("msgs"), st.lists(messages, min_size=1, max_size=3)),
    st.tuples(st.just("timeout"), st.sampled_from(["nominate", "ballot"])),
    st.tuples(st.just("propose"), st.lists(values, max_size=2)),
), max_size=12)

PHASE_ORDER = {p: i for i, p in enumerate(bp.PHASES)}


@given(st.sampled_from(["correct", "mobilecoin"]), inputs)
def test_random_inputs_keep_the_slot_invariants(variant: str, script: list[Any]) -> None:
    s = slot(variant=variant)
    now = 0
    phase = 0
    Y = Z = frozenset()
    for kind, arg in script:
        now += 700
        try:
            if kind == "msgs":
                out = s.handle_messages(arg, now)
            elif kind == "timeout":
                out = s.handle_timeout(arg, now)
            else:
                out = s.propose_values(arg, now)
        except RefImplError as exc:  # pragma: no cover - any raise must be typed
            assert exc.code in CODES
            continue
        assert not (s.X & s.Y)
        assert Y <= s.Y and Z <= s.Z  # accepted / confirmed nominations only grow
        Y, Z = s.Y, s.Z
        assert PHASE_ORDER[s.phase] >= phase
        phase = PHASE_ORDER[s.phase]
        st_ = s.ballot
        if s.phase == bp.COMMIT:
            assert st_.B is not None and st_.C is not None and st_.H is not None
            assert st_.C.values == st_.H.values == st_.B.values and st_.PP is None
            assert st_.C.counter <= st_.H.counter
        if variant == "correct" and out.message is not None:
            out.message.validate()
            assert Msg.from_json(out.message.to_json()) == out.message
        for step in out.steps:
            assert set(step) == STEP_KEYS


def _justified_prepared(s: Any, ballot: Ballot, confirmed: bool) -> bool:
    """Federated voting (WP §5): accepting prepare(b) needs a v-blocking set accepting it or a
    quorum voting-or-accepting it; confirming needs a quorum accepting it (self presumed)."""
    statements = {u: intake(m).statements for u, m in s.M.items()}
    qsets = {u: m.quorum_set for u, m in s.M.items()}

    def holders(kind: str) -> set[str]:
        return {u for u, st in statements.items()
                if getattr(st, kind).get(ballot.values, 0) >= ballot.counter}

    if confirmed:
        return find_quorum("n0", s.quorum_set, qsets, holders("prepare_accepts")) is not None
    return (is_v_blocking(s.quorum_set, holders("prepare_accepts"))
            or find_quorum("n0", s.quorum_set, qsets, holders("prepare_votes")) is not None)


@given(inputs)
def test_correct_variant_accepts_and_confirms_only_justified_prepares(script: list[Any]) -> None:
    s = slot()
    now = 0
    for kind, arg in script:
        now += 700
        before = s.ballot
        if kind == "msgs":
            s.handle_messages(arg, now)
        elif kind == "timeout":
            s.handle_timeout(arg, now)
        else:
            s.propose_values(arg, now)
        after = s.ballot
        if after.phase in (bp.NOMINATE_PREPARE, bp.PREPARE):
            if after.P is not None and after.P != before.P:
                assert _justified_prepared(s, after.P, confirmed=False)
            if after.H is not None and after.H != before.H:
                assert _justified_prepared(s, after.H, confirmed=True)


def test_a_lone_node_with_an_empty_quorum_set_externalizes_its_own_proposal() -> None:
    """MobileCoin's m1k0 / cycle1 topologies: the node is a quorum by itself."""
    node = Node("solo", QuorumSet(0, ()), lambda v: True, combine)  # type: ignore[arg-type]
    out = node.propose_values([y, x], 0)
    assert out.externalized == (1, (x, y))
    assert node.current_slot_index == 2


def test_runs_are_deterministic() -> None:
    """The same inputs give the same steps, byte for byte (traces are reproducible)."""
    import json

    first = run_network("correct", slots=1)[1]
    second = run_network("correct", slots=1)[1]
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@pytest.mark.parametrize("variant", ["correct", "mobilecoin"])
def test_trace_off_builds_no_steps_and_changes_nothing_else(variant: str) -> None:
    """``Node(..., trace=False)`` skips the spec steps only: same deliveries, same values."""
    traced, steps, delivered = run_network(variant, slots=2)
    quiet, no_steps, quiet_delivered = run_network(variant, slots=2, trace=False)
    assert steps and no_steps == [] and quiet_delivered == delivered
    for index in (1, 2):
        assert {n.externalized_values(index) for n in quiet.values()} == {
            n.externalized_values(index) for n in traced.values()}
    assert [s.current.last_sent for s in quiet.values()] == [
        s.current.last_sent for s in traced.values()]
