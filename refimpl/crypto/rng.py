"""HC-128 as ``rand_hc`` 0.3's ``Hc128Rng``, with ``rand_core`` 0.6 ``BlockRng`` buffering.

MobileCoin's tests seed ``Hc128Rng`` (``util/test-helper/src/lib.rs`` ``RngType``) and the
schnorrkel nonce of ``crypto/keys/src/ristretto.rs`` draws from one (and the test-vector generators
under ``test-vectors/``), so reproducing their outputs needs this generator byte for byte.

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


class _Hc128Core:
    """The HC-128 keystream: tables P and Q (512 words each) and the step counter.

    The rotations are written inline as ``(x >> n) | (x << (32 - n))`` without masking: the
    bits that spill above bit 31 only reach sums and XORs whose result is masked to 32 bits
    before it is stored or returned, so they never affect a stored word.
    """

    __slots__ = ("p", "q", "counter")

    def __init__(self, key: tuple[int, ...], iv: tuple[int, ...]) -> None:
        # §3.1 steps 1-2: expand key and IV into W[0..1279]; P = W[256..767], Q = W[768..1279].
        w = [*key, *key, *iv, *iv] + [0] * (1280 - 16)
        for i in range(16, 1280):
            x, y = w[i - 2], w[i - 15]
            f2 = ((x >> 17) | (x << 15)) ^ ((x >> 19) | (x << 13)) ^ (x >> 10)
            f1 = ((y >> 7) | (y << 25)) ^ ((y >> 18) | (y << 14)) ^ (y >> 3)
            w[i] = (f2 + w[i - 7] + f1 + w[i - 16] + i) & _M32
        self.p = w[256:768]
        self.q = w[768:1280]
        self.counter = 0
        # §3.1 step 3: run 1024 steps, each output at once replacing the entry it updated.
        self._keystream(512, replace=True)
        self._keystream(512, replace=True)
        self.counter = 0

    def _keystream(self, count: int, *, replace: bool = False) -> list[int]:
        """The next ``count`` keystream words (§3.2); they must not cross a P/Q half.

        With ``replace`` (initialisation), each output word overwrites its table entry
        before the next step, as §3.1 step 3 requires."""
        m = _M32
        p, q = self.p, self.q
        j0 = self.counter & 511
        out = []
        if self.counter < 512:
            # P steps: g1(x, y, z) = (x >>> 10 ^ z >>> 23) + y >>> 8; h1 indexes Q.
            for j in range(j0, j0 + count):
                x, y, z = p[(j - 3) & 511], p[(j - 10) & 511], p[(j + 1) & 511]
                v = (
                    p[j]
                    + (((x >> 10) | (x << 22)) ^ ((z >> 23) | (z << 9)))
                    + ((y >> 8) | (y << 24))
                ) & m
                p[j] = v
                u = p[(j - 12) & 511]
                word = ((q[u & 0xFF] + q[256 + ((u >> 16) & 0xFF)]) & m) ^ v
                if replace:
                    p[j] = word
                out.append(word)
        else:
            # Q steps: g2(x, y, z) = (x <<< 10 ^ z <<< 23) + y <<< 8; h2 indexes P.
            for j in range(j0, j0 + count):
                x, y, z = q[(j - 3) & 511], q[(j - 10) & 511], q[(j + 1) & 511]
                v = (
                    q[j]
                    + (((x << 10) | (x >> 22)) ^ ((z << 23) | (z >> 9)))
                    + ((y << 8) | (y >> 24))
                ) & m
                q[j] = v
                u = q[(j - 12) & 511]
                word = ((p[u & 0xFF] + p[256 + ((u >> 16) & 0xFF)]) & m) ^ v
                if replace:
                    q[j] = word
                out.append(word)
        self.counter = (self.counter + count) & 1023
        return out

    def generate(self) -> list[int]:
        """The next 16 keystream words (``Hc128Core::generate``)."""
        return self._keystream(_BLOCK_WORDS)


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
