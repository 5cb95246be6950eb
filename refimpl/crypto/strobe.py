"""The subset of STROBE-128 (v1.0.2) that Merlin transcripts use.

Mirrors ``merlin/src/strobe.rs`` of the merlin 3.0 crate: a
Keccak-f[1600] duplex with rate ``R = 166`` bytes and the operations meta-AD, AD, KEY and
PRF, each with STROBE's ``more`` flag (continue the previous operation without a new header).
Transport operations and the ``T`` flag are not part of Merlin and are not provided.

A :class:`Strobe128` is a mutable duplex state, like the Rust struct; :meth:`clone` copies it.
Besides the four operations it offers the three *framed* forms Merlin builds everything from
(``framed_ad`` is ``append_message``, ``framed_key`` is ``rekey_with_witness_bytes``,
``framed_prf`` is ``challenge_bytes``, ``merlin/src/transcript.rs``), so a transcript step is one
call.

``Strobe128`` is the C duplex of refimpl/crypto/_keccak.c when that extension is built (it keeps
the whole state in C, so a framed step costs one call instead of a dozen Python ones), else
:class:`PyStrobe128`, this module's pure-Python duplex and the tested fallback. The choice
follows :mod:`refimpl.crypto.keccak`: ``MCREF_PURE_PYTHON=1`` forces Python. Tests check that
both give the same states and outputs on random operation sequences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from refimpl.crypto import keccak
from refimpl.crypto.keccak import keccak_f1600_inplace
from refimpl.errors import CryptoError

#: STROBE-128 rate in bytes: 200 - 2 * (128 / 8) - 2.
STROBE_R = 166

FLAG_I = 1
FLAG_A = 1 << 1
FLAG_C = 1 << 2
FLAG_T = 1 << 3
FLAG_M = 1 << 4
FLAG_K = 1 << 5


def _initial_state() -> bytes:
    """The state after STROBE's fixed initialisation block (before the protocol label)."""
    st = bytearray(200)
    st[0:6] = bytes([1, STROBE_R + 2, 1, 0, 1, 96])
    st[6:18] = b"STROBEv1.0.2"
    keccak_f1600_inplace(st)
    return bytes(st)


_INITIAL_STATE = _initial_state()
_U32_LIMIT = 1 << 32


def le32(n: int) -> bytes:
    """``n`` as 4 little-endian bytes, or ``crypto.transcript_length`` if it is not a u32."""
    if not 0 <= n < _U32_LIMIT:
        raise CryptoError("crypto.transcript_length", f"length {n} does not fit in a u32")
    return n.to_bytes(4, "little")


class StrobeDuplex(Protocol):
    """What a STROBE-128 duplex offers (both :class:`PyStrobe128` and the C ``Strobe128``)."""

    def clone(self) -> StrobeDuplex: ...
    def state_bytes(self) -> bytes: ...
    def meta_ad(self, data: bytes, more: bool) -> None: ...
    def ad(self, data: bytes, more: bool) -> None: ...
    def key(self, data: bytes, more: bool) -> None: ...
    def prf(self, n: int, more: bool) -> bytes: ...
    def framed_ad(self, label: bytes, data: bytes) -> None: ...
    def framed_key(self, label: bytes, data: bytes) -> None: ...
    def framed_prf(self, label: bytes, n: int) -> bytes: ...


