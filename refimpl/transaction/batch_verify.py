"""Exact batch verification of the RingCT signatures of many transactions (a block).

What MobileCoin's ``SignatureRctBulletproofs::verify`` (``transaction/core/src/ring_ct/
rct_bulletproofs.rs``) decides for each transaction, for many at once:

1. each transaction is prepared (:func:`refimpl.transaction.rct_signature.prepare_tx`): every
   check of ``verify`` runs in its order (lengths, token ids, key images, range-proof
   encodings and transcripts, balance, signing digest, each MLSAG ring in one C call), except
   the range proofs' final multiscalar multiplications and the balance check, which become
   equations; the first other failure is kept, not raised;
2. the range-proof and balance equations of *all* transactions (any token ids, any party
   counts) are checked in ONE multiscalar multiplication of their sum, each weighted by an
   independent random scalar (about 252 bits, from a PRF keyed by 32 bytes of the verifier's
   ``rng``: :class:`~refimpl.crypto.bulletproofs.WeightRng`): if any equation
   fails, so does the sum, except with probability about 2^-128 (the Bulletproofs paper,
   section 6.1);
3. if the sum holds, each transaction's verdict is its kept failure or success; if it does
   not, each half of the batch is checked again with fresh weights, down to single
   transactions, whose own equations are then checked alone (each proof alone, then the
   balance): exactly the one-by-one path, which names the failing transaction and its error
   code.

So a verdict is always the one :func:`refimpl.transaction.rct_signature.verify_tx` gives for the
same transaction (same code and message), only cheaper: one large multiscalar multiplication
shares the 2*64*m generator terms of every proof.

:func:`preverified` feeds such verdicts to ``verify_tx`` for the duration of a block's
validation (ledger application, block formation), so the callers keep their rule order and
error codes unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import attrs

from refimpl.crypto.bulletproofs import WeightRng
from refimpl.crypto.ristretto import RandomSource
from refimpl.errors import RefImplError, TxError
from refimpl.transaction import rct_signature
from refimpl.transaction.rct_signature import PreparedSignature
from refimpl.transaction.tx import Tx


@attrs.frozen
class Verdict:
    """One transaction's verdict: ``ok``, or the typed error ``verify_tx`` raises for it."""

    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def code(self) -> str | None:
        """The error code (``None`` when ok; ``"exception"`` for an untyped error)."""
        if self.error is None:
            return None
        return self.error.code if isinstance(self.error, RefImplError) else "exception"

    @property
    def message(self) -> str:
        if self.error is None:
            return ""
        return self.error.message if isinstance(self.error, RefImplError) else repr(self.error)

    def raise_error(self) -> None:
        """Raise the error (what ``verify_tx`` raises), or return when ok."""
        if self.error is not None:
            raise self.error


def _versions(txs: Sequence[Tx], block_version: int | Sequence[int]) -> list[int]:
    if isinstance(block_version, int):
        return [block_version] * len(txs)
    versions = list(block_version)
    if len(versions) != len(txs):
        raise TxError(
            "tx.rct_length_mismatch", f"{len(versions)} block versions for {len(txs)} transactions"
        )
    return versions


def _equations_hold_per_tx(
    prepared: Sequence[PreparedSignature], rng: RandomSource
) -> list[bool]:
    """Whether each transaction's range-proof and balance equations hold: one weighted
    multiscalar multiplication for all; if it fails, each half again (fresh weights), down to
    single transactions, so that k bad transactions among n cost about 2k log2(n) more."""
    if not prepared:
        return []
    if rct_signature.signatures_hold(prepared, rng):
        return [True] * len(prepared)
    if len(prepared) == 1:
        return [False]
    half = len(prepared) // 2
    return _equations_hold_per_tx(prepared[:half], rng) + _equations_hold_per_tx(
        prepared[half:], rng
    )


def prepare_batch(
    txs: Sequence[Tx], block_version: int | Sequence[int], rng: RandomSource
) -> list[tuple[PreparedSignature, bool]]:
    """Each transaction's prepared signature and whether its range-proof equations hold."""
    versions = _versions(txs, block_version)
    weights = WeightRng(rng)
    prepared = [
        rct_signature.prepare_tx(tx, version, weights)
        for tx, version in zip(txs, versions, strict=True)
    ]
    return list(zip(prepared, _equations_hold_per_tx(prepared, weights), strict=True))


def verify_batch(
    txs: Sequence[Tx], block_version: int | Sequence[int], rng: RandomSource
) -> list[Verdict]:
    """The verdict of :func:`~refimpl.transaction.rct_signature.verify_tx` for each
    transaction (``block_version``: one for all, or one per transaction)."""
    verdicts = []
    for prepared, holds in prepare_batch(txs, block_version, rng):
        try:
            prepared.settle(holds)
        except Exception as exc:  # noqa: BLE001 - the verdict carries what verify_tx raises
            verdicts.append(Verdict(exc))
            continue
        verdicts.append(Verdict())
    return verdicts


@contextmanager
def preverified(
    txs: Sequence[Tx], block_version: int | Sequence[int], rng: RandomSource
) -> Iterator[None]:
    """Batch-verify ``txs`` now (``block_version``: one for all, or one per transaction);
    inside the ``with`` block, ``verify_tx`` of one of these very transaction objects at its
    block version replays its batch verdict instead of verifying again (any other call
    verifies as usual)."""
    versions = _versions(txs, block_version)
    batch = prepare_batch(txs, versions, rng)
    entries = [
        (tx, version, prepared, holds)
        for tx, version, (prepared, holds) in zip(txs, versions, batch, strict=True)
    ]
    with rct_signature.replaying(entries):
        yield
