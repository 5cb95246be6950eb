"""The node's transaction working set: well-formed cache, validity, combine, expiry, pending
values, and the ``ProposeTxResult`` a client is answered with.

MobileCoin ``consensus/service/src/tx_manager/mod.rs`` (``TxManagerImpl``),
``consensus/service/src/validators.rs`` (``DefaultTxManagerUntrustedInterfaces``:
``well_formed_check``, ``is_valid``, ``combine``), ``byzantine_ledger/pending_values.rs``
(``PendingValues``), ``api/client_api_service.rs`` (``PENDING_LIMIT``) and
``consensus/api/src/conversions.rs`` with ``api/grpc_error.rs`` (error -> ``ProposeTxResult``).

* :meth:`TxManager.insert` is the two-step well-formed check: the host fetches the ledger's
  current membership proof at each highest index (``ledger.tx_out_index_out_of_bounds`` when
  the local ledger lacks it) and hands them with the index of the ledger's last block
  (``num_blocks - 1``, as ``well_formed_check`` does) to the enclave's ``tx_is_well_formed``.
  A transaction already cached is not checked again.
* :meth:`TxManager.validate` is ``is_valid`` for the block being built (index
  ``num_blocks``): tombstone ``num_blocks < tombstone <= num_blocks + 20160``, no key image
  spent, no output public key already in the ledger.
* :meth:`TxManager.combine` keeps a deterministic, conflict-free block candidate
  (:func:`refimpl.ledger.apply.combine_contexts`, at most 5000).
* :class:`PendingValues` is the worker's FIFO of valid tx hashes, each with the time it was
  received from a client (``None`` for relayed values).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

from refimpl.crypto.ristretto import Point
from refimpl.enclave.consensus_api import TxContext
from refimpl.errors import NodeError, RefImplError
from refimpl.ledger.apply import (
    MAX_TRANSACTIONS_PER_BLOCK,
    LedgerReader,
    WellFormedTxContext,
    check_key_images_unspent,
    check_output_public_keys_new,
    combine_contexts,
    root_proofs_at,
)
from refimpl.node.api import consensus_common_pb2
from refimpl.node.enclave import NodeEnclave
from refimpl.transaction.validation import validate_tombstone

#: ``byzantine_ledger/mod.rs``: values nominated per slot.
MAX_PENDING_VALUES_TO_NOMINATE = 100
#: ``client_api_service.rs``: clients are refused at this many pending values.
PENDING_LIMIT = 500


def client_over_capacity(num_pending_values: int) -> bool:
    """``client_tx_propose``'s refusal rule: ``UNAVAILABLE "Temporarily over capacity"`` once
    ``cur_num_pending_values >= PENDING_LIMIT`` (the frame is still decrypted and discarded)."""
    return num_pending_values >= PENDING_LIMIT


# --- the well-formed cache -----------------------------------------------------------------------


class TxManager:
    """``TxManagerImpl``: ``{tx_hash: WellFormedTxContext}`` of well-formed transactions (the
    enclave keeps the transactions themselves). Thread-safe; the well-formed check itself runs
    outside the lock."""

    def __init__(self, enclave: NodeEnclave, ledger: LedgerReader) -> None:
        self._enclave = enclave
        self._ledger = ledger
        self._lock = threading.Lock()
        self._cache: dict[bytes, WellFormedTxContext] = {}

    def insert(self, tx_context: TxContext) -> WellFormedTxContext:
        """Well-formed check (host part, then enclave part) and cache; the cached entry if
        the transaction is already known. Raises the first failure's typed error."""
        with self._lock:
            cached = self._cache.get(tx_context.tx_hash)
        if cached is not None:
            return cached
        root_proofs = root_proofs_at(tx_context.highest_indices, self._ledger)
        block_index = self._ledger.num_blocks() - 1
        entry = self._enclave.tx_is_well_formed(tx_context, root_proofs, block_index)
        with self._lock:
            return self._cache.setdefault(entry.tx_hash, entry)

    def get(self, tx_hash: bytes) -> WellFormedTxContext | None:
        with self._lock:
            return self._cache.get(tx_hash)

    def contains(self, tx_hash: bytes) -> bool:
        with self._lock:
            return tx_hash in self._cache

    def __contains__(self, tx_hash: object) -> bool:
        return isinstance(tx_hash, bytes) and self.contains(tx_hash)

    def num_entries(self) -> int:
        with self._lock:
            return len(self._cache)

    def _entries(self, tx_hashes: Iterable[bytes]) -> list[WellFormedTxContext]:
        """The cached entries of ``tx_hashes`` (deduplicated); ``node.tx_not_in_cache``
        naming every missing one."""
        wanted = list(dict.fromkeys(tx_hashes))
        with self._lock:
            found = [self._cache.get(h) for h in wanted]
        missing = [h.hex() for h, entry in zip(wanted, found, strict=True) if entry is None]
        if missing:
            raise NodeError("node.tx_not_in_cache", f"not cached: {', '.join(missing)}")
        return [entry for entry in found if entry is not None]

    def validate(self, tx_hash: bytes) -> None:
        """``is_valid`` against the ledger now, for the block being built; raises
        ``node.tx_not_in_cache``, ``tx.tombstone_block_*``, ``ledger.contains_*``."""
        (entry,) = self._entries([tx_hash])
        validate_tombstone(self._ledger.num_blocks(), entry.tombstone_block)
        check_key_images_unspent((Point.from_bytes(k) for k in entry.key_images), self._ledger)
        check_output_public_keys_new(
            (Point.from_bytes(k) for k in entry.output_public_keys), self._ledger
        )

    def is_valid(self, tx_hash: bytes) -> bool:
        """:meth:`validate` as a predicate (SCP's validity callback, pending values)."""
        try:
            self.validate(tx_hash)
        except RefImplError:
            return False
        return True

    def combine(
        self, tx_hashes: Iterable[bytes], max_elements: int = MAX_TRANSACTIONS_PER_BLOCK
    ) -> tuple[bytes, ...]:
        """``combine``: the hashes kept, in block order (``node.tx_not_in_cache`` if one is
        unknown)."""
        combined = combine_contexts(self._entries(tx_hashes), max_elements)
        return tuple(entry.tx_hash for entry in combined.kept)

    def remove_expired(self, block_index: int) -> frozenset[bytes]:
        """Drop entries whose ``tombstone_block <= block_index`` (and the enclave's copies);
        returns their hashes."""
        with self._lock:
            expired = frozenset(
                h for h, entry in self._cache.items() if entry.tombstone_block <= block_index
            )
            for tx_hash in expired:
                del self._cache[tx_hash]
        if expired:
            self._enclave.discard(sorted(expired))
        return expired


