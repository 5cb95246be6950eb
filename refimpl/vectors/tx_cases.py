"""The whole-transaction cases behind conformance/vectors/transaction/transactions.json.

Each :class:`TxCase` names the validation rule it exercises (refimpl.transaction.validation;
MobileCoin ``transaction/core/src/validation/validate.rs``) and the code ``validate`` must
raise, or ``None`` for a valid transaction. Cases are built from seeded
:class:`~refimpl.vectors.tx_fixtures.TxFixture` ledgers: either a draft is edited and then
signed (so rules after the signature check fail with a valid signature), or a signed
transaction is edited (rules before the signature check never look at it), or only the
ledger context differs.

Every rule of :data:`refimpl.transaction.validation.RULES` has at least one invalid case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import attrs

from refimpl.crypto.ristretto import Scalar
from refimpl.transaction.amount import MaskedAmountV1
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.memo import EncryptedMemo
from refimpl.transaction.tx import InputRules, Tx, TxIn
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.validation_context import LedgerContext
from refimpl.vectors.tx_fixtures import (
    DraftOutput,
    TxDraft,
    TxFixture,
    sign_draft,
)

Built = tuple[Tx, LedgerContext]


@dataclass(frozen=True)
class TxCase:
    """One vector: a name (stable, used as the comment), the rule, the expected code."""

    name: str
    rule: str
    expected_code: str | None
    build: Callable[[], Built]
    flags: tuple[str, ...] = ()
    cause_code: str | None = None  # the RingCT code behind tx.invalid_transaction_signature


@cache
def fixture(block_version: int) -> TxFixture:
    return TxFixture(f"mcref transaction vectors v{block_version}", block_version)


def _draft(block_version: int, num_inputs: int = 1) -> TxDraft:
    return fixture(block_version).draft(num_inputs=num_inputs)


def _signed(draft: TxDraft, label: str) -> Built:
    return sign_draft(draft, label), draft.context()


def _valid(block_version: int, num_inputs: int = 1) -> Built:
    return _signed(_draft(block_version, num_inputs), f"valid v{block_version} x{num_inputs}")


@cache
def _base(block_version: int, num_inputs: int = 1) -> Built:
    """A valid transaction to edit after signing (cached: signing is the slow part)."""
    return _valid(block_version, num_inputs)


# --- edits of a signed transaction (rules 1-8 and the signature itself) ------------------------


def _edit_prefix(block_version: int, num_inputs: int = 1, **changes: Any) -> Built:
    tx, context = _base(block_version, num_inputs)
    return attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, **changes)), context


def _edit_input(
    block_version: int, edit: Callable[[TxIn], TxIn], num_inputs: int = 1, which: int = 0
) -> Built:
    tx, context = _base(block_version, num_inputs)
    inputs = list(tx.prefix.inputs)
    inputs[which] = edit(inputs[which])
    return attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, inputs=tuple(inputs))), context


def _edit_context(version: int, num_inputs: int = 1, **changes: Any) -> Built:
    tx, context = _base(version, num_inputs)
    return tx, attrs.evolve(context, **changes)


def _edit_root_proof(block_version: int, edit: Callable[[TxOutMembershipProof],
                     TxOutMembershipProof], which: int = 0) -> Built:
    tx, context = _base(block_version)
    roots = list(context.root_proofs)
    roots[which] = edit(roots[which])
    return tx, attrs.evolve(context, root_proofs=tuple(roots))


def _edit_signature(block_version: int, num_inputs: int = 1, **changes: Any) -> Built:
    tx, context = _base(block_version, num_inputs)
    return attrs.evolve(tx, signature=attrs.evolve(tx.signature, **changes)), context


def _replace_element(
    proof: TxOutMembershipProof, position: int, element: TxOutMembershipElement
) -> TxOutMembershipProof:
    elements = list(proof.elements)
    elements[position] = element
    return attrs.evolve(proof, elements=tuple(elements))


def _swap_ring_members(tx_in: TxIn) -> TxIn:
    ring = list(tx_in.ring)
    ring[3], ring[4] = ring[4], ring[3]
    proofs = list(tx_in.proofs)
    proofs[3], proofs[4] = proofs[4], proofs[3]
    return attrs.evolve(tx_in, ring=tuple(ring), proofs=tuple(proofs))


def _duplicate_across_rings() -> Built:
    tx, context = _base(3, 2)
    first, second = tx.prefix.inputs
    ring = list(second.ring)
    ring[5] = first.ring[5]
    inputs = (first, attrs.evolve(second, ring=tuple(ring)))
    return attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, inputs=inputs)), context


def _unsorted_inputs() -> Built:
    tx, context = _base(3, 2)
    inputs = tuple(reversed(tx.prefix.inputs))
    roots = context.root_proofs[11:] + context.root_proofs[:11]
    return (
        attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, inputs=inputs)),
        attrs.evolve(context, root_proofs=roots),
    )


def _flip_response() -> Built:
    tx, context = _base(3)
    sig = tx.signature.ring_signatures[0]
    responses = list(sig.responses)
    responses[0] = responses[0] + Scalar(1)
    mlsag = attrs.evolve(sig, responses=tuple(responses))
    return attrs.evolve(
        tx, signature=attrs.evolve(tx.signature, ring_signatures=(mlsag,))
    ), context


def _duplicate_key_image() -> Built:
    tx, context = _base(3, 2)
    first, second = tx.signature.ring_signatures
    second = attrs.evolve(second, key_image=first.key_image)
    return attrs.evolve(
        tx, signature=attrs.evolve(tx.signature, ring_signatures=(first, second))
    ), context


def _tamper_range_proof() -> Built:
    tx, context = _base(3)
    proof = bytearray(tx.signature.range_proofs[0])
    proof[-40] ^= 1  # inside the last scalar but one (a), keeping it canonical
    return attrs.evolve(
        tx, signature=attrs.evolve(tx.signature, range_proofs=(bytes(proof),))
    ), context


def _without_amount() -> Built:
    tx, context = _base(3)
    outputs = list(tx.prefix.outputs)
    outputs[1] = attrs.evolve(outputs[1], masked_amount=None)
    return attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, outputs=tuple(outputs))), context


# --- edits of a draft, then signed (rules after the signature check) -------------------------


def _signed_edit(block_version: int, edit: Callable[[TxDraft], None], label: str,
                 num_inputs: int = 1) -> Callable[[], Built]:
    def build() -> Built:
        draft = _draft(block_version, num_inputs)
        edit(draft)
        return _signed(draft, label)

    return build


def _set_tombstone_too_far(draft: TxDraft) -> None:
    draft.tombstone_block = draft.current_block_index + 20161


def _map_output(draft: TxDraft, which: int, edit: Callable[[DraftOutput], DraftOutput]) -> None:
    draft.outputs[which] = edit(draft.outputs[which])


def _strip_memo(draft: TxDraft) -> None:
    _map_output(draft, 0, lambda o: DraftOutput(attrs.evolve(o.tx_out, e_memo=None), o.secret))


def _add_memo(draft: TxDraft) -> None:
    _map_output(
        draft, 0, lambda o: DraftOutput(attrs.evolve(o.tx_out, e_memo=EncryptedMemo(bytes(66))),
                                        o.secret)
    )


def _set_masked_token_id(token_id_bytes: bytes) -> Callable[[TxDraft], None]:
    def edit(draft: TxDraft) -> None:
        def change(o: DraftOutput) -> DraftOutput:
            masked = o.tx_out.masked_amount
            assert isinstance(masked, MaskedAmountV1)
            new = attrs.evolve(masked, masked_token_id=token_id_bytes)
            return DraftOutput(attrs.evolve(o.tx_out, masked_amount=new), o.secret)

        _map_output(draft, 0, change)

    return edit


def _duplicate_output_key(draft: TxDraft) -> None:
    first = draft.outputs[0]
    second = draft.outputs[1]
    clash = attrs.evolve(second.tx_out, public_key=first.tx_out.public_key)
    draft.outputs[1] = DraftOutput(clash, second.secret)
    draft.outputs.sort(key=lambda o: o.tx_out.public_key.to_bytes())


def _reverse_outputs(draft: TxDraft) -> None:
    draft.outputs.reverse()


def _rules(rules: InputRules, which: int = 0) -> Callable[[TxDraft], None]:
    def edit(draft: TxDraft) -> None:
        draft.inputs[which].input_rules = rules

    return edit


def _required_output_present(draft: TxDraft) -> None:
    draft.inputs[0].input_rules = InputRules(required_outputs=(draft.outputs[0].tx_out,))


@cache
def _stranger_output() -> TxOut:
    """A v4 output that no case's transaction contains."""
    spare = TxFixture("mcref transaction vectors spare", 4, owned_values=(), num_decoys=0)
    return spare.new_output(5, spare.recipient.default_subaddress()).tx_out


