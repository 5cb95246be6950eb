"""Protobuf field helpers the fog message types share, over :mod:`refimpl.protobuf`: prost's
encodings of ``uint64`` and ``int64`` (zero omitted; a negative ``int64`` is its two's
complement in ten varint bytes) and decoding with malformed bytes refused as
``fog.bad_message``.

MobileCoin: the prost-generated types of ``fog/types/src`` and ``fog/api/proto``.
"""

from __future__ import annotations

from refimpl.errors import FogError, RefImplError
from refimpl.protobuf import WIRE_LEN, Fields, parse_fields, varint_field

U64 = 2**64


def uint_field(tag: int, value: int) -> bytes:
    """A ``uint64`` / ``uint32`` field, omitted when zero."""
    return varint_field(tag, value) if value else b""


def int64_field(tag: int, value: int) -> bytes:
    """An ``int64`` field, omitted when zero."""
    return varint_field(tag, value % U64) if value else b""


def signed_int64(value: int) -> int:
    """The ``int64`` a decoded varint stands for."""
    return value - U64 if value >= 2**63 else value


def decode_fields(kind: str, data: bytes) -> Fields:
    """Parse ``data`` as the message ``kind``; malformed bytes are ``fog.bad_message``."""
    try:
        return Fields(data)
    except RefImplError as exc:
        raise FogError("fog.bad_message", f"{kind}: {exc.message}") from exc


def repeated_bytes(kind: str, data: bytes, tag: int) -> list[bytes]:
    """Every occurrence of the length-delimited field ``tag`` (``repeated bytes`` or a repeated
    message), in wire order; ``fog.bad_message`` when malformed."""
    try:
        fields = parse_fields(data)
    except RefImplError as exc:
        raise FogError("fog.bad_message", f"{kind}: {exc.message}") from exc
    out: list[bytes] = []
    for field in fields:
        if field.tag == tag:
            if field.wire_type != WIRE_LEN or not isinstance(field.value, bytes):
                raise FogError("fog.bad_message", f"{kind}: field {tag} is not length-delimited")
            out.append(field.value)
    return out
