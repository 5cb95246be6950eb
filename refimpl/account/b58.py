"""The b58 form of a public address.

MobileCoin ``api/src/display.rs`` and ``api/proto/printable.proto``:

``b58 = base58_bitcoin(LE32(CRC-32/ISO-HDLC(w)) || w)`` where ``w`` is the protobuf encoding of a
``PrintableWrapper``::

    message PrintableWrapper {
        oneof wrapper {
            PublicAddress public_address = 1;
            PaymentRequest payment_request = 2;
            TransferPayload transfer_payload = 3;
            TxOutGiftCode tx_out_gift_code = 4;
        }
    }

Decoding needs at least 5 bytes and checks the CRC of ``bytes[4:]`` against ``bytes[0:4]``.
Only the ``public_address`` kind is handled here; a wrapper of another kind is rejected with
``address.not_a_public_address`` (MobileCoin ``api/src/display.rs``). Base58 is Bitcoin's alphabet
(bs58 0.4 default), written out here: leading zero bytes become leading ``1`` characters.
"""

from __future__ import annotations

import zlib

from refimpl import protobuf as pb
from refimpl.account.public_address import PublicAddress
from refimpl.errors import AddressError, EncodingError

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}

WRAPPER_PUBLIC_ADDRESS = 1
WRAPPER_KINDS = {
    1: "public_address",
    2: "payment_request",
    3: "transfer_payload",
    4: "tx_out_gift_code",
}
_CHECKSUM_LENGTH = 4


# --- base58 (Bitcoin alphabet) -------------------------------------------------------------


def b58encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet; each leading zero byte becomes ``1``."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    n = int.from_bytes(data, "big")
    digits = []
    while n:
        n, r = divmod(n, 58)
        digits.append(ALPHABET[r])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; any character outside the alphabet is rejected."""
    n = 0
    for position, char in enumerate(text):
        digit = _INDEX.get(char)
        if digit is None:
            raise EncodingError(
                "encoding.bad_base58",
                f"character {char!r} at position {position} is not in the base58 alphabet",
            )
        n = n * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * zeros + body


# --- checksummed payload -------------------------------------------------------------------


def encode_checked(payload: bytes) -> str:
    """``base58(LE32(crc32(payload)) || payload)``."""
    return b58encode(zlib.crc32(payload).to_bytes(4, "little") + payload)


def decode_checked(text: str) -> bytes:
    """Decode and verify the CRC-32 prefix; return the payload after it."""
    raw = b58decode(text)
    if len(raw) <= _CHECKSUM_LENGTH:
        raise EncodingError(
            "encoding.too_short",
            f"a b58 payload has a 4-byte checksum and data: got {len(raw)} bytes",
        )
    expected = int.from_bytes(raw[:_CHECKSUM_LENGTH], "little")
    payload = raw[_CHECKSUM_LENGTH:]
    if zlib.crc32(payload) != expected:
        raise EncodingError("encoding.bad_checksum", "the b58 checksum does not match")
    return payload


# --- PrintableWrapper ----------------------------------------------------------------------


def wrap_public_address(address: PublicAddress) -> bytes:
    """``PrintableWrapper { public_address }`` as prost encodes it."""
    return pb.bytes_field(WRAPPER_PUBLIC_ADDRESS, address.to_protobuf())


def unwrap(wrapper: bytes) -> tuple[int, bytes]:
    """Return ``(kind tag, merged message bytes)`` of a ``PrintableWrapper``.

    prost's oneof rule: the last variant on the wire wins, and repeated occurrences of that
    same variant (with no other variant after them) merge, i.e. concatenate.
    """
    kind = 0
    merged: list[bytes] = []
    for field in pb.parse_fields(wrapper):
        if field.tag not in WRAPPER_KINDS:
            continue  # unknown field: skipped
        if field.wire_type != pb.WIRE_LEN or not isinstance(field.value, bytes):
            raise EncodingError(
                "encoding.bad_protobuf", f"wrapper field {field.tag} is not length-delimited"
            )
        if field.tag != kind:
            kind, merged = field.tag, []
        merged.append(field.value)
    if kind == 0:
        raise AddressError("address.not_a_public_address", "the printable wrapper is empty")
    return kind, b"".join(merged)


def encode_public_address(address: PublicAddress) -> str:
    """The b58 string of a public address."""
    return encode_checked(wrap_public_address(address))


def decode_public_address(text: str, fog_authority_spki: bytes | None = None) -> PublicAddress:
    """Parse a b58 public address.

    The SPKI the fog signature covers is not part of the address: when the caller supplies it,
    the signature is verified (``address.bad_fog_signature`` otherwise); when not, the
    signature is returned unchecked.
    """
    kind, message = unwrap(decode_checked(text))
    if kind != WRAPPER_PUBLIC_ADDRESS:
        raise AddressError(
            "address.not_a_public_address",
            f"the b58 string holds a {WRAPPER_KINDS[kind]}, not a public address",
        )
    address = PublicAddress.from_protobuf(message)
    if fog_authority_spki is not None:
        address.verify_fog_authority(fog_authority_spki)
    return address
