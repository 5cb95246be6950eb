"""Amounts and their masked, committed form inside a TxOut.

* :class:`Amount` (``transaction/types/src/amount/mod.rs``): a u64 value and a u64 token id.
* :class:`MaskedAmountV1` (``transaction/types/src/masked_amount/v1.rs``), used
  at block versions 0..2: masks and blinding hashed from the TxOut shared secret.
* :class:`MaskedAmountV2` (``.../masked_amount/v2.rs``), block version >= 3: masks
  and blinding expanded by HKDF-SHA512 from the revealable *amount shared secret*.
* :func:`new_masked_amount` (``.../masked_amount/mod.rs`` ``MaskedAmount::new``) picks the
  version for a block version and, below v2, clears the masked token id.

The digestible layout lives with the types: V1 hashes as an aggregate named "Amount"
(historical), V2 as "MaskedAmountV2"; ``masked_token_id`` is omitted when empty.
"""

from __future__ import annotations

import zlib

import attrs

from refimpl.crypto.digestible import DigestWriter
from refimpl.crypto.hashing import (
    AMOUNT_BLINDING_DOMAIN_TAG,
    AMOUNT_BLINDING_FACTORS_DOMAIN_TAG,
    AMOUNT_SHARED_SECRET_DOMAIN_TAG,
    AMOUNT_TOKEN_ID_DOMAIN_TAG,
    AMOUNT_VALUE_DOMAIN_TAG,
    blake2b512,
    hash_to_scalar,
    hkdf,
)
from refimpl.crypto.pedersen import U64_MAX, commit
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import EncodingError, TxError
from refimpl.transaction import block_version as bv

#: ``TokenId::MOB``.
MOB_TOKEN_ID = 0
_TOKEN_ID_BYTES = 8


def _check_u64(value: int, what: str) -> int:
    if not 0 <= value <= U64_MAX:
        raise EncodingError("encoding.integer_out_of_range", f"{what} must fit in a u64")
    return value


@attrs.frozen
class Amount:
    """A value (u64, in the token's smallest unit) of one token id (u64; 0 is MOB)."""

    value: int = attrs.field()
    token_id: int = attrs.field(default=MOB_TOKEN_ID)

    @value.validator
    def _check_value(self, _attr: object, value: int) -> None:
        _check_u64(value, "amount value")

    @token_id.validator
    def _check_token_id(self, _attr: object, value: int) -> None:
        _check_u64(value, "token id")


# --- V1 -------------------------------------------------------------------------------------
def _v1_value_mask(shared_secret: Point) -> int:
    """Low 8 bytes of the *reduced* scalar ``Hs("mc_amount_value" || ss)``."""
    scalar = hash_to_scalar(AMOUNT_VALUE_DOMAIN_TAG, shared_secret.to_bytes())
    return int.from_bytes(scalar.to_bytes()[:8], "little")


def _v1_token_id_mask(shared_secret: Point) -> int:
    """Bytes 0..8 of the *raw* digest ``Blake2b512("mc_amount_token_id" || ss)``."""
    digest = blake2b512(AMOUNT_TOKEN_ID_DOMAIN_TAG, shared_secret.to_bytes())
    return int.from_bytes(digest[:8], "little")


def _v1_blinding(shared_secret: Point) -> Scalar:
    return hash_to_scalar(AMOUNT_BLINDING_DOMAIN_TAG, shared_secret.to_bytes())


def _unmask_token_id(masked_token_id: bytes, mask: int, allow_empty: bool) -> int:
    if len(masked_token_id) == 0 and allow_empty:
        return MOB_TOKEN_ID
    if len(masked_token_id) != _TOKEN_ID_BYTES:
        raise TxError(
            "tx.bad_masked_token_id",
            f"masked token id has {len(masked_token_id)} bytes",
        )
    return int.from_bytes(masked_token_id, "little") ^ mask


