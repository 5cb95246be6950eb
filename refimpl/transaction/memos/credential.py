"""``SenderMemoCredential``: what a sender needs to write authenticated sender memos.

MobileCoin ``transaction/extra/src/memo/credential.rs``: the ShortAddressHash of the address the
sender identifies as, and the spend private key of that subaddress. ``From<&AccountKey>`` uses
the default subaddress (``transaction/extra/src/memo/credential.rs``).
"""

from __future__ import annotations

import attrs

from refimpl.account.keys import DEFAULT_SUBADDRESS_INDEX, AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import TxError
from refimpl.transaction.memos._fields import check_address_hash


@attrs.frozen
class SenderMemoCredential:
    """An address hash (16 bytes) and that subaddress's spend private key ``d_i``."""

    address_hash: bytes = attrs.field(converter=check_address_hash)
    subaddress_spend_private: Scalar

    @classmethod
    def from_address_and_spend_private_key(
        cls, address: PublicAddress, subaddress_spend_private: Scalar
    ) -> SenderMemoCredential:
        """``new_from_address_and_spend_private_key``; the key must be the address's ``d_i``."""
        if Point.mul_base(subaddress_spend_private) != address.spend_public:
            raise TxError(
                "tx.memo_credential_mismatch",
                "the spend private key does not belong to the sender address",
            )
        return cls(address.short_address_hash(), subaddress_spend_private)

    @classmethod
    def from_account_key(
        cls, account: AccountKey, index: int = DEFAULT_SUBADDRESS_INDEX
    ) -> SenderMemoCredential:
        """``From<&AccountKey>`` (subaddress 0 by default)."""
        return cls(
            account.subaddress(index).short_address_hash(),
            account.subaddress_spend_private(index),
        )
