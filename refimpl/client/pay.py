"""Pay: build a transaction, submit it to a node, wait until it is in a block.

mobilecoind's ``SendPayment`` and ``GetTxStatusAsSender`` (``mobilecoind/src/service.rs``,
``payments.rs``): the fee and block version come from the node's ``GetLastBlockInfo``; the
tombstone block is ``num_blocks + tombstone_delta``; after a successful ``ClientTxPropose`` the
transaction is committed once every one of its key images is in the ledger, and can no longer
land once the ledger reaches its tombstone block (``TxStatus::TombstoneBlockExceeded``).
A ``ProposeTxResult`` other than ``Ok`` is ``client.tx_rejected`` naming the result.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any, Protocol

import attrs

from refimpl.account.public_address import PublicAddress
from refimpl.client.defaults import DEFAULT_TIMEOUT_S, DEFAULT_TOMBSTONE_DELTA
from refimpl.client.ledger_source import KeyImageSource, LedgerSource
from refimpl.client.wallet import Wallet
from refimpl.crypto.ristretto import RandomSource
from refimpl.errors import ClientError
from refimpl.node.api import consensus_common_pb2
from refimpl.transaction.amount import MOB_TOKEN_ID
from refimpl.transaction.fog_hint import FogPubkeyResolver
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx import Tx

DEFAULT_POLL_S = 0.1


def os_random(n: int) -> bytes:
    """The operating system's randomness, as a :class:`RandomSource`."""
    return os.urandom(n)


class TxSubmitter(Protocol):
    """What :func:`pay` needs of a node connection
    (:class:`refimpl.client.connection.ConsensusClient`)."""

    def last_block_info(self) -> consensus_common_pb2.LastBlockInfoResponse: ...

    def propose_tx(self, tx: Tx) -> consensus_common_pb2.ProposeTxResponse: ...


def result_name(code: int) -> str:
    """MobileCoin's ``ProposeTxResult`` name of ``code`` (``Unknown(<code>)`` if unnamed)."""
    try:
        return consensus_common_pb2.ProposeTxResult.Name(
            consensus_common_pb2.ProposeTxResult.ValueType(code)
        )
    except ValueError:
        return f"Unknown({code})"


@attrs.frozen
class Payment:
    """One submitted and committed payment."""

    tx_hash: bytes
    result: int  # ProposeTxResult (Ok)
    amount: int
    fee: int
    tombstone_block: int
    key_images: tuple[KeyImage, ...]
    submitted_at: float  # wall clock (time.time()) just before ClientTxPropose
    committed_at: float  # wall clock when the key images were seen spent
    latency_s: float  # monotonic seconds from submission to seeing the block
    block_index: int

    @property
    def result_name(self) -> str:
        return result_name(self.result)

    def to_json(self) -> dict[str, Any]:
        return {
            "tx_hash": self.tx_hash.hex(),
            "result": self.result_name,
            "amount": self.amount,
            "fee": self.fee,
            "tombstone_block": self.tombstone_block,
            "key_images": [k.to_bytes().hex() for k in self.key_images],
            "submitted_at": self.submitted_at,
            "committed_at": self.committed_at,
            "latency_s": self.latency_s,
            "block_index": self.block_index,
        }


def minimum_fee(info: consensus_common_pb2.LastBlockInfoResponse, token_id: int) -> int:
    """The node's minimum fee for ``token_id`` (``minimum_fees``, else the deprecated MOB
    field); ``client.bad_response`` when the node names none."""
    if token_id in info.minimum_fees:
        return info.minimum_fees[token_id]
    if token_id == MOB_TOKEN_ID and info.mob_minimum_fee:
        return info.mob_minimum_fee
    raise ClientError("client.bad_response", f"the node names no minimum fee for token {token_id}")


def submit(client: TxSubmitter, tx: Tx) -> consensus_common_pb2.ProposeTxResponse:
    """``ClientTxPropose``; a result other than ``Ok`` is ``client.tx_rejected``."""
    response = client.propose_tx(tx)
    if response.result != consensus_common_pb2.Ok:
        detail = f": {response.err_msg}" if response.err_msg else ""
        raise ClientError(
            "client.tx_rejected",
            f"{result_name(response.result)} (ProposeTxResult {response.result}){detail}",
        )
    return response


