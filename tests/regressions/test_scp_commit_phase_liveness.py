"""Core liveness bug found by tests/stateful/test_scp_network.py (fixed; kept as a regression).

4-node mesh (2 of the other 3), n3 equivocating, 30 % loss before GST at 5 s, delays up to
1.5 s, seed 0, variant ``correct``; after 60 s the Byzantine node is silenced and the network
heals. Then n0 has externalized slot 1 with C = <8, x>; n1 sits in COMMIT having accepted
commit [8, 8] for x, and n2 sits in COMMIT having accepted commit only [6, 6] for x. n2's latest
messages from its v-blocking set {n0, n1} both accept commit <8, x> (Externalize C.N = 8, Commit
CN = HN = 8), so n2 should accept commit [8, 8] (WP §6.2 step 6: accept via a v-blocking set),
after which {n0, n1, n2} confirms it and both externalize. n2 never widens its range: for 30
simulated minutes n1 and n2 only bump their ballot counters (to 60). 18 of the first 400 seeds
of this configuration end this way.
Fixed in ``ballot.commit_phase_range``: in the COMMIT phase the variant ``correct`` now adopts
an accepted-commit interval that lies strictly above [C.N, H.N] (stellar-core
``attemptAcceptCommit``), instead of only widening the interval that contains C.N. The variant
``mobilecoin`` failed the same way (seed 9 here, 17 of the first 400 seeds); it now sets C, H to
the accepted range as MobileCoin's ``do_commit_phase`` step (6) does.
"""

from __future__ import annotations

import pytest

from refimpl.consensus.sim.faults import FaultModel
from refimpl.consensus.sim.network import Network, SimConfig
from refimpl.consensus.sim.topology import mesh


@pytest.mark.parametrize(("variant", "seed"), [("correct", 0), ("mobilecoin", 9)])
def test_commit_phase_accepts_from_a_blocking_set_after_gst(variant: str, seed: int) -> None:
    faults = FaultModel(delay_min_ms=1, delay_max_ms=1500, loss_rate=0.3, gst_ms=5000,
                        pre_gst_delay_max_ms=1500)
    config = SimConfig(topology=mesh(4, 2), slots=2, values_per_slot=3,
                       byzantine={"n3": "equivocate"}, faults=faults, seed=seed,
                       variant=variant,  # type: ignore[arg-type]
                       max_time_ms=10**9)
    net = Network(config)
    net.start()
    net.run_until(60_000)
    net.silence_byzantine()
    net.heal()
    net.run_until(net.now_ms + 30 * 60 * 1000)
    result = net.finish()
    assert result.agreement
    assert result.all_externalized, result.externalized
