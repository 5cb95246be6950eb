"""Fog's ``TxOutRecord`` and ``FogTxOut``: how fog view returns a user's TxOuts, and recovery.

MobileCoin ``fog/types/src/view.rs``. The fog ingest enclave
stores, per TxOut it finds for a user, a prost message (tags in brackets):

* [1] ``tx_out_amount_commitment_data`` (legacy, now empty; 32 bytes in old records),
  [2] ``tx_out_amount_masked_value`` fixed64 (required), [3] ``tx_out_target_key_data`` and
  [4] ``tx_out_public_key_data`` (required bytes), [5] ``tx_out_global_index`` and
  [6] ``block_index`` fixed64 (required), [7] ``timestamp`` fixed64,
  [8] ``tx_out_amount_commitment_data_crc32`` fixed32, [9] ``tx_out_e_memo_data`` (66 bytes or
  empty), and the oneof ``tx_out_amount_masked_token_id``: [10] for a ``MaskedAmountV1``,
  [11] for a ``MaskedAmountV2``.

Recovery (``FogTxOut::try_recover_tx_out``): the shared secret ``a*R`` with the recipient's
ROOT view private key, the masked amount rebuilt from its masked fields by version
(``MaskedAmount::reconstruct_v1/v2``), and its commitment's CRC-32 compared with the stored
one (``ChecksumMismatch``, here ``tx.fog_checksum_mismatch``: what a wrong view key yields).
The fog hint is not kept, so the recovered TxOut carries 84 zero bytes.

One deliberate difference: MobileCoin keeps the target key as unchecked compressed bytes; the
TxOut here holds decoded points, so a record whose target key is not a canonical ristretto
point is refused (``crypto.non_canonical_point``) instead of being recovered.
"""

from __future__ import annotations

import zlib

import attrs

from refimpl import protobuf as pb
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import EncodingError, TxError
from refimpl.transaction.amount import MaskedAmountV1, MaskedAmountV2, commitment_crc32
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.memo import EncryptedMemo
from refimpl.transaction.onetime_keys import create_shared_secret
from refimpl.transaction.tx_out import TxOut

# prost tags of TxOutRecord.
_COMMITMENT_DATA = 1
_MASKED_VALUE = 2
_TARGET_KEY = 3
_PUBLIC_KEY = 4
_GLOBAL_INDEX = 5
_BLOCK_INDEX = 6
_TIMESTAMP = 7
_COMMITMENT_CRC32 = 8
_E_MEMO = 9
MASKED_TOKEN_ID_V1_TAG = 10
MASKED_TOKEN_ID_V2_TAG = 11
_KEY_LEN = 32


def _key_bytes(data: bytes, what: str) -> bytes:
    if len(data) != _KEY_LEN:
        raise EncodingError("encoding.bad_length", f"{what} must be 32 bytes, got {len(data)}")
    return data


@attrs.frozen
class MaskedTokenId:
    """The oneof ``TxOutAmountMaskedTokenId``: the masked amount's version (1 or 2) and its
    masked token id bytes (V1: empty or 8 bytes; V2: 8 bytes)."""

    version: int = attrs.field(validator=attrs.validators.in_((1, 2)))
    data: bytes = b""

    @property
    def tag(self) -> int:
        return MASKED_TOKEN_ID_V1_TAG if self.version == 1 else MASKED_TOKEN_ID_V2_TAG


@attrs.frozen
class FogTxOutMetadata:
    """What fog adds to a TxOut: global index, block index, block timestamp (seconds)."""

    global_index: int
    block_index: int
    timestamp: int = 0


