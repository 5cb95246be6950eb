"""Applying transactions to a ledger: ledger-aware validation, combining, forming a block.

MobileCoin splits what a node checks of a transaction in two:

* **well formed** — ``transaction/core/src/validation/validate.rs`` ``validate`` (our
  :func:`refimpl.transaction.validation.validate`), run by the consensus enclave
  (``consensus/enclave/impl/src/lib.rs`` ``tx_is_well_formed``) with "root proofs" the untrusted
  node fetched from its ledger: for each of the transaction's membership proofs, the ledger's
  current proof of the TxOut at that proof's ``highest_index``
  (``consensus/service/src/validators.rs`` ``well_formed_check``). All root proofs must imply
  one single root (``Error::InvalidLocalMembershipProof``), and in ``form_block`` that root must
  be the ledger's current root element (``InvalidLocalMembershipRootElement``).
* **valid** against the current ledger — ``validators.rs`` ``is_valid``: the tombstone has not
  passed for the block being built, no key image is already spent
  (``ContainsSpentKeyImage``), no output public key already exists
  (``ContainsExistingOutputPublicKey``).

A transaction's own membership proofs may be *stale* (made when the ledger was smaller): each is
checked against the root of the tree as it was when its ``highest_index`` was the last leaf,
which ``derive_proof_at_index`` recovers from the current root proof. MobileCoin therefore
accepts stale proofs of an append-only ledger; only a proof whose ``highest_index`` lies past
the ledger's end is refused (``LedgerTxOutIndexOutOfBounds``).

Blocks: ``validators.rs`` ``combine`` orders candidate transactions (``WellFormedTxContext`` order:
priority descending, then tx hash, tombstone, key images, highest indices, output public keys) and
keeps, first come, those that share no key image and no output public key with a transaction kept
before (at most ``MAX_TRANSACTIONS_PER_BLOCK``). ``form_block`` then adds fee outputs
(``mint_output``: ``min(#tokens, #transactions)`` outputs to the fee recipient, the nonzero fee
totals first, each with the private key ``reduce32`` of a Merlin transcript over the parent id, the
transactions, the amount and a counter), sorts outputs by public key and key images by bytes (as
``form_block`` does), and builds the block on its parent with the ledger's current root element.

Rejections are typed: ``tx.*`` codes from ``validate`` and ``ledger.*`` codes registered in the
"applying transactions" section of :mod:`refimpl.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import attrs

from refimpl.account.public_address import PublicAddress
from refimpl.crypto.digestible import DIGEST32_LABEL, DigestWriter
from refimpl.crypto.hashing import FEES_OUTPUT_PRIVATE_KEY_DOMAIN_TAG
from refimpl.crypto.merlin import Transcript
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.errors import LedgerError, RefImplError, TxError
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.signature import BlockSignature
from refimpl.transaction import block_version as bv
from refimpl.transaction.amount import Amount
from refimpl.transaction.batch_verify import preverified
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.merkle import compute_implied_merkle_root
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement, TxOutMembershipProof
from refimpl.transaction.tx import Tx
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.validation import validate, validate_ledger_rules

#: ``transaction/types/src/constants.rs``.
MAX_TRANSACTIONS_PER_BLOCK = 5000
#: ``transaction/core/src/fee_map.rs``: minimum fees are at least ``1 << 7``; a transaction's
#: priority is its fee divided by ``minimum_fee >> 7`` (``get_well_formed_tx_context``).
SMALLEST_MINIMUM_FEE_LOG2 = 7
_U64_MAX = 2**64 - 1

#: The fee recipient MobileCoin's enclave is built with by default
#: (``consensus/enclave/impl/build.rs``: ``FEE_SPEND_PUBLIC_KEY`` / ``FEE_VIEW_PUBLIC_KEY``);
#: the demo fee recipient of this reference.
DEMO_FEE_RECIPIENT = PublicAddress(
    view_public=Point.from_bytes(
        bytes.fromhex("5222a1e9ae32d21c23114a5ce6bb39e0cb56aea350d4619d43b1207061b10346")
    ),
    spend_public=Point.from_bytes(
        bytes.fromhex("26b507c63124a2f5e940b4fb89e4b2bb0a2078ed0c8e551ad59268b9646ec241")
    ),
)


class LedgerReader(Protocol):
    """What applying transactions reads of a ledger (``refimpl.ledger.store.LedgerStore``)."""

    def num_blocks(self) -> int: ...

    def get_block(self, index: int) -> Block: ...

    def num_tx_outs(self) -> int: ...

    def get_membership_proofs(
        self, indices: Sequence[int]
    ) -> tuple[TxOutMembershipProof, ...]: ...

    def root_element(self) -> TxOutMembershipElement: ...

    def check_key_image(self, key_image: KeyImage) -> int | None: ...

    def get_tx_out_index_by_public_key(self, public_key: bytes) -> int | None: ...


class LedgerWriter(LedgerReader, Protocol):
    """A ledger blocks can be appended to."""

    def append_block(
        self, block: Block, contents: BlockContents, signature: BlockSignature | None = None
    ) -> None: ...


# --- fee map -----------------------------------------------------------------------------------


def check_fee_map(fee_map: Mapping[int, int]) -> None:
    """``FeeMap::is_valid``: every minimum fee is at least ``1 << SMALLEST_MINIMUM_FEE_LOG2``
    (``ledger.bad_fee_map``)."""
    for token_id, minimum in fee_map.items():
        if minimum >> SMALLEST_MINIMUM_FEE_LOG2 == 0:
            raise LedgerError(
                "ledger.bad_fee_map", f"token {token_id}: minimum fee {minimum} is below 128"
            )


def minimum_fee_for(tx: Tx, fee_map: Mapping[int, int]) -> int:
    """The minimum fee of the transaction's fee token; the fee token and every output token
    must be configured (``tx_is_well_formed``: ``TokenNotYetConfigured``)."""
    for token_id in (tx.prefix.fee_token_id, *tx.signature.output_token_ids):
        if token_id not in fee_map:
            raise LedgerError(
                "ledger.token_not_yet_configured", f"token {token_id} is not in the fee map"
            )
    return fee_map[tx.prefix.fee_token_id]


def priority(tx: Tx, minimum_fee: int) -> int:
    """``get_well_formed_tx_context``: ``fee / (minimum_fee >> 7)``, so that every payment at
    the minimum fee of its token has the same priority."""
    return tx.prefix.fee // max(1, minimum_fee >> SMALLEST_MINIMUM_FEE_LOG2)


# --- ledger context ------------------------------------------------------------------------------


def membership_proof_highest_indices(tx: Tx) -> tuple[int, ...]:
    """``Tx::get_membership_proof_highest_indices``: each proof's ``highest_index``, flattened
    in input order."""
    return tuple(p.highest_index for tx_in in tx.prefix.inputs for p in tx_in.proofs)


def root_proofs_for(tx: Tx, ledger: LedgerReader) -> tuple[TxOutMembershipProof, ...]:
    """:func:`root_proofs_at` the transaction's highest indices."""
    return root_proofs_at(membership_proof_highest_indices(tx), ledger)


