"""The fault model: delays within bounds, loss only before GST, partitions, crashes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.sim.faults import Crash, FaultModel, Partition
from refimpl.errors import ScpError

NODES = frozenset({"n0", "n1", "n2", "n3"})


@given(st.integers(0, 100), st.integers(0, 100), st.integers(0, 10_000), st.integers(0, 2**32))
def test_delay_bounds_after_gst(lo: int, span: int, now: int, seed: int) -> None:
    model = FaultModel(delay_min_ms=lo, delay_max_ms=lo + span, loss_rate=0.5, gst_ms=0,
                       pre_gst_delay_max_ms=lo + span)
    model.validate(NODES)
    delay = model.delivery_delay(random.Random(seed), "n0", "n1", now)
    assert delay is not None and lo <= delay <= lo + span


def test_loss_only_before_gst() -> None:
    model = FaultModel(loss_rate=0.9, gst_ms=1000, pre_gst_delay_max_ms=400)
    rng = random.Random(1)
    before = [model.delivery_delay(rng, "n0", "n1", 10) for _ in range(200)]
    after = [model.delivery_delay(rng, "n0", "n1", 1000) for _ in range(200)]
    assert 100 < before.count(None) < 200
    assert all(d is None or d <= 400 for d in before)
    assert None not in after


def test_partition_cuts_links_until_it_heals() -> None:
    cut = Partition(100, 500, (frozenset({"n0", "n1"}), frozenset({"n2", "n3"})))
    model = FaultModel(partitions=(cut,))
    rng = random.Random(0)
    assert model.delivery_delay(rng, "n0", "n2", 100) is None
    assert model.delivery_delay(rng, "n0", "n1", 100) is not None
    assert model.delivery_delay(rng, "n0", "n2", 99) is not None
    assert model.delivery_delay(rng, "n3", "n1", 500) is not None
    assert model.heal_times() == [500]


def test_crash_time_and_bad_parameters() -> None:
    model = FaultModel(crashes=(Crash("n1", 30), Crash("n1", 20)))
    assert model.crash_time("n1") == 20 and model.crash_time("n0") is None
    for bad in (
        FaultModel(delay_min_ms=10, delay_max_ms=5),
        FaultModel(loss_rate=1.0),
        FaultModel(crashes=(Crash("zz", 1),)),
        FaultModel(partitions=(Partition(5, 1, ()),)),
        FaultModel(partitions=(Partition(0, 1, (frozenset({"x"}),)),)),
    ):
        with pytest.raises(ScpError) as err:
            bad.validate(NODES)
        assert err.value.code == "scp.sim_bad_parameters"
