"""From what fog returns to outputs the account owns: records fog view found, and the outputs
of blocks ingest missed.

MobileCoin ``fog/view/protocol/src/user_private.rs`` (``decrypt_tx_out_result``: the payload
opens with the DEFAULT subaddress's view private key, the one fog hints name) and
``fog/sample-paykit/src/cached_tx_data/mod.rs`` (``OwnedTxOut::new``: the record's
``FogTxOut`` is recovered with the ROOT view private key, its commitment checked against the
record's CRC-32, then the subaddress is found by the recovered spend key and the key image is
computed from the one-time private key; ``create_tx_out_records`` for missed blocks: every
output of the block is tried with the view key).

Recognising an output and unmasking it is the same as for the full-ledger wallet
(:func:`refimpl.client.wallet.match_tx_out`), so a recovered TxOut goes through it. A recovered
TxOut carries a zeroed fog hint; when it is spent, the copy in the ledger is what the ring holds
(:func:`refimpl.client.wallet.build_payment` takes the source's TxOut).
"""

from __future__ import annotations

import attrs

from refimpl.account.keys import DEFAULT_SUBADDRESS_INDEX, AccountKey
from refimpl.client.wallet import SCANNED_SUBADDRESSES, Owned, match_tx_out
from refimpl.crypto.ristretto import Point
from refimpl.errors import FogError, RefImplError
from refimpl.fog.records import decrypt_tx_out_record
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.tx_out_record import TxOutRecord


@attrs.frozen
class MissedBlock:
    """A block as ``FogBlockAPI/GetBlocks`` returns it (``BlockData``)."""

    index: int
    global_txo_count: int  # cumulative, including this block
    outputs: tuple[TxOut, ...]
    timestamp: int = 0

    @property
    def first_global_index(self) -> int:
        return self.global_txo_count - len(self.outputs)


class OutputRecognizer:
    """An account's keys, ready to open fog payloads and recognise outputs."""

    def __init__(self, account: AccountKey,
                 subaddresses: tuple[int, ...] = SCANNED_SUBADDRESSES) -> None:
        self.account = account
        #: ``UserPrivate::from(&AccountKey)``: the default subaddress's view private key
        self.fog_view_private = account.subaddress_view_private(DEFAULT_SUBADDRESS_INDEX)
        self.spend_keys: dict[Point, int] = {
            account.subaddress(i).spend_public: i for i in subaddresses
        }

    def open_payload(self, payload: bytes) -> TxOutRecord:
        """Decrypt a ``Found`` payload (``fog.tx_out_record_decryption_failed``,
        ``fog.bad_tx_out_record``)."""
        return decrypt_tx_out_record(self.fog_view_private, payload)

    def owned_from_record(self, record: TxOutRecord) -> Owned:
        """``OwnedTxOut::new``: the record as an output we own. A record that does not recover
        (``tx.fog_checksum_mismatch``, malformed keys) or is not ours is a typed error."""
        try:
            tx_out = record.get_fog_tx_out().try_recover_tx_out(self.account.view_private)
        except RefImplError as exc:
            raise FogError("fog.client_record_not_ours",
                           f"TxOut {record.tx_out_global_index}: {exc.one_line()}") from exc
        owned = match_tx_out(self.account, self.spend_keys, tx_out,
                             record.tx_out_global_index, record.block_index)
        if owned is None:
            raise FogError("fog.client_record_not_ours",
                           f"TxOut {record.tx_out_global_index} is not for a subaddress we scan")
        return owned

    def owned_from_payload(self, payload: bytes) -> Owned:
        return self.owned_from_record(self.open_payload(payload))

    def scan_block(self, block: MissedBlock) -> list[Owned]:
        """The outputs of ``block`` we own (view-key scan of a block ingest missed)."""
        first = block.first_global_index
        found = []
        for position, tx_out in enumerate(block.outputs):
            owned = match_tx_out(self.account, self.spend_keys, tx_out, first + position,
                                 block.index)
            if owned is not None:
                found.append(owned)
        return found
