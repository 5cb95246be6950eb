"""HC-128 as ``rand_hc`` 0.3's ``Hc128Rng``, with ``rand_core`` 0.6 ``BlockRng`` buffering.

MobileCoin's tests seed ``Hc128Rng`` (``util/test-helper/src/lib.rs`` ``RngType``) and the
schnorrkel nonce of ``crypto/keys/src/ristretto.rs`` draws from one (notes/crypto-ledger.md
§2.6, §8), so reproducing their outputs needs this generator byte for byte.

* Cipher: Hongjun Wu, "The Stream Cipher HC-128" (eSTREAM, 2008), §2 (functions f1, f2, g1,
  g2, h1, h2), §3.1 (initialisation: key/IV expansion into W, 1024 discarded steps that
  replace the table entries) and §3.2 (keystream generation). ``from_seed(seed32)``: key =
  ``seed[0:16]``, IV = ``seed[16:32]``, each read as four little-endian 32-bit words.
* Buffering (``rand_core::block::BlockRng``, here :class:`BlockRng`, shared with
  ``refimpl.crypto.chacha_rng``; HC-128 fills 16-word blocks): ``next_u32`` takes the next
  word; ``next_u64`` takes two words, low word first, and when one word is left it uses it as
  the low half and the first word of a fresh block as the high half; ``fill_bytes`` copies
  words little-endian and a partially used word is consumed whole (its unused bytes are
  dropped). A fresh generator starts with an empty buffer.
"""

from __future__ import annotations

import struct
from typing import Protocol

from refimpl.errors import CryptoError

_M32 = 0xFFFFFFFF
_BLOCK_WORDS = 16


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & _M32


def _f1(x: int) -> int:
    return _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> 3)


def _f2(x: int) -> int:
    return _rotr(x, 17) ^ _rotr(x, 19) ^ (x >> 10)


class _Hc128Core:
    """The HC-128 keystream: tables P and Q (512 words each) and the step counter."""

    __slots__ = ("p", "q", "counter")

    def __init__(self, key: tuple[int, ...], iv: tuple[int, ...]) -> None:
        w = [0] * 1280
        w[0:8] = key + key
        w[8:16] = iv + iv
        for i in range(16, 1280):
            w[i] = (_f2(w[i - 2]) + w[i - 7] + _f1(w[i - 15]) + w[i - 16] + i) & _M32
        self.p = w[256:768]
        self.q = w[768:1280]
        self.counter = 0
        # §3.1 step 3: run 1024 steps, each output replacing the table entry it updated.
        for _ in range(1024):
            j = self.counter & 511
            out = self._step()
            if self.counter & 512:
                self.q[j] = out
            else:
                self.p[j] = out
            self.counter = (self.counter + 1) & 1023
        self.counter = 0

    def _step(self) -> int:
        """One keystream word at the current counter (does not advance the counter)."""
        j = self.counter & 511
        if self.counter < 512:
            p, q = self.p, self.q
            x, y, z = p[(j - 3) & 511], p[(j - 10) & 511], p[(j - 511) & 511]
            # g1(x, y, z) = (x >>> 10 ^ z >>> 23) + y >>> 8
            p[j] = (p[j] + ((_rotr(x, 10) ^ _rotr(z, 23)) + _rotr(y, 8))) & _M32
            u = p[(j - 12) & 511]
            return ((q[u & 0xFF] + q[256 + ((u >> 16) & 0xFF)]) & _M32) ^ p[j]
        p, q = self.p, self.q
        x, y, z = q[(j - 3) & 511], q[(j - 10) & 511], q[(j - 511) & 511]
        # g2(x, y, z) = (x <<< 10 ^ z <<< 23) + y <<< 8
        q[j] = (q[j] + ((_rotr(x, 22) ^ _rotr(z, 9)) + _rotr(y, 24))) & _M32
        u = q[(j - 12) & 511]
        return ((p[u & 0xFF] + p[256 + ((u >> 16) & 0xFF)]) & _M32) ^ q[j]

    def generate(self) -> list[int]:
        """The next 16 keystream words (``Hc128Core::generate``)."""
        out = []
        for _ in range(_BLOCK_WORDS):
            out.append(self._step())
            self.counter = (self.counter + 1) & 1023
        return out


class BlockCore(Protocol):
    """A block generator: each call returns the next block of 32-bit keystream words."""

    def generate(self) -> list[int]: ...


class BlockRng:
    """``rand_core`` 0.6 ``BlockRng`` over any :class:`BlockCore` (rules in the module doc).

    The buffer holds one block of whatever length the core returns (16 words for HC-128,
    64 for rand_chacha's four-block ChaCha). Every method consumes whole words, so the
    output is the core's word stream whatever the block length. Mutable.
    """

    __slots__ = ("_core", "_results", "_index")

    def __init__(self, core: BlockCore) -> None:
        self._core = core
        self._results: list[int] = []
        self._index = 0  # an empty buffer: generated on first use

    def _generate_and_set(self, index: int) -> None:
        self._results = self._core.generate()
        self._index = index

    def next_u32(self) -> int:
        if self._index >= len(self._results):
            self._generate_and_set(0)
        value = self._results[self._index]
        self._index += 1
        return value

    def next_u64(self) -> int:
        index, size = self._index, len(self._results)
        if index < size - 1:
            self._index += 2
            return self._results[index] | (self._results[index + 1] << 32)
        if index >= size:
            self._generate_and_set(2)
            return self._results[0] | (self._results[1] << 32)
        low = self._results[size - 1]
        self._generate_and_set(1)
        return low | (self._results[0] << 32)

    def fill_bytes(self, n: int) -> bytes:
        """``n`` bytes as ``BlockRng::fill_bytes`` produces them into a buffer of that size."""
        if n < 0:
            raise CryptoError("crypto.bad_rng_seed", "cannot draw a negative number of bytes")
        out = bytearray()
        while len(out) < n:
            if self._index >= len(self._results):
                self._generate_and_set(0)
            words = self._results[self._index :]
            available = struct.pack(f"<{len(words)}I", *words)
            take = min(len(available), n - len(out))
            out += available[:take]
            self._index += (take + 3) // 4
        return bytes(out)

    def __call__(self, n: int) -> bytes:
        """Lets the generator serve as an injected ``rng(n) -> bytes`` (= ``fill_bytes``)."""
        return self.fill_bytes(n)


class Hc128Rng(BlockRng):
    """``rand_hc::Hc128Rng``: HC-128 behind a 16-word ``BlockRng`` buffer. Mutable."""

    __slots__ = ()

    @classmethod
    def from_seed(cls, seed: bytes) -> Hc128Rng:
        """``SeedableRng::from_seed``: key = ``seed[0:16]``, IV = ``seed[16:32]``."""
        if len(seed) != 32:
            raise CryptoError(
                "crypto.bad_rng_seed", f"HC-128 seed must be 32 bytes, got {len(seed)}"
            )
        words = struct.unpack("<8I", seed)
        return cls(_Hc128Core(words[0:4], words[4:8]))
