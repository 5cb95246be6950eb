"""Small, shared input codecs: hex parsing with typed errors."""

from __future__ import annotations

import binascii

from refimpl.errors import EncodingError


def parse_hex(text: str, length: int | None = None, what: str = "value") -> bytes:
    """Decode lowercase or uppercase hex; ``length`` (in bytes) is enforced when given."""
    cleaned = text.strip()
    if cleaned.startswith(("0x", "0X")):
        cleaned = cleaned[2:]
    try:
        data = binascii.unhexlify(cleaned)
    except (binascii.Error, ValueError) as exc:
        raise EncodingError("encoding.bad_hex", f"{what} is not valid hex") from exc
    if length is not None and len(data) != length:
        raise EncodingError(
            "encoding.bad_length", f"{what} must be {length} bytes, got {len(data)}"
        )
    return data
