"""Merlin transcripts (merlin 3.0), over our STROBE-128.

Mirrors ``merlin/src/transcript.rs`` of the merlin 3.0 crate (dalek-cryptography/merlin):

* ``Transcript::new(label)``: STROBE-128 with protocol label ``"Merlin v1.0"``, then
  ``append_message("dom-sep", label)``;
* ``append_message(label, msg)``: meta-AD(label); meta-AD(LE32(len msg), more); AD(msg);
* ``challenge_bytes(label, n)``: meta-AD(label); meta-AD(LE32(n), more); PRF(n);
* ``build_rng()``: a :class:`TranscriptRngBuilder` over a clone of the STROBE state;
  ``rekey_with_witness_bytes(label, w)``: meta-AD(label); meta-AD(LE32(len w), more); KEY(w);
  ``finalize(rng)``: 32 bytes from the external RNG, meta-AD("rng"), KEY(those bytes);
  each :meth:`TranscriptRng.fill_bytes` is meta-AD(LE32(n)) then PRF(n).

A transcript is a mutable, stateful object (as in Rust); :meth:`Transcript.clone` forks it.
Each framed step is one call on the duplex (:mod:`refimpl.crypto.strobe`: C when built).
"""

from __future__ import annotations

from collections.abc import Callable

from refimpl.crypto.ristretto import RandomSource
from refimpl.crypto.strobe import Strobe128, StrobeDuplex, le32
from refimpl.errors import CryptoError

MERLIN_PROTOCOL_LABEL = b"Merlin v1.0"


class Transcript:
    """A Merlin transcript: a domain-separated, stateful Fiat-Shamir hash."""

    __slots__ = ("_strobe",)

    def __init__(self, label: bytes, *, _strobe: StrobeDuplex | None = None) -> None:
        if _strobe is not None:
            self._strobe = _strobe
            return
        self._strobe = Strobe128(MERLIN_PROTOCOL_LABEL)
        self._strobe.framed_ad(b"dom-sep", label)

    def clone(self) -> Transcript:
        """An independent copy (Rust ``Transcript: Clone``)."""
        return Transcript(b"", _strobe=self._strobe.clone())

    def append_message(self, label: bytes, message: bytes) -> None:
        self._strobe.framed_ad(label, message)

    def message_appender(self) -> Callable[[bytes, bytes], None]:
        """:meth:`append_message` of this transcript as the duplex's own bound method (one C
        call per append, no Python frame in between: the digestible writer's hot path)."""
        return self._strobe.framed_ad

    def append_u64(self, label: bytes, value: int) -> None:
        """``append_message(label, LE64(value))``; ``value`` must be in ``[0, 2^64)``."""
        if not 0 <= value < 1 << 64:
            raise CryptoError("crypto.transcript_length", f"{value} does not fit in a u64")
        self.append_message(label, value.to_bytes(8, "little"))

    def challenge_bytes(self, label: bytes, n: int) -> bytes:
        return self._strobe.framed_prf(label, n)

    def build_rng(self) -> TranscriptRngBuilder:
        """Start a transcript-bound RNG (the prover's witness-rekeyed nonce generator)."""
        return TranscriptRngBuilder(self._strobe.clone())


class TranscriptRngBuilder:
    """Rekeys a cloned transcript state with witness data, then with external randomness."""

    __slots__ = ("_strobe",)

    def __init__(self, strobe: StrobeDuplex) -> None:
        self._strobe = strobe

    def rekey_with_witness_bytes(self, label: bytes, witness: bytes) -> TranscriptRngBuilder:
        self._strobe.framed_key(label, witness)
        return self

    def finalize(self, rng: bytes | RandomSource) -> TranscriptRng:
        """Key with 32 bytes of external randomness: given directly or drawn as ``rng(32)``."""
        random_bytes = rng if isinstance(rng, bytes | bytearray) else rng(32)
        if len(random_bytes) != 32:
            raise CryptoError("crypto.bad_rng_seed", "finalize needs exactly 32 random bytes")
        strobe = self._strobe
        strobe.meta_ad(b"rng", False)
        strobe.key(bytes(random_bytes), False)
        return TranscriptRng(strobe)


class TranscriptRng:
    """The finalised transcript RNG (Rust ``TranscriptRng``: ``RngCore + CryptoRng``)."""

    __slots__ = ("_strobe",)

    def __init__(self, strobe: StrobeDuplex) -> None:
        self._strobe = strobe

    def fill_bytes(self, n: int) -> bytes:
        strobe = self._strobe
        strobe.meta_ad(le32(n), False)
        return strobe.prf(n, False)

    def __call__(self, n: int) -> bytes:
        """Lets a TranscriptRng serve as an injected ``rng(n) -> bytes``."""
        return self.fill_bytes(n)
