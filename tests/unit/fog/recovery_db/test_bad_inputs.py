"""Bad input to any method is a typed ``fog.recovery_db_*`` refusal and leaves the database as
it was (every table compared row by row through a separate connection), on both back ends.

The database holds some state first (keys, invocations, blocks, events, a report) so that an
accidental write would show.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refimpl.errors import FogError
from refimpl.fog.recovery_db import (
    IngestInvocationId,
    IngressPublicKeyRecordFilters,
    ReportData,
    SqlRecoveryDb,
)
from refimpl.fog.types import BlockRange, KexRngPubkey
from tests.unit.fog.recovery_db._data import block, dump, egress_key, ingress_key, records, report

I64_MAX = 2**63 - 1
ARG = "fog.recovery_db_bad_argument"
KEY = {"fog.recovery_db_bad_ingress_key", ARG}
NUMBER = {"fog.recovery_db_out_of_range", ARG}
REPORT_ID = {"fog.recovery_db_bad_report_id", ARG}
UNKNOWN_KEY = {"fog.recovery_db_unknown_ingress_key"}
UNKNOWN_INVOCATION = {"fog.recovery_db_unknown_ingest_invocation"}

#: State made by :func:`_populate`.
KNOWN_KEY, LOST_KEY, UNKNOWN = ingress_key(1), ingress_key(2), ingress_key(99)
ACTIVE, DECOMMISSIONED = IngestInvocationId(1), IngestInvocationId(2)


def _populate(db: SqlRecoveryDb) -> None:
    db.new_ingress_key(KNOWN_KEY, 0)
    db.new_ingress_key(LOST_KEY, 0)
    assert db.new_ingest_invocation(None, KNOWN_KEY, egress_key(1), 0) == ACTIVE
    assert db.new_ingest_invocation(None, LOST_KEY, egress_key(2), 0) == DECOMMISSIONED
    db.add_block_data(ACTIVE, block(0), 5, records("zero"))
    db.add_block_data(DECOMMISSIONED, block(0), 5, records("lost"))
    db.set_report(KNOWN_KEY, "", report(10, ACTIVE))
    db.set_report(LOST_KEY, "lost", report(10))
    db.decommission_ingest_invocation(DECOMMISSIONED)
    db.report_lost_ingress_key(LOST_KEY)


Call = tuple[str, Callable[[SqlRecoveryDb], object], set[str]]

# --- strategies of bad values ----------------------------------------------------------------

not_an_int = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=3))
bad_keys = st.one_of(
    st.binary(max_size=64).filter(lambda b: len(b) != 32),
    not_an_int, st.integers(),
)
bad_indices = st.one_of(st.integers(max_value=-1), st.integers(min_value=I64_MAX + 1), not_an_int)
# (None is a valid "no invocation" in some places, so it is not a bad id)
bad_ids = st.one_of(st.integers(max_value=-I64_MAX - 2), st.integers(min_value=I64_MAX + 1),
                    not_an_int.filter(lambda v: v is not None))
unknown_ids = st.integers(min_value=3, max_value=I64_MAX)
bad_u64 = st.one_of(st.integers(max_value=-1), st.integers(min_value=2**64), not_an_int)
bad_report_ids = st.one_of(
    st.text(min_size=65, max_size=80),
    st.text(max_size=10).map(lambda t: t + "\0"),
    st.just("\ud800"),  # a lone surrogate is not UTF-8
    st.binary(max_size=4), st.integers(), st.none(),
)
good_keys = st.sampled_from([KNOWN_KEY, LOST_KEY, UNKNOWN])
not_a = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.binary(max_size=3))
not_bytes = not_a.filter(lambda v: not isinstance(v, bytes))


def _calls() -> st.SearchStrategy[Call]:
    def c(name: str, codes: set[str], fn: Callable[..., object]) -> Callable[..., Call]:
        return lambda *args: (f"{name}{args!r}", lambda db: fn(db, *args), codes)

    filters = IngressPublicKeyRecordFilters()
    return st.one_of(
        st.builds(c("get_ingress_key_status", KEY, lambda db, k: db.get_ingress_key_status(k)),
                  bad_keys),
        st.builds(c("new_ingress_key", KEY | NUMBER,
                    lambda db, k, s: db.new_ingress_key(k, s)),
                  bad_keys, st.integers(0, 10)),
        st.builds(c("new_ingress_key", NUMBER, lambda db, s: db.new_ingress_key(UNKNOWN, s)),
                  bad_indices),
        st.builds(c("new_ingress_key(known)", {"fog.recovery_db_ingress_key_exists"},
                    lambda db, s: db.new_ingress_key(KNOWN_KEY, s)), st.integers(0, 100)),
        st.builds(c("retire_ingress_key", KEY, lambda db, k: db.retire_ingress_key(k, True)),
                  bad_keys),
        st.builds(c("retire_ingress_key", {ARG},
                    lambda db, v: db.retire_ingress_key(KNOWN_KEY, v)), not_a),
        st.builds(c("get_last_scanned_block_index", KEY,
                    lambda db, k: db.get_last_scanned_block_index(k)), bad_keys),
        st.builds(c("get_ingress_key_records", NUMBER,
                    lambda db, s: db.get_ingress_key_records(s, filters)), bad_indices),
        st.builds(c("get_ingress_key_records", {ARG},
                    lambda db, f: db.get_ingress_key_records(0, f)), not_a),
        st.builds(c("new_ingest_invocation", NUMBER,
                    lambda db, p: db.new_ingest_invocation(p, KNOWN_KEY, egress_key(50), 0)),
                  bad_ids),
        st.builds(c("new_ingest_invocation", KEY | UNKNOWN_KEY,
                    lambda db, k: db.new_ingest_invocation(None, k, egress_key(50), 0)),
                  st.one_of(bad_keys, st.just(UNKNOWN))),
        st.builds(c("new_ingest_invocation", NUMBER,
                    lambda db, s: db.new_ingest_invocation(None, KNOWN_KEY, egress_key(50), s)),
                  bad_indices),
        st.builds(c("new_ingest_invocation", {ARG} | NUMBER,
                    lambda db, e: db.new_ingest_invocation(None, KNOWN_KEY, e, 0)),
                  st.one_of(not_a,
                            st.builds(KexRngPubkey, not_bytes),
                            st.builds(KexRngPubkey, st.binary(max_size=8), bad_u64))),
        st.builds(c("new_ingest_invocation(used egress)", {"fog.recovery_db_egress_key_exists"},
                    lambda db, n: db.new_ingest_invocation(None, KNOWN_KEY, egress_key(n), 0)),
                  st.sampled_from([1, 2])),
        st.builds(c("new_ingest_invocation(prev)", UNKNOWN_INVOCATION
                    | {"fog.recovery_db_already_decommissioned"},
                    lambda db, p: db.new_ingest_invocation(p, KNOWN_KEY, egress_key(50), 0)),
                  st.one_of(unknown_ids, st.just(DECOMMISSIONED))),
        st.builds(c("decommission_ingest_invocation", NUMBER | UNKNOWN_INVOCATION
                    | {"fog.recovery_db_already_decommissioned"},
                    lambda db, i: db.decommission_ingest_invocation(i)),
                  st.one_of(bad_ids, unknown_ids, st.just(DECOMMISSIONED))),
        st.builds(c("update_last_active_at", NUMBER,
                    lambda db, i: db.update_last_active_at(i)), bad_ids),
        st.builds(c("add_block_data", NUMBER | UNKNOWN_INVOCATION,
                    lambda db, i: db.add_block_data(i, block(7), 0, [])),
                  st.one_of(bad_ids, unknown_ids)),
        st.builds(c("add_block_data", {ARG},
                    lambda db, b: db.add_block_data(ACTIVE, b, 0, [])), not_a),
        st.builds(c("add_block_data", NUMBER,
                    lambda db, i: db.add_block_data(ACTIVE, block(i, 0), 0, [])),
                  st.integers(I64_MAX + 1, 2**64 - 1)),
        st.builds(c("add_block_data", NUMBER,
                    lambda db, t: db.add_block_data(ACTIVE, block(7), t, [])), bad_u64),
        st.builds(c("add_block_data", {ARG},
                    lambda db, txs: db.add_block_data(ACTIVE, block(7), 0, txs)),
                  st.one_of(not_a, st.lists(not_a, min_size=1, max_size=3),
                            st.just([*records("ok"), b"not a record"]))),
        st.builds(c("report_lost_ingress_key", KEY | UNKNOWN_KEY,
                    lambda db, k: db.report_lost_ingress_key(k)),
                  st.one_of(bad_keys, st.just(UNKNOWN))),
        st.builds(c("search_user_events", NUMBER, lambda db, i: db.search_user_events(i)),
                  bad_ids),
        st.builds(c("get_tx_outs", NUMBER, lambda db, s: db.get_tx_outs(s, [])), bad_indices),
        st.builds(c("get_tx_outs", {ARG}, lambda db, ks: db.get_tx_outs(0, ks)),
                  st.lists(not_bytes, min_size=1, max_size=2)),
        st.builds(c("get_tx_outs_by_block_and_key", KEY | NUMBER,
                    lambda db, k, i: db.get_tx_outs_by_block_and_key(k, i)),
                  st.one_of(bad_keys, good_keys), bad_indices),
        st.builds(c("get_tx_outs_by_block_range_and_key", KEY | NUMBER | {ARG},
                    lambda db, k, r: db.get_tx_outs_by_block_range_and_key(k, r)),
                  st.one_of(bad_keys, good_keys),
                  st.one_of(not_a, st.builds(lambda s: BlockRange(s, 2**64 - 1),
                                             st.integers(I64_MAX + 1, 2**64 - 1)))),
        st.builds(c("get_invocation_id_by_block_and_key", KEY | NUMBER,
                    lambda db, k, i: db.get_invocation_id_by_block_and_key(k, i)),
                  st.one_of(bad_keys, good_keys), bad_indices),
        st.builds(c("get_cumulative_txo_count_for_block", NUMBER,
                    lambda db, i: db.get_cumulative_txo_count_for_block(i)), bad_indices),
        st.builds(c("get_block_signature_timestamp_for_block", NUMBER,
                    lambda db, i: db.get_block_signature_timestamp_for_block(i)), bad_indices),
        st.builds(c("get_expired_invocations", {ARG},
                    lambda db, t: db.get_expired_invocations(t)),
                  st.one_of(not_a, st.dates())),
        st.builds(c("set_report", KEY | UNKNOWN_KEY,
                    lambda db, k: db.set_report(k, "", report(20))),
                  st.one_of(bad_keys, st.just(UNKNOWN))),
        st.builds(c("set_report", REPORT_ID,
                    lambda db, r: db.set_report(KNOWN_KEY, r, report(20))), bad_report_ids),
        st.builds(c("set_report", {ARG} | NUMBER | UNKNOWN_INVOCATION,
                    lambda db, d: db.set_report(KNOWN_KEY, "", d)),
                  st.one_of(
                      not_a,
                      st.builds(ReportData, st.one_of(bad_ids, unknown_ids), st.just(b"e"),
                                st.just(20)),
                      st.builds(ReportData, st.none(), not_bytes, st.just(20)),
                      st.builds(ReportData, st.none(), st.just(b"e"), bad_indices),
                  )),
        st.builds(c("remove_report", REPORT_ID, lambda db, r: db.remove_report(r)),
                  bad_report_ids),
    )


@pytest.fixture
def populated(db: SqlRecoveryDb) -> SqlRecoveryDb:
    _populate(db)
    return db


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
@given(call=_calls())
def test_bad_input_is_refused_with_a_code_and_changes_nothing(
    populated: SqlRecoveryDb, db_url: str, call: Call
) -> None:
    name, fn, codes = call
    before = dump(db_url)
    with pytest.raises(FogError) as excinfo:
        fn(populated)
    assert excinfo.value.code in codes, f"{name}: {excinfo.value.code}"
    assert dump(db_url) == before, name


def test_a_backwards_block_range_cannot_be_made() -> None:
    with pytest.raises(FogError) as excinfo:
        BlockRange(5, 3)
    assert excinfo.value.code == "fog.bad_block_range"


def test_refusals_do_not_break_the_connection(populated: SqlRecoveryDb) -> None:
    """After a refusal inside a transaction (rolled back), the next calls work."""
    for _ in range(3):
        with pytest.raises(FogError):
            populated.new_ingest_invocation(None, UNKNOWN, egress_key(60), 0)
        with pytest.raises(FogError):
            populated.decommission_ingest_invocation(DECOMMISSIONED)
    iid = populated.new_ingest_invocation(None, KNOWN_KEY, egress_key(60), 0)
    status = populated.add_block_data(iid, block(1), 0, records("one"))
    assert not status.block_already_scanned_with_this_key
    assert populated.get_highest_known_block_index() == 1
