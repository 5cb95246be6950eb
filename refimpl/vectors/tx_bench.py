"""The transaction benchmark behind ``mcref bench tx`` and tools/bench/test_bench_tx.py.

Workload (issues 4 and 13, "Must show"): a 1-input (ring size 11), 2-output transaction at
block version 3 from a seeded :class:`~refimpl.vectors.tx_fixtures.TxFixture`. Measured, as
medians of ``rounds`` runs (process CPU time, ``time.process_time``):

* ``verify_ms``: ``SignatureRctBulletproofs::verify`` of the whole transaction
  (``rct_bulletproofs.rs``: signing digest, range proof, balance, MLSAG) as ``verify_tx`` does
  it now (issue 13: one weighted multiscalar multiplication for the range-proof and balance
  equations, generator scalars and the MLSAG ring in C);
* ``baseline_verify_ms``: the same through ``verify_tx_baseline``, the code path before issue
  13 (each check in turn, range-proof scalars in Python, MLSAG member by member, the member
  step on the serial field: :func:`serial_member_steps`). The baseline shares the serial C
  improvements of issue 13 (faster member step and table MSM), so its ratios understate the
  gain over the code of issue 13's start; tools/bench_verify_vs_commit.py measures against
  that commit's own build;
  ``verify_speedup`` = baseline / verify;
* ``block_verify_ms_per_tx``: a 100-transaction block verified by
  ``refimpl.transaction.batch_verify.verify_batch`` (all range proofs and balances in one
  multiscalar multiplication), divided by 100; ``baseline_block_verify_ms_per_tx``: the same
  100 through ``verify_tx_baseline`` one after the other; ``block_speedup`` = their ratio.
  The block holds :data:`BLOCK_DISTINCT` distinct signed transactions (separate seeded
  ledgers), each 100 / BLOCK_DISTINCT times: signing is the slow part of building it, and a
  repeat costs the verifiers the same work (nothing is cached per transaction; both paths
  share the decoded-point cache of refimpl.crypto.msm);
* ``libsodium_verify_ms``: the baseline path with the one-term-at-a-time libsodium
  multiscalar multiplication (``msm_naive``) in the range-proof check; ``msm_speedup`` =
  libsodium / baseline (what issue 4's ``msm_speedup`` measured: the C MSM against libsodium,
  then called ``baseline_verify_ms / verify_ms``);
* ``validate_ms``: all 16 rules of ``validate`` (§4.8; adds the 11 membership proofs);
* ``prove_ms``: signing the transaction (pseudo-outputs, range proof, MLSAG);
* the parts: ``signing_digest_ms`` (the digest the MLSAG signs; Merlin over the prefix),
  ``range_proof_prove_ms``/``range_proof_verify_ms``/``baseline_range_proof_verify_ms``
  (one aggregated proof of the transaction's 3 commitments, padded to 4),
  ``mlsag_sign_ms``/``mlsag_verify_ms``/``baseline_mlsag_verify_ms`` (ring 11; the whole ring
  in one C call vs member by member).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property

from refimpl.crypto import bulletproofs, msm, ring_signature
from refimpl.crypto.msm import msm_naive, native_available
from refimpl.crypto.pedersen import commit, value_generator
from refimpl.crypto.ring_signature import RingMember
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.transaction.batch_verify import verify_batch
from refimpl.transaction.rct_signature import verify_tx, verify_tx_baseline
from refimpl.transaction.signing_digest import compute_mlsag_signing_digest
from refimpl.transaction.tx import Tx
from refimpl.transaction.validation import validate_in
from refimpl.transaction.validation_context import LedgerContext
from refimpl.vectors.tx_fixtures import TxDraft, TxFixture, seeded_rng, sign_draft

BLOCK_VERSION = 3
#: Transactions in the benchmarked block, and how many of them are distinct.
BLOCK_SIZE = 100
BLOCK_DISTINCT = 10
#: The name refimpl.crypto.bulletproofs calls for its multiscalar multiplications.
_MSM_NAME = "multiscalar_mul"


@contextmanager
def serial_member_steps() -> Iterator[None]:
    """Run MLSAG member steps on the serial radix-2^51 field, as before issue 13, even where
    the CPU offers the AVX-512 IFMA lanes (refimpl.crypto.msm.ifma); always restores."""
    saved = msm.ifma()
    msm.ifma(False)
    try:
        yield
    finally:
        msm.ifma(saved)


@contextmanager
def baseline_msm() -> Iterator[None]:
    """Run the range-proof check with ``msm_naive`` (one libsodium scalar multiplication per
    term) instead of the default. refimpl.crypto.msm has no public selector, so this swaps
    the name bulletproofs calls, and always restores it."""
    saved = getattr(bulletproofs, _MSM_NAME)
    setattr(bulletproofs, _MSM_NAME, msm_naive)
    try:
        yield
    finally:
        setattr(bulletproofs, _MSM_NAME, saved)


def median_ms(action: Callable[[], object], rounds: int) -> float:
    """Median process CPU time of ``rounds`` calls, in milliseconds (after one untimed
    warm-up call when ``rounds > 1``). CPU time, not wall time: the benchmark machine is
    shared, and waiting for a core is not the code's cost."""
    if rounds > 1:
        action()
    times = []
    for _ in range(rounds):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1e3


