"""A minimal hand-written protobuf wire-format reader and writer, as prost 0.12 reads and writes it.

Only the wire format is modelled (https://protobuf.dev/programming-guides/encoding/): varints
(wire type 0), fixed64 (1), length-delimited (2) and fixed32 (5). Groups (3, 4) and the
reserved wire types 6, 7 are rejected, as prost rejects them. Messages are described by the
code that reads them: :func:`parse_fields` splits a buffer into :class:`Field` records and
:class:`Fields` answers singular-field queries with prost's semantics:

* a scalar or bytes/string field that occurs several times takes its last value;
* an embedded message field that occurs several times is merged, which on the wire is the
  same as parsing the concatenation of its occurrences (:meth:`Fields.get_message`);
* unknown fields are skipped.

Every malformed input raises ``EncodingError("encoding.bad_protobuf")`` (or
``encoding.bad_utf8`` for a string field that is not UTF-8), never another exception.
The writer side emits fields in the order the caller gives, which for prost-derived messages
is ascending tag order; proto3 omits empty strings/bytes, and the caller decides that.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from refimpl.errors import EncodingError

WIRE_VARINT = 0
WIRE_FIXED64 = 1
WIRE_LEN = 2
WIRE_FIXED32 = 5

_U64_MAX = 2**64 - 1
_MAX_TAG = 2**29 - 1


def _bad(message: str) -> EncodingError:
    return EncodingError("encoding.bad_protobuf", message)


# --- writer --------------------------------------------------------------------------------


def encode_varint(value: int) -> bytes:
    """LEB128 of an unsigned 64-bit integer (1 to 10 bytes)."""
    if not 0 <= value <= _U64_MAX:
        raise EncodingError("encoding.integer_out_of_range", f"varint {value} is not a u64")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_key(tag: int, wire_type: int) -> bytes:
    """The field key ``(tag << 3) | wire_type`` as a varint."""
    if not 1 <= tag <= _MAX_TAG:
        raise EncodingError("encoding.integer_out_of_range", f"field tag {tag} out of range")
    return encode_varint((tag << 3) | wire_type)


def varint_field(tag: int, value: int) -> bytes:
    """A ``uint64``/``uint32``/``bool`` field (wire type 0)."""
    return encode_key(tag, WIRE_VARINT) + encode_varint(value)


def fixed64_field(tag: int, value: int) -> bytes:
    """A ``fixed64`` field: 8 little-endian bytes."""
    if not 0 <= value <= _U64_MAX:
        raise EncodingError("encoding.integer_out_of_range", f"fixed64 {value} is not a u64")
    return encode_key(tag, WIRE_FIXED64) + value.to_bytes(8, "little")


def fixed32_field(tag: int, value: int) -> bytes:
    """A ``fixed32`` field: 4 little-endian bytes."""
    if not 0 <= value < 2**32:
        raise EncodingError("encoding.integer_out_of_range", f"fixed32 {value} is not a u32")
    return encode_key(tag, WIRE_FIXED32) + value.to_bytes(4, "little")


def bytes_field(tag: int, data: bytes) -> bytes:
    """A length-delimited field: ``bytes``, ``string`` (UTF-8) or an embedded message."""
    return encode_key(tag, WIRE_LEN) + encode_varint(len(data)) + data


def string_field(tag: int, text: str) -> bytes:
    return bytes_field(tag, text.encode("utf-8"))


def omit_empty(tag: int, data: bytes) -> bytes:
    """proto3 rule for ``bytes``/``string``: an empty value is not written at all."""
    return bytes_field(tag, data) if data else b""


# --- reader --------------------------------------------------------------------------------


def decode_varint(data: bytes, pos: int) -> tuple[int, int]:
    """Read a varint at ``pos``; return ``(value, next_pos)``. At most 10 bytes, value < 2^64."""
    value = 0
    shift = 0
    for i in range(10):
        if pos + i >= len(data):
            raise _bad("truncated varint")
        byte = data[pos + i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if value > _U64_MAX:
                raise _bad("varint overflows 64 bits")
            return value, pos + i + 1
        shift += 7
    raise _bad("varint longer than 10 bytes")


@attrs.frozen
class Field:
    """One field occurrence: its tag, wire type and value (an int, or bytes for wire type 2)."""

    tag: int
    wire_type: int
    value: int | bytes


def parse_fields(data: bytes) -> tuple[Field, ...]:
    """Split an encoded message into its field occurrences, in wire order."""
    fields: list[Field] = []
    pos = 0
    while pos < len(data):
        key, pos = decode_varint(data, pos)
        if key > 0xFFFFFFFF:
            raise _bad("field key does not fit 32 bits")
        tag, wire_type = key >> 3, key & 7
        if tag == 0:
            raise _bad("field tag 0 is invalid")
        if wire_type == WIRE_VARINT:
            value, pos = decode_varint(data, pos)
            fields.append(Field(tag, wire_type, value))
        elif wire_type == WIRE_FIXED64 or wire_type == WIRE_FIXED32:
            width = 8 if wire_type == WIRE_FIXED64 else 4
            if pos + width > len(data):
                raise _bad("truncated fixed-width field")
            fields.append(Field(tag, wire_type, int.from_bytes(data[pos : pos + width], "little")))
            pos += width
        elif wire_type == WIRE_LEN:
            length, pos = decode_varint(data, pos)
            if length > len(data) - pos:
                raise _bad("length-delimited field runs past the end")
            fields.append(Field(tag, wire_type, bytes(data[pos : pos + length])))
            pos += length
        else:
            raise _bad(f"unsupported wire type {wire_type} (field {tag})")
    return tuple(fields)


class Fields:
    """Singular-field queries over a parsed message, with prost's merge semantics."""

    def __init__(self, data: bytes) -> None:
        self._fields = parse_fields(data)

    def _occurrences(self, tag: int, wire_type: int) -> list[int | bytes]:
        found = []
        for f in self._fields:
            if f.tag == tag:
                if f.wire_type != wire_type:
                    raise _bad(f"field {tag} has wire type {f.wire_type}, expected {wire_type}")
                found.append(f.value)
        return found

    def tags(self) -> Iterable[int]:
        """The tags present, in first-seen order."""
        return dict.fromkeys(f.tag for f in self._fields).keys()

    def has(self, tag: int) -> bool:
        return any(f.tag == tag for f in self._fields)

    def get_bytes(self, tag: int) -> bytes:
        """A ``bytes`` field: last occurrence wins; absent means empty."""
        found = self._occurrences(tag, WIRE_LEN)
        value = found[-1] if found else b""
        assert isinstance(value, bytes)
        return value

    def get_string(self, tag: int) -> str:
        """A ``string`` field: last occurrence wins; must be UTF-8; absent means ``""``."""
        raw = self.get_bytes(tag)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EncodingError("encoding.bad_utf8", f"field {tag} is not UTF-8") from exc

    def get_message(self, tag: int) -> bytes | None:
        """An embedded message: all occurrences merged (concatenated); ``None`` when absent."""
        found = self._occurrences(tag, WIRE_LEN)
        if not found:
            return None
        return b"".join(v for v in found if isinstance(v, bytes))

    def get_uint(self, tag: int) -> int:
        """A ``uint64``/``uint32``/``bool`` varint field: last occurrence wins; absent is 0."""
        found = self._occurrences(tag, WIRE_VARINT)
        value = found[-1] if found else 0
        assert isinstance(value, int)
        return value

    def get_fixed64(self, tag: int) -> int:
        """A ``fixed64`` field: last occurrence wins; absent is 0."""
        found = self._occurrences(tag, WIRE_FIXED64)
        value = found[-1] if found else 0
        assert isinstance(value, int)
        return value

    def get_fixed32(self, tag: int) -> int:
        """A ``fixed32`` field: last occurrence wins; absent is 0."""
        found = self._occurrences(tag, WIRE_FIXED32)
        value = found[-1] if found else 0
        assert isinstance(value, int)
        return value

    def get_oneof_bytes(self, tags: Iterable[int]) -> tuple[int, bytes] | None:
        """A ``oneof`` of bytes fields: the last occurrence of any of ``tags`` wins, as prost
        replaces a oneof's value with each variant it reads. ``None`` when none occurs."""
        wanted = set(tags)
        last: tuple[int, bytes] | None = None
        for f in self._fields:
            if f.tag in wanted:
                if f.wire_type != WIRE_LEN or not isinstance(f.value, bytes):
                    raise _bad(f"field {f.tag} has wire type {f.wire_type}, expected {WIRE_LEN}")
                last = (f.tag, f.value)
        return last
