"""Wallets paying each other through a real LedgerStore, under attack (Hypothesis stateful).

Four wallets start with the outputs of an origin block (plus decoy outputs for rings of 11).
Rules: payments (current or stale membership proofs), two spends of one output in one block,
spends of outputs already spent, replays of applied transactions, transactions past their
tombstone. refimpl/ledger/apply.py decides; the model predicts what MobileCoin would do
(``consensus/service/src/validators.rs`` ``is_valid`` / ``combine``, ``validate.rs``):

* stale proofs (made on a smaller ledger) are ACCEPTED: validation checks each proof against
  the root at its own ``highest_index`` (``derive_proof_at_index`` of the current root proof);
* a spent output or a replay is ``ledger.contains_spent_key_image`` (a replay past its
  tombstone may fail earlier, on ``tx.tombstone_block_exceeded``);
* of two spends of one output in one block, ``combine`` keeps the first in block order and
  drops the other as ``ledger.duplicate_key_image``.

Invariants after every step: no key image twice in the ledger; sampled TxOuts have valid
membership proofs against the current root and against every root recorded since they were
added; each wallet's balance, found by scanning the ledger with its view key, equals the
model's (accepted payments only); a step whose transactions are all rejected leaves the
ledger's counts and root unchanged.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from refimpl.crypto.ristretto import RandomSource
from refimpl.ledger.apply import ApplyResult, apply_transactions
from refimpl.transaction.membership_proofs.merkle import MerkleTree, is_membership_proof_valid
from refimpl.transaction.tx import Tx
from tests.unit.ledger._wallets import (
    BLOCK_VERSION,
    FEE_MAP,
    MINIMUM_FEE,
    ORIGIN_VALUE,
    WALLETS,
    Owned,
    build_payment,
    create_ledger,
    origin_outputs,
    scan,
)
from tests.unit.transaction._txbuild import example_budget, rng_from

ORIGIN = origin_outputs(outputs_per_wallet=3, decoys=24)
wallet_ids = st.integers(0, len(WALLETS) - 1)
seeds = st.integers(0, 2**32 - 1)


class LedgerWallets(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="ledger-wallets-"))
        self.store = create_ledger(self.directory / "ledger", ORIGIN)
        #: the model: what each wallet owns, by the payments the model accepted
        self.balance = [3 * ORIGIN_VALUE for _ in WALLETS]
        self.spent: list[tuple[int, Owned]] = []  # (wallet, output) spent by accepted txs
        self.applied: list[Tx] = []
        #: (number of TxOuts, root hash) after each block
        self.roots: list[tuple[int, bytes]] = [(self.store.num_tx_outs(), self.store.root_hash())]
        self.steps = 0

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------
    def _state(self) -> tuple[int, int, bytes]:
        return self.store.num_blocks(), self.store.num_tx_outs(), self.store.root_hash()

    def _rng(self, label: str, seed: int) -> RandomSource:
        """A fresh stream per label, seed and ledger height: a builder that reused the stream
        of an applied transaction would re-draw its output keys (refused as existing)."""
        return rng_from(f"{label}{seed}-{self.store.num_blocks()}")

    def _unspent(self, wallet: int, below: int | None = None) -> list[Owned]:
        spent = {o.key_image for _, o in self.spent}
        return [
            o for o in scan(self.store, WALLETS[wallet])
            if o.key_image not in spent and (below is None or o.index < below)
        ]

    def _apply(self, txs: list[Tx]) -> ApplyResult:
        before = self._state()
        result = apply_transactions(self.store, txs, BLOCK_VERSION, FEE_MAP, rng_from("apply"))
        if result.block is None:
            assert self._state() == before, "a rejected transaction changed the ledger"
        else:
            assert self.store.num_blocks() == before[0] + 1
            assert result.block.root_element.hash == before[2]
            self.roots.append((self.store.num_tx_outs(), self.store.root_hash()))
        return result

    def _pay(self, sender: int, recipient: int, value: int, seed: int,
             proofs_at: int | None = None) -> Tx | None:
        inputs = self._unspent(sender, below=proofs_at)
        if not inputs:
            return None
        source = max(inputs, key=lambda o: o.value)
        value = min(value, source.value - MINIMUM_FEE)
        if value <= 0:
            return None
        tx = build_payment(
            self.store, WALLETS[sender], [source], WALLETS[recipient].default_subaddress(),
            value, self._rng("pay", seed), proofs_at=proofs_at,
        )
        result = self._apply([tx])
        assert result.accepted == (tx,), [r.code for r in result.rejected]
        self.balance[sender] -= value + MINIMUM_FEE
        self.balance[recipient] += value
        self.spent.append((sender, source))
        self.applied.append(tx)
        return tx

    # --- rules -----------------------------------------------------------------------------
    @rule(sender=wallet_ids, recipient=wallet_ids, value=st.integers(1, 600_000), seed=seeds)
    def pay(self, sender: int, recipient: int, value: int, seed: int) -> None:
        self._pay(sender, recipient, value, seed)

    @precondition(lambda self: len(self.roots) > 1)
    @rule(sender=wallet_ids, recipient=wallet_ids, value=st.integers(1, 600_000), seed=seeds,
          age=st.integers(1, 3))
    def pay_with_stale_proofs(
        self, sender: int, recipient: int, value: int, seed: int, age: int
    ) -> None:
        """Proofs made when the ledger had fewer TxOuts are accepted (MobileCoin rolls them
        forward through the current root proofs)."""
        older_size, _root = self.roots[max(0, len(self.roots) - 1 - age)]
        tx = self._pay(sender, recipient, value, seed, proofs_at=older_size)
        if tx is not None:
            highest = {p.highest_index for i in tx.prefix.inputs for p in i.proofs}
            assert highest == {older_size - 1}

    @rule(sender=wallet_ids, seed=seeds)
    def spend_one_output_twice_in_one_block(self, sender: int, seed: int) -> None:
        inputs = self._unspent(sender)
        if not inputs:
            return
        source = inputs[0]
        if source.value <= 2 * MINIMUM_FEE + 2:
            return
        recipients = [WALLETS[(sender + k) % len(WALLETS)].default_subaddress() for k in (1, 2)]
        txs = [
            build_payment(self.store, WALLETS[sender], [source], r, 1, self._rng(f"twice{k}", seed))
            for k, r in enumerate(recipients)
        ]
        result = self._apply(txs)
        assert len(result.accepted) == 1
        assert [r.code for r in result.rejected] == ["ledger.duplicate_key_image"]
        kept = result.accepted[0]
        to = (sender + 1 + txs.index(kept)) % len(WALLETS)
        self.balance[sender] -= 1 + MINIMUM_FEE
        self.balance[to] += 1
        self.spent.append((sender, source))
        self.applied.append(kept)

    @precondition(lambda self: bool(self.spent))
    @rule(pick=st.integers(0, 2**16), seed=seeds)
    def double_spend(self, pick: int, seed: int) -> None:
        wallet, source = self.spent[pick % len(self.spent)]
        tx = build_payment(
            self.store, WALLETS[wallet], [source], WALLETS[(wallet + 1) % 4].default_subaddress(),
            1, self._rng("double", seed),
        )
        result = self._apply([tx])
        assert result.block is None
        assert [r.code for r in result.rejected] == ["ledger.contains_spent_key_image"]

    @precondition(lambda self: bool(self.applied))
    @rule(pick=st.integers(0, 2**16))
    def replay(self, pick: int) -> None:
        tx = self.applied[pick % len(self.applied)]
        result = self._apply([tx])
        assert result.block is None
        assert len(result.rejected) == 1
        assert result.rejected[0].code in (
            "ledger.contains_spent_key_image", "tx.tombstone_block_exceeded"
        )

    @rule(sender=wallet_ids, back=st.integers(0, 3), seed=seeds)
    def tombstoned(self, sender: int, back: int, seed: int) -> None:
        inputs = self._unspent(sender)
        if not inputs:
            return
        tombstone = max(0, self.store.num_blocks() - back)  # at or before the block being built
        tx = build_payment(
            self.store, WALLETS[sender], inputs[:1],
            WALLETS[(sender + 1) % 4].default_subaddress(), 1, self._rng("tomb", seed),
            tombstone_block=tombstone,
        )
        result = self._apply([tx])
        assert result.block is None
        assert [r.code for r in result.rejected] == ["tx.tombstone_block_exceeded"]

    # --- invariants ------------------------------------------------------------------------
    @invariant()
    def no_key_image_twice(self) -> None:
        seen: set[bytes] = set()
        for index in range(self.store.num_blocks()):
            for key_image in self.store.get_block_contents(index).key_images:
                assert key_image.to_bytes() not in seen
                seen.add(key_image.to_bytes())
                assert self.store.check_key_image(key_image) == index

    @invariant()
    def tx_outs_are_members_of_every_later_root(self) -> None:
        self.steps += 1
        count = self.store.num_tx_outs()
        sample = sorted({0, count - 1, (self.steps * 7919) % count})
        outs = [self.store.get_tx_out(i) for i in range(count)]
        root = self.store.root_hash()
        for index in sample:
            proof = self.store.get_membership_proof(index)
            assert is_membership_proof_valid(outs[index], proof, root)
        for size, recorded_root in self.roots:
            tree = MerkleTree(outs[:size])
            assert tree.root_hash() == recorded_root
            for index in sample:
                if index < size:
                    assert is_membership_proof_valid(outs[index], tree.proof(index), recorded_root)

    @invariant()
    def balances_known_to_owners_match_accepted_payments(self) -> None:
        for wallet, account in enumerate(WALLETS):
            owned = scan(self.store, account)
            balance = sum(o.value for o in owned if self.store.check_key_image(o.key_image) is None)
            assert balance == self.balance[wallet]


LedgerWallets.TestCase.settings = settings(
    max_examples=example_budget(15), stateful_step_count=8
)
TestLedgerWallets = LedgerWallets.TestCase
