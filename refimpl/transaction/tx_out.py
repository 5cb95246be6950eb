"""``TxOut``: a transaction output as it is stored in the ledger.

MobileCoin ``transaction/core/src/tx.rs`` (``TxOut``, ``TxOut::new``, ``new_with_memo``,
``hash``, ``view_key_match``, ``decrypt_memo``). Fields, in
digest order: ``masked_amount`` (digest context "amount"; optional), ``target_key``,
``public_key``, ``e_fog_hint`` (84 bytes, transparent bytes), ``e_memo`` (optional; present
exactly from block version 1).

Digest of a TxOut under context ``c``: agg(c, "TxOut"){ masked amount ("Amount" for V1,
"MaskedAmountV2") under "amount"; prim ristretto "target_key"; prim ristretto "public_key";
prim bytes "e_fog_hint"; agg "EncryptedMemo" {"0": bytes} under "e_memo" if present }.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from refimpl.crypto.digestible import DigestWriter, digest32
from refimpl.crypto.hashing import TXOUT_HASH_CONTEXT
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import TxError
from refimpl.transaction import block_version as bv
from refimpl.transaction.amount import Amount, MaskedAmount, new_masked_amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.memo import EncryptedMemo, MemoPayload
from refimpl.transaction.onetime_keys import (
    create_shared_secret,
    create_tx_out_public_key,
    create_tx_out_target_key,
)


class RecipientAddress(Protocol):
    """What ``TxOut.new`` needs of a recipient: a subaddress's view and spend public keys
    (refimpl.account.public_address.PublicAddress satisfies it)."""

    @property
    def view_public(self) -> Point: ...

    @property
    def spend_public(self) -> Point: ...


@attrs.frozen
class TxOut:
    """An output: masked amount, one-time target key, tx public key, fog hint, memo."""

    masked_amount: MaskedAmount | None
    target_key: Point
    public_key: Point
    e_fog_hint: EncryptedFogHint
    e_memo: EncryptedMemo | None = None

    @classmethod
    def new(
        cls,
        block_version: int,
        amount: Amount,
        recipient: RecipientAddress,
        tx_private_key: Scalar,
        e_fog_hint: EncryptedFogHint,
        memo: MemoPayload | None = None,
    ) -> TxOut:
        """``TxOut::new`` / ``new_with_memo``: address ``amount`` to ``recipient`` with tx key r.

        From block version 1 the memo (default: all zeros) is encrypted into ``e_memo``;
        below it ``memo`` is ignored, as MobileCoin never calls the memo builder there.
        """
        bv.check_block_version(block_version)
        shared_secret = create_shared_secret(recipient.view_public, tx_private_key)
        e_memo = None
        if bv.e_memo_feature_is_supported(block_version):
            e_memo = (memo if memo is not None else MemoPayload()).encrypt(shared_secret)
        return cls(
            masked_amount=new_masked_amount(block_version, amount, shared_secret),
            target_key=create_tx_out_target_key(
                tx_private_key, recipient.view_public, recipient.spend_public
            ),
            public_key=create_tx_out_public_key(tx_private_key, recipient.spend_public),
            e_fog_hint=e_fog_hint,
            e_memo=e_memo,
        )

    # --- recipient side ---------------------------------------------------------------------
    def shared_secret(self, view_private: Scalar) -> Point:
        """``get_tx_out_shared_secret(a, R)`` with the ROOT view private key ``a``."""
        return create_shared_secret(self.public_key, view_private)

    def view_key_match(self, view_private: Scalar) -> tuple[Amount, Point]:
        """``TxOut::view_key_match``: (amount, shared secret), or a typed error."""
        if self.masked_amount is None:
            raise TxError("tx.missing_masked_amount", "the TxOut has no masked amount")
        shared_secret = self.shared_secret(view_private)
        amount, _blinding = self.masked_amount.get_value(shared_secret)
        return amount, shared_secret

    def decrypt_memo(self, shared_secret: Point) -> MemoPayload:
        """``TxOut::decrypt_memo``: the default (all-zero) memo when there is none."""
        if self.e_memo is None:
            return MemoPayload()
        return self.e_memo.decrypt(shared_secret)

    # --- hashing ----------------------------------------------------------------------------
    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"TxOut")
        if self.masked_amount is not None:
            self.masked_amount.append_to(writer, b"amount")
        writer.ristretto(b"target_key", self.target_key)
        writer.ristretto(b"public_key", self.public_key)
        writer.bytes_(b"e_fog_hint", self.e_fog_hint.data)
        if self.e_memo is not None:
            writer.agg_header(b"e_memo", EncryptedMemo.DIGEST_NAME)
            writer.bytes_(b"0", self.e_memo.data)
            writer.agg_closer(b"e_memo", EncryptedMemo.DIGEST_NAME)
        writer.agg_closer(context, b"TxOut")

    def hash(self) -> bytes:
        """``TxOut::hash``: ``digest32(TxOut, "mobilecoin-txout")`` (Merkle leaf input)."""
        return digest32(self, TXOUT_HASH_CONTEXT)
