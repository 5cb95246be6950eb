"""A wallet: the outputs an account owns, their key images, and payments built from them.

mobilecoind's role (``mobilecoind/src/sync.rs``: scan each new block's outputs with the
monitored account's view key; ``mobilecoind/src/payments.rs``: pick inputs, draw ring members
from the ledger with their membership proofs, build and sign):

* **Scanning** (:meth:`Wallet.sync`): blocks are read in order from a
  :class:`~refimpl.client.ledger_source.LedgerSource`, remembering the next block to scan. An
  output is ours when ``recover_public_subaddress_spend_key(a, target_key, public_key)`` is the
  spend key of a scanned subaddress (default 0 and change 2^64-2); its amount is unmasked with
  ``view_key_match`` and its key image computed from the recovered one-time private key. An
  output whose amount does not decode is skipped. The key images of each block mark the owned
  outputs they spend (an output always lands before any block that spends it).
* **Rings** (:func:`choose_ring_indices`): ``ring_size - 1`` decoys per input drawn uniformly
  from the ledger's TxOut indices, never an input; inputs and decoys are fetched with their
  membership proofs in one request (:func:`build_payment`), then
  :class:`~refimpl.transaction.builder.TransactionBuilder` forms, sorts and signs the rings.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import attrs

from refimpl.account.keys import CHANGE_SUBADDRESS_INDEX, DEFAULT_SUBADDRESS_INDEX, AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.client.ledger_source import MAX_BLOCKS, LedgerSource, TxOutSource
from refimpl.crypto.ristretto import Point, RandomSource
from refimpl.errors import ClientError, RefImplError, TxError
from refimpl.ledger.block import Block, BlockContents
from refimpl.transaction.amount import MOB_TOKEN_ID, Amount
from refimpl.transaction.builder import (
    RING_SIZE,
    OutputRequest,
    OwnedInput,
    RingCandidate,
    TransactionBuilder,
)
from refimpl.transaction.fog_hint import FogPubkeyResolver
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.onetime_keys import (
    recover_onetime_private_key,
    recover_public_subaddress_spend_key,
)
from refimpl.transaction.tx import Tx
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.validation import MAX_INPUTS

#: The subaddresses a wallet scans (mobilecoind monitors a range; these are the two a payment
#: touches: the default one others pay to, and the change one our payments return to).
SCANNED_SUBADDRESSES = (DEFAULT_SUBADDRESS_INDEX, CHANGE_SUBADDRESS_INDEX)

#: Above this many candidates per decoy wanted, decoys are drawn by rejection instead of from
#: an explicit pool of every eligible index.
_POOL_FACTOR = 4


@attrs.frozen
class Owned:
    """A TxOut of the ledger that the wallet owns, unmasked."""

    index: int  # global TxOut index
    tx_out: TxOut
    value: int
    subaddress_index: int
    key_image: KeyImage
    block_index: int
    token_id: int = MOB_TOKEN_ID


def match_tx_out(
    account: AccountKey, spend_keys: dict[Point, int], tx_out: TxOut, index: int, block_index: int
) -> Owned | None:
    """``tx_out`` as an :class:`Owned` when it pays one of ``spend_keys`` (subaddress spend
    public key -> subaddress index) and its amount decodes, else ``None``."""
    spend = recover_public_subaddress_spend_key(
        account.view_private, tx_out.target_key, tx_out.public_key
    )
    sub = spend_keys.get(spend)
    if sub is None:
        return None
    try:
        amount, _secret = tx_out.view_key_match(account.view_private)
    except RefImplError:
        return None  # addressed to us but unreadable: not spendable by this wallet
    onetime = recover_onetime_private_key(
        tx_out.public_key, account.view_private, account.subaddress_spend_private(sub)
    )
    return Owned(index, tx_out, amount.value, sub, KeyImage.from_private_key(onetime),
                 block_index, amount.token_id)


class Wallet:
    """An account's view of the ledger, built incrementally by :meth:`sync`."""

    def __init__(
        self, account: AccountKey, subaddresses: Sequence[int] = SCANNED_SUBADDRESSES
    ) -> None:
        self.account = account
        self._spend_keys = {account.subaddress(i).spend_public: i for i in subaddresses}
        #: the next block to scan, and how many TxOuts the scanned blocks hold
        self.next_block = 0
        self.num_tx_outs = 0
        self._owned: list[Owned] = []
        self._by_key_image: dict[KeyImage, Owned] = {}
        self._spent_at: dict[KeyImage, int] = {}

    # --- scanning -----------------------------------------------------------------------

    def scan_block(self, block: Block, contents: BlockContents) -> list[Owned]:
        """Scan the next block; returns the outputs found in it. A block out of order, or
        whose TxOut count disagrees with the blocks before it, is ``client.bad_response``."""
        if block.index != self.next_block:
            raise ClientError("client.bad_response",
                              f"block {block.index} where block {self.next_block} was expected")
        first = self.num_tx_outs
        if block.cumulative_txo_count != first + len(contents.outputs):
            raise ClientError(
                "client.bad_response",
                f"block {block.index} counts {block.cumulative_txo_count} TxOuts, "
                f"{first + len(contents.outputs)} expected",
            )
        found = []
        for position, tx_out in enumerate(contents.outputs):
            owned = match_tx_out(
                self.account, self._spend_keys, tx_out, first + position, block.index
            )
            if owned is not None:
                found.append(owned)
                self._owned.append(owned)
                self._by_key_image[owned.key_image] = owned
        for key_image in contents.key_images:
            if key_image in self._by_key_image:
                self._spent_at.setdefault(key_image, block.index)
        self.next_block += 1
        self.num_tx_outs = block.cumulative_txo_count
        return found

    def sync(self, source: LedgerSource, batch: int = MAX_BLOCKS) -> list[Owned]:
        """Scan every block from :attr:`next_block` to the end of ``source``; returns the
        outputs found."""
        found: list[Owned] = []
        while True:
            blocks = source.get_block_contents(self.next_block, batch)
            if not blocks:
                return found
            for block, contents in blocks:
                found.extend(self.scan_block(block, contents))

    # --- queries ------------------------------------------------------------------------

    @property
    def owned(self) -> tuple[Owned, ...]:
        """Every output found, in ledger order."""
        return tuple(self._owned)

    def spent_at(self, owned: Owned) -> int | None:
        """The block that spent ``owned``, as far as the wallet has scanned."""
        return self._spent_at.get(owned.key_image)

    def unspent(self, token_id: int = MOB_TOKEN_ID) -> list[Owned]:
        return [
            o for o in self._owned
            if o.token_id == token_id and o.key_image not in self._spent_at
        ]

    def balance(self, token_id: int = MOB_TOKEN_ID) -> int:
        return sum(o.value for o in self.unspent(token_id))

    def select_inputs(
        self, total: int, token_id: int = MOB_TOKEN_ID, max_inputs: int = MAX_INPUTS
    ) -> list[Owned]:
        """:func:`select_inputs` over this wallet's unspent outputs."""
        return select_inputs(self.unspent(token_id), total, token_id, max_inputs)

    def build_payment(
        self,
        source: LedgerSource,
        recipient: PublicAddress,
        value: int,
        rng: RandomSource,
        *,
        fee: int,
        tombstone_block: int,
        block_version: int,
        token_id: int = MOB_TOKEN_ID,
        fee_map_digest: bytes = b"",
        fog_resolver: FogPubkeyResolver | None = None,
    ) -> Tx:
        """A signed payment of ``value`` to ``recipient`` from selected unspent outputs, the
        change back to our change subaddress."""
        inputs = self.select_inputs(value + fee, token_id)
        return build_payment(
            source, self.account, inputs, recipient, value, rng,
            fee=fee, tombstone_block=tombstone_block, block_version=block_version,
            token_id=token_id, fee_map_digest=fee_map_digest, fog_resolver=fog_resolver,
        )


