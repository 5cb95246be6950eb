"""The memo of an output a fog client found: decrypted, decoded, the sender checked.

MobileCoin ``fog/sample-paykit/src/cached_tx_data/memo_handler.rs`` (``MemoHandler``: decrypt
each received TxOut's memo with its shared secret, decode it, and accept an authenticated
sender memo only if its HMAC verifies for a sender in the address book) and
``transaction/extra/src/memo/`` (the memo types). A ``TxOutRecord`` carries the output's
encrypted memo (field 9), so a fog client reads memos without the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.client.wallet import Owned
from refimpl.transaction.memos import (
    AuthenticatedSenderMemo,
    AuthenticatedSenderWithDataMemo,
    AuthenticatedSenderWithPaymentIntentIdMemo,
    AuthenticatedSenderWithPaymentRequestIdMemo,
    MemoType,
    decode_memo,
)
from refimpl.transaction.memos.destination import DestinationMemo

#: The memo types that name and authenticate their sender (0x0100, 0x0101, 0x0102, 0x0103).
AUTHENTICATED_SENDER_MEMOS = (AuthenticatedSenderMemo, AuthenticatedSenderWithPaymentRequestIdMemo,
                              AuthenticatedSenderWithPaymentIntentIdMemo,
                              AuthenticatedSenderWithDataMemo)


def output_memo(account: AccountKey, owned: Owned) -> MemoType:
    """The decoded memo of ``owned`` (``tx.memo_unknown_type`` for an unregistered type)."""
    shared_secret = owned.tx_out.shared_secret(account.view_private)
    return decode_memo(owned.tx_out.decrypt_memo(shared_secret))


def authenticated_sender(account: AccountKey, owned: Owned, memo: MemoType,
                         address_book: Sequence[PublicAddress]) -> PublicAddress | None:
    """The address-book entry an authenticated sender memo names and whose HMAC verifies for
    this output, else ``None`` (an unknown or forged sender)."""
    if not isinstance(memo, AUTHENTICATED_SENDER_MEMOS):
        return None
    view_private = account.subaddress_view_private(owned.subaddress_index)
    for address in address_book:
        if memo.is_valid(address, view_private, owned.tx_out.public_key):
            return address
    return None


def memo_json(account: AccountKey, owned: Owned, memo: MemoType,
              address_book: Sequence[PublicAddress] = ()) -> dict[str, Any]:
    """What a wallet shows of a memo: its type and fields, the sender when verified."""
    out: dict[str, Any] = {"type": type(memo).__name__, "memo_type": memo.MEMO_TYPE.hex()}
    if isinstance(memo, AUTHENTICATED_SENDER_MEMOS):
        out["sender_address_hash"] = memo.sender_address_hash.hex()
        out["sender_verified"] = authenticated_sender(account, owned, memo,
                                                      address_book) is not None
    if isinstance(memo, DestinationMemo):
        out.update(recipient_address_hash=memo.address_hash.hex(),
                   total_outlay=memo.total_outlay, fee=memo.fee,
                   num_recipients=memo.num_recipients)
    return out
