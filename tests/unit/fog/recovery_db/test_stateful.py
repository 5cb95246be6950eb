"""A Hypothesis state machine drives ingest-like sequences of calls (keys, invocations, blocks
stored by racing invocations, decommissions, retirements, lost keys, reports) against a small
model of MobileCoin's semantics, and checks after every step that the database's answers
(user events, ingestable ranges, key records, stored blocks) are the model's.

It runs on both back ends, each example on a fresh database.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from refimpl.errors import FogError
from refimpl.fog.recovery_db import (
    IngestableRange,
    IngestInvocationId,
    IngressPublicKeyRecordFilters,
    IngressPublicKeyStatus,
    SqlRecoveryDb,
    open_recovery_db,
    sqlite_url,
)
from refimpl.fog.recovery_db.types import FogUserEvent
from refimpl.fog.types import BlockRange, DecommissionedIngestInvocation, RngRecord
from tests.pg import PostgresCluster
from tests.unit.fog.recovery_db._data import block, egress_key, ingress_key, records, report

KEYS = 3
BLOCKS = 8


@attrs.define
class _Key:
    start: int
    expiry: int = 0
    retired: bool = False
    lost: bool = False


@attrs.define
class _Invocation:
    key: int
    start: int
    decommissioned: bool = False


class RecoveryDbMachine(RuleBasedStateMachine):
    #: Gives the URL of a fresh database for each example (set by the test).
    new_database: Callable[[], str]

    def __init__(self) -> None:
        super().__init__()
        self.db: SqlRecoveryDb = open_recovery_db(type(self).new_database())
        self.keys: dict[int, _Key] = {}
        self.invocations: dict[int, _Invocation] = {}
        self.blocks: dict[tuple[int, int], tuple[int, str]] = {}  # (key, block) -> (iid, tag)
        self.events: list[FogUserEvent] = []
        self.egress_count = 0

    @initialize()
    def start(self) -> None:
        assert self.db.search_user_events(0) == ([], 0)

    def teardown(self) -> None:
        self.db.close()

    def _highest(self) -> int | None:
        return max((b for _, b in self.blocks), default=None)

    def _last_scanned(self, key: int) -> int | None:
        return max((b for k, b in self.blocks if k == key), default=None)

    # --- rules -----------------------------------------------------------------------------

    @rule(key=st.integers(0, KEYS - 1), start=st.integers(0, BLOCKS))
    def new_key(self, key: int, start: int) -> None:
        if key in self.keys:
            try:
                self.db.new_ingress_key(ingress_key(key), start)
                raise AssertionError("a known key was accepted")
            except FogError as exc:
                assert exc.code == "fog.recovery_db_ingress_key_exists"
            return
        highest = self._highest()
        accepted = max(start, 0 if highest is None else highest + 1)
        assert self.db.new_ingress_key(ingress_key(key), start) == accepted
        self.keys[key] = _Key(accepted)

    @precondition(lambda self: self.keys)
    @rule(data=st.data(), start=st.integers(0, BLOCKS), replace=st.booleans())
    def new_invocation(self, data: st.DataObject, start: int, replace: bool) -> None:
        key = data.draw(st.sampled_from(sorted(self.keys)))
        active = [i for i, inv in self.invocations.items() if not inv.decommissioned]
        prev = data.draw(st.sampled_from(active)) if replace and active else None
        self.egress_count += 1
        egress = egress_key(self.egress_count)
        iid = self.db.new_ingest_invocation(
            None if prev is None else IngestInvocationId(prev), ingress_key(key), egress, start)
        if prev is not None:
            self._model_decommission(prev)
        self.invocations[iid] = _Invocation(key, start)
        self.events.append(RngRecord(iid, egress, start))

    def _model_decommission(self, iid: int) -> None:
        self.invocations[iid].decommissioned = True
        # The event's last ingested block is read when events are searched (MobileCoin's
        # subquery), so a block a decommissioned invocation still adds shows up in it.
        self.events.append(DecommissionedIngestInvocation(iid, -1))

    def _last_ingested(self, iid: int) -> int | None:
        return max((b for (_, b), (i, _) in self.blocks.items() if i == iid), default=None)

    def _expected_events(self) -> list[FogUserEvent]:
        return [
            DecommissionedIngestInvocation(e.ingest_invocation_id,
                                           self._last_ingested(e.ingest_invocation_id) or 0)
            if isinstance(e, DecommissionedIngestInvocation) else e
            for e in self.events
        ]

    @precondition(lambda self: self.invocations)
    @rule(data=st.data(), index=st.integers(0, BLOCKS - 1))
    def add_block(self, data: st.DataObject, index: int) -> None:
        iid = data.draw(st.sampled_from(sorted(self.invocations)))
        key = self.invocations[iid].key
        tag = f"{iid}/{index}"
        status = self.db.add_block_data(IngestInvocationId(iid), block(index), index,
                                        records(tag, 2))
        already = (key, index) in self.blocks
        assert status.block_already_scanned_with_this_key == already
        if not already:
            self.blocks[(key, index)] = (iid, tag)
        winner, winner_tag = self.blocks[(key, index)]  # the first writer's data stays
        assert self.db.get_tx_outs_by_block_and_key(ingress_key(key), index) == records(
            winner_tag, 2)
        assert self.db.get_invocation_id_by_block_and_key(ingress_key(key), index) == winner

    @precondition(lambda self: self.invocations)
    @rule(data=st.data())
    def decommission(self, data: st.DataObject) -> None:
        iid = data.draw(st.sampled_from(sorted(self.invocations)))
        try:
            self.db.decommission_ingest_invocation(IngestInvocationId(iid))
        except FogError as exc:
            assert exc.code == "fog.recovery_db_already_decommissioned"
            assert self.invocations[iid].decommissioned
            return
        assert not self.invocations[iid].decommissioned
        self._model_decommission(iid)

    @precondition(lambda self: self.keys)
    @rule(data=st.data(), retired=st.booleans())
    def retire(self, data: st.DataObject, retired: bool) -> None:
        key = data.draw(st.sampled_from(sorted(self.keys)))
        self.db.retire_ingress_key(ingress_key(key), retired)
        self.keys[key].retired = retired

    @precondition(lambda self: self.keys)
    @rule(data=st.data(), expiry=st.integers(0, BLOCKS + 4))
    def publish(self, data: st.DataObject, expiry: int) -> None:
        key = data.draw(st.sampled_from(sorted(self.keys)))
        model = self.keys[key]
        if not model.retired:
            model.expiry = max(model.expiry, expiry)
        status = self.db.set_report(ingress_key(key), f"r{key}", report(expiry))
        assert status == IngressPublicKeyStatus(model.start, model.expiry, model.retired,
                                                model.lost)

    @precondition(lambda self: self.keys)
    @rule(data=st.data())
    def lose(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.keys)))
        model = self.keys[key]
        model.lost = True
        self.db.report_lost_ingress_key(ingress_key(key))
        start, last = model.start, self._last_scanned(key)
        if last is not None:
            if last + 1 >= model.expiry:
                return
            start = max(start, last + 1)
        missing = BlockRange(start, max(start, model.expiry))
        if missing.len and missing not in self.events:
            self.events.append(missing)

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def events_match(self) -> None:
        events, cursor = self.db.search_user_events(0)
        assert events == self._expected_events()
        # ids may skip (a missing range already recorded consumes one): the cursor is the
        # highest id, and nothing lies beyond it
        assert cursor >= len(self.events)
        assert self.db.search_user_events(cursor) == ([], cursor)
        assert self.db.get_missed_block_ranges() == [
            e for e in self.events if isinstance(e, BlockRange)]

    @invariant()
    def ranges_match(self) -> None:
        expected = [
            IngestableRange(IngestInvocationId(iid), inv.start, inv.decommissioned,
                            self._last_ingested(iid))
            for iid, inv in sorted(self.invocations.items())
        ]
        assert self.db.get_ingestable_ranges() == expected

    @invariant()
    def keys_and_blocks_match(self) -> None:
        filters = IngressPublicKeyRecordFilters(True, True, False)
        got = {r.key: r for r in self.db.get_ingress_key_records(0, filters)}
        assert set(got) == {ingress_key(k) for k in self.keys}
        for key, model in self.keys.items():
            record = got[ingress_key(key)]
            assert record.status == IngressPublicKeyStatus(model.start, model.expiry,
                                                           model.retired, model.lost)
            assert record.last_scanned_block == self._last_scanned(key)
        assert self.db.get_highest_known_block_index() == self._highest()


_EXAMPLES = {"sqlite": 40, "postgresql": 12}
_numbers = itertools.count()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_recovery_db_follows_the_model(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        def new_database() -> str:
            return sqlite_url(str(tmp_path / f"machine-{next(_numbers)}.db"))
    else:
        server: PostgresCluster = request.getfixturevalue("postgres_server")

        def new_database() -> str:
            return server.create_schema(f"machine_{next(_numbers)}")

    machine = type("Machine", (RecoveryDbMachine,), {"new_database": staticmethod(new_database)})
    run_state_machine_as_test(machine, settings=settings(
        max_examples=_EXAMPLES[backend], stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    ))
