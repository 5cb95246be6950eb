"""ChaCha as ``rand_chacha`` 0.3's ``ChaCha{8,12,20}Rng``; ``StdRng`` of rand 0.8 is ChaCha12.

MobileCoin's test-vector generators seed ``rand::rngs::StdRng::from_seed([2u8; 32])``
(``test-vectors/memos/build.rs``, ``test-vectors/tx-out-records/build.rs``),
so regenerating the keys hidden behind those vectors needs this generator word for word.

* Cipher: D. J. Bernstein, "ChaCha, a variant of Salsa20" (2008), §2: the 16-word state is
  the constants ``"expand 32-byte k"``, the 8 key words, a 64-bit block counter (words 12
  and 13, low word first) and a 64-bit stream id (words 14 and 15); a block is ``rounds``/2
  double rounds (column then diagonal quarter-rounds) plus the input state, output as
  little-endian words.
* ``SeedableRng::from_seed(seed32)``: key = seed (eight little-endian words), counter 0,
  stream 0. rand_chacha's core fills four consecutive blocks (64 words) per refill.
* Buffering: ``rand_core`` 0.6 ``BlockRng``, shared with HC-128
  (:class:`refimpl.crypto.rng.BlockRng`).
"""

from __future__ import annotations

import struct

from refimpl.crypto.rng import BlockRng
from refimpl.errors import CryptoError

_M32 = 0xFFFFFFFF
_CONSTANTS = struct.unpack("<4I", b"expand 32-byte k")
_BLOCKS_PER_REFILL = 4
_U64 = 2**64


def _rotl(x: int, n: int) -> int:
    return ((x << n) & _M32) | (x >> (32 - n))


def _quarter_round(s: list[int], a: int, b: int, c: int, d: int) -> None:
    s[a] = (s[a] + s[b]) & _M32
    s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & _M32
    s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & _M32
    s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & _M32
    s[b] = _rotl(s[b] ^ s[c], 7)


def chacha_block(key_words: tuple[int, ...], counter: int, stream: int, rounds: int) -> list[int]:
    """One 16-word ChaCha block for a 64-bit ``counter`` and 64-bit ``stream`` id."""
    state = [
        *_CONSTANTS,
        *key_words,
        counter & _M32,
        counter >> 32,
        stream & _M32,
        stream >> 32,
    ]
    work = list(state)
    for _ in range(rounds // 2):
        _quarter_round(work, 0, 4, 8, 12)
        _quarter_round(work, 1, 5, 9, 13)
        _quarter_round(work, 2, 6, 10, 14)
        _quarter_round(work, 3, 7, 11, 15)
        _quarter_round(work, 0, 5, 10, 15)
        _quarter_round(work, 1, 6, 11, 12)
        _quarter_round(work, 2, 7, 8, 13)
        _quarter_round(work, 3, 4, 9, 14)
    return [(w + s) & _M32 for w, s in zip(work, state, strict=True)]


class _ChaChaCore:
    """rand_chacha's ``ChaChaXCore``: key, rounds, stream id and the next block counter."""

    __slots__ = ("key_words", "rounds", "stream", "counter")

    def __init__(self, key: bytes, rounds: int, stream: int = 0) -> None:
        self.key_words = struct.unpack("<8I", key)
        self.rounds = rounds
        self.stream = stream
        self.counter = 0

    def generate(self) -> list[int]:
        """The next four blocks (64 words); the block counter wraps modulo 2^64."""
        out: list[int] = []
        for _ in range(_BLOCKS_PER_REFILL):
            out += chacha_block(self.key_words, self.counter, self.stream, self.rounds)
            self.counter = (self.counter + 1) % _U64
        return out


class ChaChaRng(BlockRng):
    """``rand_chacha::ChaChaXRng`` for X = ``rounds``. Mutable."""

    __slots__ = ()

    @classmethod
    def from_seed(cls, seed: bytes, rounds: int = 12) -> ChaChaRng:
        """``SeedableRng::from_seed``: the seed is the key; counter and stream start at 0."""
        if len(seed) != 32:
            raise CryptoError(
                "crypto.bad_rng_seed", f"a ChaCha seed must be 32 bytes, got {len(seed)}"
            )
        if rounds not in (8, 12, 20):
            raise CryptoError("crypto.bad_rng_seed", f"ChaCha has 8, 12 or 20 rounds, not {rounds}")
        return cls(_ChaChaCore(seed, rounds))


def std_rng_from_seed(seed: bytes) -> ChaChaRng:
    """``rand::rngs::StdRng::from_seed`` (rand 0.8 / rand_chacha 0.3): ChaCha with 12 rounds."""
    return ChaChaRng.from_seed(seed, rounds=12)
