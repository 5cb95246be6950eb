"""The block ranges an ingress-key record and an ingestable range answer for
(``fog/recovery_db_iface/src/types.rs``: active keys cover from their start on, retired keys up
to their expiry, lost keys up to their last scanned block)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from refimpl.fog.recovery_db import (
    IngestableRange,
    IngestInvocationId,
    IngressPublicKeyRecord,
    IngressPublicKeyStatus,
)
from refimpl.fog.types import U64_MAX, BlockRange


def _record(
    start: int, expiry: int, retired: bool, lost: bool, last: int | None
) -> IngressPublicKeyRecord:
    return IngressPublicKeyRecord(b"k" * 32, IngressPublicKeyStatus(start, expiry, retired, lost),
                                  last)


def _covered(record: IngressPublicKeyRecord) -> list[int]:
    return [b for b in range(0, 30) if record.covers_block_index(b)]


def test_active_key_covers_everything_from_its_start() -> None:
    for last in (None, 10, 12, 14):
        record = _record(10, 15, False, False, last)
        assert _covered(record) == list(range(10, 30))
        assert record.covers_block_index(U64_MAX - 1)
        assert record.get_block_range() == BlockRange(10, U64_MAX)
    assert _record(10, 15, False, False, None).next_needed_block_index() == 10
    assert _record(10, 15, False, False, 20).next_needed_block_index() == 21


def test_retired_key_covers_start_to_expiry() -> None:
    for last in (None, 10, 14):
        assert _covered(_record(10, 15, True, False, last)) == list(range(10, 15))
    assert _record(10, 15, True, False, 14).next_needed_block_index() is None
    assert _record(10, 15, True, False, 12).next_needed_block_index() == 13
    # retired before ever being published: expiry 0 < start, covers nothing
    assert _covered(_record(10, 0, True, False, None)) == []
    assert _record(10, 0, True, False, None).next_needed_block_index() is None


def test_lost_key_covers_start_to_last_scanned() -> None:
    for expiry in (12, 15, 16):
        for retired in (False, True):
            assert _covered(_record(10, expiry, retired, True, None)) == []
            for last in range(10, 15):
                record = _record(10, expiry, retired, True, last)
                assert _covered(record) == list(range(10, last + 1))
                assert record.next_needed_block_index() is None


@given(start=st.integers(0, 100), expiry=st.integers(0, 120), retired=st.booleans(),
       lost=st.booleans(), last=st.one_of(st.none(), st.integers(0, 120)),
       block=st.integers(0, 130))
def test_covers_block_index_is_membership_in_the_block_range(
    start: int, expiry: int, retired: bool, lost: bool, last: int | None, block: int
) -> None:
    record = _record(start, expiry, retired, lost, last)
    assert record.covers_block_index(block) == record.get_block_range().contains(block)
    assert record.covers_block_index(block) <= (block >= start or lost and last is None)


def test_ingestable_range_can_provide_block() -> None:
    iid = IngestInvocationId(1)
    active = IngestableRange(iid, 10, False, None)
    assert not active.can_provide_block(9) and active.can_provide_block(10)
    assert active.can_provide_block(10**12)
    done = IngestableRange(iid, 10, True, 20)
    assert [done.can_provide_block(b) for b in (9, 10, 20, 21)] == [False, True, True, False]
    assert not IngestableRange(iid, 10, True, None).can_provide_block(10)
