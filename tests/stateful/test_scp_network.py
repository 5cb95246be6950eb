"""Stateful tests of the SCP network: schedules, delays, partitions, crashes, Byzantine nodes.

The machine builds a mesh of 4..7 nodes where every node trusts k = n-1-f of the others
(quorums of n-f nodes, f = floor((n-1)/3)), makes b <= f nodes Byzantine (any mix of silent,
equivocating, random-message and quorum-set-lying stand-ins) and lets at most f-b honest nodes
crash, so the intact nodes still form a quorum-intersecting set that contains a quorum.
Hypothesis then interleaves: running the network for a while (message delays come from the
drawn seed and delay bound; messages may also be lost before GST), cutting the network in two,
healing it, and crashing nodes. Invariant after every step: no two honest nodes externalized
different values for a slot (WP Thm. 11-13; spec/scp/SCP.tla ``Agreement``). At the end the
network heals for good (eventual synchrony) and every running honest node must externalize every
slot (liveness under eventual synchrony once the Byzantine nodes stop taking steps, the
hypothesis of WP Theorem 16).

With more Byzantine nodes than the bound, agreement can break: the last test asks Hypothesis for
such a run (the kept example lives in tests/regressions/).
"""

from __future__ import annotations

from hypothesis import find, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from refimpl.consensus.scp.msg import VARIANTS
from refimpl.consensus.sim.byzantine import BEHAVIOURS
from refimpl.consensus.sim.faults import FaultModel
from refimpl.consensus.sim.network import Network, SimConfig, simulate
from refimpl.consensus.sim.topology import default_mesh_threshold, mesh

SLOTS = 2
SYNCHRONY_BUDGET_MS = 30 * 60 * 1000


class ScpNetwork(RuleBasedStateMachine):
    net: Network

    @initialize(
        n=st.integers(4, 7),
        seed=st.integers(0, 2**32 - 1),
        delay_max=st.sampled_from([5, 60, 400, 1500]),
        loss=st.sampled_from([0.0, 0.0, 0.3]),
        variant=st.sampled_from(VARIANTS),
        data=st.data(),
    )
    def build(self, n: int, seed: int, delay_max: int, loss: float, variant: str,
              data: st.DataObject) -> None:
        f = (n - 1) // 3
        b = data.draw(st.integers(0, f), label="byzantine")
        behaviours = data.draw(st.lists(st.sampled_from(BEHAVIOURS), min_size=b, max_size=b),
                               label="behaviours")
        topology = mesh(n, default_mesh_threshold(n))
        ids = list(topology)
        byzantine = dict(zip(ids[n - b:], behaviours, strict=True))
        self.honest = ids[: n - b]
        self.crash_budget = f - b
        faults = FaultModel(delay_min_ms=1, delay_max_ms=delay_max, loss_rate=loss,
                            gst_ms=5000 if loss else 0, pre_gst_delay_max_ms=delay_max)
        config = SimConfig(topology=topology, slots=SLOTS, values_per_slot=3,
                           byzantine=byzantine, faults=faults, variant=variant,  # type: ignore[arg-type]
                           seed=seed, max_time_ms=10**9)
        self.net = Network(config)
        self.net.start()

    @rule(ms=st.integers(1, 4000))
    def run_for(self, ms: int) -> None:
        self.net.run_until(self.net.now_ms + ms)

    @rule(data=st.data())
    def partition(self, data: st.DataObject) -> None:
        side = data.draw(st.sets(st.sampled_from(self.net.ids), min_size=1), label="side")
        self.net.cut((frozenset(side), frozenset(self.net.ids) - side))

    @rule()
    def heal(self) -> None:
        self.net.heal()

    @precondition(lambda self: self.crash_budget > 0)
    @rule(data=st.data())
    def crash(self, data: st.DataObject) -> None:
        node = data.draw(st.sampled_from(self.honest), label="crash")
        self.net.crash(node)
        self.crash_budget -= 1

    @invariant()
    def agreement(self) -> None:
        assert self.net.agreement_so_far()

    def teardown(self) -> None:
        if not hasattr(self, "net"):
            return
        self.net.silence_byzantine()
        self.net.heal()
        self.net.run_until(self.net.now_ms + SYNCHRONY_BUDGET_MS)
        result = self.net.finish()
        assert result.agreement, result.disagreements
        assert result.all_externalized, (result.slots_completed, result.externalized)


ScpNetwork.TestCase.settings = settings(
    max_examples=min(settings.default.max_examples, 30), stateful_step_count=8
)
TestScpNetwork = ScpNetwork.TestCase


def _broken(seed: int) -> bool:
    """4-node mesh, quorums of 3, two equivocating nodes (f = 1): can agreement break?"""
    config = SimConfig(topology=mesh(4, 2), slots=1, values_per_slot=2,
                       byzantine={"n2": "equivocate", "n3": "equivocate"}, seed=seed)
    return not simulate(config).agreement


def test_too_many_byzantine_nodes_break_agreement() -> None:
    seed = find(st.integers(0, 2**32 - 1), _broken,
                settings=settings(max_examples=200, database=None))
    assert _broken(seed)