def root_proofs_at(
    indices: Sequence[int], ledger: LedgerReader
) -> tuple[TxOutMembershipProof, ...]:
    """``get_tx_out_proof_of_memberships(highest_indices)``: the ledger's current proof of the
    TxOut at each highest index, all read against one root (``LedgerTxOutIndexOutOfBounds``
    past the ledger's end)."""
    count = ledger.num_tx_outs()
    for index in indices:
        if index >= count:
            raise LedgerError(
                "ledger.tx_out_index_out_of_bounds",
                f"a membership proof's highest index {index} is past the ledger's {count} TxOuts",
            )
    distinct = sorted(set(indices))  # ring members' proofs usually share one highest index
    by_index = dict(zip(distinct, ledger.get_membership_proofs(distinct), strict=True))
    return tuple(by_index[index] for index in indices)


def implied_root(root_proofs: Sequence[TxOutMembershipProof]) -> TxOutMembershipElement:
    """``tx_is_well_formed``'s first check: the root proofs imply one single root element
    (``InvalidLocalMembershipProof`` otherwise, also for no proofs at all; a proof that implies
    no root is ``InvalidLedgerContext``)."""
    roots = set()
    seen: set[TxOutMembershipProof] = set()
    for position, proof in enumerate(root_proofs):
        if proof in seen:  # the same proof implies the same root
            continue
        seen.add(proof)
        try:
            roots.add(compute_implied_merkle_root(proof))
        except LedgerError as exc:
            raise TxError(
                "tx.invalid_ledger_context", f"root proof {position}: {exc.message}"
            ) from exc
    if len(roots) != 1:
        raise LedgerError(
            "ledger.invalid_local_membership_proof",
            f"the root proofs imply {len(roots)} roots, not one",
        )
    (root,) = roots
    return root