def _grown_ledger() -> Built:
    """Proofs made at ledger size N validate against root proofs from a larger ledger."""
    fx = TxFixture("mcref transaction vectors grown ledger", 3)
    draft = fx.draft()
    tx = sign_draft(draft, "grown ledger")
    for value in (5, 6, 7, 8, 9):
        fx.append(fx.new_tx_out(value, fx.recipient.default_subaddress()))
    return tx, draft.context()


# --- the catalogue -----------------------------------------------------------------------------

_MEMBERSHIP = "validate_membership_proofs"
_SIG = "validate_signature"
_TX_OUT = "validate_tx_out"


def _cases() -> list[TxCase]:
    cases = [TxCase(f"valid v{v}", "validate", None, partial(_valid, v)) for v in range(5)]
    cases += [
        TxCase("valid v3 two inputs", "validate", None, lambda: _base(3, 2)),
        TxCase("valid v3 proofs older than the ledger", "validate", None, _grown_ledger,
               ("GrownLedger",)),
        TxCase("valid v3 signed contingent input with a present required output", "validate",
               None, _signed_edit(3, _required_output_present, "sci ok", 2), ("SignedInput",)),
        # 1
        TxCase("block version above MAX", "validate_block_version", "tx.bad_block_version",
               lambda: _edit_context(4, block_version=5)),
        # 2-3
        TxCase("no inputs", "validate_number_of_inputs", "tx.no_inputs",
               lambda: _edit_prefix(3, inputs=())),
        TxCase("17 inputs", "validate_number_of_inputs", "tx.too_many_inputs",
               lambda: _edit_prefix(3, inputs=_base(3)[0].prefix.inputs * 17)),
        TxCase("no outputs", "validate_number_of_outputs", "tx.no_outputs",
               lambda: _edit_prefix(3, outputs=())),
        TxCase("17 outputs", "validate_number_of_outputs", "tx.too_many_outputs",
               lambda: _edit_prefix(3, outputs=_base(3)[0].prefix.outputs * 9)),
        # 4
        TxCase("ring of 12", "validate_ring_sizes", "tx.excessive_ring_size",
               lambda: _edit_input(3, lambda i: attrs.evolve(i, ring=i.ring + i.ring[:1]))),
        TxCase("ring of 10", "validate_ring_sizes", "tx.insufficient_ring_size",
               lambda: _edit_input(3, lambda i: attrs.evolve(i, ring=i.ring[1:]))),
        # 5-7
        TxCase("a TxOut twice in one ring", "validate_ring_elements_are_unique",
               "tx.duplicate_ring_elements",
               lambda: _edit_input(
                   3, lambda i: attrs.evolve(i, ring=i.ring[:1] + i.ring[:1] + i.ring[2:]))),
        TxCase("a TxOut in two rings", "validate_ring_elements_are_unique",
               "tx.duplicate_ring_elements", _duplicate_across_rings),
        TxCase("ring members out of order", "validate_ring_elements_are_sorted",
               "tx.unsorted_ring_elements", lambda: _edit_input(3, _swap_ring_members)),
        TxCase("inputs out of order", "validate_inputs_are_sorted", "tx.unsorted_inputs",
               _unsorted_inputs),
        # 8
        TxCase("a ring member without proof", _MEMBERSHIP, "tx.missing_tx_out_membership_proof",
               lambda: _edit_input(3, lambda i: attrs.evolve(i, proofs=i.proofs[1:]))),
        TxCase("one root proof too few", _MEMBERSHIP, "tx.invalid_ledger_context",
               lambda: _edit_context(3, root_proofs=_base(3)[1].root_proofs[1:])),
        TxCase("root proof without elements", _MEMBERSHIP, "tx.invalid_ledger_context",
               lambda: _edit_root_proof(3, lambda p: attrs.evolve(p, elements=()))),
        TxCase("root proof with an inverted range", _MEMBERSHIP,
               "tx.membership_proof_validation_error",
               lambda: _edit_root_proof(3, lambda p: _replace_element(
                   p, len(p.elements) - 1,
                   TxOutMembershipElement(Range(p.elements[-1].range.to, 0),
                                          p.elements[-1].hash)))),
        TxCase("tx proof with a wrong leaf hash", _MEMBERSHIP,
               "tx.membership_proof_validation_error",
               lambda: _edit_input(3, lambda i: attrs.evolve(i, proofs=(
                   _replace_element(i.proofs[0], 0, TxOutMembershipElement(
                       i.proofs[0].elements[0].range, bytes(32))),) + i.proofs[1:]))),
        TxCase("root proof implying another root", _MEMBERSHIP,
               "tx.invalid_tx_out_membership_proof",
               lambda: _edit_root_proof(3, lambda p: _replace_element(
                   p, 0, TxOutMembershipElement(p.elements[0].range, bytes([1]) * 32)))),
        # 9
        TxCase("an output without masked amount", _SIG, "tx.unknown_masked_amount_version",
               _without_amount),
        TxCase("MLSAG response changed", _SIG, "tx.invalid_transaction_signature",
               _flip_response, cause_code="tx.rct_ring_signature"),
        TxCase("fee changed after signing", _SIG, "tx.invalid_transaction_signature",
               lambda: _edit_prefix(3, fee=_base(3)[0].prefix.fee + 128),
               cause_code="tx.rct_value_not_conserved"),
        TxCase("range proof changed", _SIG, "tx.invalid_transaction_signature",
               _tamper_range_proof, cause_code="tx.rct_range_proof"),
        TxCase("pseudo-output commitments missing", _SIG, "tx.invalid_transaction_signature",
               lambda: _edit_signature(3, pseudo_output_commitments=()),
               cause_code="tx.rct_length_mismatch"),
        # 10
        TxCase("fee below the minimum", "validate_transaction_fee", "tx.tx_fee_error",
               lambda: _edit_context(3, minimum_fee=_base(3)[0].prefix.fee + 1)),
        # 11 is shadowed by the signature check's own key image check
        TxCase("two inputs with one key image", "validate_key_images_are_unique",
               "tx.invalid_transaction_signature", _duplicate_key_image, ("ShadowedRule",),
               cause_code="tx.rct_duplicate_key_image"),
        # 12
        TxCase("two outputs with one public key", "validate_outputs_public_keys_are_unique",
               "tx.duplicate_output_public_key",
               _signed_edit(2, _duplicate_output_key, "dup output key")),
        # 13
        TxCase("block index at the tombstone", "validate_tombstone",
               "tx.tombstone_block_exceeded",
               lambda: _edit_context(3, current_block_index=_base(3)[0].prefix.tombstone_block)),
        TxCase("tombstone 20161 blocks ahead", "validate_tombstone", "tx.tombstone_block_too_far",
               _signed_edit(3, _set_tombstone_too_far, "far tombstone")),
        # 14
        TxCase("v1 output without memo", _TX_OUT, "tx.missing_memo",
               _signed_edit(1, _strip_memo, "no memo")),
        TxCase("v0 output with memo", _TX_OUT, "tx.memos_not_allowed",
               _signed_edit(0, _add_memo, "memo at v0")),
        TxCase("v2 output without masked token id", _TX_OUT, "tx.missing_masked_token_id",
               _signed_edit(2, _set_masked_token_id(b""), "no token id")),
        TxCase("v1 output with masked token id", _TX_OUT, "tx.masked_token_id_not_allowed",
               _signed_edit(1, _set_masked_token_id(bytes(8)), "token id at v1")),
        # 15
        TxCase("v3 outputs out of order", "validate_outputs_are_sorted", "tx.unsorted_outputs",
               _signed_edit(3, _reverse_outputs, "unsorted outputs")),
        TxCase("v2 outputs out of order are allowed", "validate", None,
               _signed_edit(2, _reverse_outputs, "unsorted outputs v2")),
        # 16
        TxCase("v3 input rules: tombstone above max_tombstone_block", "validate_all_input_rules",
               "tx.input_rule_max_tombstone_block_exceeded",
               _signed_edit(3, _rules(InputRules(max_tombstone_block=101)), "sci tombstone", 2),
               ("SignedInput",)),
        TxCase("v3 input rules: required output missing", "validate_all_input_rules",
               "tx.input_rule_missing_required_output",
               _signed_edit(4, _rules(InputRules(required_outputs=(_stranger_output(),))),
                            "sci missing output", 2), ("SignedInput",)),
        TxCase("v2 input rules", "validate_that_no_input_rules_exist",
               "tx.input_rules_not_allowed",
               _signed_edit(2, _rules(InputRules()), "sci at v2", 2), ("SignedInput",)),
    ]
    return cases


CASES: tuple[TxCase, ...] = tuple(_cases())
