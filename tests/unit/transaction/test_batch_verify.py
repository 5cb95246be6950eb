"""Block batch verification (refimpl/transaction/batch_verify.py) gives the one-by-one verdicts.

For random blocks of valid transactions with 0-3 invalid ones of every kind the transaction
vectors cover (refimpl/vectors/tx_cases.py: every rule of ``validate``) and every RingCT
rejection of test_rct_signature.py's ``MUTATIONS``, the batch returns the code and message that
``verify_tx`` (and today's path, ``verify_tx_baseline``) give one transaction at a time, and
``validate`` inside :func:`preverified` raises what it raises without. Signed transactions are
built once per module and drawn from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, partial

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto import bulletproofs, msm
from refimpl.crypto.pedersen import value_generator
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.errors import RefImplError
from refimpl.transaction import rct_signature
from refimpl.transaction.batch_verify import Verdict, preverified, verify_batch
from refimpl.transaction.rct_signature import verify_tx, verify_tx_baseline
from refimpl.transaction.tx import Tx
from refimpl.transaction.validation import validate_in
from refimpl.transaction.validation_context import LedgerContext
from refimpl.vectors.tx_cases import CASES
from tests.unit.transaction._txbuild import built_tx, example_budget, rng_from
from tests.unit.transaction.test_rct_signature import MUTATIONS

Entry = tuple[Tx, int]  # a transaction and the block version it is verified at


def _outcome(check: Callable[[], object]) -> tuple[str | None, str]:
    try:
        check()
    except RefImplError as exc:
        return exc.code, exc.message
    return None, ""


def one_by_one(entries: Sequence[Entry], verify: Callable[..., None] = verify_tx
               ) -> list[tuple[str | None, str]]:
    rng = rng_from("one by one")
    return [_outcome(partial(verify, tx, v, rng)) for tx, v in entries]


def batched(entries: Sequence[Entry]) -> list[tuple[str | None, str]]:
    verdicts = verify_batch([tx for tx, _ in entries], [v for _, v in entries], rng_from("batch"))
    return [(v.code, v.message) for v in verdicts]


# --- pools, built once ----------------------------------------------------------------------


@cache
def case_pool() -> tuple[tuple[str, Tx, LedgerContext, str | None], ...]:
    """Every transaction vector: (name, tx, context, expected validate code)."""
    out = []
    for case in CASES:
        tx, context = case.build()
        out.append((case.name, tx, context, case.expected_code))
    return tuple(out)


@cache
def signature_pool() -> tuple[list[Entry], list[Entry]]:
    """(valid, invalid) signature-level entries: the vectors' transactions at their context's
    block version (valid = their signature verifies) and every MUTATIONS rejection."""
    valid: list[Entry] = []
    invalid: list[Entry] = []
    rng = rng_from("pool")
    for _name, tx, context, _code in case_pool():
        verdict = _outcome(partial(verify_tx, tx, context.block_version, rng))
        (valid if verdict[0] is None else invalid).append((tx, context.block_version))
    for _name, version, kwargs, mutate, _code in MUTATIONS:
        tx = built_tx(version, **kwargs)
        valid.append((tx, version))
        invalid.append((mutate(tx), version))
    return valid, invalid


def _valid() -> list[Entry]:
    return signature_pool()[0]


def _invalid() -> list[Entry]:
    return signature_pool()[1]


def _block(valid: Sequence[Entry], invalid: Sequence[Entry]) -> st.SearchStrategy[list[Entry]]:
    return st.tuples(
        st.lists(st.sampled_from(list(valid)), min_size=1, max_size=4),
        st.lists(st.sampled_from(list(invalid)), min_size=0, max_size=3),
    ).flatmap(lambda parts: st.permutations(parts[0] + parts[1]))


# --- the properties ---------------------------------------------------------------------------


@settings(max_examples=example_budget(30))
@given(data=st.data())
def test_batch_gives_the_one_by_one_verdicts(data: st.DataObject) -> None:
    entries = data.draw(_block(_valid(), _invalid()))
    expected = one_by_one(entries)
    assert batched(entries) == expected
    assert one_by_one(entries, verify_tx_baseline) == expected


@settings(max_examples=example_budget(20))
@given(data=st.data())
def test_validate_inside_preverified_gives_the_same_codes(data: st.DataObject) -> None:
    pool = case_pool()
    ok = [c for c in pool if c[3] is None]
    bad = [c for c in pool if c[3] is not None]
    block = data.draw(
        st.tuples(
            st.lists(st.sampled_from(ok), min_size=1, max_size=3),
            st.lists(st.sampled_from(bad), min_size=0, max_size=3),
        ).flatmap(lambda parts: st.permutations(parts[0] + parts[1]))
    )
    rng = rng_from("validate")
    alone = [_outcome(partial(validate_in, c[1], c[2], rng)) for c in block]
    assert [code for code, _ in alone] == [c[3] for c in block]
    txs = [c[1] for c in block]
    with preverified(txs, [c[2].block_version for c in block], rng_from("block")):
        together = [_outcome(partial(validate_in, c[1], c[2], rng)) for c in block]
    assert together == alone


# --- plain cases --------------------------------------------------------------------------------


def test_empty_batch() -> None:
    assert verify_batch([], 3, rng_from("empty")) == []
    with preverified([], 3, rng_from("empty")):
        verify_tx(built_tx(3), 3, rng_from("plain"))


def test_all_valid_with_every_block_version_and_mixed_tokens() -> None:
    entries = [(built_tx(v), v) for v in (0, 1, 2, 3, 4)] + [(built_tx(3, mixed=True), 3)]
    assert all(v.ok for v in verify_batch([t for t, _ in entries], [v for _, v in entries],
                                          rng_from("all valid")))


def _tampered_range_proof(tx: Tx) -> Tx:
    proofs = list(tx.signature.range_proofs)
    proof = bytearray(proofs[-1])
    proof[-40] ^= 1  # scalar a, still canonical: the equation fails, the encoding does not
    proofs[-1] = bytes(proof)
    return attrs.evolve(tx, signature=attrs.evolve(tx.signature, range_proofs=tuple(proofs)))


def test_one_invalid_range_proof_among_many_is_named() -> None:
    good = [built_tx(3), built_tx(3, mixed=True), built_tx(4), built_tx(3, inputs=2)]
    bad = _tampered_range_proof(built_tx(3, mixed=True))
    txs = good[:2] + [bad] + good[2:]
    verdicts = verify_batch(txs, 3, rng_from("one bad"))
    assert [v.ok for v in verdicts] == [True, True, False, True, True]
    assert verdicts[2].code == "tx.rct_range_proof"
    assert (verdicts[2].code, verdicts[2].message) == one_by_one([(bad, 3)])[0]
    with pytest.raises(RefImplError) as err:
        verdicts[2].raise_error()
    assert err.value.code == "tx.rct_range_proof"


def test_mixed_tokens_second_proof_bad_after_first_fine() -> None:
    """Tokens 0 and 7: the second proof fails alone; the verdict is the range-proof error, not
    a later (balance, MLSAG) one, as one by one."""
    tx = built_tx(3, mixed=True)
    bad = _tampered_range_proof(tx)
    raised = attrs.evolve(bad, prefix=attrs.evolve(bad.prefix, fee=bad.prefix.fee + 1))
    entries = [(tx, 3), (bad, 3), (raised, 3)]
    assert batched(entries) == one_by_one(entries) == one_by_one(entries, verify_tx_baseline)
    assert [code for code, _ in batched(entries)] == [None, "tx.rct_range_proof",
                                                       "tx.rct_range_proof"]


def test_python_generator_scalars_give_the_same_verdicts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pure-Python path of bulletproofs.equations_hold (no C accumulator)."""
    entries = [(built_tx(3, mixed=True), 3), (_tampered_range_proof(built_tx(3)), 3),
               (built_tx(1), 1)]
    with_c = batched(entries)
    monkeypatch.setattr(bulletproofs, "_bp_accumulate", None)
    assert batched(entries) == with_c == one_by_one(entries, verify_tx_baseline)


