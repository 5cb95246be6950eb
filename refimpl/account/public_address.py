"""``PublicAddress`` and its protobuf encoding, byte for byte as MobileCoin's prost writes it.

MobileCoin ``account-keys/src/account_keys.rs`` (``PublicAddress``) and
``api/proto/external.proto``::

    message CompressedRistretto { bytes data = 1; }
    message PublicAddress {
        CompressedRistretto view_public_key = 1;   // C_i
        CompressedRistretto spend_public_key = 2;  // D_i
        string fog_report_url = 3;
        string fog_report_id = 4;
        bytes fog_authority_sig = 5;
    }

The keys are always written; proto3 omits the empty fog fields. An address carries fog
information when ``fog_report_url`` is not empty; its ``fog_authority_sig`` is then a
schnorrkel signature by the subaddress view private key ``c_i`` over the fog authority's
SubjectPublicKeyInfo bytes, context ``"Fog authority signature"``
(``fog/sig/authority/src/lib.rs``). The SPKI itself is not part
of the address, so verification needs it from the caller.

``ShortAddressHash`` (``account-keys/src/address_hash.rs``, used by memos) is the first 16 bytes
of the digestible ``digest32`` of the address under context ``"mc-address"``; the three fog
fields are ``#[digestible(never_omit)]``, so they are hashed even when empty.
"""

from __future__ import annotations

import attrs

from refimpl import protobuf as pb
from refimpl.crypto import schnorrkel
from refimpl.crypto.digestible import DigestWriter, digest32
from refimpl.crypto.hashing import FOG_AUTHORITY_SIGNATURE_CONTEXT, SHORT_ADDRESS_HASH_CONTEXT
from refimpl.crypto.ristretto import Point
from refimpl.errors import AddressError, CryptoError

FOG_URL_SCHEMES = ("fog://", "insecure-fog://")
SHORT_ADDRESS_HASH_LENGTH = 16


def check_fog_report_url(url: str) -> str:
    """Reject a non-empty report url that is not ``fog://`` or ``insecure-fog://``.

    MobileCoin parses the url as a ``FogUri`` (``fog/uri``) before fetching a report; we check
    only the scheme, at the points where a user supplies the url.
    """
    if url and not url.startswith(FOG_URL_SCHEMES):
        raise AddressError(
            "address.bad_fog_url",
            f"fog report url must start with fog:// or insecure-fog://: {url!r}",
        )
    return url


def encode_compressed_ristretto(point: Point) -> bytes:
    """``CompressedRistretto { bytes data = 1 }``."""
    return pb.bytes_field(1, point.to_bytes())


def decode_compressed_ristretto(data: bytes) -> Point:
    """Parse ``CompressedRistretto`` and decompress it; non-canonical points are rejected."""
    return Point.from_bytes(pb.Fields(data).get_bytes(1))


@attrs.frozen
class PublicAddress:
    """A subaddress's public keys plus optional fog information (Rust field order)."""

    view_public: Point
    spend_public: Point
    fog_report_url: str = ""
    fog_report_id: str = ""
    fog_authority_sig: bytes = b""

    @property
    def has_fog(self) -> bool:
        return self.fog_report_url != ""

    # --- protobuf ------------------------------------------------------------------------
    def to_protobuf(self) -> bytes:
        """The prost encoding of ``external.PublicAddress``."""
        return b"".join(
            (
                pb.bytes_field(1, encode_compressed_ristretto(self.view_public)),
                pb.bytes_field(2, encode_compressed_ristretto(self.spend_public)),
                pb.omit_empty(3, self.fog_report_url.encode("utf-8")),
                pb.omit_empty(4, self.fog_report_id.encode("utf-8")),
                pb.omit_empty(5, self.fog_authority_sig),
            )
        )

    @classmethod
    def from_protobuf(cls, data: bytes) -> PublicAddress:
        """Decode ``external.PublicAddress``; both keys are required and must be canonical."""
        fields = pb.Fields(data)
        view = fields.get_message(1)
        spend = fields.get_message(2)
        if view is None or spend is None:
            missing = "view" if view is None else "spend"
            raise AddressError("address.missing_key", f"public address lacks its {missing} key")
        return cls(
            view_public=decode_compressed_ristretto(view),
            spend_public=decode_compressed_ristretto(spend),
            fog_report_url=fields.get_string(3),
            fog_report_id=fields.get_string(4),
            fog_authority_sig=fields.get_bytes(5),
        )

    # --- digestible hashing ------------------------------------------------------------
    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        """``#[derive(Digestible)] struct PublicAddress`` (fields in Rust order)."""

        def fields() -> None:
            writer.ristretto(b"view_public_key", self.view_public)
            writer.ristretto(b"spend_public_key", self.spend_public)
            writer.str_(b"fog_report_url", self.fog_report_url, omit_empty=False)
            writer.str_(b"fog_report_id", self.fog_report_id, omit_empty=False)
            writer.bytes_(b"fog_authority_sig", self.fog_authority_sig, omit_empty=False)

        writer.agg(context, b"PublicAddress", fields)

    def short_address_hash(self) -> bytes:
        """``ShortAddressHash::from(&PublicAddress)``: 16 bytes identifying the address."""
        return digest32(self, SHORT_ADDRESS_HASH_CONTEXT)[:SHORT_ADDRESS_HASH_LENGTH]

    # --- fog authority signature ---------------------------------------------------------
    def verify_fog_authority(self, fog_authority_spki: bytes) -> None:
        """Check ``fog_authority_sig`` over the given SPKI with ``view_public`` (``C_i``)."""
        if not self.has_fog:
            raise AddressError(
                "address.bad_fog_signature", "the address has no fog information to verify"
            )
        try:
            schnorrkel.verify(
                self.view_public,
                FOG_AUTHORITY_SIGNATURE_CONTEXT,
                fog_authority_spki,
                self.fog_authority_sig,
            )
        except CryptoError as exc:
            raise AddressError(
                "address.bad_fog_signature",
                f"the fog authority signature does not verify ({exc.code})",
            ) from exc

    def display(self) -> str:
        """``impl Display for PublicAddress``: ``MOB`` + upper-case hex(spend || view), then
        ``:'url'`` when the url is not empty and ``#id`` when the report id is not empty."""
        text = "MOB" + (self.spend_public.to_bytes() + self.view_public.to_bytes()).hex().upper()
        if self.fog_report_url:
            text += f":'{self.fog_report_url}'"
        if self.fog_report_id:
            text += f"#{self.fog_report_id}"
        return text