@attrs.frozen
class MaskedAmountV1:
    """``MaskedAmountV1``: commitment, masked value and (0 or 8 bytes of) masked token id."""

    commitment: Point
    masked_value: int = attrs.field(validator=lambda _s, _a, v: _check_u64(v, "masked value"))
    masked_token_id: bytes = b""

    DIGEST_NAME = b"Amount"

    @classmethod
    def create(cls, amount: Amount, shared_secret: Point) -> MaskedAmountV1:
        """``MaskedAmountV1::new``: mask ``amount`` under the TxOut shared secret ``r*C``."""
        blinding = _v1_blinding(shared_secret)
        masked_token_id = amount.token_id ^ _v1_token_id_mask(shared_secret)
        return cls(
            commitment=commit(amount.value, blinding, amount.token_id),
            masked_value=amount.value ^ _v1_value_mask(shared_secret),
            masked_token_id=masked_token_id.to_bytes(_TOKEN_ID_BYTES, "little"),
        )

    @classmethod
    def reconstruct(
        cls, masked_value: int, masked_token_id: bytes, shared_secret: Point
    ) -> tuple[MaskedAmountV1, Amount]:
        """``MaskedAmountV1::reconstruct``: rebuild the commitment from the masked fields alone.

        A wrong shared secret gives a gibberish amount, not an error: callers confirm the result
        against the real commitment or, in fog, its CRC-32. The masked token id is kept as given.
        """
        _check_u64(masked_value, "masked value")
        token_id = _unmask_token_id(
            masked_token_id, _v1_token_id_mask(shared_secret), allow_empty=True
        )
        amount = Amount(masked_value ^ _v1_value_mask(shared_secret), token_id)
        commitment = commit(amount.value, _v1_blinding(shared_secret), token_id)
        return cls(commitment, masked_value, bytes(masked_token_id)), amount

    def get_value(self, shared_secret: Point) -> tuple[Amount, Scalar]:
        """Unmask; raise ``tx.inconsistent_commitment`` unless the result opens the commitment."""
        token_id = _unmask_token_id(
            self.masked_token_id, _v1_token_id_mask(shared_secret), allow_empty=True
        )
        amount = Amount(self.masked_value ^ _v1_value_mask(shared_secret), token_id)
        blinding = _v1_blinding(shared_secret)
        return _open(self.commitment, amount, blinding)

    def commitment_crc32(self) -> int:
        return commitment_crc32(self.commitment)

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        _append_masked_amount(writer, context, self.DIGEST_NAME, self)


# --- V2 -------------------------------------------------------------------------------------
def compute_amount_shared_secret(shared_secret: Point) -> bytes:
    """``MaskedAmountV2::compute_amount_shared_secret``: ``Blake2b512(tag || ss)[0:32]``."""
    return blake2b512(AMOUNT_SHARED_SECRET_DOMAIN_TAG, shared_secret.to_bytes())[:32]


def _v2_blinding_factors(amount_shared_secret: bytes) -> tuple[int, int, Scalar]:
    """(value_mask, token_id_mask, blinding) from HKDF-SHA512(salt tag, ikm secret)."""
    if len(amount_shared_secret) != 32:
        raise EncodingError("encoding.bad_length", "an amount shared secret is 32 bytes")

    def expand(info: bytes, n: int) -> bytes:
        return hkdf("sha512", AMOUNT_BLINDING_FACTORS_DOMAIN_TAG, amount_shared_secret, info, n)

    value_mask = int.from_bytes(expand(AMOUNT_VALUE_DOMAIN_TAG, 8), "little")
    token_id_mask = int.from_bytes(expand(AMOUNT_TOKEN_ID_DOMAIN_TAG, 8), "little")
    blinding = Scalar.from_bytes_mod_order_wide(expand(AMOUNT_BLINDING_DOMAIN_TAG, 64))
    return value_mask, token_id_mask, blinding