def select_inputs(
    unspent: Sequence[Owned], total: int, token_id: int = MOB_TOKEN_ID,
    max_inputs: int = MAX_INPUTS,
) -> list[Owned]:
    """Largest of the ``unspent`` outputs of ``token_id`` first until ``total`` is covered, at
    most ``max_inputs`` (``client.insufficient_funds`` otherwise)."""
    candidates = [o for o in unspent if o.token_id == token_id]
    chosen: list[Owned] = []
    covered = 0
    for owned in sorted(candidates, key=lambda o: (-o.value, o.index)):
        if covered >= total or len(chosen) == max_inputs:
            break
        chosen.append(owned)
        covered += owned.value
    if covered < total or not chosen:
        raise ClientError(
            "client.insufficient_funds",
            f"{total} of token {token_id} needed; at most {covered} from "
            f"{len(chosen)} inputs (unspent balance {sum(o.value for o in candidates)})",
        )
    return chosen


def choose_ring_indices(
    num_tx_outs: int, exclude: Collection[int], count: int, rng: RandomSource
) -> list[int]:
    """``count`` distinct TxOut indices below ``num_tx_outs``, none in ``exclude``, drawn
    uniformly (``tx.builder_not_enough_ring_members`` when the ledger is too small)."""
    excluded = {i for i in exclude if 0 <= i < num_tx_outs}
    available = num_tx_outs - len(excluded)
    if available < count:
        raise TxError(
            "tx.builder_not_enough_ring_members",
            f"the ledger has {available} TxOuts besides the inputs; {count} decoys needed",
        )

    def draw(n: int) -> int:
        return int.from_bytes(rng(8), "little") % n

    if available <= _POOL_FACTOR * count:
        pool = [i for i in range(num_tx_outs) if i not in excluded]
        return [pool.pop(draw(len(pool))) for _ in range(count)]
    chosen: list[int] = []
    seen = set(excluded)
    while len(chosen) < count:  # each draw succeeds with probability > 3/4
        pick = draw(num_tx_outs)
        if pick not in seen:
            seen.add(pick)
            chosen.append(pick)
    return chosen


