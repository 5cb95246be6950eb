"""Untrusted ORAM storage: tree-top, lazy zeros, encryption, Merkle authentication, replay.

refimpl/fog/oram/storage.py; MobileCoin ``fog/ocall_oram_storage/trusted/src/lib.rs`` (its
``exercise_oram_storage_*`` tests write a branch, read it back through neighbouring branches,
then scribble on untrusted memory and expect a panic; here the panic is fog.oram_tampered).
"""

from __future__ import annotations

import random

import pytest

from refimpl.errors import FogError
from refimpl.fog.oram.path_oram import PathOram
from refimpl.fog.oram.storage import (
    BLOCK_SIZE,
    BUCKET_DATA_SIZE,
    VACANT,
    OcallStorage,
    Slot,
    UntrustedMemory,
    Z,
)
from refimpl.fog.oram.trace import AccessTrace

HEIGHT = 4  # 32 buckets, leaves 16..31
SMALL_TREETOP = 12  # tree-top of max(2, 4096 // 4096) = 2 buckets: only the root is inside


def make_storage(seed: int = 1, treetop_log2: int = SMALL_TREETOP) -> OcallStorage:
    return OcallStorage(
        2 << HEIGHT,
        HEIGHT,
        rng=random.Random(seed).randbytes,
        memory=UntrustedMemory(AccessTrace()),
        treetop_log2=treetop_log2,
    )


def tagged(tag: int, leaf: int) -> list[Slot]:
    return [(leaf, tag * 100 + j, bytes([tag]) * BLOCK_SIZE) for j in range((HEIGHT + 1) * Z)]


def memory_of(storage: OcallStorage) -> UntrustedMemory:
    memory = storage._memory  # the host object the storage talks to
    assert isinstance(memory, UntrustedMemory)
    return memory


def test_fresh_branch_is_vacant_and_costs_nothing() -> None:
    storage = make_storage()
    assert storage.untrusted_levels == HEIGHT
    assert memory_of(storage).stored(storage.allocation_id) == {}
    assert storage.checkout(31) == [VACANT] * ((HEIGHT + 1) * Z)
    storage.checkin(31, [VACANT] * ((HEIGHT + 1) * Z))
    assert len(memory_of(storage).stored(storage.allocation_id)) == HEIGHT


def test_huge_tree_is_lazy() -> None:
    oram = PathOram(1 << 20, rng=random.Random(2).randbytes, treetop_log2=SMALL_TREETOP)
    assert oram.storage.count == 1 << 19
    assert oram.memory.stored(oram.storage.allocation_id) == {}
    assert oram.read(12345) == bytes(BLOCK_SIZE)


def test_branch_round_trip_and_shared_ancestors() -> None:
    storage = make_storage()
    storage.checkout(31)
    storage.checkin(31, tagged(1, 31))
    assert storage.checkout(31) == tagged(1, 31)
    storage.checkin(31, tagged(1, 31))
    # leaf 28 shares the buckets at heights 0..2 (branch positions 2..4) with leaf 31
    other = storage.checkout(28)
    assert other[: 2 * Z] == [VACANT] * (2 * Z)
    assert other[2 * Z :] == tagged(1, 31)[2 * Z :]
    storage.checkin(28, tagged(2, 28))
    back = storage.checkout(31)
    assert back[: 2 * Z] == tagged(1, 31)[: 2 * Z]
    assert back[2 * Z :] == tagged(2, 28)[2 * Z :]


def test_host_sees_only_ciphertext_that_changes_every_checkin() -> None:
    storage = make_storage()
    storage.checkout(17)
    storage.checkin(17, tagged(7, 17))
    first = dict(memory_of(storage).stored(storage.allocation_id))
    storage.checkin(17, storage.checkout(17))  # same plaintext stored again
    second = memory_of(storage).stored(storage.allocation_id)
    for index, (e_data, extended) in first.items():
        assert bytes([7]) * 64 not in e_data
        assert len(e_data) == BUCKET_DATA_SIZE and len(extended) == 104
        assert second[index][0] != e_data  # counter bumped: new nonce, new ciphertext
        assert int.from_bytes(second[index][1][64:72], "little") == 2


def written_storage() -> OcallStorage:
    storage = make_storage()
    for leaf in (31, 28, 16):
        storage.checkout(leaf)
        storage.checkin(leaf, tagged(leaf, leaf))
    return storage


