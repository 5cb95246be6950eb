"""Deterministic transactions with their ledger context, for vectors, tests and benchmarks.

A :class:`TxFixture` is a small ledger seeded from 32 bytes: a sender who owns a few TxOuts,
a recipient, and decoy TxOuts, all in one in-memory Merkle tree
(refimpl.transaction.membership_proofs.merkle). From
it, :meth:`TxFixture.draft` lays out a transaction the way MobileCoin's builder does
(``transaction/builder/src/transaction_builder.rs``): rings of
11 sorted by public key, one membership proof per ring member, inputs sorted by their first
ring member, outputs sorted by public key, the fee as an implicit output.

A :class:`TxDraft` is mutable on purpose: tests and the vector generator edit it (drop a memo,
reorder outputs, add input rules, ...) and then :func:`sign_draft` signs whatever it holds with
``refimpl.transaction.rct_signature.sign``, so a transaction that breaks one late validation rule
still carries a valid RingCT signature. Inputs with input rules are signed as signed contingent
inputs: their MLSAG signs ``TxIn.signed_digest()`` (``transaction/core/src/tx.rs``) with the same
pseudo-output the common signing pass chose.

Every random choice comes from one :class:`~refimpl.crypto.rng.Hc128Rng`, so a seed gives the
same bytes on every run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import attrs

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.crypto import ring_signature
from refimpl.crypto.pedersen import value_generator
from refimpl.crypto.ristretto import RandomSource, Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.membership_proofs.merkle import MerkleTree
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.onetime_keys import create_shared_secret, recover_onetime_private_key
from refimpl.transaction.rct_signature import (
    OutputSecret,
    SignableInputRing,
    compute_pseudo_output_blindings,
    sign,
)
from refimpl.transaction.tx import InputRules, SignatureRctBulletproofs, Tx, TxIn, TxPrefix
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.validation import RING_SIZE
from refimpl.transaction.validation_context import LedgerContext

#: MOB's minimum fee, 400 * 10^6 picoMOB (``transaction/core/src/token.rs``).
MOB_MINIMUM_FEE = 400_000_000


def seeded_rng(label: str) -> Hc128Rng:
    """An HC-128 generator keyed by ``SHA-256(label)``: a readable name for a seed."""
    return Hc128Rng.from_seed(hashlib.sha256(label.encode()).digest())


@attrs.frozen
class OwnedTxOut:
    """A ledger TxOut the sender can spend, with what spending it needs."""

    index: int
    tx_out: TxOut
    amount: Amount
    blinding: Scalar
    onetime_private_key: Scalar


@dataclass
class DraftInput:
    """One input being assembled: its ring (real member included), proofs and secrets."""

    ring: list[TxOut]
    real: OwnedTxOut
    proofs: list[TxOutMembershipProof]
    input_rules: InputRules | None = None

    def real_index(self) -> int:
        return self.ring.index(self.real.tx_out)


@dataclass
class DraftOutput:
    """One output being assembled, with the amount and blinding its commitment opens to."""

    tx_out: TxOut
    secret: OutputSecret


@dataclass
class TxDraft:
    """A transaction before signing, plus the ledger context it will be validated in."""

    block_version: int
    inputs: list[DraftInput]
    outputs: list[DraftOutput]
    fee: int
    fee_token_id: int
    tombstone_block: int
    current_block_index: int
    minimum_fee: int
    ledger_tree: MerkleTree | None = None
    root_proofs: list[TxOutMembershipProof] | None = None  # None: asked of ledger_tree
    fee_map_digest: bytes = b""
    notes: list[str] = field(default_factory=list)

    def prefix(self) -> TxPrefix:
        return TxPrefix(
            inputs=tuple(
                TxIn(tuple(i.ring), tuple(i.proofs), i.input_rules) for i in self.inputs
            ),
            outputs=tuple(o.tx_out for o in self.outputs),
            fee=self.fee,
            tombstone_block=self.tombstone_block,
            fee_token_id=self.fee_token_id,
        )

    def context(self) -> LedgerContext:
        """The context; root proofs default to what the untrusted ledger would serve
        (``get_tx_out_proof_of_memberships(highest_indices)``): for each ring member's proof,
        the ledger's current proof of the TxOut at that proof's ``highest_index``."""
        roots = self.root_proofs
        if roots is None:
            assert self.ledger_tree is not None
            tree = self.ledger_tree
            roots = [tree.proof(p.highest_index) for i in self.inputs for p in i.proofs]
        return LedgerContext(
            self.current_block_index, self.block_version, tuple(roots), self.minimum_fee
        )


class TxFixture:
    """A seeded ledger of ``num_decoys`` decoys and the sender's ``owned_values`` TxOuts.

    All TxOuts use ``block_version`` and token ``token_id``.
    """

    def __init__(
        self,
        seed_label: str,
        block_version: int,
        owned_values: Sequence[int] = (10_000_000_000, 7_000_000_000, 5_000_000_000),
        num_decoys: int = 2 * RING_SIZE + 4,
        token_id: int = 0,
    ) -> None:
        self.block_version = block_version
        self.token_id = token_id
        self.rng = seeded_rng(seed_label)
        self.sender = AccountKey(Scalar.random(self.rng), Scalar.random(self.rng))
        self.recipient = AccountKey(Scalar.random(self.rng), Scalar.random(self.rng))
        stranger = AccountKey(Scalar.random(self.rng), Scalar.random(self.rng))
        self.tree = MerkleTree()
        self.ledger: list[TxOut] = []
        self.owned: list[OwnedTxOut] = []
        # interleave decoys and owned outputs so that real inputs sit at varied ring positions
        owned_at = {3 + 7 * k: v for k, v in enumerate(owned_values)}
        for index in range(num_decoys + len(owned_values)):
            if index in owned_at:
                self._add_owned(owned_at[index])
            else:
                value = int.from_bytes(self.rng(4), "little") + 1
                self.append(self.new_tx_out(value, stranger.subaddress(index % 3)))

    # --- building blocks -----------------------------------------------------------------------
    def append(self, tx_out: TxOut) -> int:
        """Add a TxOut to the ledger (and its tree); returns its global index."""
        self.ledger.append(tx_out)
        return self.tree.append(tx_out)

    def new_tx_out(
        self, value: int, address: PublicAddress, token_id: int | None = None
    ) -> TxOut:
        token = self.token_id if token_id is None else token_id
        return TxOut.new(
            self.block_version,
            Amount(value, token),
            address,
            Scalar.random(self.rng),
            EncryptedFogHint.fake_onetime_hint(self.rng),
        )

    def new_output(
        self, value: int, address: PublicAddress, token_id: int | None = None
    ) -> DraftOutput:
        """An output to ``address`` and the secret that opens its commitment."""
        token = self.token_id if token_id is None else token_id
        r = Scalar.random(self.rng)
        tx_out = TxOut.new(
            self.block_version,
            Amount(value, token),
            address,
            r,
            EncryptedFogHint.fake_onetime_hint(self.rng),
        )
        assert tx_out.masked_amount is not None
        shared_secret = create_shared_secret(address.view_public, r)
        amount, blinding = tx_out.masked_amount.get_value(shared_secret)
        return DraftOutput(tx_out, OutputSecret(amount, blinding))

    def _add_owned(self, value: int) -> None:
        tx_out = self.new_tx_out(value, self.sender.default_subaddress())
        amount, shared_secret = tx_out.view_key_match(self.sender.view_private)
        assert tx_out.masked_amount is not None
        _amount, blinding = tx_out.masked_amount.get_value(shared_secret)
        x = recover_onetime_private_key(
            tx_out.public_key,
            self.sender.view_private,
            self.sender.subaddress_spend_private(0),
        )
        index = self.append(tx_out)
        self.owned.append(OwnedTxOut(index, tx_out, amount, blinding, x))

    def ring_for(self, real: OwnedTxOut, taken: set[int]) -> DraftInput:
        """A ring of ``RING_SIZE``: ``real`` plus decoys not in ``taken`` (updated), sorted
        by public key, with each member's proof in the current tree."""
        owned_indices = {o.index for o in self.owned}
        decoys = [
            i for i in range(len(self.ledger)) if i not in owned_indices and i not in taken
        ]
        start = int.from_bytes(self.rng(2), "little") % len(decoys)
        chosen = [decoys[(start + k) % len(decoys)] for k in range(RING_SIZE - 1)]
        taken.update(chosen)
        members = sorted(
            [real.index, *chosen], key=lambda i: self.ledger[i].public_key.to_bytes()
        )
        return DraftInput(
            ring=[self.ledger[i] for i in members],
            real=real,
            proofs=[self.tree.proof(i) for i in members],
        )

    # --- a standard transaction ----------------------------------------------------------------
    def draft(
        self,
        num_inputs: int = 1,
        pay: int = 1_000_000_000,
        fee: int = MOB_MINIMUM_FEE,
        current_block_index: int = 100,
        tombstone_offset: int = 50,
    ) -> TxDraft:
        """Spend the first ``num_inputs`` owned TxOuts: ``pay`` to the recipient, the rest
        minus ``fee`` back to the sender's change subaddress (2 outputs)."""
        taken: set[int] = set()
        inputs = [self.ring_for(real, taken) for real in self.owned[:num_inputs]]
        inputs.sort(key=lambda i: i.ring[0].public_key.to_bytes())
        total = sum(i.real.amount.value for i in inputs)
        outputs = [
            self.new_output(pay, self.recipient.default_subaddress()),
            self.new_output(total - pay - fee, self.sender.change_subaddress()),
        ]
        outputs.sort(key=lambda o: o.tx_out.public_key.to_bytes())
        return TxDraft(
            block_version=self.block_version,
            inputs=inputs,
            outputs=outputs,
            fee=fee,
            fee_token_id=self.token_id,
            tombstone_block=current_block_index + tombstone_offset,
            current_block_index=current_block_index,
            minimum_fee=fee,
            ledger_tree=self.tree,
        )