def check_root_proofs(
    root_proofs: Sequence[TxOutMembershipProof], root_element: TxOutMembershipElement
) -> None:
    """The enclave's root checks: the root proofs' implied roots are one single element
    (:func:`implied_root`) and it is the ledger's current root element (``form_block``:
    ``InvalidLocalMembershipRootElement``)."""
    if implied_root(root_proofs) != root_element:
        raise LedgerError(
            "ledger.invalid_local_membership_root_element",
            "the root proofs imply a root other than the ledger's current root",
        )


def check_key_images_unspent(key_images: Iterable[Point], ledger: LedgerReader) -> None:
    """``is_valid``: no key image is already in the ledger (``ContainsSpentKeyImage``)."""
    for point in key_images:
        spent_in = ledger.check_key_image(KeyImage(point))
        if spent_in is not None:
            raise LedgerError(
                "ledger.contains_spent_key_image",
                f"key image {point.hex()} was spent in block {spent_in}",
            )


def check_output_public_keys_new(public_keys: Iterable[Point], ledger: LedgerReader) -> None:
    """``is_valid``: no output public key is already in the ledger
    (``ContainsExistingOutputPublicKey``)."""
    for public_key in public_keys:
        index = ledger.get_tx_out_index_by_public_key(public_key.to_bytes())
        if index is not None:
            raise LedgerError(
                "ledger.contains_existing_output_public_key",
                f"output public key {public_key.hex()} is TxOut {index} of the ledger",
            )


def validate_against_ledger(
    tx: Tx,
    ledger: LedgerReader,
    block_version: int,
    minimum_fee: int,
    rng: RandomSource,
    *,
    passed_without_ledger: bool = False,
) -> None:
    """Everything a node checks before a transaction may enter the next block.

    In MobileCoin's order: root proofs fetched for the transaction's highest indices, their
    one root equal to the current root element, ``validate`` for the block being built (index
    ``num_blocks()``, so its tombstone rule is also ``is_valid``'s), then key images unspent
    and output public keys new. Raises the first failure's typed error; returns ``None`` for
    a transaction that may enter.

    ``passed_without_ledger``: the caller already knows that the transaction passed
    :func:`refimpl.transaction.validation.validate_without_ledger` at this block version and
    minimum fee; only the ledger rules of ``validate`` run then, with the same verdict.
    """
    current_block_index = ledger.num_blocks()
    root_proofs = root_proofs_for(tx, ledger)
    if root_proofs:
        check_root_proofs(root_proofs, ledger.root_element())
    if passed_without_ledger:
        validate_ledger_rules(tx, current_block_index, root_proofs)
    else:
        validate(tx, current_block_index, block_version, root_proofs, minimum_fee, rng)
    check_key_images_unspent(tx.key_images(), ledger)
    check_output_public_keys_new(tx.output_public_keys(), ledger)


# --- combining candidates ------------------------------------------------------------------------


@attrs.frozen
class WellFormedTxContext:
    """``WellFormedTxContext`` (``consensus/enclave/api/src/lib.rs``): what the enclave tells
    the host of a well-formed transaction, and the order of transactions within a block."""

    priority: int
    tx_hash: bytes
    tombstone_block: int
    key_images: tuple[bytes, ...]
    highest_indices: tuple[int, ...]
    output_public_keys: tuple[bytes, ...]

    @classmethod
    def from_tx(cls, tx: Tx, tx_priority: int, tx_hash: bytes | None = None
                ) -> WellFormedTxContext:
        """``WellFormedTxContext::from_tx`` (``tx_hash``: the hash when the caller knows it;
        computing it digests the whole transaction)."""
        return cls(
            priority=tx_priority,
            tx_hash=tx.hash() if tx_hash is None else tx_hash,
            tombstone_block=tx.prefix.tombstone_block,
            key_images=tuple(k.to_bytes() for k in tx.key_images()),
            highest_indices=membership_proof_highest_indices(tx),
            output_public_keys=tuple(k.to_bytes() for k in tx.output_public_keys()),
        )

    def sort_key(
        self,
    ) -> tuple[int, bytes, int, tuple[bytes, ...], tuple[int, ...], tuple[bytes, ...]]:
        """``Ord for WellFormedTxContext``: priority descending, then the remaining fields."""
        return (
            -self.priority,
            self.tx_hash,
            self.tombstone_block,
            self.key_images,
            self.highest_indices,
            self.output_public_keys,
        )