def test_replay_only_for_the_same_object(monkeypatch: pytest.MonkeyPatch) -> None:
    tx = built_tx(3)
    bad = attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, fee=tx.prefix.fee + 1))
    twin = attrs.evolve(bad)  # equal, not the same object: verified afresh
    prepared: list[Tx] = []
    real_prepare = rct_signature.prepare_tx

    def counting(t: Tx, version: int, rng: RandomSource) -> rct_signature.PreparedSignature:
        prepared.append(t)
        return real_prepare(t, version, rng)

    monkeypatch.setattr(rct_signature, "prepare_tx", counting)
    with preverified([bad, tx], 3, rng_from("scope")):
        assert prepared == [bad, tx]
        for t in (bad, twin, tx, bad):
            _outcome(partial(verify_tx, t, 3, rng_from("x")))
        assert prepared == [bad, tx, twin]  # only the twin was verified again
        assert _outcome(lambda: verify_tx(bad, 3, rng_from("x")))[0] == (
            "tx.rct_value_not_conserved"
        )
        assert _outcome(lambda: verify_tx(tx, 2, rng_from("x")))[0] is not None  # v2: afresh
    assert rct_signature._PREVERIFIED.get() is None


def test_verdict_fields() -> None:
    assert Verdict().ok and Verdict().code is None and Verdict().message == ""
    err = Verdict(ValueError("boom"))
    assert not err.ok and err.code == "exception" and "boom" in err.message