def _signable(draft_input: DraftInput) -> SignableInputRing:
    return SignableInputRing(
        members=tuple(
            (m.target_key, m.masked_amount.commitment)
            for m in draft_input.ring
            if m.masked_amount is not None
        ),
        real_input_index=draft_input.real_index(),
        onetime_private_key=draft_input.real.onetime_private_key,
        amount=draft_input.real.amount,
        blinding=draft_input.real.blinding,
    )


def sign_draft(draft: TxDraft, seed_label: str) -> Tx:
    """Sign what the draft holds (``rct_signature.sign`` with the balance check off, so that
    drafts that do not balance can be signed too). Inputs with input rules get an MLSAG over
    their own ``signed_digest()`` with the pseudo-output blinding the signing pass chose."""
    prefix = draft.prefix()
    rings = [_signable(i) for i in draft.inputs]
    outputs = [o.secret for o in draft.outputs]
    fee = Amount(draft.fee, draft.fee_token_id)
    # the blindings sign() will draw, from a twin generator
    blindings = compute_pseudo_output_blindings(rings, outputs, seeded_rng(seed_label))
    signature = sign(
        draft.block_version,
        prefix,
        rings,
        outputs,
        fee,
        seeded_rng(seed_label),
        check_value_is_preserved=False,
    )
    mlsags = list(signature.ring_signatures)
    sci_rng: RandomSource = seeded_rng(seed_label + "/sci")
    for position, (tx_in, ring) in enumerate(zip(prefix.inputs, rings, strict=True)):
        if tx_in.input_rules is None:
            continue
        mlsags[position] = ring_signature.sign(
            tx_in.signed_digest(),
            ring.members,
            ring.real_input_index,
            ring.onetime_private_key,
            ring.amount.value,
            ring.blinding,
            blindings[position],
            value_generator(ring.amount.token_id),
            sci_rng,
        )
    signature = attrs.evolve(signature, ring_signatures=tuple(mlsags))
    return Tx(prefix, signature, draft.fee_map_digest)


def with_signature(tx: Tx, signature: SignatureRctBulletproofs) -> Tx:
    """``tx`` with another signature (for cases that break the signature itself)."""
    return attrs.evolve(tx, signature=signature)