@attrs.frozen
class MaskedAmountV2:
    """``MaskedAmountV2``: as V1 but masked from the amount shared secret; token id 8 bytes."""

    commitment: Point
    masked_value: int = attrs.field(validator=lambda _s, _a, v: _check_u64(v, "masked value"))
    masked_token_id: bytes = b""

    DIGEST_NAME = b"MaskedAmountV2"

    @classmethod
    def create(cls, amount: Amount, shared_secret: Point) -> MaskedAmountV2:
        return cls.create_from_amount_shared_secret(
            amount, compute_amount_shared_secret(shared_secret)
        )

    @classmethod
    def create_from_amount_shared_secret(
        cls, amount: Amount, amount_shared_secret: bytes
    ) -> MaskedAmountV2:
        value_mask, token_id_mask, blinding = _v2_blinding_factors(amount_shared_secret)
        return cls(
            commitment=commit(amount.value, blinding, amount.token_id),
            masked_value=amount.value ^ value_mask,
            masked_token_id=(amount.token_id ^ token_id_mask).to_bytes(_TOKEN_ID_BYTES, "little"),
        )

    @classmethod
    def reconstruct(
        cls, masked_value: int, masked_token_id: bytes, shared_secret: Point
    ) -> tuple[MaskedAmountV2, Amount]:
        """``MaskedAmountV2::reconstruct``: as V1's, with the 8-byte token id V2 requires."""
        _check_u64(masked_value, "masked value")
        value_mask, token_id_mask, blinding = _v2_blinding_factors(
            compute_amount_shared_secret(shared_secret)
        )
        token_id = _unmask_token_id(masked_token_id, token_id_mask, allow_empty=False)
        amount = Amount(masked_value ^ value_mask, token_id)
        commitment = commit(amount.value, blinding, token_id)
        return cls(commitment, masked_value, bytes(masked_token_id)), amount

    def get_value(self, shared_secret: Point) -> tuple[Amount, Scalar]:
        return self.get_value_from_amount_shared_secret(compute_amount_shared_secret(shared_secret))

    def get_value_from_amount_shared_secret(
        self, amount_shared_secret: bytes
    ) -> tuple[Amount, Scalar]:
        value_mask, token_id_mask, blinding = _v2_blinding_factors(amount_shared_secret)
        token_id = _unmask_token_id(self.masked_token_id, token_id_mask, allow_empty=False)
        return _open(self.commitment, Amount(self.masked_value ^ value_mask, token_id), blinding)

    def commitment_crc32(self) -> int:
        return commitment_crc32(self.commitment)

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        _append_masked_amount(writer, context, self.DIGEST_NAME, self)


MaskedAmount = MaskedAmountV1 | MaskedAmountV2


def new_masked_amount(block_version: int, amount: Amount, shared_secret: Point) -> MaskedAmount:
    """``MaskedAmount::new``: V2 from v3; V1 below, without a token id below v2."""
    bv.check_block_version(block_version)
    if bv.masked_amount_v2_is_supported(block_version):
        return MaskedAmountV2.create(amount, shared_secret)
    token_ids = bv.masked_token_id_feature_is_supported(block_version)
    if not token_ids and amount.token_id != MOB_TOKEN_ID:
        raise TxError(
            "tx.token_id_not_supported",
            f"token id {amount.token_id} at block version {block_version}",
        )
    masked = MaskedAmountV1.create(amount, shared_secret)
    return masked if token_ids else attrs.evolve(masked, masked_token_id=b"")


def commitment_crc32(commitment: Point) -> int:
    """CRC-32/ISO-HDLC of the compressed commitment (``commitment_crc32``, used by fog)."""
    return zlib.crc32(commitment.to_bytes())


def _open(commitment: Point, amount: Amount, blinding: Scalar) -> tuple[Amount, Scalar]:
    if commit(amount.value, blinding, amount.token_id) != commitment:
        raise TxError(
            "tx.inconsistent_commitment",
            "the unmasked amount and blinding do not open the commitment",
        )
    return amount, blinding


def _append_masked_amount(
    writer: DigestWriter, context: bytes, name: bytes, masked: MaskedAmount
) -> None:
    """Derived ``Digestible``: commitment, masked_value, then masked_token_id unless empty."""
    writer.agg_header(context, name)
    writer.ristretto(b"commitment", masked.commitment)
    writer.uint64(b"masked_value", masked.masked_value)
    writer.bytes_(b"masked_token_id", masked.masked_token_id)
    writer.agg_closer(context, name)
