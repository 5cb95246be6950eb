"""The encrypted fog hint every TxOut carries (84 bytes).

MobileCoin ``transaction/core/src/fog_hint.rs`` and ``encrypted_fog_hint.rs``: the
plaintext is the recipient subaddress VIEW public key (32 bytes) followed by two magic bytes
``0x2A 0x2A``, sealed with the versioned crypto box (refimpl.crypto.box) to the fog ingest
public key: 34 + 50 = 84 bytes. Without fog, ``fake_onetime_hint`` seals 34 zero bytes to a
random point, which is indistinguishable from a real hint. Outputs minted by consensus (fees)
carry 84 zero bytes (:meth:`EncryptedFogHint.zero`).

A sender learns a fog recipient's ingest public key from the recipient's fog report server:
:class:`FogPubkey` is ``FullyValidatedFogPubkey`` (``fog/report/validation/src/lib.rs``), the key
with its ``pubkey_expiry`` (the tombstone block of a transaction using it may not exceed it),
and :data:`FogPubkeyResolver` is ``FogPubkeyResolver::get_fog_pubkey``: address -> validated key
(``refimpl/fog/client`` resolves them from fetched reports).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from refimpl.account.public_address import PublicAddress
from refimpl.crypto import box
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.errors import EncodingError, TxError

ENCRYPTED_FOG_HINT_LEN = 84
_MAGIC = bytes([42, 42])
_PLAINTEXT_LEN = ENCRYPTED_FOG_HINT_LEN - box.FOOTER_SIZE  # 34
#: ``pubkey_expiry`` of an output without fog: no limit on the tombstone block.
NO_PUBKEY_EXPIRY = 2**64 - 1


def _check_len(_instance: object, _attribute: object, value: bytes) -> None:
    if len(value) != ENCRYPTED_FOG_HINT_LEN:
        raise EncodingError(
            "encoding.bad_length",
            f"an encrypted fog hint is {ENCRYPTED_FOG_HINT_LEN} bytes, got {len(value)}",
        )


@attrs.frozen
class EncryptedFogHint:
    """84 opaque bytes; hashes (digestible) as a transparent ``bytes`` primitive."""

    data: bytes = attrs.field(validator=_check_len)

    @classmethod
    def zero(cls) -> EncryptedFogHint:
        """``EncryptedFogHint::default()``: 84 zero bytes (fee and minted outputs)."""
        return cls(bytes(ENCRYPTED_FOG_HINT_LEN))

    @classmethod
    def encrypt(
        cls, rng: RandomSource, ingest_public: Point, recipient_view_public: Point
    ) -> EncryptedFogHint:
        """``FogHint::encrypt``: seal ``view_public || 0x2A 0x2A`` to the ingest key."""
        plaintext = recipient_view_public.to_bytes() + _MAGIC
        return cls(box.encrypt(rng, ingest_public, plaintext))

    @classmethod
    def fake_onetime_hint(cls, rng: RandomSource) -> EncryptedFogHint:
        """``EncryptedFogHint::fake_onetime_hint``: 34 zero bytes sealed to a random point.

        Draws 64 bytes for the point, then 64 for the box's ephemeral scalar.
        """
        fake_ingest_key = Point.random(rng)
        return cls(box.encrypt(rng, fake_ingest_key, bytes(_PLAINTEXT_LEN)))

    def decrypt(self, ingest_private: Scalar) -> Point:
        """``FogHint::ct_decrypt``: the recipient view public key, or a typed error."""
        plaintext = box.decrypt(ingest_private, self.data)
        if plaintext[32:] != _MAGIC:
            raise TxError("tx.bad_fog_hint", "the fog hint magic bytes do not match")
        return Point.from_bytes(plaintext[:32])


@attrs.frozen
class FogPubkey:
    """``FullyValidatedFogPubkey``: a fog ingest (ingress) public key from a validated report,
    and the block count after which ingest may no longer hold its private key."""

    pubkey: Point
    pubkey_expiry: int


#: ``FogPubkeyResolver::get_fog_pubkey``: the validated fog key of a recipient with fog
#: (a typed error when it cannot be resolved).
FogPubkeyResolver = Callable[[PublicAddress], FogPubkey]
