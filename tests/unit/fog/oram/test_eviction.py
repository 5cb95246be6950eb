"""Path ORAM eviction puts every block as deep as it may go; AES-CTR with a 64-bit counter.

refimpl/fog/oram/path_oram.py ``evict`` (mc-oblivious ``evictor.rs``:
``path_oram_eviction_strategy``, ``BranchCheckout::pack`` and ``insert_into_branch_suffix``);
refimpl/fog/oram/storage.py ``_ctr64be_xor`` (MobileCoin ``Ctr64BE<Aes256>``).
"""

from __future__ import annotations

from collections import Counter

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from refimpl.fog.oram.path_oram import evict
from refimpl.fog.oram.storage import Slot, Z, _ctr64be_xor

EMPTY: Slot = (0, 0, b"")  # a vacant slot (evict itself writes its own VACANT)


def legal_bucket(block_leaf: int, leaf: int) -> int:
    """The deepest bucket (0 = leaf bucket) of ``leaf``'s branch that may hold the block."""
    return (block_leaf ^ leaf).bit_length()


@st.composite
def branches(draw: st.DrawFn) -> tuple[int, list[Slot], list[Slot]]:
    height = draw(st.integers(0, 5))
    leaf = (1 << height) | draw(st.integers(0, (1 << height) - 1))
    number = iter(range(1, 10_000))

    def block(bucket: int) -> Slot:
        # a leaf whose branch meets ``leaf``'s at or below ``bucket``: it may live there
        free = draw(st.integers(0, bucket))
        low = draw(st.integers(0, (1 << free) - 1))
        return ((leaf >> free << free) | low, next(number), b"")

    slots = [
        block(bucket) if draw(st.booleans()) else EMPTY
        for bucket in range(height + 1)
        for _ in range(Z)
    ]
    stash = [
        block(height) if draw(st.integers(0, 3)) == 0 else EMPTY
        for _ in range(draw(st.integers(0, 8)))
    ]
    return leaf, slots, stash


@given(branches())
def test_eviction_is_greedy_and_loses_nothing(case: tuple[int, list[Slot], list[Slot]]) -> None:
    leaf, slots, stash = case
    before = Counter(s[1] for s in slots + stash if s[0])
    evict(slots, stash, leaf)
    assert Counter(s[1] for s in slots + stash if s[0]) == before
    buckets = len(slots) // Z
    full = [all(slots[b * Z + j][0] for j in range(Z)) for b in range(buckets)]
    for position, slot in enumerate(slots):
        if slot[0]:
            bucket = position // Z
            deepest = legal_bucket(slot[0], leaf)
            assert deepest <= bucket, "a block below its legal depth"
            assert all(full[deepest:bucket]), "a block could have gone deeper"
    for slot in stash:
        if slot[0]:
            assert all(full[legal_bucket(slot[0], leaf) :]), "a stash block had room"


def test_ctr64be_wraps_the_low_half_only() -> None:
    key = bytes(range(32))
    high = bytes.fromhex("0102030405060708")
    nonce = high + (2**64 - 2).to_bytes(8, "big")
    data = bytes(range(64))  # four AES blocks: counters 2^64-2, 2^64-1, 0, 1
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    counters = [(2**64 - 2 + i) % 2**64 for i in range(4)]
    stream = b"".join(ecb.update(high + c.to_bytes(8, "big")) for c in counters)
    assert _ctr64be_xor(key, nonce, data) == bytes(a ^ b for a, b in zip(data, stream, strict=True))
    plain_nonce = high + bytes(8)
    ctr = Cipher(algorithms.AES(key), modes.CTR(plain_nonce)).encryptor()
    assert _ctr64be_xor(key, plain_nonce, data) == ctr.update(data)