class PyStrobe128:
    """A STROBE-128 duplex, initialised with ``protocol_label`` as Merlin does (pure Python)."""

    __slots__ = ("_state", "_pos", "_pos_begin", "_cur_flags")
    _state: bytearray
    _pos: int
    _pos_begin: int
    _cur_flags: int

    def __init__(self, protocol_label: bytes, *, _copy_of: PyStrobe128 | None = None) -> None:
        if _copy_of is not None:
            self._state = bytearray(_copy_of._state)
            self._pos = _copy_of._pos
            self._pos_begin = _copy_of._pos_begin
            self._cur_flags = _copy_of._cur_flags
            return
        self._state = bytearray(_INITIAL_STATE)
        self._pos = 0
        self._pos_begin = 0
        self._cur_flags = 0
        self.meta_ad(protocol_label, False)

    def clone(self) -> PyStrobe128:
        """An independent copy of this duplex state."""
        return PyStrobe128(b"", _copy_of=self)

    def state_bytes(self) -> bytes:
        """The 200-byte Keccak state (for tests and debugging)."""
        return bytes(self._state)

    # --- the four operations Merlin uses -----------------------------------------------
    def meta_ad(self, data: bytes, more: bool) -> None:
        """Absorb framing metadata (flags M|A)."""
        self._begin_op(FLAG_M | FLAG_A, more)
        self._absorb(data)

    def ad(self, data: bytes, more: bool) -> None:
        """Absorb associated data (flag A)."""
        self._begin_op(FLAG_A, more)
        self._absorb(data)

    def key(self, data: bytes, more: bool) -> None:
        """Overwrite the state with key material (flags A|C)."""
        self._begin_op(FLAG_A | FLAG_C, more)
        self._overwrite(data)

    def prf(self, n: int, more: bool) -> bytes:
        """Squeeze ``n`` pseudo-random bytes (flags I|A|C)."""
        self._begin_op(FLAG_I | FLAG_A | FLAG_C, more)
        return self._squeeze(n)

    # --- the framed forms Merlin uses (merlin/src/transcript.rs) -------------------------
    def framed_ad(self, label: bytes, data: bytes) -> None:
        """meta-AD(label); meta-AD(LE32(len data), more); AD(data): ``append_message``."""
        self.meta_ad(label, False)
        self.meta_ad(le32(len(data)), True)
        self.ad(data, False)

    def framed_key(self, label: bytes, data: bytes) -> None:
        """meta-AD(label); meta-AD(LE32(len data), more); KEY(data): the witness rekey."""
        self.meta_ad(label, False)
        self.meta_ad(le32(len(data)), True)
        self.key(data, False)

    def framed_prf(self, label: bytes, n: int) -> bytes:
        """meta-AD(label); meta-AD(LE32(n), more); PRF(n): ``challenge_bytes``."""
        length = le32(n)
        self.meta_ad(label, False)
        self.meta_ad(length, True)
        return self.prf(n, False)

    # --- duplex internals (strobe.rs run_f / absorb / overwrite / squeeze / begin_op) ------
    def _run_f(self) -> None:
        st = self._state
        pos = self._pos
        st[pos] ^= self._pos_begin
        st[pos + 1] ^= 0x04
        st[STROBE_R + 1] ^= 0x80
        keccak_f1600_inplace(st)
        self._pos = 0
        self._pos_begin = 0

    def _absorb(self, data: bytes) -> None:
        st = self._state
        n = len(data)
        i = 0
        while i < n:
            pos = self._pos
            take = min(STROBE_R - pos, n - i)
            end = pos + take
            mixed = int.from_bytes(st[pos:end], "little") ^ int.from_bytes(
                data[i : i + take], "little"
            )
            st[pos:end] = mixed.to_bytes(take, "little")
            i += take
            self._pos = end
            if end == STROBE_R:
                self._run_f()

    def _overwrite(self, data: bytes) -> None:
        st = self._state
        n = len(data)
        i = 0
        while i < n:
            pos = self._pos
            take = min(STROBE_R - pos, n - i)
            end = pos + take
            st[pos:end] = data[i : i + take]
            i += take
            self._pos = end
            if end == STROBE_R:
                self._run_f()

    def _squeeze(self, n: int) -> bytes:
        st = self._state
        out = bytearray()
        while len(out) < n:
            pos = self._pos
            take = min(STROBE_R - pos, n - len(out))
            end = pos + take
            out += st[pos:end]
            st[pos:end] = bytes(take)
            self._pos = end
            if end == STROBE_R:
                self._run_f()
        return bytes(out)

    def _begin_op(self, flags: int, more: bool) -> None:
        if more:
            if flags != self._cur_flags:
                raise CryptoError(
                    "crypto.transcript_misuse",
                    f"STROBE continued flags {flags:#x} after {self._cur_flags:#x}",
                )
            return
        old_begin = self._pos_begin
        self._pos_begin = self._pos + 1
        self._cur_flags = flags
        self._absorb(bytes((old_begin, flags)))
        if flags & (FLAG_C | FLAG_K) and self._pos != 0:
            self._run_f()


def _native_strobe() -> Callable[[bytes], StrobeDuplex] | None:
    """The C duplex of refimpl/crypto/_keccak.c, if built (and not a build that predates it)."""
    if not keccak.NATIVE:
        return None
    from refimpl.crypto import _keccak  # type: ignore[attr-defined]

    native: Callable[[bytes], StrobeDuplex] | None = getattr(_keccak, "Strobe128", None)
    return native


_NATIVE_STROBE = _native_strobe()

#: True when :data:`Strobe128` is the C duplex.
NATIVE = _NATIVE_STROBE is not None

#: Make a STROBE-128 duplex from a protocol label: the C one when built, else :class:`PyStrobe128`.
Strobe128: Callable[[bytes], StrobeDuplex] = _NATIVE_STROBE or PyStrobe128