def flip(storage: OcallStorage, bucket: int, part: int, offset: int) -> None:
    stored = memory_of(storage).stored(storage.allocation_id)
    raw = [bytearray(x) for x in stored[bucket - storage.treetop_max_count]]
    raw[part][offset] ^= 1
    stored[bucket - storage.treetop_max_count] = (bytes(raw[0]), bytes(raw[1]))


@pytest.mark.parametrize(
    ("bucket", "part", "offset"),
    [
        (31, 0, 0),  # leaf bucket data -> parent's recorded child hash differs
        (31, 1, 3),  # leaf bucket encrypted metadata
        (15, 1, 64),  # block counter of an inner bucket
        (15, 1, 90),  # right-child hash recorded in an inner bucket
        (3, 0, 4095),  # top untrusted bucket -> trusted root differs
    ],
)
def test_flipped_byte_is_detected(bucket: int, part: int, offset: int) -> None:
    storage = written_storage()
    flip(storage, bucket, part, offset)
    with pytest.raises(FogError) as caught:
        storage.checkout(31)
    assert caught.value.code == "fog.oram_tampered"


def test_replayed_bucket_is_detected() -> None:
    storage = written_storage()
    stored = memory_of(storage).stored(storage.allocation_id)
    old = stored[31 - storage.treetop_max_count]
    storage.checkin(31, tagged(9, 31)[:1] + storage.checkout(31)[1:])
    stored[31 - storage.treetop_max_count] = old  # an authentic, older version
    with pytest.raises(FogError) as caught:
        storage.checkout(31)
    assert caught.value.code == "fog.oram_tampered"


def test_replayed_whole_branch_is_detected() -> None:
    storage = written_storage()
    stored = memory_of(storage).stored(storage.allocation_id)
    snapshot = dict(stored)
    storage.checkin(31, storage.checkout(31))
    stored.update(snapshot)  # every untrusted bucket rolled back consistently
    with pytest.raises(FogError) as caught:
        storage.checkout(31)
    assert caught.value.code == "fog.oram_tampered"


def test_erased_bucket_is_detected() -> None:
    storage = written_storage()
    stored = memory_of(storage).stored(storage.allocation_id)
    del stored[31 - storage.treetop_max_count]  # "never written" for a written bucket
    with pytest.raises(FogError) as caught:
        storage.checkout(31)
    assert caught.value.code == "fog.oram_tampered"


def test_bucket_swapped_with_another_is_detected() -> None:
    storage = written_storage()
    stored = memory_of(storage).stored(storage.allocation_id)
    offset = storage.treetop_max_count
    stored[31 - offset] = stored[28 - offset]  # authentic bucket, wrong index
    with pytest.raises(FogError) as caught:
        storage.checkout(31)
    assert caught.value.code == "fog.oram_tampered"


def test_tampering_through_the_oram() -> None:
    rng = random.Random(3)
    oram = PathOram(64, rng=rng.randbytes, treetop_log2=SMALL_TREETOP)
    for index in range(64):
        oram.write(index, bytes([index]) * BLOCK_SIZE)
    stored = oram.memory.stored(oram.storage.allocation_id)
    node = 2  # the left child of the root: on half of all branches
    e_data, extended = stored[node - oram.storage.treetop_max_count]
    stored[node - oram.storage.treetop_max_count] = (
        bytes([e_data[0] ^ 0x80]) + e_data[1:],
        extended,
    )
    with pytest.raises(FogError) as caught:
        for _ in range(200):
            oram.read(rng.randrange(64))
    assert caught.value.code == "fog.oram_tampered"


def test_rolled_back_host_is_detected_through_the_oram() -> None:
    rng = random.Random(4)
    oram = PathOram(64, rng=rng.randbytes, treetop_log2=SMALL_TREETOP)
    for index in range(64):
        oram.write(index, bytes([index]) * BLOCK_SIZE)
    stored = oram.memory.stored(oram.storage.allocation_id)
    snapshot = dict(stored)
    for index in range(8):
        oram.write(index, bytes([200 + index]) * BLOCK_SIZE)
    stored.clear()
    stored.update(snapshot)
    with pytest.raises(FogError) as caught:
        for _ in range(50):
            oram.read(rng.randrange(64))
    assert caught.value.code == "fog.oram_tampered"
