"""The encrypted ``TxOutRecord`` fog ingest files for each TxOut, and how its recipient opens it.

MobileCoin ``fog/ingest/enclave/impl/src/lib.rs`` (``attempt_ingest_txs``: ``TxOutRecord::new``
from the TxOut and its metadata, prost-encoded, sealed with ``VersionedCryptoBox`` to the
recipient's view public key), ``fog/view/protocol/src/user_private.rs``
(``decrypt_tx_out_result``) and ``fog/view/enclave/impl/src/e_tx_out_store.rs`` (a store value
is 240 bytes: one length byte and at most 239 payload bytes).

The record of a TxOut drops its fog hint and keeps only the CRC-32 of the amount commitment
(``TxOutRecord::new``; the legacy commitment bytes are left empty). The payload is
``ciphertext || E || tag || 0x01 || 0x00`` (:mod:`refimpl.crypto.box`), 50 bytes longer than the
record: 237 bytes for a TxOut of the current block version with timestamp and memo. The key is
the recipient's *subaddress* view key (the one the fog hint names); recovering the TxOut from the
decrypted record takes the account's root view private key
(:meth:`refimpl.transaction.tx_out_record.FogTxOut.try_recover_tx_out`).
"""

from __future__ import annotations

from refimpl.crypto import box
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.errors import FogError, RefImplError
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.tx_out_record import FogTxOut, FogTxOutMetadata, TxOutRecord

#: The longest payload a fog view store holds (``ValueSize`` 240 minus its length byte).
MAX_PAYLOAD_LEN = 239
#: The longest record plaintext whose payload fits.
MAX_RECORD_LEN = MAX_PAYLOAD_LEN - box.FOOTER_SIZE


def tx_out_record_for(tx_out: TxOut, global_index: int, block_index: int,
                      timestamp: int) -> TxOutRecord:
    """The record ingest builds for ``tx_out``: ``TxOutRecord::new(FogTxOut::try_from(tx_out),
    FogTxOutMetadata {global_index, block_index, timestamp})``.

    A TxOut without a masked amount is ``tx.missing_masked_amount``.
    """
    meta = FogTxOutMetadata(global_index, block_index, timestamp)
    return TxOutRecord.new(FogTxOut.from_tx_out(tx_out), meta)


def record_plaintext(record: TxOutRecord) -> bytes:
    """The prost encoding the payload seals, refused (``fog.tx_out_record_too_long``) when its
    payload would not fit a view store."""
    plaintext = record.to_protobuf()
    if len(plaintext) > MAX_RECORD_LEN:
        raise FogError(
            "fog.tx_out_record_too_long",
            f"a {len(plaintext)}-byte TxOutRecord seals to {len(plaintext) + box.FOOTER_SIZE} "
            f"bytes; a view store holds at most {MAX_PAYLOAD_LEN}",
        )
    return plaintext


def seal_record_plaintext(rng: RandomSource, view_public: Point, plaintext: bytes) -> bytes:
    """Seal a plaintext already checked by :func:`record_plaintext` (64 bytes from ``rng``)."""
    return box.encrypt(rng, view_public, plaintext)


def encrypt_tx_out_record(rng: RandomSource, view_public: Point, record: TxOutRecord) -> bytes:
    """The payload of an ``ETxOutRecord``: ``record`` sealed to ``view_public``.

    Raises ``fog.tx_out_record_too_long`` before drawing any randomness when the payload would
    exceed :data:`MAX_PAYLOAD_LEN`.
    """
    return seal_record_plaintext(rng, view_public, record_plaintext(record))


def decrypt_tx_out_record(view_private: Scalar, payload: bytes) -> TxOutRecord:
    """``UserPrivate::decrypt_tx_out_result``: open ``payload`` with the subaddress view private
    key and decode the record.

    A payload that does not open (short, wrong version, bad ephemeral key, failed tag: another
    recipient's record) is ``fog.tx_out_record_decryption_failed``; a plaintext that is not a
    ``TxOutRecord`` is ``fog.bad_tx_out_record``.
    """
    try:
        plaintext = box.decrypt(view_private, payload)
    except RefImplError as exc:
        raise FogError("fog.tx_out_record_decryption_failed",
                       f"the record payload does not open: {exc.message}") from exc
    try:
        return TxOutRecord.from_protobuf(plaintext)
    except RefImplError as exc:
        raise FogError("fog.bad_tx_out_record",
                       f"the decrypted payload is not a TxOutRecord: {exc.message}") from exc