def build_payment(
    source: TxOutSource,
    sender: AccountKey,
    inputs: Sequence[Owned],
    recipient: PublicAddress,
    value: int,
    rng: RandomSource,
    *,
    fee: int,
    tombstone_block: int,
    block_version: int,
    token_id: int = MOB_TOKEN_ID,
    ring_size: int = RING_SIZE,
    fee_map_digest: bytes = b"",
    fog_resolver: FogPubkeyResolver | None = None,
) -> Tx:
    """A signed payment of ``value`` from ``sender``'s ``inputs``, change back to the sender.

    Decoys come from :func:`choose_ring_indices` over ``source.num_tx_outs()``; the inputs and
    decoys are fetched with their membership proofs in one ``get_tx_outs`` call, so every proof
    is against the same root. Each real input is the TxOut as the source holds it (a TxOut a fog
    client recovered lacks its fog hint, which the ledger's hash covers); one answered with
    another public key is ``client.bad_response``. ``fog_resolver`` gives the fog keys of
    addresses with fog (the recipient's, and the sender's for its change).
    """
    input_indices = [o.index for o in inputs]
    decoys = choose_ring_indices(
        source.num_tx_outs(), input_indices, (ring_size - 1) * len(inputs), rng
    )
    fetched = source.get_tx_outs(input_indices + decoys)
    if len(fetched) != len(input_indices) + len(decoys):
        raise ClientError("client.bad_response", "get_tx_outs answered another number of TxOuts")
    owned_inputs = []
    for owned, (tx_out, proof) in zip(inputs, fetched[: len(inputs)], strict=True):
        if tx_out.public_key != owned.tx_out.public_key:
            raise ClientError("client.bad_response",
                              f"TxOut {owned.index} is not the output the wallet owns")
        owned_inputs.append(OwnedInput(tx_out, owned.subaddress_index, proof))
    builder = TransactionBuilder(
        block_version=block_version,
        sender=sender,
        inputs=owned_inputs,
        ring_candidates=[RingCandidate(t, p) for t, p in fetched[len(inputs):]],
        outputs=[OutputRequest(recipient, Amount(value, token_id))],
        fee=fee,
        tombstone_block=tombstone_block,
        fee_token_id=token_id,
        ring_size=ring_size,
        fee_map_digest=fee_map_digest,
        fog_resolver=fog_resolver,
    )
    return builder.build(rng)
