"""The key image messages inside the attested channel, with fixed-size results.

MobileCoin ``fog/types/src/ledger.rs`` (``CheckKeyImagesRequest``, ``KeyImageQuery``,
``CheckKeyImagesResponse``, ``KeyImageResult``) and ``fog/api/proto/ledger.proto``. The
generated :mod:`refimpl.fog.api.ledger_pb2` decodes these too (the tests check both agree);
this module exists because a ``KeyImageResult`` must have the same length whatever the
answer: its fixed-width fields are always written here, even when zero (a timestamp of 0, a
``spent_at`` of 0), and a malformed key image is answered with 32 zero bytes, so every
result is :data:`KEY_IMAGE_RESULT_LEN` bytes.

A key image travels as ``external.KeyImage { bytes data = 1; }`` (32 bytes). A query whose
key image does not decode to 32 bytes is malformed: it is answered ``KeyImageError`` rather
than refusing the whole request (MobileCoin's prost decode would refuse the request).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from google.protobuf.message import DecodeError

from refimpl import protobuf as pb
from refimpl.errors import FogError, RefImplError
from refimpl.fog.api import ledger_pb2
from refimpl.fog.types import KeyImageResultCode

KEY_IMAGE_LEN = 32
#: The answer's key image when the query's was malformed.
MALFORMED_KEY_IMAGE_ECHO = bytes(KEY_IMAGE_LEN)
#: Bytes of one encoded :class:`KeyImageResult` (key image message, two fixed64, two fixed32).
KEY_IMAGE_RESULT_LEN = 2 + 2 + KEY_IMAGE_LEN + 2 * 9 + 2 * 5


def key_image_message(key_image: bytes) -> bytes:
    """``external.KeyImage { bytes data = 1; }`` around 32 bytes."""
    return pb.bytes_field(1, key_image)


def key_image_from_message(data: bytes) -> bytes | None:
    """The 32 bytes inside an ``external.KeyImage``, or ``None`` when it does not decode or
    holds another length (no curve check: MobileCoin's ``KeyImage`` is plain bytes)."""
    try:
        raw = pb.Fields(data).get_bytes(1)
    except RefImplError:
        return None
    return raw if len(raw) == KEY_IMAGE_LEN else None


def parse_check_key_images_request(data: bytes) -> list[bytes | None]:
    """The key images of a ``CheckKeyImagesRequest`` in order (``None`` for a malformed one;
    ``start_block`` is a hint MobileCoin ignores, so is it here). Bytes that are not a
    ``CheckKeyImagesRequest`` are ``fog.bad_message``."""
    try:
        request = ledger_pb2.CheckKeyImagesRequest.FromString(data)
    except DecodeError as exc:
        raise FogError("fog.bad_message", f"not a CheckKeyImagesRequest: {exc}") from None
    return [key_image_from_message(query.key_image) for query in request.queries]


def check_key_images_request(key_images: Sequence[bytes], start_block: int = 0) -> bytes:
    """A ``CheckKeyImagesRequest`` asking about ``key_images`` (32 bytes each)."""
    return ledger_pb2.CheckKeyImagesRequest(queries=[
        ledger_pb2.KeyImageQuery(key_image=key_image_message(k), start_block=start_block)
        for k in key_images
    ]).SerializeToString()


@attrs.frozen
class KeyImageResult:
    """``KeyImageResult {KeyImage key_image = 1; fixed64 spent_at = 2; fixed64 timestamp = 3;
    fixed32 timestamp_result_code = 4; fixed32 key_image_result_code = 5}``. ``spent_at`` and
    ``timestamp`` mean something only when the code is ``Spent``; otherwise both are
    ``u64::MAX``."""

    key_image: bytes
    spent_at: int
    timestamp: int
    timestamp_result_code: int
    key_image_result_code: int

    @property
    def code(self) -> KeyImageResultCode:
        return KeyImageResultCode(self.key_image_result_code)

    def to_protobuf(self) -> bytes:
        """Always :data:`KEY_IMAGE_RESULT_LEN` bytes: every field is written."""
        return b"".join((
            pb.bytes_field(1, key_image_message(self.key_image)),
            pb.fixed64_field(2, self.spent_at),
            pb.fixed64_field(3, self.timestamp),
            pb.fixed32_field(4, self.timestamp_result_code),
            pb.fixed32_field(5, self.key_image_result_code),
        ))

    @classmethod
    def from_protobuf(cls, data: bytes) -> KeyImageResult:
        try:
            fields = pb.Fields(data)
            key_image = key_image_from_message(fields.get_message(1) or b"")
            if key_image is None:
                raise FogError("fog.bad_message", "KeyImageResult: the key image is not 32 bytes")
            return cls(key_image, fields.get_fixed64(2), fields.get_fixed64(3),
                       fields.get_fixed32(4), fields.get_fixed32(5))
        except FogError:
            raise
        except RefImplError as exc:
            raise FogError("fog.bad_message", f"KeyImageResult: {exc.message}") from exc


@attrs.frozen
class CheckKeyImagesResponse:
    """``CheckKeyImagesResponse {uint64 num_blocks = 1; uint64 global_txo_count = 2;
    repeated KeyImageResult results = 3; uint32 latest_block_version = 4;
    uint32 max_block_version = 5}``. A key image reported not spent was not spent in any
    block below ``num_blocks``."""

    num_blocks: int
    global_txo_count: int
    results: tuple[KeyImageResult, ...]
    latest_block_version: int
    max_block_version: int

    def to_protobuf(self) -> bytes:
        def uint(tag: int, value: int) -> bytes:
            return pb.varint_field(tag, value) if value else b""

        return b"".join((
            uint(1, self.num_blocks),
            uint(2, self.global_txo_count),
            *(pb.bytes_field(3, r.to_protobuf()) for r in self.results),
            uint(4, self.latest_block_version),
            uint(5, self.max_block_version),
        ))

    @classmethod
    def from_protobuf(cls, data: bytes) -> CheckKeyImagesResponse:
        try:
            fields = pb.Fields(data)
            results = tuple(
                KeyImageResult.from_protobuf(f.value) for f in pb.parse_fields(data)
                if f.tag == 3 and isinstance(f.value, bytes)
            )
            return cls(fields.get_uint(1), fields.get_uint(2), results, fields.get_uint(4),
                       fields.get_uint(5))
        except FogError:
            raise
        except RefImplError as exc:
            raise FogError("fog.bad_message", f"CheckKeyImagesResponse: {exc.message}") from exc