@attrs.frozen
class CombinedContexts:
    """:func:`combine_contexts`' outcome: kept (block order), dropped with the conflict's
    code, deferred because the block was full."""

    kept: tuple[WellFormedTxContext, ...]
    dropped: tuple[tuple[WellFormedTxContext, str], ...]
    deferred: tuple[WellFormedTxContext, ...] = ()


def combine_contexts(
    contexts: Iterable[WellFormedTxContext], max_elements: int = MAX_TRANSACTIONS_PER_BLOCK
) -> CombinedContexts:
    """``DefaultTxManagerUntrustedInterfaces::combine``: sort the candidates, then keep each
    that reuses no key image (else dropped as ``ledger.duplicate_key_image``) and no output
    public key (``ledger.duplicate_output_public_key``) of one kept before, up to
    ``max_elements`` kept (the rest are deferred)."""
    candidates = sorted(contexts, key=WellFormedTxContext.sort_key)
    kept: list[WellFormedTxContext] = []
    dropped: list[tuple[WellFormedTxContext, str]] = []
    used_key_images: set[bytes] = set()
    used_output_keys: set[bytes] = set()
    for position, context in enumerate(candidates):
        if len(kept) >= max_elements:
            return CombinedContexts(tuple(kept), tuple(dropped), tuple(candidates[position:]))
        key_images = set(context.key_images)
        output_keys = set(context.output_public_keys)
        if not used_key_images.isdisjoint(key_images):
            dropped.append((context, "ledger.duplicate_key_image"))
            continue
        if not used_output_keys.isdisjoint(output_keys):
            dropped.append((context, "ledger.duplicate_output_public_key"))
            continue
        kept.append(context)
        used_key_images |= key_images
        used_output_keys |= output_keys
    return CombinedContexts(tuple(kept), tuple(dropped))


@attrs.frozen
class Combined:
    """The outcome of :func:`combine`: the transactions kept, in block order; those dropped,
    with the code of the conflict; those deferred because the block was full (MobileCoin
    leaves them in the pool for a later block)."""

    kept: tuple[Tx, ...]
    dropped: tuple[tuple[Tx, str], ...]
    deferred: tuple[Tx, ...] = ()


def combine(
    txs: Iterable[Tx],
    fee_map: Mapping[int, int],
    max_elements: int = MAX_TRANSACTIONS_PER_BLOCK,
    tx_hashes: Sequence[bytes] | None = None,
) -> Combined:
    """:func:`combine_contexts` over the transactions' ``WellFormedTxContext`` (priority from
    the fee map; ``tx_hashes``, if given, are the transactions' hashes in the same order)."""
    by_hash: dict[bytes, Tx] = {}
    contexts = []
    txs = list(txs)
    hashes: Sequence[bytes | None] = [None] * len(txs) if tx_hashes is None else tx_hashes
    for tx, tx_hash in zip(txs, hashes, strict=True):
        context = WellFormedTxContext.from_tx(tx, priority(tx, minimum_fee_for(tx, fee_map)),
                                              tx_hash)
        by_hash[context.tx_hash] = tx
        contexts.append(context)
    combined = combine_contexts(contexts, max_elements)
    return Combined(
        tuple(by_hash[c.tx_hash] for c in combined.kept),
        tuple((by_hash[c.tx_hash], code) for c, code in combined.dropped),
        tuple(by_hash[c.tx_hash] for c in combined.deferred),
    )


# --- fee outputs ---------------------------------------------------------------------------------