@cache
def _wide_proof() -> tuple[bytes, list[Point], Point]:
    """17 commitments: 32 parties, past the 16-party generator table."""
    rng = rng_from("wide")
    values = list(range(17))
    blindings = [Scalar.random(rng) for _ in values]
    generator = value_generator(5)
    proof, commitments = bulletproofs.prove_multiple(values, blindings, generator, rng)
    return proof, commitments, generator


def test_equations_past_the_generator_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 32-party proof beside a 4-party one in one batch: the generator table covers 16
    parties, the rest are plain points (C accumulator and pure Python alike)."""
    wide, commitments, generator = _wide_proof()
    small = built_tx(3)
    small_eq = rct_signature.prepare_tx(small, 3, rng_from("s")).equations[0]
    bulletproofs.verify_multiple(wide, commitments, generator, rng_from("baseline"))
    tampered = bytearray(wide)
    tampered[-40] ^= 1
    for accumulate in (bulletproofs._bp_accumulate, None):
        monkeypatch.setattr(bulletproofs, "_bp_accumulate", accumulate)
        good = bulletproofs.prepare_equation(wide, commitments, generator, rng_from("w"))
        bad = bulletproofs.prepare_equation(bytes(tampered), commitments, generator, rng_from("w"))
        weights = [1, bulletproofs.random_weight(rng_from("weight"))]
        assert bulletproofs.equations_hold([good, small_eq], weights)
        assert not bulletproofs.equations_hold([small_eq, bad], weights)


def test_without_the_c_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback paths (libsodium MSM, Python generator scalars, the MLSAG member loop)
    give the same verdicts as the C paths."""
    entries = [(built_tx(3, mixed=True), 3), (_tampered_range_proof(built_tx(3)), 3),
               (attrs.evolve(built_tx(2), prefix=attrs.evolve(built_tx(2).prefix, fee=1)), 2),
               (built_tx(1), 1)]
    with_c = batched(entries)
    monkeypatch.setattr(msm, "_native", None)
    assert not msm.native_available()
    assert batched(entries) == with_c == one_by_one(entries, verify_tx_baseline)
    assert [code for code, _ in with_c] == [None, "tx.rct_range_proof",
                                             "tx.rct_value_not_conserved", None]


def test_every_kind_in_one_block() -> None:
    """Every transaction vector and every RingCT mutation in one block, valid ones between:
    the verdicts are the one-by-one ones, and validate inside preverified gives every case's
    expected code."""
    entries = [e for pair in zip(_valid(), _invalid(), strict=False) for e in pair]
    entries += _valid()[len(_invalid()):] + _invalid()[len(_valid()):]
    assert len(entries) == len(_valid()) + len(_invalid())
    assert batched(entries) == one_by_one(entries)
    pool = case_pool()
    rng = rng_from("every kind")
    with preverified([c[1] for c in pool], [c[2].block_version for c in pool], rng):
        codes = [_outcome(partial(validate_in, c[1], c[2], rng))[0] for c in pool]
    assert codes == [c[3] for c in pool]


def test_one_block_version_per_transaction() -> None:
    with pytest.raises(RefImplError) as err:
        verify_batch([built_tx(3)], [3, 3], rng_from("versions"))
    assert err.value.code == "tx.rct_length_mismatch"