def wait_for_key_images(
    source: KeyImageSource,
    key_images: Sequence[KeyImage],
    timeout_s: float = DEFAULT_TIMEOUT_S,
    poll_s: float = DEFAULT_POLL_S,
    tombstone_block: int | None = None,
) -> int:
    """Poll until every key image is spent; returns the block that spent them. Spent in
    different blocks is ``client.tx_conflict``; the ledger reaching ``tombstone_block`` first
    is ``client.tx_expired``; ``timeout_s`` passing first is ``client.timeout``."""
    deadline = time.monotonic() + timeout_s
    while True:
        # the block count is read before the key images: a block counted has been checked
        num_blocks = source.num_blocks() if tombstone_block is not None else 0
        spent = source.check_key_images(key_images)
        blocks = {b for b in spent if b is not None}
        if key_images and None not in spent:
            if len(blocks) != 1:
                raise ClientError("client.tx_conflict", f"spent in blocks {sorted(blocks)}")
            return blocks.pop()
        if tombstone_block is not None and num_blocks >= tombstone_block:
            raise ClientError(
                "client.tx_expired",
                f"{num_blocks} blocks, tombstone block {tombstone_block}; "
                f"{len(spent) - spent.count(None)} of {len(spent)} key images spent",
            )
        if time.monotonic() >= deadline:
            raise ClientError(
                "client.timeout",
                f"{spent.count(None)} of {len(spent)} key images unspent after {timeout_s} s",
            )
        time.sleep(poll_s)


def submit_and_confirm(
    client: TxSubmitter,
    source: KeyImageSource,
    tx: Tx,
    amount: int,
    fee: int,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    poll_s: float = DEFAULT_POLL_S,
) -> Payment:
    """Submit ``tx`` (:func:`submit`) and wait until ``source`` sees its key images spent
    (:func:`wait_for_key_images`, up to its tombstone block)."""
    key_images = tuple(KeyImage(p) for p in tx.key_images())
    tombstone_block = tx.prefix.tombstone_block
    submitted_at = time.time()
    started = time.monotonic()
    response = submit(client, tx)
    block_index = wait_for_key_images(source, key_images, timeout_s, poll_s, tombstone_block)
    return Payment(
        tx_hash=tx.hash(),
        result=response.result,
        amount=amount,
        fee=fee,
        tombstone_block=tombstone_block,
        key_images=key_images,
        submitted_at=submitted_at,
        committed_at=time.time(),
        latency_s=time.monotonic() - started,
        block_index=block_index,
    )


def pay(
    client: TxSubmitter,
    source: LedgerSource,
    wallet: Wallet,
    to: PublicAddress,
    amount: int,
    fee: int | None = None,
    tombstone_delta: int = DEFAULT_TOMBSTONE_DELTA,
    rng: RandomSource | None = None,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    poll_s: float = DEFAULT_POLL_S,
    token_id: int = MOB_TOKEN_ID,
    fog_resolver: FogPubkeyResolver | None = None,
) -> Payment:
    """Sync ``wallet``, pay ``amount`` to ``to`` (fee: the node's minimum unless given), submit
    through ``client`` and wait until the key images are spent in ``source``'s ledger.
    Randomness (rings, keys, signatures) from ``rng``, the OS's by default. A recipient with
    fog needs ``fog_resolver`` (its validated fog key; the tombstone is lowered to its
    expiry)."""
    wallet.sync(source)
    rng = os_random if rng is None else rng
    info = client.last_block_info()
    fee = minimum_fee(info, token_id) if fee is None else fee
    tombstone_block = source.num_blocks() + tombstone_delta
    tx = wallet.build_payment(
        source, to, amount, rng,
        fee=fee, tombstone_block=tombstone_block,
        block_version=info.network_block_version, token_id=token_id,
        fog_resolver=fog_resolver,
    )
    return submit_and_confirm(client, source, tx, amount, fee, timeout_s=timeout_s,
                              poll_s=poll_s)
