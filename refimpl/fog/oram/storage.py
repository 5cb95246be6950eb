"""ORAM tree storage: a tree-top inside the enclave, the rest encrypted and authenticated outside.

Mirrors MobileCoin ``fog/ocall_oram_storage``:

* ``untrusted/src/lib.rs`` -> :class:`UntrustedMemory`, the host: it allocates zeroed blocks
  (here a sparse dict: a block never written reads as zeros, so a huge tree costs nothing to
  create), returns and stores what it is given, and may misbehave (tests tamper with it).
* ``trusted/src/lib.rs`` + ``extra_meta.rs`` -> :class:`OcallStorage`, the enclave side of
  ``OcallORAMStorage``: buckets with tree index below ``treetop_max_count`` live in enclave
  memory; the others go to the host encrypted with AES-256-CTR (``Ctr64BE``, nonce
  ``index_le64 || counter_le64``) and authenticated by a Merkle tree of 16-byte hashes
  ``Blake2b-512("oram" || hash_key || e_data || index_le64 || extended_meta)[..16]`` where
  ``extended_meta = e_meta || counter_le64 || left_child_hash || right_child_hash``. The counter
  is bumped on every check-in, so a replayed old bucket no longer matches its parent's record;
  the hashes of the subtrees hanging below the tree-top are kept inside. All-zero extended
  metadata from the host means "never written" (lazy zero initialisation; hash taken as zero).

MobileCoin panics on an authentication failure; here it is ``FogError("fog.oram_tampered")``.

A bucket is Z = 4 slots; a slot is ``(leaf, block_num, data)`` with ``leaf == 0`` meaning
vacant (``mc-oblivious-ram/src/path_oram/mod.rs`` metadata: two u64, leaf first). A checked
out branch is the flat list of its slots, leaf bucket first and root bucket last, as
``BranchCheckout`` holds it.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from refimpl.errors import FogError
from refimpl.fog.oram.trace import AccessTrace

Rng = Callable[[int], bytes]
Slot = tuple[int, int, bytes]

Z = 4  # blocks per bucket (PathORAM4096Z4Creator)
BLOCK_SIZE = 1024  # bytes per ORAM block (the U1024 value size)
BUCKET_DATA_SIZE = Z * BLOCK_SIZE  # 4096: one page
BUCKET_META_SIZE = Z * 16  # 64: per slot {leaf u64, block_num u64}
EXTRA_META_SIZE = 40  # block_ctr u64 || left child hash 16 || right child hash 16
HASH_SIZE = 16
# log2 of the bytes of tree-top kept inside the enclave per storage object (MobileCoin: 32 MB)
TREETOP_CACHING_THRESHOLD_LOG2 = 25

ZERO_BLOCK = bytes(BLOCK_SIZE)
VACANT: Slot = (0, 0, ZERO_BLOCK)
_ZERO_HASH = bytes(HASH_SIZE)
_ZERO_EXTENDED = bytes(BUCKET_META_SIZE + EXTRA_META_SIZE)
_META = struct.Struct("<" + "QQ" * Z)
_U64 = struct.Struct("<Q")
_HASH_DOMAIN = b"oram"
_AES_BLOCKS_PER_BUCKET = (BUCKET_DATA_SIZE + BUCKET_META_SIZE) // 16


class UntrustedMemory:
    """The host side: dumb block storage per allocation, recording every access in a trace.

    Blocks are stored as ``(e_data, extended_meta)`` byte strings; a block never checked in
    reads as all zeros (MobileCoin's untrusted side zero-allocates its arrays).
    """

    def __init__(self, trace: AccessTrace | None = None) -> None:
        self.trace = trace
        self._allocations: dict[int, tuple[int, int, int, dict[int, tuple[bytes, bytes]]]] = {}
        self._next_id = 1

    def allocate(self, count: int, data_size: int, meta_size: int) -> int:
        """Reserve ``count`` zeroed (data, meta) blocks; returns the allocation id (never 0)."""
        allocation_id = self._next_id
        self._next_id += 1
        self._allocations[allocation_id] = (count, data_size, meta_size, {})
        return allocation_id

    def release(self, allocation_id: int) -> None:
        """Free an allocation."""
        self._allocations.pop(allocation_id, None)

    def checkout(self, allocation_id: int, indices: Sequence[int]) -> list[tuple[bytes, bytes]]:
        """Return the stored (data, meta) of each index, zeros if never written."""
        count, data_size, meta_size, blocks = self._allocations[allocation_id]
        zero = (bytes(data_size), bytes(meta_size))
        trace = self.trace
        out = []
        for index in indices:
            if not 0 <= index < count:
                raise FogError("fog.oram_bad_input", f"untrusted index {index} out of range")
            if trace is not None:
                trace.record(allocation_id, index, data_size + meta_size, "read")
            out.append(blocks.get(index, zero))
        return out

    def checkin(
        self, allocation_id: int, indices: Sequence[int], items: Sequence[tuple[bytes, bytes]]
    ) -> None:
        """Store (data, meta) at each index."""
        count, data_size, meta_size, blocks = self._allocations[allocation_id]
        trace = self.trace
        for index, item in zip(indices, items, strict=True):
            if not 0 <= index < count:
                raise FogError("fog.oram_bad_input", f"untrusted index {index} out of range")
            if trace is not None:
                trace.record(allocation_id, index, data_size + meta_size, "write")
            blocks[index] = item

    # --- the adversary's view (tests): read and overwrite raw stored blocks ---------------

    def stored(self, allocation_id: int) -> dict[int, tuple[bytes, bytes]]:
        """The raw blocks written so far (index -> (e_data, extended_meta)); mutable."""
        return self._allocations[allocation_id][3]


def _ctr64be_xor(key: bytes, nonce: bytes, data: bytes) -> bytes:
    """AES-256 in CTR mode with a 64-bit big-endian counter in the nonce's last 8 bytes.

    ``cryptography``'s CTR carries into the whole 128-bit block; RustCrypto's ``Ctr64BE``
    wraps the low 64 bits. They differ only when the low half would overflow inside this
    message, which is handled by splitting there.
    """
    low = int.from_bytes(nonce[8:], "big")
    blocks = (len(data) + 15) // 16
    if low + blocks <= 1 << 64:
        encryptor = Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor()
        return encryptor.update(data) + encryptor.finalize()
    first = ((1 << 64) - low) * 16
    head = Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor().update(data[:first])
    wrapped = nonce[:8] + bytes(8)
    tail = Cipher(algorithms.AES(key), modes.CTR(wrapped)).encryptor().update(data[first:])
    return head + tail


class OcallStorage:
    """Storage for a tree of ``count`` buckets (heap indices 1..count-1) of height ``height``."""

    def __init__(
        self,
        count: int,
        height: int,
        *,
        rng: Rng,
        memory: UntrustedMemory,
        treetop_log2: int = TREETOP_CACHING_THRESHOLD_LOG2,
    ) -> None:
        if count < 2 or count & (count - 1):
            raise FogError("fog.oram_bad_input", f"storage count {count} is not a power of two")
        self.count = count
        self.height = height
        self.treetop_max_count = max(2, (1 << treetop_log2) // BUCKET_DATA_SIZE)
        self._memory = memory
        self.allocation_id = 0
        top_nodes = count
        if count > self.treetop_max_count:
            top_nodes = self.treetop_max_count
            self.allocation_id = memory.allocate(
                count - top_nodes, BUCKET_DATA_SIZE, BUCKET_META_SIZE + EXTRA_META_SIZE
            )
        self._top: list[Slot] = [VACANT] * (top_nodes * Z)
        self._roots: list[bytes] = (
            [_ZERO_HASH] * (2 * self.treetop_max_count) if self.allocation_id else []
        )
        # How many buckets of each branch live with the host: those at height >= log2(top).
        self.untrusted_levels = max(0, height + 1 - (self.treetop_max_count.bit_length() - 1))
        if not self.allocation_id:
            self.untrusted_levels = 0
        self._aes_key = rng(32)
        self._hash_key = rng(32)
        # extended metadata of the untrusted part of the checked-out branch, leaf first
        self._scratch: list[bytes] = []

    def _hash(self, e_data: bytes, index: int, extended: bytes) -> bytes:
        digest = hashlib.blake2b(_HASH_DOMAIN + self._hash_key)
        digest.update(e_data)
        digest.update(_U64.pack(index))
        digest.update(extended)
        return digest.digest()[:HASH_SIZE]

    def checkout(self, leaf: int) -> list[Slot]:
        """Load the branch ending at ``leaf``: its slots, leaf bucket first."""
        height = self.height
        k = self.untrusted_levels
        slots: list[Slot] = []
        if k:
            offset = self.treetop_max_count
            indices = [leaf >> level for level in range(k)]
            fetched = self._memory.checkout(self.allocation_id, [i - offset for i in indices])
            scratch = []
            last_index = 0
            last_hash = _ZERO_HASH
            for position, (index, (e_data, extended)) in enumerate(
                zip(indices, fetched, strict=True)
            ):
                if len(e_data) != BUCKET_DATA_SIZE or len(extended) != len(_ZERO_EXTENDED):
                    raise FogError("fog.oram_tampered", f"bucket {index} has the wrong size")
                scratch.append(extended)
                if extended == _ZERO_EXTENDED:
                    # never written: all vacant, and its hash is taken as zero
                    slots.extend((VACANT,) * Z)
                    last_index, last_hash = index, _ZERO_HASH
                    continue
                this_hash = self._hash(e_data, index, extended)
                if position:
                    child = extended[72:88] if last_index & 1 == 0 else extended[88:104]
                    if not hmac.compare_digest(child, last_hash):
                        raise FogError(
                            "fog.oram_tampered",
                            f"bucket {index}: recorded child hash does not match bucket "
                            f"{last_index}",
                        )
                last_index, last_hash = index, this_hash
                counter = extended[64:72]
                plain = _ctr64be_xor(
                    self._aes_key, _U64.pack(index) + counter, e_data + extended[:64]
                )
                meta = _META.unpack_from(plain, BUCKET_DATA_SIZE)
                slots.extend(
                    (meta[2 * j], meta[2 * j + 1], plain[j * BLOCK_SIZE : (j + 1) * BLOCK_SIZE])
                    for j in range(Z)
                )
            if not hmac.compare_digest(self._roots[last_index], last_hash):
                raise FogError(
                    "fog.oram_tampered", f"bucket {last_index} does not match the trusted root"
                )
            self._scratch = scratch
        top = self._top
        for level in range(k, height + 1):
            base = (leaf >> level) * Z
            slots.extend(top[base : base + Z])
        return slots

    def checkin(self, leaf: int, slots: Sequence[Slot]) -> None:
        """Store the branch ending at ``leaf`` (same layout as :meth:`checkout` returned)."""
        height = self.height
        k = self.untrusted_levels
        top = self._top
        for level in range(k, height + 1):
            base = (leaf >> level) * Z
            top[base : base + Z] = slots[level * Z : (level + 1) * Z]
        if not k:
            return
        offset = self.treetop_max_count
        indices = [leaf >> level for level in range(k)]
        items = []
        last_index = 0
        last_hash = _ZERO_HASH
        for position, index in enumerate(indices):
            old = self._scratch[position]
            counter = _U64.unpack_from(old, 64)[0] + 1
            left, right = old[72:88], old[88:104]
            if position:
                if last_index & 1 == 0:
                    left = last_hash
                else:
                    right = last_hash
            bucket = slots[position * Z : (position + 1) * Z]
            meta = _META.pack(*(value for slot in bucket for value in slot[:2]))
            plain = b"".join(slot[2] for slot in bucket) + meta
            cipher = _ctr64be_xor(self._aes_key, _U64.pack(index) + _U64.pack(counter), plain)
            e_data = cipher[:BUCKET_DATA_SIZE]
            extended = cipher[BUCKET_DATA_SIZE:] + _U64.pack(counter) + left + right
            last_index, last_hash = index, self._hash(e_data, index, extended)
            items.append((e_data, extended))
        self._roots[last_index] = last_hash
        self._memory.checkin(self.allocation_id, [i - offset for i in indices], items)
