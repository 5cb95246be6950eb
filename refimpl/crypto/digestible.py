"""MobileCoin's ``digestible`` canonical hashing scheme, over Merlin.

Mirrors ``crypto/digestible/src/lib.rs`` and the ``#[derive(Digestible)]`` rules of
``crypto/digestible/derive/src/lib.rs``. A value is walked as an
AST whose nodes are appended to a Merlin transcript with ``append_message``:

* primitive(ctx, type, data):  ``(ctx, "prim")``, ``(type, data)``;
* sequence(ctx, items), n > 0: ``(ctx, "seq")``, ``("len", LE64(n))``, items with context ``""``;
* aggregate(ctx, Name, …):      ``(ctx, "agg")``, ``("name", Name)``, fields (each under its field
  name), ``(ctx, "agg-end")``, ``("name", Name)``;
* variant(ctx, Enum, i, …):     ``(ctx, "var")``, ``("name", Enum)``, ``("which", LE32(i))``,
  then the payload under the variant's name;
* none(ctx):                   ``(ctx, "")``.

Struct fields are appended in *allow-omit* mode by default: an empty byte string, an empty
string, an empty sequence or an absent optional contributes nothing at all. With
``never_omit`` (``omit_empty=False`` here) they are appended: empty bytes/str as a primitive
with empty data, an empty sequence or ``None`` as a none node.

Describe a type by implementing :class:`Digestible` (``append_to(writer, context)``) with the
:class:`DigestWriter` helpers, e.g.::

    def append_to(self, w: DigestWriter, ctx: bytes) -> None:
        w.agg(ctx, b"TxOut", lambda: (
            w.value(b"amount", self.masked_amount),
            w.ristretto(b"target_key", self.target_key),
            w.bytes_(b"e_fog_hint", self.e_fog_hint),
        ))

and hash it with :func:`digest32` (transcript ``"digestible"``, challenge ``"digest32"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar, runtime_checkable

from refimpl.crypto.merlin import Transcript
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import EncodingError

# ast_domain_separators (crypto/digestible/src/lib.rs)
PRIMITIVE = b"prim"
SEQUENCE = b"seq"
AGGREGATE = b"agg"
AGGREGATE_END = b"agg-end"
VARIANT = b"var"
NONE = b""

#: The transcript label and challenge label of ``Digestible::digest32::<MerlinTranscript>``.
DIGEST_TRANSCRIPT_LABEL = b"digestible"
DIGEST32_LABEL = b"digest32"

T = TypeVar("T")
_U64 = 1 << 64


@runtime_checkable
class Digestible(Protocol):
    """A value with a digestible AST layout (Rust ``trait Digestible``)."""

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        """Append this value's AST node(s) under ``context``."""
        ...


def _uint(n: int, width: int, what: str) -> bytes:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < 1 << (8 * width):
        raise EncodingError(
            "encoding.integer_out_of_range", f"{what} must be an integer in [0, 2^{8 * width})"
        )
    return n.to_bytes(width, "little")


def _int(n: int, width: int, what: str) -> bytes:
    bound = 1 << (8 * width - 1)
    if not isinstance(n, int) or isinstance(n, bool) or not -bound <= n < bound:
        raise EncodingError(
            "encoding.integer_out_of_range", f"{what} must be an integer in [-2^{8 * width - 1}, "
            f"2^{8 * width - 1})"
        )
    return n.to_bytes(width, "little", signed=True)


def _fixed(data: bytes | Point | Scalar, what: str) -> bytes:
    raw = data.to_bytes() if isinstance(data, Point | Scalar) else data
    if not isinstance(raw, bytes | bytearray) or len(raw) != 32:
        raise EncodingError("encoding.bad_length", f"{what} must be 32 bytes")
    return bytes(raw)