class TxBenchWorkload:
    """The benchmarked transaction and its parts, each step a zero-argument callable."""

    def __init__(self) -> None:
        self.fixture = TxFixture("mcref bench tx", BLOCK_VERSION)
        self.draft: TxDraft = self.fixture.draft(num_inputs=1)
        self.tx: Tx = sign_draft(self.draft, "mcref bench tx signature")
        self.context: LedgerContext = self.draft.context()
        self.rng = seeded_rng("mcref bench tx verifier")

    # --- whole transaction ---------------------------------------------------------------------
    def verify(self) -> None:
        verify_tx(self.tx, BLOCK_VERSION, self.rng)

    def verify_baseline(self) -> None:
        with serial_member_steps():
            verify_tx_baseline(self.tx, BLOCK_VERSION, self.rng)

    def verify_libsodium(self) -> None:
        with baseline_msm(), serial_member_steps():
            verify_tx_baseline(self.tx, BLOCK_VERSION, self.rng)

    # --- a block ---------------------------------------------------------------------------------
    @cached_property
    def block(self) -> list[Tx]:
        """:data:`BLOCK_SIZE` transactions like :attr:`tx`, :data:`BLOCK_DISTINCT` distinct."""
        distinct = [self.tx]
        for k in range(1, BLOCK_DISTINCT):
            fixture = TxFixture(f"mcref bench block {k}", BLOCK_VERSION)
            distinct.append(sign_draft(fixture.draft(num_inputs=1), f"mcref bench block {k}"))
        return [distinct[i % BLOCK_DISTINCT] for i in range(BLOCK_SIZE)]

    def verify_block(self) -> None:
        verdicts = verify_batch(self.block, BLOCK_VERSION, self.rng)
        if not all(v.ok for v in verdicts):
            raise AssertionError("a benchmark block transaction does not verify")

    def verify_block_baseline(self) -> None:
        with serial_member_steps():
            for tx in self.block:
                verify_tx_baseline(tx, BLOCK_VERSION, self.rng)

    def validate(self) -> None:
        validate_in(self.tx, self.context, self.rng)

    def prove(self) -> None:
        sign_draft(self.draft, "mcref bench tx signature")

    def signing_digest(self) -> bytes:
        sig = self.tx.signature
        return compute_mlsag_signing_digest(
            BLOCK_VERSION,
            self.tx.prefix,
            sig.pseudo_output_commitments,
            sig.range_proof_bytes,
            sig.range_proofs,
        )

    # --- range proof -----------------------------------------------------------------------------
    @cached_property
    def _openings(self) -> tuple[list[int], list[Scalar]]:
        real = self.draft.inputs[0].real
        values = [real.amount.value] + [o.secret.amount.value for o in self.draft.outputs]
        blindings = [Scalar.random(self.rng) for _ in values]
        return values, blindings

    @cached_property
    def _range_proof(self) -> tuple[bytes, list[Point]]:
        values, blindings = self._openings
        proof, commitments = bulletproofs.prove_multiple(
            values, blindings, value_generator(0), self.rng
        )
        return proof, list(commitments)

    def range_proof_prove(self) -> None:
        values, blindings = self._openings
        bulletproofs.prove_multiple(values, blindings, value_generator(0), self.rng)

    def range_proof_verify(self) -> None:
        proof, commitments = self._range_proof
        bulletproofs.verify_multiple(proof, commitments, value_generator(0), self.rng)

    def range_proof_verify_baseline(self) -> None:
        with baseline_msm():
            self.range_proof_verify()

    # --- MLSAG -----------------------------------------------------------------------------------
    @cached_property
    def _mlsag_inputs(self) -> tuple[list[RingMember], int, Scalar]:
        draft_input = self.draft.inputs[0]
        ring = [
            (m.target_key, m.masked_amount.commitment)
            for m in draft_input.ring
            if m.masked_amount is not None
        ]
        return ring, draft_input.real_index(), Scalar.random(self.rng)

    def mlsag_sign(self) -> ring_signature.RingMLSAG:
        ring, real_index, pseudo_blinding = self._mlsag_inputs
        real = self.draft.inputs[0].real
        return ring_signature.sign(
            bytes(32),
            ring,
            real_index,
            real.onetime_private_key,
            real.amount.value,
            real.blinding,
            pseudo_blinding,
            value_generator(real.amount.token_id),
            self.rng,
        )

    @cached_property
    def _mlsag(self) -> ring_signature.RingMLSAG:
        return self.mlsag_sign()

    def mlsag_verify(self) -> None:
        ring, _real_index, pseudo_blinding = self._mlsag_inputs
        real = self.draft.inputs[0].real
        pseudo = commit(real.amount.value, pseudo_blinding, real.amount.token_id)
        ring_signature.verify(self._mlsag, bytes(32), ring, pseudo)

    def mlsag_verify_baseline(self) -> None:
        ring, _real_index, pseudo_blinding = self._mlsag_inputs
        real = self.draft.inputs[0].real
        pseudo = commit(real.amount.value, pseudo_blinding, real.amount.token_id)
        with serial_member_steps():
            ring_signature.verify_baseline(self._mlsag, bytes(32), ring, pseudo)


