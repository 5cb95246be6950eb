"""The transaction builder: owned inputs, rings of decoys, outputs with memos, change, signing.

MobileCoin ``transaction/builder/src/transaction_builder.rs`` (``TransactionBuilder``:
``add_input``, ``add_output``, ``add_change_output``, ``set_fee``, ``set_tombstone_block``,
``build``), ``transaction/builder/src/memo_builder/rth_memo_builder.rs`` (sender memos on
payee outputs, a destination memo on the change).

Deterministic given the injected ``rng``; randomness is drawn in this order: ring members
(for each input in the order given, ``ring_size - 1`` picks from the remaining candidates),
then for each output in request order and finally each change output: the tx private key
(64 bytes) and the fake fog hint, then everything :func:`rct_signature.sign` draws.

Layout rules (``transaction_builder.rs``): each ring is sorted by TxOut public key, inputs by their
ring's first public key, outputs by public key from block version 3 (the order MobileCoin requires
there). Change: for every token the inputs spend, ``inputs - outputs - fee (fee token)`` goes to the
sender's change subaddress when positive; a negative balance is ``tx.builder_insufficient_funds``.
Fog hints (``create_fog_hint``): an output to an address without fog carries a fake hint
(``fake_onetime_hint``); for an address with fog, the hint is its view public key sealed to the
ingest key ``fog_resolver`` gives for it (``tx.builder_no_fog_resolver`` without one), and the
transaction's tombstone block is lowered to that key's ``pubkey_expiry`` when it is earlier
(``impose_tombstone_block_limit``). As in ``add_change_output``, a change output's hint names the
sender's DEFAULT subaddress, so a fog user finds its change with one RNG. The hint is drawn right
after the output's tx private key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Literal

import attrs

from refimpl.account.keys import CHANGE_SUBADDRESS_INDEX, AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.errors import TxError
from refimpl.transaction import block_version as bv
from refimpl.transaction import rct_signature
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import NO_PUBKEY_EXPIRY, EncryptedFogHint, FogPubkeyResolver
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.memo import MemoPayload
from refimpl.transaction.memos.authenticated_sender import (
    AuthenticatedSenderMemo,
    AuthenticatedSenderWithPaymentRequestIdMemo,
)
from refimpl.transaction.memos.credential import SenderMemoCredential
from refimpl.transaction.memos.destination import DestinationMemo
from refimpl.transaction.onetime_keys import (
    create_shared_secret,
    create_tx_out_public_key,
    recover_onetime_private_key,
    recover_public_subaddress_spend_key,
)
from refimpl.transaction.rct_signature import OutputSecret, SignableInputRing
from refimpl.transaction.tx import Tx, TxIn, TxPrefix
from refimpl.transaction.tx_out import TxOut

#: ``RING_SIZE`` (transaction/types/src/constants.rs).
RING_SIZE = 11

#: "rth": sender memos on payee outputs and a destination memo on change (MobileCoin's
#: ``RTHMemoBuilder``); "none": every output carries the default (unused) memo.
MemoPolicy = Literal["rth", "none"]

#: Gives an output's memo from its tx public key (a sender memo's HMAC covers that key).
_MemoFactory = Callable[[Point], MemoPayload]


@attrs.frozen
class RingCandidate:
    """A TxOut from the ledger that may serve as a ring member, with its membership proof
    (optional: without proofs on every member, the TxIn carries none)."""

    tx_out: TxOut
    proof: TxOutMembershipProof | None = None


@attrs.frozen
class OwnedInput:
    """A TxOut the sender owns, received at ``subaddress_index``, to spend."""

    tx_out: TxOut
    subaddress_index: int
    proof: TxOutMembershipProof | None = None


@attrs.frozen
class OutputRequest:
    """An output to ``recipient`` of ``amount``; ``payment_request_id`` selects memo 0x0101."""

    recipient: PublicAddress
    amount: Amount
    payment_request_id: int | None = None


def _inputs(v: Iterable[OwnedInput]) -> tuple[OwnedInput, ...]:
    return tuple(v)


def _candidates(v: Iterable[RingCandidate]) -> tuple[RingCandidate, ...]:
    return tuple(v)


def _outputs(v: Iterable[OutputRequest]) -> tuple[OutputRequest, ...]:
    return tuple(v)


@attrs.frozen
class _PlannedOutput:
    tx_out: TxOut
    secret: OutputSecret
    pubkey_expiry: int = NO_PUBKEY_EXPIRY


@attrs.frozen
class _Spend:
    """An owned input, unmasked: its amount, blinding and one-time private key."""

    owned: OwnedInput
    amount: Amount
    blinding: Scalar
    onetime_private_key: Scalar


@attrs.frozen
class TransactionBuilder:
    """Everything a transaction needs; :meth:`build` makes and signs it."""

    block_version: int
    sender: AccountKey
    inputs: tuple[OwnedInput, ...] = attrs.field(converter=_inputs)
    ring_candidates: tuple[RingCandidate, ...] = attrs.field(converter=_candidates)
    outputs: tuple[OutputRequest, ...] = attrs.field(converter=_outputs)
    fee: int
    tombstone_block: int
    fee_token_id: int = 0
    ring_size: int = RING_SIZE
    memo_policy: MemoPolicy = "rth"
    fee_map_digest: bytes = b""
    fog_resolver: FogPubkeyResolver | None = None

    # --- inputs --------------------------------------------------------------------------
    def _unmask(self, owned: OwnedInput) -> _Spend:
        """Recover the amount and one-time key of an owned TxOut (``view_key_match``,
        ``recover_onetime_private_key``); ``tx.builder_input_not_owned`` otherwise."""
        out = owned.tx_out
        view_private = self.sender.view_private
        spend_public = recover_public_subaddress_spend_key(
            view_private, out.target_key, out.public_key
        )
        if spend_public != self.sender.subaddress(owned.subaddress_index).spend_public:
            raise TxError(
                "tx.builder_input_not_owned",
                f"TxOut {out.public_key.hex()} is not for subaddress {owned.subaddress_index}",
            )
        if out.masked_amount is None:
            raise TxError("tx.missing_masked_amount", "an input has no masked amount")
        amount, blinding = out.masked_amount.get_value(out.shared_secret(view_private))
        spend_private = self.sender.subaddress_spend_private(owned.subaddress_index)
        onetime = recover_onetime_private_key(out.public_key, view_private, spend_private)
        return _Spend(owned, amount, blinding, onetime)

    def _pick_rings(self, rng: RandomSource) -> list[list[RingCandidate]]:
        """For each input, ``ring_size - 1`` decoys drawn without replacement (ring members
        must be unique across the transaction, MCIP #57); real inputs are never decoys."""
        if self.ring_size < 1:
            raise TxError("tx.rct_invalid_ring_size", f"ring size {self.ring_size}")
        real = {o.tx_out.public_key.to_bytes() for o in self.inputs}
        pool: list[RingCandidate] = []
        seen = set(real)
        for c in self.ring_candidates:
            key = c.tx_out.public_key.to_bytes()
            if key not in seen:
                seen.add(key)
                pool.append(c)
        needed = (self.ring_size - 1) * len(self.inputs)
        if len(pool) < needed:
            raise TxError(
                "tx.builder_not_enough_ring_members",
                f"{len(pool)} distinct candidates, {needed} decoys needed",
            )
        rings = []
        for owned in self.inputs:
            ring = [RingCandidate(owned.tx_out, owned.proof)]
            for _ in range(self.ring_size - 1):
                pick = int.from_bytes(rng(8), "little") % len(pool)
                ring.append(pool.pop(pick))
            rings.append(sorted(ring, key=lambda c: c.tx_out.public_key.to_bytes()))
        return rings

    # --- outputs -------------------------------------------------------------------------
    def _fog_hint(
        self, hint_address: PublicAddress, rng: RandomSource
    ) -> tuple[EncryptedFogHint, int]:
        """``create_fog_hint``: (hint, pubkey_expiry) for an output whose hint names
        ``hint_address``."""
        if not hint_address.has_fog:
            return EncryptedFogHint.fake_onetime_hint(rng), NO_PUBKEY_EXPIRY
        if self.fog_resolver is None:
            raise TxError(
                "tx.builder_no_fog_resolver",
                f"{hint_address.fog_report_url}: an address with fog needs its fog report",
            )
        fog = self.fog_resolver(hint_address)
        hint = EncryptedFogHint.encrypt(rng, fog.pubkey, hint_address.view_public)
        return hint, fog.pubkey_expiry

    def _make_output(
        self,
        recipient: PublicAddress,
        amount: Amount,
        memo_for: _MemoFactory,
        rng: RandomSource,
        hint_address: PublicAddress | None = None,
    ) -> _PlannedOutput:
        tx_private_key = Scalar.random(rng)
        hint, pubkey_expiry = self._fog_hint(hint_address or recipient, rng)
        public_key = create_tx_out_public_key(tx_private_key, recipient.spend_public)
        memo = memo_for(public_key)
        out = TxOut.new(self.block_version, amount, recipient, tx_private_key, hint, memo)
        assert out.masked_amount is not None
        shared_secret = create_shared_secret(recipient.view_public, tx_private_key)
        _amount, blinding = out.masked_amount.get_value(shared_secret)
        return _PlannedOutput(out, OutputSecret(amount, blinding), pubkey_expiry)

    def _change_amounts(self, spends: Sequence[_Spend]) -> list[Amount]:
        totals: dict[int, int] = {}
        for s in spends:
            totals[s.amount.token_id] = totals.get(s.amount.token_id, 0) + s.amount.value
        spent: dict[int, int] = {self.fee_token_id: self.fee}
        for o in self.outputs:
            spent[o.amount.token_id] = spent.get(o.amount.token_id, 0) + o.amount.value
        for token_id, value in sorted(spent.items()):
            if totals.get(token_id, 0) < value:
                raise TxError(
                    "tx.builder_insufficient_funds",
                    f"token {token_id}: inputs {totals.get(token_id, 0)} < outputs+fee {value}",
                )
        return [
            Amount(totals[t] - spent.get(t, 0), t)
            for t in sorted(totals)
            if totals[t] - spent.get(t, 0) > 0
        ]

    def _plan_outputs(self, spends: Sequence[_Spend], rng: RandomSource) -> list[_PlannedOutput]:
        rth = self.memo_policy == "rth" and bv.e_memo_feature_is_supported(self.block_version)
        credential = SenderMemoCredential.from_account_key(self.sender)
        planned = []
        for request in self.outputs:
            def sender_memo(public_key: Point, request: OutputRequest = request) -> MemoPayload:
                if not rth:
                    return MemoPayload()
                view = request.recipient.view_public
                if request.payment_request_id is not None:
                    return AuthenticatedSenderWithPaymentRequestIdMemo.new(
                        credential, view, public_key, request.payment_request_id
                    ).to_payload()
                return AuthenticatedSenderMemo.new(credential, view, public_key).to_payload()

            planned.append(self._make_output(request.recipient, request.amount, sender_memo, rng))
        change_address = self.sender.subaddress(CHANGE_SUBADDRESS_INDEX)
        for change in self._change_amounts(spends):
            def destination_memo(_public_key: Point, change: Amount = change) -> MemoPayload:
                if not rth or not self.outputs:
                    return MemoPayload()
                return self._destination_memo(change.token_id).to_payload()

            planned.append(self._make_output(change_address, change, destination_memo, rng,
                                             self.sender.default_subaddress()))
        if bv.mixed_transactions_are_supported(self.block_version):
            planned.sort(key=lambda p: p.tx_out.public_key.to_bytes())
        return planned

    def _destination_memo(self, token_id: int) -> DestinationMemo:
        """The RTH destination memo: first recipient's address hash, number of distinct
        recipients, and the outlay in ``token_id`` (outputs plus the fee if it is the fee
        token)."""
        recipients = {o.recipient.short_address_hash() for o in self.outputs}
        fee = self.fee if token_id == self.fee_token_id else 0
        outlay = sum(o.amount.value for o in self.outputs if o.amount.token_id == token_id) + fee
        first = self.outputs[0].recipient.short_address_hash()
        return DestinationMemo(first, len(recipients), fee, outlay)

    # --- build ---------------------------------------------------------------------------
    def build(self, rng: RandomSource) -> Tx:
        """``TransactionBuilder::build``: rings, outputs and change, then the signature."""
        bv.check_block_version(self.block_version)
        spends = {s.owned.tx_out.public_key.to_bytes(): s for s in map(self._unmask, self.inputs)}
        rings = self._pick_rings(rng)
        planned = self._plan_outputs(list(spends.values()), rng)
        rings.sort(key=lambda ring: ring[0].tx_out.public_key.to_bytes())
        tx_ins = []
        signable = []
        for ring in rings:
            members = [c.tx_out for c in ring]
            proofs = [c.proof for c in ring]
            tx_ins.append(
                TxIn(members, [p for p in proofs if p is not None] if None not in proofs else [])
            )
            real_index = next(
                i for i, c in enumerate(ring) if c.tx_out.public_key.to_bytes() in spends
            )
            spend = spends[ring[real_index].tx_out.public_key.to_bytes()]
            reduced = []
            for m in members:
                if m.masked_amount is None:
                    raise TxError("tx.missing_masked_amount", "a ring member has no amount")
                reduced.append((m.target_key, m.masked_amount.commitment))
            signable.append(
                SignableInputRing(
                    reduced, real_index, spend.onetime_private_key, spend.amount, spend.blinding
                )
            )
        tombstone_block = min([self.tombstone_block] + [p.pubkey_expiry for p in planned])
        prefix = TxPrefix(
            tx_ins, [p.tx_out for p in planned], self.fee, tombstone_block, self.fee_token_id
        )
        signature = rct_signature.sign(
            self.block_version,
            prefix,
            signable,
            [p.secret for p in planned],
            Amount(self.fee, self.fee_token_id),
            rng,
        )
        return Tx(prefix, signature, self.fee_map_digest)