class DigestWriter:
    """Appends digestible AST nodes to a Merlin transcript (Rust ``DigestTranscript``).

    Every node goes straight to the transcript's duplex (``Transcript.message_appender``):
    a transaction prefix is about 1500 appends, so the Python frames per append matter."""

    __slots__ = ("transcript", "_ad")

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self._ad = transcript.message_appender()

    # --- the raw framing call and the five node kinds ------------------------------------
    def append(self, context: bytes, data: bytes) -> None:
        """``DigestTranscript::append_bytes`` = Merlin ``append_message``."""
        self._ad(context, data)

    def prim(self, ctx: bytes, type_name: bytes, data: bytes) -> None:
        """A primitive node (``append_primitive``)."""
        ad = self._ad
        ad(ctx, PRIMITIVE)
        ad(type_name, data)

    def none(self, ctx: bytes) -> None:
        """The absence of data (``append_none``)."""
        self._ad(ctx, NONE)

    def agg(self, ctx: bytes, name: bytes, fields: Callable[[], object]) -> None:
        """An aggregate: header, whatever ``fields()`` appends, closer. No field count."""
        self.agg_header(ctx, name)
        fields()
        self.agg_closer(ctx, name)

    def agg_header(self, ctx: bytes, name: bytes) -> None:
        ad = self._ad
        ad(ctx, AGGREGATE)
        ad(b"name", name)

    def agg_closer(self, ctx: bytes, name: bytes) -> None:
        ad = self._ad
        ad(ctx, AGGREGATE_END)
        ad(b"name", name)

    def seq(
        self,
        ctx: bytes,
        items: Sequence[T],
        item: Callable[[bytes, T], object],
        *,
        omit_empty: bool = True,
    ) -> None:
        """A sequence; ``item(b"", x)`` appends each element. Empty: nothing, or none if kept."""
        if not items:
            if not omit_empty:
                self.none(ctx)
            return
        self.seq_header(ctx, len(items))
        for x in items:
            item(b"", x)

    def seq_header(self, ctx: bytes, length: int) -> None:
        ad = self._ad
        ad(ctx, SEQUENCE)
        ad(b"len", _uint(length, 8, "sequence length"))

    def var(
        self,
        ctx: bytes,
        enum_name: bytes,
        which: int,
        variant_name: bytes,
        payload: Callable[[bytes], object] | None,
    ) -> None:
        """A (non-transparent) enum variant; ``which`` is the declaration index (a u32).

        ``payload(variant_name)`` appends the variant's data; a unit variant (``None``)
        appends a none node under the variant name. Payloads are never omitted.
        """
        ad = self._ad
        ad(ctx, VARIANT)
        ad(b"name", enum_name)
        ad(b"which", _uint(which, 4, "variant index"))
        if payload is None:
            self.none(variant_name)
        else:
            payload(variant_name)

    # --- primitives -----------------------------------------------------------------------
    def uint16(self, ctx: bytes, n: int) -> None:
        self.prim(ctx, b"uint", _uint(n, 2, "u16"))

    def uint32(self, ctx: bytes, n: int) -> None:
        self.prim(ctx, b"uint", _uint(n, 4, "u32"))

    def uint64(self, ctx: bytes, n: int) -> None:
        """u64 (and usize, which digestible hashes as u64)."""
        ad = self._ad
        ad(ctx, PRIMITIVE)
        ad(b"uint", n.to_bytes(8, "little") if type(n) is int and 0 <= n < _U64 else
           _uint(n, 8, "u64"))

    def int8(self, ctx: bytes, n: int) -> None:
        self.prim(ctx, b"int", _int(n, 1, "i8"))

    def int16(self, ctx: bytes, n: int) -> None:
        self.prim(ctx, b"int", _int(n, 2, "i16"))

    def int32(self, ctx: bytes, n: int) -> None:
        self.prim(ctx, b"int", _int(n, 4, "i32"))

    def int64(self, ctx: bytes, n: int) -> None:
        self.prim(ctx, b"int", _int(n, 8, "i64"))

    def bool_(self, ctx: bytes, b: bool) -> None:
        self.prim(ctx, b"bool", b"\x01" if b else b"\x00")

    def bytes_(self, ctx: bytes, b: bytes, *, omit_empty: bool = True) -> None:
        """``[u8; N]``, ``GenericArray<u8, _>``, ``Vec<u8>``: primitive ``bytes``."""
        if not b and omit_empty:
            return
        ad = self._ad
        ad(ctx, PRIMITIVE)
        ad(b"bytes", b if type(b) is bytes else bytes(b))

    def str_(self, ctx: bytes, s: str, *, omit_empty: bool = True) -> None:
        """``String`` / ``&str``: primitive ``str`` of the UTF-8 bytes."""
        if not s and omit_empty:
            return
        try:
            data = s.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise EncodingError("encoding.bad_utf8", "string is not encodable as UTF-8") from exc
        self.prim(ctx, b"str", data)

    def scalar(self, ctx: bytes, s: Scalar | bytes) -> None:
        """dalek ``Scalar`` (and transparent ``RistrettoPrivate``, ``CurveScalar``)."""
        self.prim(ctx, b"scalar", _fixed(s, "scalar"))

    def ristretto(self, ctx: bytes, p: Point | bytes) -> None:
        """``CompressedRistretto`` (and the transparent ``RistrettoPublic``, ``KeyImage``,
        ``CompressedCommitment`` …): primitive ``ristretto`` of the 32-byte encoding."""
        ad = self._ad
        ad(ctx, PRIMITIVE)
        ad(b"ristretto", p.to_bytes() if type(p) is Point else _fixed(p, "ristretto point"))

    def ed25519(self, ctx: bytes, public_key: bytes) -> None:
        self.prim(ctx, b"ed25519", _fixed(public_key, "ed25519 public key"))

    def x25519(self, ctx: bytes, public_key: bytes) -> None:
        self.prim(ctx, b"x25519", _fixed(public_key, "x25519 public key"))

    def ed25519_sig(self, ctx: bytes, signature: bytes) -> None:
        if len(signature) != 64:
            raise EncodingError("encoding.bad_length", "ed25519 signature must be 64 bytes")
        self.prim(ctx, b"ed25519-sig", bytes(signature))

    # --- composites of Digestible values ----------------------------------------------------
    def value(self, ctx: bytes, v: Digestible) -> None:
        """Append a nested :class:`Digestible` value under ``ctx``."""
        v.append_to(self, ctx)

    def option(
        self,
        ctx: bytes,
        v: T | None,
        some: Callable[[bytes, T], object],
        *,
        omit_none: bool = True,
    ) -> None:
        """``Option<T>``: ``Some(v)`` is transparent; ``None`` is omitted or a none node."""
        if v is None:
            if not omit_none:
                self.none(ctx)
            return
        some(ctx, v)

    def values(self, ctx: bytes, items: Sequence[Digestible], *, omit_empty: bool = True) -> None:
        """``Vec<T: Digestible>``: a sequence of nested values."""
        self.seq(ctx, items, self.value, omit_empty=omit_empty)

    def tuple2(self, ctx: bytes, first: Callable[[bytes], object],
               second: Callable[[bytes], object]) -> None:
        """``(&T, &U)``: aggregate ``"Tuple"`` with fields ``"0"`` and ``"1"`` (also the
        element form of ``BTreeMap``)."""
        self.agg_header(ctx, b"Tuple")
        first(b"0")
        second(b"1")
        self.agg_closer(ctx, b"Tuple")

    def fields(self, ctx: bytes, name: bytes, appenders: Iterable[Callable[[], object]]) -> None:
        """An aggregate from a list of zero-argument appenders (one per field)."""
        self.agg_header(ctx, name)
        for append_field in appenders:
            append_field()
        self.agg_closer(ctx, name)


def digest32(value: Digestible, context: bytes) -> bytes:
    """``value.digest32::<MerlinTranscript>(context)``: the 32-byte digestible hash."""
    transcript = Transcript(DIGEST_TRANSCRIPT_LABEL)
    value.append_to(DigestWriter(transcript), context)
    return transcript.challenge_bytes(DIGEST32_LABEL, 32)


def digest32_with(context: bytes, append: Callable[[DigestWriter, bytes], object]) -> bytes:
    """The digest32 of whatever ``append(writer, context)`` writes (for ad-hoc layouts)."""
    transcript = Transcript(DIGEST_TRANSCRIPT_LABEL)
    append(DigestWriter(transcript), context)
    return transcript.challenge_bytes(DIGEST32_LABEL, 32)