def _alternating(
    pairs: dict[str, Callable[[], object]], rounds: int, per: dict[str, int]
) -> dict[str, float]:
    """Medians (ms, divided by ``per[name]``) of steps timed in alternation, round by round, so
    that a new path and its baseline see the same machine load."""
    times: dict[str, list[float]] = {name: [] for name in pairs}
    if rounds > 1:
        for action in pairs.values():
            action()  # warm-up, as median_ms does
    for _ in range(rounds):
        for name, action in pairs.items():
            start = time.process_time()
            action()
            times[name].append((time.process_time() - start) / per.get(name, 1))
    return {name: statistics.median(ts) * 1e3 for name, ts in times.items()}


def measure(rounds: int = 7) -> dict[str, float | int | str]:
    """All medians of the module docstring (slow steps get ``rounds``, fast ones 4x)."""
    w = TxBenchWorkload()
    w.verify()  # fail loudly before timing if the workload is broken
    _ = w.block  # signed before any timing
    medians = _alternating(
        {
            "verify_ms": w.verify,
            "baseline_verify_ms": w.verify_baseline,
            "block_verify_ms_per_tx": w.verify_block,
            "baseline_block_verify_ms_per_tx": w.verify_block_baseline,
        },
        rounds,
        {"block_verify_ms_per_tx": BLOCK_SIZE, "baseline_block_verify_ms_per_tx": BLOCK_SIZE},
    )
    medians.update({
        "libsodium_verify_ms": median_ms(w.verify_libsodium, rounds),
        "prove_ms": median_ms(w.prove, max(3, rounds // 2)),
        "validate_ms": median_ms(w.validate, max(3, rounds // 2)),
        "signing_digest_ms": median_ms(w.signing_digest, rounds),
        "range_proof_prove_ms": median_ms(w.range_proof_prove, rounds),
        "range_proof_verify_ms": median_ms(w.range_proof_verify, 4 * rounds),
        "baseline_range_proof_verify_ms": median_ms(w.range_proof_verify_baseline, rounds),
        "mlsag_sign_ms": median_ms(w.mlsag_sign, 4 * rounds),
        "mlsag_verify_ms": median_ms(w.mlsag_verify, 4 * rounds),
        "baseline_mlsag_verify_ms": median_ms(w.mlsag_verify_baseline, 4 * rounds),
    })
    medians["verify_speedup"] = medians["baseline_verify_ms"] / medians["verify_ms"]
    medians["block_speedup"] = (
        medians["baseline_block_verify_ms_per_tx"] / medians["block_verify_ms_per_tx"]
    )
    medians["msm_speedup"] = medians["libsodium_verify_ms"] / medians["baseline_verify_ms"]
    medians["range_proof_msm_speedup"] = (
        medians["baseline_range_proof_verify_ms"] / medians["range_proof_verify_ms"]
    )
    result: dict[str, float | int | str] = {k: round(v, 3) for k, v in medians.items()}
    result["msm"] = "C Pippenger (refimpl.crypto._msm)" if native_available() else "libsodium loop"
    result["member_step"] = "AVX-512 IFMA lanes" if msm.ifma() else "serial field"
    result["clock"] = "process CPU time"
    result["rounds"] = rounds
    result["block_version"] = BLOCK_VERSION
    result["block_size"] = BLOCK_SIZE
    result["block_distinct_txs"] = BLOCK_DISTINCT
    return result
