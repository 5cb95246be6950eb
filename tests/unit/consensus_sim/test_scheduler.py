"""The discrete-event scheduler: time order, FIFO ties, no time travel."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.sim.scheduler import Scheduler
from refimpl.errors import ScpError


@given(st.lists(st.integers(min_value=0, max_value=1000), max_size=50))
def test_events_come_out_in_time_then_insertion_order(times: list[int]) -> None:
    sched: Scheduler[int] = Scheduler()
    for index, at in enumerate(times):
        sched.schedule(at, index)
    out = []
    while (item := sched.pop()) is not None:
        out.append(item)
    expected = sorted(((at, index) for index, at in enumerate(times)))
    assert out == expected
    assert len(sched) == 0


def test_now_advances_and_past_events_are_rejected() -> None:
    sched: Scheduler[str] = Scheduler()
    sched.schedule(10, "a")
    assert sched.peek_time() == 10
    assert sched.pop() == (10, "a")
    assert sched.now_ms == 10
    with pytest.raises(ScpError) as err:
        sched.schedule(9, "late")
    assert err.value.code == "scp.sim_bad_parameters"
    sched.schedule(10, "same time is fine")
    assert sched.pop() == (10, "same time is fine")
    assert sched.pop() is None