def _append_amount(writer: DigestWriter, context: bytes, amount: Amount) -> None:
    """Digestible ``Amount``: aggregate "Amount" {"value": uint, "token_id": "TokenId" {"0"}}."""
    writer.agg_header(context, b"Amount")
    writer.uint64(b"value", amount.value)
    writer.agg_header(b"token_id", b"TokenId")
    writer.uint64(b"0", amount.token_id)
    writer.agg_closer(b"token_id", b"TokenId")
    writer.agg_closer(context, b"Amount")


def mint_output_private_key(
    domain_tag: bytes, parent: Block, txs: Sequence[Tx], amount: Amount, counter: int
) -> Scalar:
    """``mint_output``'s tx private key: ``reduce32`` of a Merlin transcript labelled
    ``domain_tag`` holding the parent id, the transactions, the amount and the counter."""
    transcript = Transcript(domain_tag)
    writer = DigestWriter(transcript)
    writer.bytes_(b"parent_block_id", parent.id, omit_empty=False)
    writer.seq_header(b"transactions", len(txs))
    for tx in txs:
        tx.append_to(writer, b"")
    _append_amount(writer, b"amount", amount)
    writer.uint64(b"counter", counter)
    return Scalar.from_bytes_mod_order(transcript.challenge_bytes(DIGEST32_LABEL, 32))


def mint_output(
    block_version: int,
    recipient: PublicAddress,
    domain_tag: bytes,
    parent: Block,
    txs: Sequence[Tx],
    amount: Amount,
    counter: int,
) -> TxOut:
    """``mint_output``: a TxOut of ``amount`` to ``recipient`` with the deterministic private
    key above, the default fog hint and the default memo; non-MOB needs block version 2
    (``ledger.form_block_token_not_supported``)."""
    if not bv.masked_token_id_feature_is_supported(block_version) and amount.token_id != 0:
        raise LedgerError(
            "ledger.form_block_token_not_supported",
            f"token {amount.token_id} fee output at block version {block_version}",
        )
    private_key = mint_output_private_key(domain_tag, parent, txs, amount, counter)
    return TxOut.new(block_version, amount, recipient, private_key, EncryptedFogHint.zero())


