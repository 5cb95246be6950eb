"""Transaction validation: every rule of MobileCoin's ``validate``, one small function each.

MobileCoin ``transaction/core/src/validation/validate.rs`` (rules) and
``validation/error.rs`` (``TransactionValidationError``).
:func:`validate` runs the rules in MobileCoin's order and stops at the first failure, which it
raises as a :class:`~refimpl.errors.TxError` whose stable code is the snake-case name of
MobileCoin's error variant (``TooManyInputs`` -> ``tx.too_many_inputs``). Each rule's
docstring names the Rust function and error it mirrors.

Sans-I/O: the ledger context is passed in — ``current_block_index`` (the index of the block
being built), ``block_version``, the untrusted ``root_proofs`` (one current membership proof
per ring member, flattened in input order) and ``minimum_fee`` — and ``rng`` is only handed to
the signature check (batched range-proof verification draws from it).

Checks MobileCoin makes outside ``validate`` (key images or output keys already in the ledger,
the fee map digest, one root for a whole block) belong to the ledger/consensus layers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from refimpl.crypto.ristretto import Point, RandomSource
from refimpl.errors import LedgerError, RefImplError, TxError
from refimpl.transaction import block_version as bv
from refimpl.transaction.input_rules import verify_input_rules
from refimpl.transaction.membership_proofs.merkle import (
    compute_implied_merkle_root,
    derive_proof_at_index,
    is_membership_proof_valid,
)
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement, TxOutMembershipProof
from refimpl.transaction.rct_signature import verify_tx
from refimpl.transaction.tx import Tx, TxPrefix
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.validation_context import LedgerContext

# transaction/types/src/constants.rs
RING_SIZE = 11
MAX_INPUTS = 16
MAX_OUTPUTS = 16
MAX_TOMBSTONE_BLOCKS = 20160
#: ``TokenId::NUM_BYTES``: the length of a masked token id from block version 2.
MASKED_TOKEN_ID_LEN = 8

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def _fail(code: str, message: str) -> TxError:
    return TxError(code, message)


def _check_sorted(
    values: Sequence[T], ordered: Callable[[T, T], bool], code: str, what: str
) -> None:
    """``check_sorted``: every adjacent pair must satisfy ``ordered`` (strictly ascending)."""
    for position in range(len(values) - 1):
        if not ordered(values[position], values[position + 1]):
            raise _fail(code, f"{what} {position} and {position + 1} are out of order")


def _check_unique(values: Sequence[K], code: str, what: str) -> None:
    """``check_unique``: no value may repeat."""
    seen: set[K] = set()
    for position, value in enumerate(values):
        if value in seen:
            raise _fail(code, f"{what} {position} repeats an earlier one")
        seen.add(value)


# --- 1-3: version and counts -------------------------------------------------------------------


def validate_block_version(block_version: int) -> None:
    """``BlockVersion::MAX < block_version`` -> ``Ledger("Invalid block version")``
    (``tx.bad_block_version``)."""
    bv.check_block_version(block_version)


def validate_number_of_inputs(prefix: TxPrefix, maximum_allowed_inputs: int = MAX_INPUTS) -> None:
    """``validate_number_of_inputs``: ``NoInputs`` / ``TooManyInputs``."""
    if not prefix.inputs:
        raise _fail("tx.no_inputs", "a transaction needs at least one input")
    if len(prefix.inputs) > maximum_allowed_inputs:
        raise _fail(
            "tx.too_many_inputs", f"{len(prefix.inputs)} inputs, at most {maximum_allowed_inputs}"
        )


def validate_number_of_outputs(
    prefix: TxPrefix, maximum_allowed_outputs: int = MAX_OUTPUTS
) -> None:
    """``validate_number_of_outputs``: ``NoOutputs`` / ``TooManyOutputs``."""
    if not prefix.outputs:
        raise _fail("tx.no_outputs", "a transaction needs at least one output")
    if len(prefix.outputs) > maximum_allowed_outputs:
        raise _fail(
            "tx.too_many_outputs",
            f"{len(prefix.outputs)} outputs, at most {maximum_allowed_outputs}",
        )


# --- 4-7: rings and inputs ---------------------------------------------------------------------


def validate_ring_sizes(prefix: TxPrefix, ring_size: int = RING_SIZE) -> None:
    """``validate_ring_sizes``: every ring has exactly ``ring_size`` members
    (``ExcessiveRingSize`` / ``InsufficientRingSize``)."""
    for position, tx_in in enumerate(prefix.inputs):
        if len(tx_in.ring) > ring_size:
            raise _fail(
                "tx.excessive_ring_size", f"ring {position} has {len(tx_in.ring)} > {ring_size}"
            )
        if len(tx_in.ring) < ring_size:
            raise _fail(
                "tx.insufficient_ring_size",
                f"ring {position} has {len(tx_in.ring)} < {ring_size}",
            )


def validate_ring_elements_are_unique(prefix: TxPrefix) -> None:
    """``validate_ring_elements_are_unique`` (MCIP #57): TxOuts are unique across all rings
    without input rules, and within each ring that has input rules
    (``DuplicateRingElements``)."""
    shared: set[TxOut] = set()
    for position, tx_in in enumerate(prefix.inputs):
        if tx_in.input_rules is not None:
            _check_unique(tx_in.ring, "tx.duplicate_ring_elements", f"ring {position} member")
            continue
        for member in tx_in.ring:
            if member in shared:
                raise _fail(
                    "tx.duplicate_ring_elements", f"ring {position} repeats a ring member"
                )
            shared.add(member)


def _key_bytes(tx_out: TxOut) -> bytes:
    return tx_out.public_key.to_bytes()


def validate_ring_elements_are_sorted(prefix: TxPrefix) -> None:
    """``validate_ring_elements_are_sorted``: each ring strictly ascending by public key
    bytes (``UnsortedRingElements``)."""
    for position, tx_in in enumerate(prefix.inputs):
        _check_sorted(
            tx_in.ring,
            lambda a, b: _key_bytes(a) < _key_bytes(b),
            "tx.unsorted_ring_elements",
            f"ring {position}: members",
        )


def validate_inputs_are_sorted(prefix: TxPrefix) -> None:
    """``validate_inputs_are_sorted``: inputs strictly ascending by the public key of their
    first ring member; an empty ring never counts as ordered (``UnsortedInputs``)."""
    _check_sorted(
        prefix.inputs,
        lambda a, b: bool(a.ring)
        and bool(b.ring)
        and _key_bytes(a.ring[0]) < _key_bytes(b.ring[0]),
        "tx.unsorted_inputs",
        "inputs",
    )


# --- 8: membership proofs ----------------------------------------------------------------------


def validate_membership_proofs(
    prefix: TxPrefix, root_proofs: Sequence[TxOutMembershipProof]
) -> None:
    """``validate_membership_proofs``.

    * one proof per ring member in each TxIn (``MissingTxOutMembershipProof``);
    * one root proof per ring member, flattened (``InvalidLedgerContext``);
    * root proof ranges well formed (``MembershipProofValidationError``);
    * for each ring member: derive its root proof at its own index and fold it to a root
      (either failing: ``InvalidLedgerContext``), then check the TxIn's proof against that
      root (a structural fault: ``MembershipProofValidationError``; another root:
      ``InvalidTxOutMembershipProof``).
    """
    for position, tx_in in enumerate(prefix.inputs):
        if len(tx_in.ring) != len(tx_in.proofs):
            raise _fail(
                "tx.missing_tx_out_membership_proof",
                f"input {position} has {len(tx_in.ring)} ring members, {len(tx_in.proofs)} proofs",
            )
    members = [
        (tx_out, proof)
        for tx_in in prefix.inputs
        for tx_out, proof in zip(tx_in.ring, tx_in.proofs, strict=True)
    ]
    if len(members) != len(root_proofs):
        raise _fail(
            "tx.invalid_ledger_context",
            f"{len(root_proofs)} root proofs for {len(members)} ring members",
        )
    for root_proof in root_proofs:
        if any(e.range.from_ > e.range.to for e in root_proof.elements):
            raise _fail("tx.membership_proof_validation_error", "a root proof range has from > to")
    derived_roots: dict[TxOutMembershipProof, TxOutMembershipElement] = {}
    for position, ((tx_out, proof), root_proof) in enumerate(
        zip(members, root_proofs, strict=True)
    ):
        root = derived_roots.get(root_proof)  # ring members share root proofs: fold each once
        if root is None:
            try:
                root = compute_implied_merkle_root(derive_proof_at_index(root_proof))
            except LedgerError as exc:
                raise _fail(
                    "tx.invalid_ledger_context", f"root proof {position}: {exc.message}"
                ) from exc
            derived_roots[root_proof] = root
        try:
            valid = is_membership_proof_valid(tx_out, proof, root.hash)
        except LedgerError as exc:
            raise _fail(
                "tx.membership_proof_validation_error", f"ring member {position}: {exc.message}"
            ) from exc
        if not valid:
            raise _fail(
                "tx.invalid_tx_out_membership_proof",
                f"ring member {position}: the proof implies another root",
            )


# --- 9: signature ------------------------------------------------------------------------------


def _commitment(tx_out: TxOut) -> Point:
    """``TxOut::get_masked_amount()?.commitment()``; a missing amount converts to
    ``UnknownMaskedAmountVersion`` as in MobileCoin."""
    if tx_out.masked_amount is None:
        raise _fail("tx.unknown_masked_amount_version", "a TxOut carries no masked amount")
    return tx_out.masked_amount.commitment


def validate_signature(block_version: int, tx: Tx, rng: RandomSource) -> None:
    """``validate_signature``: the ring (target key, commitment) of each input and the output
    commitments are extracted (``UnknownMaskedAmountVersion`` if an amount is missing), then
    ``SignatureRctBulletproofs::verify`` (``ring_ct/rct_bulletproofs.rs``) runs; any rejection
    becomes ``InvalidTransactionSignature`` (``tx.invalid_transaction_signature``), with the RingCT
    error as ``__cause__`` (its code in the message)."""
    for tx_in in tx.prefix.inputs:
        for member in tx_in.ring:
            _commitment(member)
    for output in tx.prefix.outputs:
        _commitment(output)
    try:
        verify_tx(tx, block_version, rng)
    except RefImplError as exc:
        raise _fail(
            "tx.invalid_transaction_signature", f"{exc.code}: {exc.message}"
        ) from exc


# --- 10-13: fee, key images, output keys, tombstone --------------------------------------------


def validate_transaction_fee(tx: Tx, minimum_fee: int) -> None:
    """``validate_transaction_fee``: ``fee >= minimum_fee`` (``TxFeeError``)."""
    if tx.prefix.fee < minimum_fee:
        raise _fail("tx.tx_fee_error", f"fee {tx.prefix.fee} is below {minimum_fee}")


def validate_key_images_are_unique(tx: Tx) -> None:
    """``validate_key_images_are_unique``: ``DuplicateKeyImages``. (The signature check of
    rule 9 already rejects repeated key images as ``DuplicateKeyImage``, so a transaction
    reaches this rule with repeats only when rule 9 is skipped.)"""
    _check_unique([k.to_bytes() for k in tx.key_images()], "tx.duplicate_key_images", "key image")


def validate_outputs_public_keys_are_unique(tx: Tx) -> None:
    """``validate_outputs_public_keys_are_unique``: ``DuplicateOutputPublicKey``."""
    _check_unique(
        [k.to_bytes() for k in tx.output_public_keys()],
        "tx.duplicate_output_public_key",
        "output public key",
    )


def validate_tombstone(current_block_index: int, tombstone_block: int) -> None:
    """``validate_tombstone``: the tx expires at ``tombstone_block``
    (``TombstoneBlockExceeded`` when ``current_block_index >= tombstone_block``) and may not
    live more than ``MAX_TOMBSTONE_BLOCKS`` blocks (``TombstoneBlockTooFar``)."""
    if current_block_index >= tombstone_block:
        raise _fail(
            "tx.tombstone_block_exceeded",
            f"block {current_block_index} is at or past tombstone {tombstone_block}",
        )
    if tombstone_block > current_block_index + MAX_TOMBSTONE_BLOCKS:
        raise _fail(
            "tx.tombstone_block_too_far",
            f"tombstone {tombstone_block} is more than {MAX_TOMBSTONE_BLOCKS} blocks ahead",
        )


# --- 14: each output ---------------------------------------------------------------------------


def validate_memo_exists(tx_out: TxOut) -> None:
    """``validate_memo_exists`` (v >= 1): ``MissingMemo``."""
    if tx_out.e_memo is None:
        raise _fail("tx.missing_memo", "from block version 1 every output carries a memo")


def validate_that_no_memo_exists(tx_out: TxOut) -> None:
    """``validate_that_no_memo_exists`` (v0): ``MemosNotAllowed``."""
    if tx_out.e_memo is not None:
        raise _fail("tx.memos_not_allowed", "block version 0 outputs carry no memo")


def _masked_token_id(tx_out: TxOut) -> bytes:
    if tx_out.masked_amount is None:
        raise _fail("tx.unknown_masked_amount_version", "a TxOut carries no masked amount")
    return tx_out.masked_amount.masked_token_id


def validate_masked_token_id_exists(tx_out: TxOut) -> None:
    """``validate_masked_token_id_exists`` (v >= 2): an 8-byte masked token id
    (``MissingMaskedTokenId``)."""
    if len(_masked_token_id(tx_out)) != MASKED_TOKEN_ID_LEN:
        raise _fail("tx.missing_masked_token_id", "from block version 2 outputs mask a token id")


def validate_that_no_masked_token_id_exists(tx_out: TxOut) -> None:
    """``validate_that_no_masked_token_id_exists`` (v < 2): ``MaskedTokenIdNotAllowed``."""
    if _masked_token_id(tx_out):
        raise _fail(
            "tx.masked_token_id_not_allowed", "before block version 2 outputs mask no token id"
        )


def validate_tx_out(block_version: int, tx_out: TxOut) -> None:
    """``validate_tx_out``: the memo rule, then the masked token id rule, of one output."""
    if bv.e_memo_feature_is_supported(block_version):
        validate_memo_exists(tx_out)
    else:
        validate_that_no_memo_exists(tx_out)
    if bv.masked_token_id_feature_is_supported(block_version):
        validate_masked_token_id_exists(tx_out)
    else:
        validate_that_no_masked_token_id_exists(tx_out)


# --- 15-16: output order, input rules ------------------------------------------------------------


def validate_outputs_are_sorted(prefix: TxPrefix) -> None:
    """``validate_outputs_are_sorted`` (v >= 3): outputs strictly ascending by public key
    (``UnsortedOutputs``)."""
    _check_sorted(
        prefix.outputs,
        lambda a, b: _key_bytes(a) < _key_bytes(b),
        "tx.unsorted_outputs",
        "outputs",
    )


def validate_all_input_rules(block_version: int, tx: Tx) -> None:
    """``validate_all_input_rules`` (v >= 3): ``InputRules::verify`` of every input that has
    rules (``InputRule(..)``: ``tx.input_rule_*`` codes)."""
    for tx_in in tx.prefix.inputs:
        if tx_in.input_rules is not None:
            verify_input_rules(tx_in.input_rules, block_version, tx)


def validate_that_no_input_rules_exist(tx: Tx) -> None:
    """``validate_that_no_input_rules_exist`` (v < 3): ``InputRulesNotAllowed``."""
    for position, tx_in in enumerate(tx.prefix.inputs):
        if tx_in.input_rules is not None:
            raise _fail(
                "tx.input_rules_not_allowed", f"input {position} has input rules before v3"
            )


# --- the whole check ---------------------------------------------------------------------------


def _rules_before_membership_proofs(block_version: int, prefix: TxPrefix) -> None:
    """Rules 1-7: version, counts, rings and input order (the transaction alone)."""
    validate_block_version(block_version)
    validate_number_of_inputs(prefix)
    validate_number_of_outputs(prefix)
    validate_ring_sizes(prefix)
    validate_ring_elements_are_unique(prefix)
    validate_ring_elements_are_sorted(prefix)
    validate_inputs_are_sorted(prefix)


def _rules_signature_to_output_keys(
    tx: Tx, block_version: int, minimum_fee: int, rng: RandomSource
) -> None:
    """Rules 9-12: signature, fee, key images and output keys unique (the transaction alone)."""
    validate_signature(block_version, tx, rng)
    validate_transaction_fee(tx, minimum_fee)
    validate_key_images_are_unique(tx)
    validate_outputs_public_keys_are_unique(tx)


def _rules_after_tombstone(tx: Tx, block_version: int) -> None:
    """Rules 14-16: each output, output order, input rules (the transaction alone)."""
    for tx_out in tx.prefix.outputs:
        validate_tx_out(block_version, tx_out)
    # BlockVersion::validate_transaction_outputs_are_sorted (v >= 3)
    if bv.mixed_transactions_are_supported(block_version):
        validate_outputs_are_sorted(tx.prefix)
    if bv.signed_input_rules_are_supported(block_version):
        validate_all_input_rules(block_version, tx)
    else:
        validate_that_no_input_rules_exist(tx)


def validate(
    tx: Tx,
    current_block_index: int,
    block_version: int,
    root_proofs: Sequence[TxOutMembershipProof],
    minimum_fee: int,
    rng: RandomSource,
) -> None:
    """``validate``: all rules in MobileCoin's order; returns ``None`` or raises the first
    failing rule's ``TxError``."""
    _rules_before_membership_proofs(block_version, tx.prefix)
    validate_membership_proofs(tx.prefix, root_proofs)
    _rules_signature_to_output_keys(tx, block_version, minimum_fee, rng)
    validate_tombstone(current_block_index, tx.prefix.tombstone_block)
    _rules_after_tombstone(tx, block_version)


# --- the same rules split by what they read ------------------------------------------------------
#
# Only rule 8 (the transaction's membership proofs against the ledger's root proofs) and rule 13
# (the tombstone against the index of the block being built) read the ledger. For a fixed block
# version and minimum fee every other rule is a function of the transaction's bytes alone (the
# ring members are inside the transaction), so its verdict can be kept under the tx hash, which
# digests every field. Because ``validate`` stops at its first failure, a transaction that passes
# :func:`validate_without_ledger` fails ``validate`` exactly when :func:`validate_ledger_rules`
# fails, with the same error: rules 8 and 13 run in the same order, every other rule passes.


def validate_without_ledger(
    tx: Tx, block_version: int, minimum_fee: int, rng: RandomSource
) -> None:
    """Every rule of :func:`validate` except 8 and 13, in ``validate``'s order: the verdict
    that depends only on the transaction, the block version and the minimum fee."""
    _rules_before_membership_proofs(block_version, tx.prefix)
    _rules_signature_to_output_keys(tx, block_version, minimum_fee, rng)
    _rules_after_tombstone(tx, block_version)


def validate_ledger_rules(
    tx: Tx, current_block_index: int, root_proofs: Sequence[TxOutMembershipProof]
) -> None:
    """Rules 8 and 13 of :func:`validate`, in its order: membership proofs against the root
    proofs, then the tombstone against the block being built. For a transaction that passes
    :func:`validate_without_ledger`, this raises exactly what :func:`validate` raises."""
    validate_membership_proofs(tx.prefix, root_proofs)
    validate_tombstone(current_block_index, tx.prefix.tombstone_block)


def validate_in(tx: Tx, context: LedgerContext, rng: RandomSource) -> None:
    """:func:`validate` with the context as one value (refimpl.transaction.validation_context)."""
    validate(
        tx,
        context.current_block_index,
        context.block_version,
        context.root_proofs,
        context.minimum_fee,
        rng,
    )


#: The rules in the order :func:`validate` runs them, each with the codes it can raise.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("validate_block_version", ("tx.bad_block_version",)),
    ("validate_number_of_inputs", ("tx.no_inputs", "tx.too_many_inputs")),
    ("validate_number_of_outputs", ("tx.no_outputs", "tx.too_many_outputs")),
    ("validate_ring_sizes", ("tx.excessive_ring_size", "tx.insufficient_ring_size")),
    ("validate_ring_elements_are_unique", ("tx.duplicate_ring_elements",)),
    ("validate_ring_elements_are_sorted", ("tx.unsorted_ring_elements",)),
    ("validate_inputs_are_sorted", ("tx.unsorted_inputs",)),
    (
        "validate_membership_proofs",
        (
            "tx.missing_tx_out_membership_proof",
            "tx.invalid_ledger_context",
            "tx.membership_proof_validation_error",
            "tx.invalid_tx_out_membership_proof",
        ),
    ),
    (
        "validate_signature",
        ("tx.unknown_masked_amount_version", "tx.invalid_transaction_signature"),
    ),
    ("validate_transaction_fee", ("tx.tx_fee_error",)),
    ("validate_key_images_are_unique", ("tx.duplicate_key_images",)),
    ("validate_outputs_public_keys_are_unique", ("tx.duplicate_output_public_key",)),
    ("validate_tombstone", ("tx.tombstone_block_exceeded", "tx.tombstone_block_too_far")),
    (
        "validate_tx_out",
        (
            "tx.missing_memo",
            "tx.memos_not_allowed",
            "tx.missing_masked_token_id",
            "tx.masked_token_id_not_allowed",
            "tx.unknown_masked_amount_version",
        ),
    ),
    ("validate_outputs_are_sorted", ("tx.unsorted_outputs",)),
    ("validate_all_input_rules", ()),  # tx.input_rule_* (refimpl.transaction.input_rules)
    ("validate_that_no_input_rules_exist", ("tx.input_rules_not_allowed",)),
)