@attrs.frozen
class FogTxOut:
    """``FogTxOut``: a TxOut without its fog hint and with the commitment reduced to a CRC-32."""

    target_key: Point
    public_key: Point
    amount_masked_value: int
    amount_masked_token_id: MaskedTokenId
    amount_commitment_data_crc32: int
    e_memo: EncryptedMemo | None = None

    @classmethod
    def from_tx_out(cls, tx_out: TxOut) -> FogTxOut:
        """``TryFrom<&TxOut> for FogTxOut``; ``tx.missing_masked_amount`` without an amount."""
        masked = tx_out.masked_amount
        if masked is None:
            raise TxError("tx.missing_masked_amount", "the TxOut has no masked amount")
        version = 1 if isinstance(masked, MaskedAmountV1) else 2
        return cls(
            target_key=tx_out.target_key,
            public_key=tx_out.public_key,
            amount_masked_value=masked.masked_value,
            amount_masked_token_id=MaskedTokenId(version, masked.masked_token_id),
            amount_commitment_data_crc32=masked.commitment_crc32(),
            e_memo=tx_out.e_memo,
        )

    def try_recover_tx_out(self, view_private: Scalar) -> TxOut:
        """``FogTxOut::try_recover_tx_out`` with the recipient's root view private key ``a``.

        Raises ``tx.fog_checksum_mismatch`` when the rebuilt commitment's CRC-32 differs (a
        wrong key) and ``tx.bad_masked_token_id`` for a masked token id of a bad length.
        """
        shared_secret = create_shared_secret(self.public_key, view_private)
        token_id = self.amount_masked_token_id
        masked: MaskedAmountV1 | MaskedAmountV2
        if token_id.version == 1:
            masked, _ = MaskedAmountV1.reconstruct(
                self.amount_masked_value, token_id.data, shared_secret
            )
        else:
            masked, _ = MaskedAmountV2.reconstruct(
                self.amount_masked_value, token_id.data, shared_secret
            )
        if commitment_crc32(masked.commitment) != self.amount_commitment_data_crc32:
            raise TxError(
                "tx.fog_checksum_mismatch",
                "the rebuilt amount commitment does not match the record's CRC-32 "
                "(is this the recipient's view key?)",
            )
        return TxOut(
            masked_amount=masked,
            target_key=self.target_key,
            public_key=self.public_key,
            e_fog_hint=EncryptedFogHint.zero(),
            e_memo=self.e_memo,
        )