def sort_zeroes_to_end(totals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``CtTokenMap::sort_zeroes_to_end``: MobileCoin's constant-time pass, reproduced swap for
    swap (the order decides which zero-valued tokens get a fee output)."""
    out = list(totals)
    for split in range(len(out) - 1, 0, -1):
        for position in range(split):
            if out[position][1] == 0 and out[split][1] != 0:
                out[position], out[split] = out[split], out[position]
    return out


def fee_outputs(
    block_version: int,
    parent: Block,
    txs: Sequence[Tx],
    fee_map: Mapping[int, int],
    fee_recipient: PublicAddress = DEMO_FEE_RECIPIENT,
) -> tuple[TxOut, ...]:
    """``form_block``'s fee outputs: fees totalled per token of the fee map (in token order),
    zero totals moved to the end, then for the first ``min(#tokens, #txs)`` tokens one output
    per ``u64::MAX`` chunk of the total (at least one, even of value zero), counter = the
    output's position within its token."""
    totals = {token_id: 0 for token_id in sorted(fee_map)}
    for tx in txs:
        if tx.prefix.fee_token_id in totals:
            totals[tx.prefix.fee_token_id] += tx.prefix.fee
    ordered = sort_zeroes_to_end(list(totals.items()))
    outputs: list[TxOut] = []
    for token_id, total in ordered[: min(len(ordered), len(txs))]:
        counter = 0
        while True:
            value = min(total, _U64_MAX)
            outputs.append(
                mint_output(
                    block_version,
                    fee_recipient,
                    FEES_OUTPUT_PRIVATE_KEY_DOMAIN_TAG,
                    parent,
                    txs,
                    Amount(value, token_id),
                    counter,
                )
            )
            counter += 1
            total -= value
            if total == 0:
                break
    return tuple(outputs)


# --- forming and appending blocks -------------------------------------------------------------


def block_from_transactions(
    ledger: LedgerReader,
    txs: Sequence[Tx],
    block_version: int,
    fee_map: Mapping[int, int],
    fee_recipient: PublicAddress = DEMO_FEE_RECIPIENT,
) -> tuple[Block, BlockContents]:
    """The block of already combined transactions on the ledger's last block (``form_block``
    after ``get_txs_from_inputs``): outputs and fee outputs sorted by public key, key images
    sorted, root element = the ledger's current root (the tree before the block)."""
    bv.check_block_version(block_version)
    parent = ledger.get_block(ledger.num_blocks() - 1)
    if parent.version > block_version:
        raise LedgerError(
            "ledger.form_block_bad_version",
            f"block version {block_version} is below the parent's {parent.version}",
        )
    outputs = [out for tx in txs for out in tx.prefix.outputs]
    outputs.extend(fee_outputs(block_version, parent, txs, fee_map, fee_recipient))
    if not outputs:
        raise LedgerError("ledger.no_outputs", "no transactions: a block needs outputs")
    key_images = sorted(KeyImage(point) for tx in txs for point in tx.key_images())
    contents = BlockContents(
        key_images=tuple(key_images),
        outputs=tuple(sorted(outputs, key=lambda out: out.public_key.to_bytes())),
    )
    block = Block.new_with_parent(block_version, parent, ledger.root_element(), contents)
    return block, contents


def form_block(
    ledger: LedgerReader,
    txs: Iterable[Tx],
    block_version: int,
    fee_map: Mapping[int, int],
    fee_recipient: PublicAddress = DEMO_FEE_RECIPIENT,
    tx_hashes: Sequence[bytes] | None = None,
) -> tuple[Block, BlockContents]:
    """``combine`` then ``form_block``: the next block from valid transactions, conflicting
    ones dropped first come first served in MobileCoin's order (``tx_hashes``: their hashes,
    when known)."""
    combined = combine(txs, fee_map, tx_hashes=tx_hashes)
    return block_from_transactions(ledger, combined.kept, block_version, fee_map, fee_recipient)


@attrs.frozen
class Rejection:
    """A transaction left out of the block, with the code and message of the reason."""

    tx: Tx
    code: str
    message: str


@attrs.frozen
class ApplyResult:
    """What :func:`apply_transactions` did: the block appended (``None`` when no transaction
    was accepted), the transactions in it, those rejected, and valid ones deferred because the
    block was full."""

    block: Block | None
    contents: BlockContents | None
    accepted: tuple[Tx, ...]
    rejected: tuple[Rejection, ...]
    deferred: tuple[Tx, ...] = ()


def apply_transactions(
    ledger: LedgerWriter,
    txs: Iterable[Tx],
    block_version: int,
    fee_map: Mapping[int, int],
    rng: RandomSource,
    fee_recipient: PublicAddress = DEMO_FEE_RECIPIENT,
    sign: Callable[[Block], BlockSignature] | None = None,
) -> ApplyResult:
    """Validate each transaction against the ledger as it stands, combine the valid ones, form
    their block and append it (signed by ``sign`` when given). A rejected transaction leaves
    no trace; when none is accepted, nothing is appended. The ring signatures and range proofs
    of all the transactions are verified as one batch first
    (:func:`refimpl.transaction.batch_verify.preverified`: the verdicts of one by one)."""
    check_fee_map(fee_map)
    valid: list[Tx] = []
    rejected: list[Rejection] = []
    txs = list(txs)
    # every signature of the block in one batch (same verdicts: refimpl/transaction/batch_verify)
    with preverified(txs, block_version, rng):
        for tx in txs:
            try:
                minimum_fee = minimum_fee_for(tx, fee_map)
                validate_against_ledger(tx, ledger, block_version, minimum_fee, rng)
            except RefImplError as exc:
                rejected.append(Rejection(tx, exc.code, exc.message))
                continue
            valid.append(tx)
    combined = combine(valid, fee_map)
    rejected.extend(
        Rejection(tx, code, "conflicts with a transaction earlier in the block")
        for tx, code in combined.dropped
    )
    if not combined.kept:
        return ApplyResult(None, None, (), tuple(rejected), combined.deferred)
    block, contents = block_from_transactions(
        ledger, combined.kept, block_version, fee_map, fee_recipient
    )
    ledger.append_block(block, contents, None if sign is None else sign(block))
    return ApplyResult(block, contents, combined.kept, tuple(rejected), combined.deferred)