# --- pending values ------------------------------------------------------------------------------


class PendingValues:
    """``PendingValues``: tx hashes waiting to be nominated, first come first served, no
    repeats, each with its receive time (``None``: relayed by a peer, not timed). Invariant:
    every value validated when it was pushed; :meth:`retain` re-checks after each block."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: dict[bytes, float | None] = {}  # insertion-ordered

    def push(
        self, tx_hash: bytes, validate_fn: Callable[[bytes], bool], now: float | None
    ) -> bool:
        """Append ``tx_hash`` if it is new and ``validate_fn(tx_hash)``; True if appended."""
        with self._lock:
            if tx_hash in self._received:
                return False
        if not validate_fn(tx_hash):
            return False
        with self._lock:
            if tx_hash in self._received:
                return False
            self._received[tx_hash] = now
            return True

    def first(self, n: int = MAX_PENDING_VALUES_TO_NOMINATE) -> tuple[bytes, ...]:
        """The oldest ``n`` values (what the worker nominates)."""
        with self._lock:
            return tuple(h for _, h in zip(range(n), self._received, strict=False))

    def received_at(self, tx_hash: bytes) -> float | None:
        """The receive time of a pending value (for ``pending_value_processing_time``)."""
        with self._lock:
            return self._received.get(tx_hash)

    def remove(self, tx_hashes: Iterable[bytes]) -> None:
        with self._lock:
            for tx_hash in tx_hashes:
                self._received.pop(tx_hash, None)

    def retain(self, valid_fn: Callable[[bytes], bool]) -> None:
        """Keep only the values ``valid_fn`` accepts (``clear_invalid_values``)."""
        with self._lock:
            values = list(self._received)
        dropped = [h for h in values if not valid_fn(h)]
        self.remove(dropped)

    def __len__(self) -> int:
        with self._lock:
            return len(self._received)

    def __contains__(self, tx_hash: object) -> bool:
        with self._lock:
            return tx_hash in self._received

    def __iter__(self) -> Iterator[bytes]:
        with self._lock:
            return iter(tuple(self._received))


# --- ProposeTxResult -----------------------------------------------------------------------------

_PARTIAL_FILL = "InputRulePartialFill"

#: Each typed error a proposal can end with -> ``consensus_common.ProposeTxResult`` name
#: (``From<TransactionValidationError> for ProposeTxResult``, ``From<InputRuleError>``, and
#: ``FeeMapDigestMismatch`` from ``grpc_error.rs``).
PROPOSE_TX_RESULTS: dict[str, str] = {
    # validate.rs: an unknown block version is Ledger("Invalid block version")
    "tx.bad_block_version": "Ledger",
    "tx.no_inputs": "NoInputs",
    "tx.too_many_inputs": "TooManyInputs",
    "tx.no_outputs": "NoOutputs",
    "tx.too_many_outputs": "TooManyOutputs",
    "tx.excessive_ring_size": "ExcessiveRingSize",
    "tx.insufficient_ring_size": "InsufficientRingSize",
    "tx.duplicate_ring_elements": "DuplicateRingElements",
    "tx.unsorted_ring_elements": "UnsortedRingElements",
    "tx.unsorted_inputs": "UnsortedInputs",
    "tx.missing_tx_out_membership_proof": "MissingTxOutMembershipProof",
    "tx.invalid_ledger_context": "InvalidLedgerContext",
    "tx.membership_proof_validation_error": "MembershipProofValidationError",
    "tx.invalid_tx_out_membership_proof": "InvalidTxOutMembershipProof",
    "tx.invalid_transaction_signature": "InvalidTransactionSignature",
    "tx.unknown_masked_amount_version": "UnknownMaskedAmountVersion",
    # the same condition (a TxOut without masked amount) as raised outside ``validate``
    "tx.missing_masked_amount": "UnknownMaskedAmountVersion",
    "tx.tx_fee_error": "TxFeeError",
    "tx.duplicate_key_images": "DuplicateKeyImages",
    "tx.duplicate_output_public_key": "DuplicateOutputPublicKey",
    "tx.tombstone_block_exceeded": "TombstoneBlockExceeded",
    "tx.tombstone_block_too_far": "TombstoneBlockTooFar",
    "tx.missing_memo": "MissingMemo",
    "tx.memos_not_allowed": "MemosNotAllowed",
    "tx.missing_masked_token_id": "MissingMaskedTokenId",
    "tx.masked_token_id_not_allowed": "MaskedTokenIdNotAllowed",
    "tx.unsorted_outputs": "UnsortedOutputs",
    "tx.input_rules_not_allowed": "InputRulesNotAllowed",
    "tx.input_rule_missing_required_output": "InputRuleMissingRequiredOutput",
    "tx.input_rule_max_tombstone_block_exceeded": "InputRuleMaxTombstoneBlockExceeded",
    "tx.input_rule_partial_fill_outputs_not_expected": _PARTIAL_FILL,
    "tx.input_rule_min_partial_fill_value_not_expected": _PARTIAL_FILL,
    "tx.input_rule_missing_fractional_change_output": _PARTIAL_FILL,
    "tx.input_rule_missing_fractional_output": _PARTIAL_FILL,
    "tx.input_rule_fractional_output_token_id_mismatch": _PARTIAL_FILL,
    "tx.input_rule_zero_partial_fill_change": _PARTIAL_FILL,
    "tx.input_rule_min_partial_fill_value_exceeds_partial_fill_change": _PARTIAL_FILL,
    "tx.input_rule_fractional_output_amount_does_not_respect_fill_fraction": _PARTIAL_FILL,
    "tx.input_rule_fractional_change_output_amount_exceeds_limit": _PARTIAL_FILL,
    # One code here for RevealedTxOutError's three variants (InvalidAmountSharedSecret 51,
    # TxOutConversion 52, Amount 53): reported as the amount not opening, the usual cause.
    "tx.input_rule_revealed_tx_out": "InputRuleAmount",
    # validators.rs / enclave: ledger context and validity
    "ledger.tx_out_index_out_of_bounds": "LedgerTxOutIndexOutOfBounds",
    "ledger.contains_spent_key_image": "ContainsSpentKeyImage",
    "ledger.contains_existing_output_public_key": "ContainsExistingOutputPublicKey",
    "ledger.token_not_yet_configured": "TokenNotYetConfigured",
    # a ledger read failing during the check: TransactionValidationError::Ledger(String)
    "ledger.corrupted": "Ledger",
    "ledger.closed": "Ledger",
    # client_tx_propose: Error::FeeMapDigestMismatch
    "attest.fee_map_mismatch": "FeeMapDigestMismatch",
}
# Every RingCT error is the cause of InvalidTransactionSignature (``validate_signature``).
PROPOSE_TX_RESULTS.update(
    {
        code: "InvalidTransactionSignature"
        for code in (
            "tx.rct_all_rings_presigned", "tx.rct_duplicate_key_image",
            "tx.rct_index_out_of_bounds", "tx.rct_invalid_ring_size", "tx.rct_length_mismatch",
            "tx.rct_missing_output_token_ids", "tx.rct_missing_pseudo_output_token_ids",
            "tx.rct_missing_range_proofs", "tx.rct_mixed_transactions_not_allowed",
            "tx.rct_no_commitments_for_token_id", "tx.rct_no_inputs",
            "tx.rct_output_token_ids_not_allowed", "tx.rct_pseudo_output_token_ids_not_allowed",
            "tx.rct_range_proof", "tx.rct_range_proof_deserialization", "tx.rct_ring_signature",
            "tx.rct_signed_input_rules_not_allowed", "tx.rct_token_id_not_allowed",
            "tx.rct_too_many_range_proofs", "tx.rct_true_input_not_owned",
            "tx.rct_unexpected_range_proof", "tx.rct_value_not_conserved",
        )
    }
)

_NOT_A_PROPOSAL_CHECK = "not raised while checking a proposed transaction"

#: ``tx.*`` and ``ledger.*`` codes without a ``ProposeTxResult``, and why.
NO_PROPOSE_TX_RESULT: dict[str, str] = {
    # raised while checking a proposal, but MobileCoin answers with an RPC status (INTERNAL):
    # these are enclave errors other than MalformedTx and FeeMapDigestMismatch (grpc_error.rs)
    "ledger.invalid_local_membership_proof":
        "enclave Error::InvalidLocalMembershipProof: RPC status INTERNAL",
    "ledger.invalid_local_membership_root_element":
        "enclave Error::InvalidLocalMembershipRootElement: RPC status INTERNAL",
    # wallet-side: building, scanning, memos, fog
    **{
        code: "wallet side (building, scanning, memos, fog); " + _NOT_A_PROPOSAL_CHECK
        for code in (
            "tx.bad_fog_hint", "tx.fog_checksum_mismatch", "tx.inconsistent_commitment",
            "tx.memo_address_hash_mismatch", "tx.memo_bad_hmac", "tx.memo_credential_mismatch",
            "tx.memo_fee_too_large", "tx.memo_presence", "tx.memo_sender_hash_mismatch",
            "tx.memo_unknown_type", "tx.memo_wrong_type", "tx.token_id_not_supported",
            "tx.builder_bad_description", "tx.builder_input_not_owned",
            "tx.builder_insufficient_funds", "tx.builder_not_enough_ring_members",
            "tx.builder_no_fog_resolver",
        )
    },
    # decoding a Tx: MobileCoin's decode failure is Error::Serialization (RPC status INTERNAL)
    "tx.bad_masked_token_id": "Tx decoding (Error::Serialization: RPC status INTERNAL)",
    # Merkle proof internals: surface as tx.invalid_ledger_context / membership proof errors
    **{
        code: "Merkle proof internals, reported as InvalidLedgerContext or a membership-proof "
        "error; " + _NOT_A_PROPOSAL_CHECK
        for code in (
            "ledger.merkle_empty_tree", "ledger.merkle_highest_index_mismatch",
            "ledger.merkle_incorrect_leaf_hash", "ledger.merkle_missing_leaf_hash",
            "ledger.merkle_numeric_limits", "ledger.merkle_range_error",
            "ledger.merkle_root_not_covering_zero", "ledger.merkle_unexpected_element",
            "ledger.merkle_unknown_range",
        )
    },
    # blocks: signatures, appending, verifying, opening stores, forming blocks, fee maps
    **{
        code: "blocks and stores (append, verify, open, form, configure); "
        + _NOT_A_PROPOSAL_CHECK
        for code in (
            "ledger.bad_block_signature", "ledger.weak_signer_key", "ledger.not_a_ledger",
            "ledger.already_exists", "ledger.read_only", "ledger.block_index_out_of_bounds",
            "ledger.bad_origin_block",
            "ledger.bad_block_index", "ledger.bad_parent_id", "ledger.bad_block_version",
            "ledger.no_outputs", "ledger.no_key_images", "ledger.contents_hash_mismatch",
            "ledger.missing_masked_amount", "ledger.key_image_spent",
            "ledger.duplicate_key_image", "ledger.duplicate_output_public_key",
            "ledger.bad_block_id", "ledger.bad_cumulative_txo_count", "ledger.bad_root_element",
            "ledger.bad_fee_map", "ledger.form_block_bad_version",
            "ledger.form_block_token_not_supported",
        )
    },
    # ledger integrity: the tip journal and verify's recomputed indexes (ledger/journal.py,
    # ledger/verify.py), raised opening, appending or verifying a ledger
    **{
        code: "ledger integrity (open, append, verify); " + _NOT_A_PROPOSAL_CHECK
        for code in (
            "ledger.bad_database_set", "ledger.extra_entry", "ledger.journal_behind",
            "ledger.journal_corrupted", "ledger.journal_mismatch", "ledger.journal_missing",
            "ledger.journal_write_failed", "ledger.merkle_hash_mismatch", "ledger.missing_entry",
            "ledger.non_canonical", "ledger.past_tip", "ledger.rollback", "ledger.wrong_entry",
        )
    },
    # the data file's structure and the filesystem (ledger/lmdb_file.py, ledger/env.py), raised
    # opening or creating a ledger
    **{
        code: "ledger storage (open, create); " + _NOT_A_PROPOSAL_CHECK
        for code in (
            "ledger.bad_database_record", "ledger.bad_freelist", "ledger.bad_meta_page",
            "ledger.bad_page", "ledger.file_changing", "ledger.file_truncated",
            "ledger.io_error", "ledger.lmdb_error", "ledger.map_full", "ledger.no_space",
            "ledger.not_a_directory", "ledger.not_found", "ledger.permission_denied",
            "ledger.read_only_filesystem",
        )
    },
}


def propose_tx_result(code: str) -> int:
    """The ``ProposeTxResult`` number a proposal refused with ``code`` is answered with
    (``node.no_propose_tx_result`` for a code MobileCoin answers with an RPC status)."""
    name = PROPOSE_TX_RESULTS.get(code)
    if name is None:
        reason = NO_PROPOSE_TX_RESULT.get(code, "not an error a proposal is answered with")
        raise NodeError("node.no_propose_tx_result", f"{code}: {reason}")
    return int(consensus_common_pb2.ProposeTxResult.Value(name))
