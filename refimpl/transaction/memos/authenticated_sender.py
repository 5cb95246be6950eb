"""Authenticated sender memos (category 0x01): 0x0100, 0x0101, 0x0102 and 0x0103.

MobileCoin ``transaction/extra/src/memo/``: ``authenticated_common.rs``,
``authenticated_sender.rs``, ``authenticated_sender_with_payment_request_id.rs``,
``authenticated_sender_with_payment_intent_id.rs`` and ``authenticated_sender_with_data.rs``
(MCIP #4, #54, #60).
Layout of the 64 data bytes:

* [0:16] the sender's ShortAddressHash; [16:48] type-specific data (zero for 0x0100, the
  payment request / intent id as a big-endian u64 in [16:24] for 0x0101 / 0x0102, rest zero;
  32 bytes of application data for 0x0103);
* [48:64] ``compute_category1_hmac(K, tx_out_public_key, memo_type, data[0:48])``.

The HMAC key ``K`` is a Diffie-Hellman secret between the sender's subaddress spend key and
the recipient's subaddress view key: the sender computes ``compress(d_s * C_r)``, the recipient
``compress(c_r * D_s)`` (``KexReusablePrivate::key_exchange``). A recipient validates a memo by
looking the hash up among its contacts and then checking hash and HMAC (:meth:`validate`).
Unlike MobileCoin's constant-time ``Choice``, a failed check raises a typed error naming it.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from refimpl.account.public_address import PublicAddress
from refimpl.crypto.memo_mac import MEMO_MAC_LEN, compute_category1_hmac
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import TxError
from refimpl.transaction.memo import MEMO_DATA_LEN
from refimpl.transaction.memos._fields import (
    SHORT_ADDRESS_HASH_LEN,
    check_length,
    check_uint,
)
from refimpl.transaction.memos._raw import RawDataMemo
from refimpl.transaction.memos.credential import SenderMemoCredential

_MAC_START = MEMO_DATA_LEN - MEMO_MAC_LEN  # 48
_ID_END = SHORT_ADDRESS_HASH_LEN + 8  # [16:24] holds a payment request/intent id

def _sign(
    memo_type: bytes,
    credential: SenderMemoCredential,
    receiving_subaddress_view_public: Point,
    tx_out_public_key: Point,
    extra: bytes,
) -> bytes:
    """``compute_authenticated_sender_memo``: hash || extra data || HMAC (64 bytes)."""
    head = credential.address_hash + extra
    head += bytes(_MAC_START - len(head))
    secret = receiving_subaddress_view_public * credential.subaddress_spend_private
    mac = compute_category1_hmac(secret.to_bytes(), tx_out_public_key.to_bytes(), memo_type, head)
    return head + mac


@attrs.frozen
class _AuthenticatedSender(RawDataMemo):
    """The 64 data bytes of a category-1 memo and the checks they support."""

    @property
    def sender_address_hash(self) -> bytes:
        return self.memo_data[:SHORT_ADDRESS_HASH_LEN]

    @property
    def mac(self) -> bytes:
        return self.memo_data[_MAC_START:]

    def expected_mac(
        self,
        sender_address: PublicAddress,
        receiving_subaddress_view_private: Scalar,
        tx_out_public_key: Point,
    ) -> bytes:
        """The HMAC the recipient computes with ``c_r * D_s``."""
        secret = sender_address.spend_public * receiving_subaddress_view_private
        return compute_category1_hmac(
            secret.to_bytes(),
            tx_out_public_key.to_bytes(),
            self.MEMO_TYPE,
            self.memo_data[:_MAC_START],
        )

    def verify_mac(
        self,
        sender_address: PublicAddress,
        receiving_subaddress_view_private: Scalar,
        tx_out_public_key: Point,
    ) -> None:
        """Raise ``tx.memo_bad_hmac`` unless the HMAC verifies for these keys."""
        expected = self.expected_mac(
            sender_address, receiving_subaddress_view_private, tx_out_public_key
        )
        if expected != self.mac:
            raise TxError("tx.memo_bad_hmac", "the sender memo HMAC does not verify")

    def validate(
        self,
        sender_address: PublicAddress,
        receiving_subaddress_view_private: Scalar,
        tx_out_public_key: Point,
    ) -> None:
        """``validate_authenticated_sender``: the hash names ``sender_address`` and the HMAC
        verifies. Raises ``tx.memo_sender_hash_mismatch`` (checked first) or
        ``tx.memo_bad_hmac``. ``receiving_subaddress_view_private`` is ``c_i`` of the
        subaddress that received the TxOut (usually the default one), not the root view key."""
        if sender_address.short_address_hash() != self.sender_address_hash:
            raise TxError(
                "tx.memo_sender_hash_mismatch",
                "the memo's sender address hash is not the hash of the given sender address",
            )
        self.verify_mac(sender_address, receiving_subaddress_view_private, tx_out_public_key)

    def is_valid(
        self,
        sender_address: PublicAddress,
        receiving_subaddress_view_private: Scalar,
        tx_out_public_key: Point,
    ) -> bool:
        """:meth:`validate` as a boolean (MobileCoin's ``Choice``)."""
        try:
            self.validate(sender_address, receiving_subaddress_view_private, tx_out_public_key)
        except TxError:
            return False
        return True


@attrs.frozen
class AuthenticatedSenderMemo(_AuthenticatedSender):
    """0x0100: sender hash, 32 zero bytes, HMAC."""

    MEMO_TYPE: ClassVar[bytes] = b"\x01\x00"

    @classmethod
    def new(
        cls,
        credential: SenderMemoCredential,
        receiving_subaddress_view_public: Point,
        tx_out_public_key: Point,
    ) -> AuthenticatedSenderMemo:
        """``AuthenticatedSenderMemo::new``."""
        view_public, tx_key = receiving_subaddress_view_public, tx_out_public_key
        return cls(_sign(cls.MEMO_TYPE, credential, view_public, tx_key, b""))


def _id_bytes(value: int, what: str) -> bytes:
    return check_uint(value, 64, what).to_bytes(8, "big")


@attrs.frozen
class AuthenticatedSenderWithPaymentRequestIdMemo(_AuthenticatedSender):
    """0x0101: as 0x0100 with the payment request id (BE u64) in [16:24]."""

    MEMO_TYPE: ClassVar[bytes] = b"\x01\x01"

    @classmethod
    def new(
        cls,
        credential: SenderMemoCredential,
        receiving_subaddress_view_public: Point,
        tx_out_public_key: Point,
        payment_request_id: int,
    ) -> AuthenticatedSenderWithPaymentRequestIdMemo:
        extra = _id_bytes(payment_request_id, "payment request id")
        view_public, tx_key = receiving_subaddress_view_public, tx_out_public_key
        return cls(_sign(cls.MEMO_TYPE, credential, view_public, tx_key, extra))

    @property
    def payment_request_id(self) -> int:
        return int.from_bytes(self.memo_data[SHORT_ADDRESS_HASH_LEN:_ID_END], "big")


@attrs.frozen
class AuthenticatedSenderWithPaymentIntentIdMemo(_AuthenticatedSender):
    """0x0102: as 0x0100 with the payment intent id (BE u64) in [16:24]."""

    MEMO_TYPE: ClassVar[bytes] = b"\x01\x02"

    @classmethod
    def new(
        cls,
        credential: SenderMemoCredential,
        receiving_subaddress_view_public: Point,
        tx_out_public_key: Point,
        payment_intent_id: int,
    ) -> AuthenticatedSenderWithPaymentIntentIdMemo:
        extra = _id_bytes(payment_intent_id, "payment intent id")
        view_public, tx_key = receiving_subaddress_view_public, tx_out_public_key
        return cls(_sign(cls.MEMO_TYPE, credential, view_public, tx_key, extra))

    @property
    def payment_intent_id(self) -> int:
        return int.from_bytes(self.memo_data[SHORT_ADDRESS_HASH_LEN:_ID_END], "big")


@attrs.frozen
class AuthenticatedSenderWithDataMemo(_AuthenticatedSender):
    """0x0103: as 0x0100 with 32 bytes of application data in [16:48] under the HMAC."""

    MEMO_TYPE: ClassVar[bytes] = b"\x01\x03"
    DATA_LEN: ClassVar[int] = _MAC_START - SHORT_ADDRESS_HASH_LEN  # 32

    @classmethod
    def new(
        cls,
        credential: SenderMemoCredential,
        receiving_subaddress_view_public: Point,
        tx_out_public_key: Point,
        data: bytes,
    ) -> AuthenticatedSenderWithDataMemo:
        extra = check_length(data, cls.DATA_LEN, "sender memo data")
        view_public, tx_key = receiving_subaddress_view_public, tx_out_public_key
        return cls(_sign(cls.MEMO_TYPE, credential, view_public, tx_key, extra))

    @property
    def data(self) -> bytes:
        return self.memo_data[SHORT_ADDRESS_HASH_LEN:_MAC_START]