@attrs.frozen(kw_only=True)
class TxOutRecord:
    """``TxOutRecord`` as the prost message; field names as in MobileCoin."""

    tx_out_amount_commitment_data: bytes = b""
    tx_out_amount_masked_value: int
    tx_out_target_key_data: bytes
    tx_out_public_key_data: bytes
    tx_out_global_index: int
    block_index: int
    timestamp: int = 0
    tx_out_amount_commitment_data_crc32: int = 0
    tx_out_e_memo_data: bytes = b""
    tx_out_amount_masked_token_id: MaskedTokenId | None = None

    @classmethod
    def new(cls, fog_tx_out: FogTxOut, meta: FogTxOutMetadata) -> TxOutRecord:
        """``TxOutRecord::new``: the current form, without the commitment bytes."""
        return cls(
            tx_out_amount_masked_value=fog_tx_out.amount_masked_value,
            tx_out_target_key_data=fog_tx_out.target_key.to_bytes(),
            tx_out_public_key_data=fog_tx_out.public_key.to_bytes(),
            tx_out_global_index=meta.global_index,
            block_index=meta.block_index,
            timestamp=meta.timestamp,
            tx_out_amount_commitment_data_crc32=fog_tx_out.amount_commitment_data_crc32,
            tx_out_e_memo_data=fog_tx_out.e_memo.data if fog_tx_out.e_memo else b"",
            tx_out_amount_masked_token_id=fog_tx_out.amount_masked_token_id,
        )

    @property
    def metadata(self) -> FogTxOutMetadata:
        return FogTxOutMetadata(self.tx_out_global_index, self.block_index, self.timestamp)

    # --- protobuf ---------------------------------------------------------------------------
    @classmethod
    def from_protobuf(cls, data: bytes) -> TxOutRecord:
        """Decode the prost message (absent fields take their defaults, as prost does)."""
        fields = pb.Fields(data)
        oneof = fields.get_oneof_bytes((MASKED_TOKEN_ID_V1_TAG, MASKED_TOKEN_ID_V2_TAG))
        masked_token_id = None
        if oneof is not None:
            tag, value = oneof
            masked_token_id = MaskedTokenId(1 if tag == MASKED_TOKEN_ID_V1_TAG else 2, value)
        return cls(
            tx_out_amount_commitment_data=fields.get_bytes(_COMMITMENT_DATA),
            tx_out_amount_masked_value=fields.get_fixed64(_MASKED_VALUE),
            tx_out_target_key_data=fields.get_bytes(_TARGET_KEY),
            tx_out_public_key_data=fields.get_bytes(_PUBLIC_KEY),
            tx_out_global_index=fields.get_fixed64(_GLOBAL_INDEX),
            block_index=fields.get_fixed64(_BLOCK_INDEX),
            timestamp=fields.get_fixed64(_TIMESTAMP),
            tx_out_amount_commitment_data_crc32=fields.get_fixed32(_COMMITMENT_CRC32),
            tx_out_e_memo_data=fields.get_bytes(_E_MEMO),
            tx_out_amount_masked_token_id=masked_token_id,
        )

    def to_protobuf(self) -> bytes:
        """The prost encoding: required fields always, optional ones unless default, the
        oneof whenever it is set."""
        parts = [
            pb.omit_empty(_COMMITMENT_DATA, self.tx_out_amount_commitment_data),
            pb.fixed64_field(_MASKED_VALUE, self.tx_out_amount_masked_value),
            pb.bytes_field(_TARGET_KEY, self.tx_out_target_key_data),
            pb.bytes_field(_PUBLIC_KEY, self.tx_out_public_key_data),
            pb.fixed64_field(_GLOBAL_INDEX, self.tx_out_global_index),
            pb.fixed64_field(_BLOCK_INDEX, self.block_index),
            pb.fixed64_field(_TIMESTAMP, self.timestamp) if self.timestamp else b"",
            (
                pb.fixed32_field(_COMMITMENT_CRC32, self.tx_out_amount_commitment_data_crc32)
                if self.tx_out_amount_commitment_data_crc32
                else b""
            ),
            pb.omit_empty(_E_MEMO, self.tx_out_e_memo_data),
        ]
        token_id = self.tx_out_amount_masked_token_id
        if token_id is not None:
            parts.append(pb.bytes_field(token_id.tag, token_id.data))
        return b"".join(parts)

    # --- to FogTxOut ------------------------------------------------------------------------
    def commitment_crc32(self) -> int:
        """The stored CRC-32, or that of the legacy 32 commitment bytes when present."""
        legacy = self.tx_out_amount_commitment_data
        if not legacy:
            return self.tx_out_amount_commitment_data_crc32
        if len(legacy) != _KEY_LEN:
            raise EncodingError(
                "encoding.bad_length",
                f"legacy commitment data must be 32 bytes, got {len(legacy)}",
            )
        return zlib.crc32(legacy)  # over the raw bytes, as MobileCoin (no point decoding)

    def get_fog_tx_out(self) -> FogTxOut:
        """``TxOutRecord::get_fog_tx_out``: typed errors for a malformed record."""
        if self.tx_out_amount_masked_token_id is None:
            raise TxError(
                "tx.missing_masked_amount", "the record has no masked token id (field 10 or 11)"
            )
        e_memo = EncryptedMemo(self.tx_out_e_memo_data) if self.tx_out_e_memo_data else None
        return FogTxOut(
            target_key=Point.from_bytes(_key_bytes(self.tx_out_target_key_data, "target key")),
            public_key=Point.from_bytes(_key_bytes(self.tx_out_public_key_data, "public key")),
            amount_masked_value=self.tx_out_amount_masked_value,
            amount_masked_token_id=self.tx_out_amount_masked_token_id,
            amount_commitment_data_crc32=self.commitment_crc32(),
            e_memo=e_memo,
        )
