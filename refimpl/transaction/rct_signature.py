"""Signing and verifying ``SignatureRctBulletproofs``, the RingCT signature of a transaction.

MobileCoin ``transaction/core/src/ring_ct/rct_bulletproofs.rs`` (``new_with_summary``,
``sign_with_balance_check``, ``compute_pseudo_output_blindings``, ``verify``), the input ring
types of ``ring_ct/input_ring.rs`` and ``range_proofs/mod.rs``: pseudo-outputs and balance, the
signed digest (``ring_ct/signing_digest.rs``), range proofs per block version, and the
verification order and errors of ``verify``. Errors are ``tx.rct_*`` (``ring_ct::Error``,
``ring_ct/error.rs``).

Signing draws randomness in MobileCoin's order: the pseudo-output blindings (random for every
signable ring but the last one, which balances the outputs), the range proof(s) (one proof over
[pseudo-outputs, outputs] before v3; one per token id in ascending order from v3), then one
MLSAG per signable ring in input order.

Verification comes two ways with the same verdicts (code and message) on every input:
:func:`verify_baseline` checks one thing after the other (the path before issue 13, kept for
``mcref bench tx``); :func:`verify` runs :func:`prepare` (every check in MobileCoin's order,
the range proofs and the balance left as equations) and checks the equations in one weighted
multiscalar multiplication, falling back to one check at a time to name a failure
(:class:`PreparedSignature`). refimpl/transaction/batch_verify.py does the same for a block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import attrs

from refimpl.crypto import bulletproofs, ring_signature
from refimpl.crypto.pedersen import commit, value_generator
from refimpl.crypto.ring_signature import RingMember, RingMLSAG
from refimpl.crypto.ristretto import L, Point, RandomSource, Scalar
from refimpl.errors import CryptoError, TxError
from refimpl.transaction import block_version as bv
from refimpl.transaction.amount import Amount
from refimpl.transaction.signing_digest import compute_mlsag_signing_digest
from refimpl.transaction.tx import SignatureRctBulletproofs, Tx, TxIn, TxPrefix

#: ``FEE_BLINDING``: the implicit fee output is committed with blinding zero.
FEE_BLINDING = Scalar(0)


def _members(v: Sequence[RingMember]) -> tuple[RingMember, ...]:
    return tuple(v)


@attrs.frozen
class SignableInputRing:
    """``SignableInputRing``: a ring the signer owns the real member of.

    ``members`` are the ring's ``(target_key, commitment)``; ``amount`` and ``blinding`` open
    the real member's commitment; ``onetime_private_key`` is ``x`` with ``x*G`` its target key.
    """

    members: tuple[RingMember, ...] = attrs.field(converter=_members)
    real_input_index: int
    onetime_private_key: Scalar
    amount: Amount
    blinding: Scalar


@attrs.frozen
class PresignedInputRing:
    """``PresignedInputRing``: a signed contingent input (MCIP #31), already signed over
    ``TxIn.signed_digest()`` with a pseudo-output of known amount and blinding."""

    mlsag: RingMLSAG
    pseudo_output_amount: Amount
    pseudo_output_blinding: Scalar


InputRing = SignableInputRing | PresignedInputRing


@attrs.frozen
class OutputSecret:
    """``OutputSecret``: an output's amount and the blinding of its commitment."""

    amount: Amount
    blinding: Scalar


@attrs.frozen
class SignedInputRing:
    """``SignedInputRing``: what a verifier knows of a ring: its members and, for an SCI, the
    digest its MLSAG signed (``None``: the ring signed the transaction's common digest)."""

    members: tuple[RingMember, ...] = attrs.field(converter=_members)
    signed_digest: bytes | None = None

    @classmethod
    def from_tx_in(cls, tx_in: TxIn) -> SignedInputRing:
        """``SignedInputRing::from(&TxIn)``; a member without masked amount is rejected."""
        members = []
        for out in tx_in.ring:
            if out.masked_amount is None:
                raise TxError("tx.missing_masked_amount", "a ring member has no masked amount")
            members.append((out.target_key, out.masked_amount.commitment))
        digest = tx_in.signed_digest() if tx_in.input_rules is not None else None
        return cls(tuple(members), digest)


def _ring_amount(ring: InputRing) -> Amount:
    return ring.amount if isinstance(ring, SignableInputRing) else ring.pseudo_output_amount


# --- signing -----------------------------------------------------------------------------------


def _check_signing_inputs(
    block_version: int, rings: Sequence[InputRing], outputs: Sequence[OutputSecret], fee: Amount
) -> None:
    """The precondition checks of ``new_with_summary``, in MobileCoin's order."""
    bv.check_block_version(block_version)
    if not bv.masked_token_id_feature_is_supported(block_version) and fee.token_id != 0:
        raise TxError("tx.rct_token_id_not_allowed", f"fee token {fee.token_id} before v2")
    if not bv.mixed_transactions_are_supported(block_version):
        tokens = {_ring_amount(r).token_id for r in rings} | {o.amount.token_id for o in outputs}
        if tokens - {fee.token_id}:
            raise TxError(
                "tx.rct_mixed_transactions_not_allowed",
                f"token ids {sorted(tokens)} with fee token {fee.token_id} before v3",
            )
    if not bv.signed_input_rules_are_supported(block_version) and any(
        isinstance(r, PresignedInputRing) for r in rings
    ):
        raise TxError("tx.rct_signed_input_rules_not_allowed", "presigned input before v3")
    if not rings:
        raise TxError("tx.rct_no_inputs", "no input rings")
    signable = [r for r in rings if isinstance(r, SignableInputRing)]
    if not signable:
        raise TxError("tx.rct_all_rings_presigned", "every ring is presigned")
    ring_size = len(signable[0].members)
    if ring_size == 0:
        raise TxError("tx.rct_invalid_ring_size", "a ring is empty")
    for ring in signable:
        if len(ring.members) != ring_size:
            raise TxError(
                "tx.rct_invalid_ring_size", f"ring of {len(ring.members)}, expected {ring_size}"
            )
        if not 0 <= ring.real_input_index < ring_size:
            raise TxError("tx.rct_index_out_of_bounds", f"real index {ring.real_input_index}")


def compute_pseudo_output_blindings(
    rings: Sequence[InputRing], outputs: Sequence[OutputSecret], rng: RandomSource
) -> list[Scalar]:
    """``compute_pseudo_output_blindings``: random blindings except for the last signable
    ring, whose blinding makes the blindings of pseudo-outputs and outputs sum equally."""
    output_sum = sum((o.blinding for o in outputs), Scalar(0))
    running = sum(
        (r.pseudo_output_blinding for r in rings if isinstance(r, PresignedInputRing)), Scalar(0)
    )
    signable_indices = [i for i, r in enumerate(rings) if isinstance(r, SignableInputRing)]
    if not signable_indices:
        raise TxError("tx.rct_all_rings_presigned", "every ring is presigned")
    last = signable_indices[-1]
    blindings = []
    for i, ring in enumerate(rings):
        if isinstance(ring, PresignedInputRing):
            blindings.append(ring.pseudo_output_blinding)
        elif i == last:
            blindings.append(output_sum - running)
        else:
            blinding = Scalar.random(rng)
            running = running + blinding
            blindings.append(blinding)
    return blindings


def _prove(
    values: Sequence[int], blindings: Sequence[Scalar], token_id: int, rng: RandomSource
) -> bytes:
    try:
        proof, _commitments = bulletproofs.prove_multiple(
            values, blindings, value_generator(token_id), rng
        )
    except CryptoError as exc:
        raise TxError("tx.rct_range_proof", f"cannot prove: {exc.one_line()}") from exc
    return proof


def _range_proofs(
    block_version: int,
    rings: Sequence[InputRing],
    pseudo_blindings: Sequence[Scalar],
    outputs: Sequence[OutputSecret],
    fee: Amount,
    rng: RandomSource,
) -> tuple[bytes, tuple[bytes, ...]]:
    """(range_proof_bytes, range_proofs) as §4.6 arranges them for the block version."""
    openings = [
        (_ring_amount(r), b) for r, b in zip(rings, pseudo_blindings, strict=True)
    ] + [(o.amount, o.blinding) for o in outputs]
    if not bv.mixed_transactions_are_supported(block_version):
        values = [a.value for a, _ in openings]
        proof = _prove(values, [b for _, b in openings], fee.token_id, rng)
        return proof, ()
    token_ids = sorted({fee.token_id} | {a.token_id for a, _ in openings})
    proofs = []
    for token_id in token_ids:
        chosen = [(a.value, b) for a, b in openings if a.token_id == token_id]
        if not chosen:
            raise TxError("tx.rct_no_commitments_for_token_id", f"token id {token_id}")
        proofs.append(_prove([v for v, _ in chosen], [b for _, b in chosen], token_id, rng))
    return b"", tuple(proofs)


def sign(
    block_version: int,
    prefix: TxPrefix,
    rings: Sequence[InputRing],
    outputs: Sequence[OutputSecret],
    fee: Amount,
    rng: RandomSource,
    *,
    check_value_is_preserved: bool = True,
) -> SignatureRctBulletproofs:
    """``SignatureRctBulletproofs::sign`` (``new_with_summary`` + ``sign_with_balance_check``).

    ``rings`` are in input order (one per ``prefix.inputs``), ``outputs`` in output order.
    """
    _check_signing_inputs(block_version, rings, outputs, fee)
    pseudo_blindings = compute_pseudo_output_blindings(rings, outputs, rng)
    range_proof_bytes, range_proofs = _range_proofs(
        block_version, rings, pseudo_blindings, outputs, fee, rng
    )
    pseudo_outputs = [
        commit(_ring_amount(r).value, b, _ring_amount(r).token_id)
        for r, b in zip(rings, pseudo_blindings, strict=True)
    ]
    if check_value_is_preserved:
        output_commitments = [commit(o.amount.value, o.blinding, o.amount.token_id)
                              for o in outputs]
        _check_balance(output_commitments, pseudo_outputs, fee)
    digest = compute_mlsag_signing_digest(
        block_version, prefix, pseudo_outputs, range_proof_bytes, range_proofs
    )
    signatures = []
    for ring, pseudo_blinding in zip(rings, pseudo_blindings, strict=True):
        if isinstance(ring, PresignedInputRing):
            signatures.append(ring.mlsag)
            continue
        try:
            signatures.append(
                ring_signature.sign(
                    digest,
                    ring.members,
                    ring.real_input_index,
                    ring.onetime_private_key,
                    ring.amount.value,
                    ring.blinding,
                    pseudo_blinding,
                    value_generator(ring.amount.token_id),
                    rng,
                )
            )
        except CryptoError as exc:
            code = (
                "tx.rct_true_input_not_owned"
                if exc.code == "crypto.mlsag_true_input_not_owned"
                else "tx.rct_value_not_conserved"
                if exc.code == "crypto.mlsag_value_not_conserved"
                else "tx.rct_ring_signature"
            )
            raise TxError(code, exc.one_line()) from exc
    mixed = bv.mixed_transactions_are_supported(block_version)
    return SignatureRctBulletproofs(
        ring_signatures=tuple(signatures),
        pseudo_output_commitments=tuple(pseudo_outputs),
        range_proof_bytes=range_proof_bytes,
        range_proofs=range_proofs,
        pseudo_output_token_ids=tuple(_ring_amount(r).token_id for r in rings) if mixed else (),
        output_token_ids=tuple(o.amount.token_id for o in outputs) if mixed else (),
    )


# --- verification ------------------------------------------------------------------------------


def _check_balance(
    output_commitments: Sequence[Point], pseudo_outputs: Sequence[Point], fee: Amount
) -> None:
    """§4.3: sum(outputs) + fee*H_fee_token - sum(pseudo-outputs) must be the identity."""
    total = commit(fee.value, FEE_BLINDING, fee.token_id)
    for c in output_commitments:
        total = total + c
    for c in pseudo_outputs:
        total = total - c
    if not total.is_identity():
        raise TxError("tx.rct_value_not_conserved", "outputs plus fee differ from pseudo-outputs")


def _check_token_id_lists(
    block_version: int, sig: SignatureRctBulletproofs, output_count: int
) -> None:
    if bv.mixed_transactions_are_supported(block_version):
        if len(sig.pseudo_output_token_ids) != len(sig.pseudo_output_commitments):
            raise TxError("tx.rct_missing_pseudo_output_token_ids", "one per pseudo-output")
        if len(sig.output_token_ids) != output_count:
            raise TxError("tx.rct_missing_output_token_ids", "one per output")
    else:
        if sig.pseudo_output_token_ids:
            raise TxError("tx.rct_pseudo_output_token_ids_not_allowed", "before v3")
        if sig.output_token_ids:
            raise TxError("tx.rct_output_token_ids_not_allowed", "before v3")


def _verify_range_proof(
    proof: bytes, commitments: Sequence[Point], token_id: int, rng: RandomSource
) -> None:
    try:
        bulletproofs.verify_multiple(proof, commitments, value_generator(token_id), rng)
    except CryptoError as exc:
        raise _range_proof_error(exc) from exc


def _range_proof_groups(
    block_version: int,
    sig: SignatureRctBulletproofs,
    output_commitments: Sequence[Point],
    fee: Amount,
) -> Iterator[tuple[bytes, list[Point], int]]:
    """``(proof, commitments, token id)`` of each range proof in ``rct_bulletproofs.rs``
    ``verify``'s order: before v3 one proof over pseudo-outputs and outputs; from v3 one per
    token id (sorted), over that token's commitments. Raises the structural errors lazily, at
    the point of iteration where ``verify`` meets them."""
    if not bv.mixed_transactions_are_supported(block_version):
        if sig.range_proofs:
            raise TxError("tx.rct_too_many_range_proofs", "range_proofs must be empty before v3")
        commitments = list(sig.pseudo_output_commitments) + list(output_commitments)
        yield sig.range_proof_bytes, commitments, fee.token_id
        return
    if sig.range_proof_bytes:
        raise TxError("tx.rct_unexpected_range_proof", "range_proof_bytes must be empty from v3")
    token_ids = sorted(
        {fee.token_id} | set(sig.output_token_ids) | set(sig.pseudo_output_token_ids)
    )
    if len(token_ids) != len(sig.range_proofs):
        raise TxError(
            "tx.rct_missing_range_proofs",
            f"{len(token_ids)} token ids, {len(sig.range_proofs)} range proofs",
        )
    tagged = list(zip(sig.pseudo_output_commitments, sig.pseudo_output_token_ids, strict=True))
    tagged += list(zip(output_commitments, sig.output_token_ids, strict=True))
    for token_id, proof in zip(token_ids, sig.range_proofs, strict=True):
        commitments = [c for c, t in tagged if t == token_id]
        if not commitments:
            raise TxError("tx.rct_no_commitments_for_token_id", f"token id {token_id}")
        yield proof, commitments, token_id


def _check_range_proofs(
    block_version: int,
    sig: SignatureRctBulletproofs,
    output_commitments: Sequence[Point],
    fee: Amount,
    rng: RandomSource,
) -> None:
    for proof, commitments, token_id in _range_proof_groups(
        block_version, sig, output_commitments, fee
    ):
        _verify_range_proof(proof, commitments, token_id, rng)


def verify_baseline(
    sig: SignatureRctBulletproofs,
    block_version: int,
    prefix: TxPrefix,
    rings: Sequence[SignedInputRing],
    output_commitments: Sequence[Point],
    fee: Amount,
    rng: RandomSource,
) -> None:
    """``SignatureRctBulletproofs::verify`` as this reference first wrote it, one check after
    the other: every range proof in its own multiscalar multiplication with its scalars in
    Python, the MLSAGs member by member (``ring_signature.verify_baseline``). Kept as the
    baseline of ``mcref bench tx``; :func:`verify` gives the same verdicts faster."""
    _check_before_range_proofs(sig, block_version, rings, output_commitments, fee)
    _check_range_proofs(block_version, sig, output_commitments, fee, rng)
    _check_balance(output_commitments, sig.pseudo_output_commitments, fee)
    _after_range_proofs(
        sig, block_version, prefix, rings, output_commitments, fee,
        ring_verify=ring_signature.verify_baseline,
    )


def _check_before_range_proofs(
    sig: SignatureRctBulletproofs,
    block_version: int,
    rings: Sequence[SignedInputRing],
    output_commitments: Sequence[Point],
    fee: Amount,
) -> None:
    """The checks of ``rct_bulletproofs.rs`` ``verify`` that come before the range proofs, in
    MobileCoin's order."""
    bv.check_block_version(block_version)
    if not bv.masked_token_id_feature_is_supported(block_version) and fee.token_id != 0:
        raise TxError("tx.rct_token_id_not_allowed", f"fee token {fee.token_id} before v2")
    if all(r.signed_digest is not None for r in rings):
        raise TxError("tx.rct_all_rings_presigned", "every ring is presigned (or no rings)")
    if len(rings) != len(sig.ring_signatures):
        raise TxError(
            "tx.rct_length_mismatch",
            f"{len(rings)} rings, {len(sig.ring_signatures)} ring signatures",
        )
    if len(rings) != len(sig.pseudo_output_commitments):
        raise TxError(
            "tx.rct_length_mismatch",
            f"{len(rings)} rings, {len(sig.pseudo_output_commitments)} pseudo-outputs",
        )
    _check_token_id_lists(block_version, sig, len(output_commitments))
    key_images = [k.to_bytes() for k in sig.key_images()]
    if len(set(key_images)) != len(key_images):
        raise TxError("tx.rct_duplicate_key_image", "a key image appears twice")


# --- verification in two phases (single transactions and block batches) ----------------------


@attrs.frozen
class Balance:
    """The balance equation of ``rct_bulletproofs.rs`` ``check_balance``
    (``sum(outputs) + fee*H_fee - sum(pseudo-outputs)`` is the identity), kept for a
    multiscalar multiplication."""

    output_commitments: tuple[Point, ...]
    pseudo_outputs: tuple[Point, ...]
    fee: Amount

    def terms(self, weight: int) -> tuple[list[int], list[Point]]:
        """The equation times ``weight`` as (scalars, points)."""
        neg = (-weight) % L
        scalars = [weight] * len(self.output_commitments) + [neg] * len(self.pseudo_outputs)
        scalars.append(weight * self.fee.value % L)
        points = [*self.output_commitments, *self.pseudo_outputs]
        points.append(value_generator(self.fee.token_id))
        return scalars, points


@attrs.frozen
class PreparedSignature:
    """A signature's verification with everything done but one multiscalar multiplication
    (rct_bulletproofs.rs ``verify`` split in two).

    ``equations`` are the range proofs' equations in the order ``verify`` checks them and
    ``balance`` the balance equation checked after them (``None`` if ``verify`` stops
    before it); ``failure`` is the first failure of the checks after the balance that
    ``verify`` raises if every equation holds (the signing digest, an MLSAG), or an earlier
    failure (a later proof's encoding), else ``None``. :func:`signatures_hold` checks the
    equations of many prepared signatures in one weighted multiscalar multiplication; then
    :meth:`settle` raises exactly what ``verify`` raises."""

    equations: tuple[bulletproofs.Equation, ...]
    balance: Balance | None
    failure: Exception | None

    def settle(self, equations_hold: bool) -> None:
        """Raise what :func:`verify_baseline` raises, given whether the equations hold
        together (if not, each is checked on its own, in order, to name the first that fails
        as the one-by-one path does)."""
        if not equations_hold:
            for eq in self.equations:
                if not bulletproofs.equations_hold([eq], [1]):
                    raise _range_proof_error(
                        CryptoError("crypto.range_proof_invalid", "the range proof does not verify")
                    )
            if self.balance is not None:
                _check_balance(
                    self.balance.output_commitments, self.balance.pseudo_outputs, self.balance.fee
                )
        if self.failure is not None:
            raise self.failure


def signatures_hold(prepared: Sequence[PreparedSignature], rng: RandomSource) -> bool:
    """Whether every range-proof and balance equation of ``prepared`` holds: one multiscalar
    multiplication of their sum, each weighted by an independent random scalar from ``rng``
    (the first range-proof equation by 1), which fails, except with probability about
    2^-128, as soon as one equation does not hold. Each transaction is one group of
    :func:`refimpl.crypto.bulletproofs.groups_hold`."""
    groups: list[bulletproofs.EquationGroup] = []
    first = True
    for p in prepared:
        weights = [bulletproofs.random_weight(rng) for _ in p.equations]
        if first and weights:
            weights[0] = 1
            first = False
        extra: tuple[list[int], list[Point]] = ([], [])
        if p.balance is not None:
            extra = p.balance.terms(bulletproofs.random_weight(rng))
        groups.append((p.equations, weights, extra[0], extra[1]))
    return bulletproofs.groups_hold(groups)


def _range_proof_error(exc: CryptoError) -> TxError:
    """``ring_ct::Error`` of a range proof: a decoding failure or an invalid proof."""
    if exc.code == "crypto.range_proof_bad_encoding":
        return TxError("tx.rct_range_proof_deserialization", exc.one_line())
    return TxError("tx.rct_range_proof", exc.one_line())


def _prepare_range_proof(
    proof: bytes,
    commitments: Sequence[Point],
    token_id: int,
    rng: RandomSource,
    out: list[bulletproofs.Equation],
) -> None:
    try:
        eq = bulletproofs.prepare_equation(proof, commitments, value_generator(token_id), rng)
    except CryptoError as exc:
        raise _range_proof_error(exc) from exc
    out.append(eq)


def _prepare_range_proofs(
    block_version: int,
    sig: SignatureRctBulletproofs,
    output_commitments: Sequence[Point],
    fee: Amount,
    rng: RandomSource,
    out: list[bulletproofs.Equation],
) -> None:
    """:func:`_check_range_proofs` with each proof's equation appended to ``out`` instead of
    being checked."""
    for proof, commitments, token_id in _range_proof_groups(
        block_version, sig, output_commitments, fee
    ):
        _prepare_range_proof(proof, commitments, token_id, rng, out)


def _after_range_proofs(
    sig: SignatureRctBulletproofs,
    block_version: int,
    prefix: TxPrefix,
    rings: Sequence[SignedInputRing],
    output_commitments: Sequence[Point],
    fee: Amount,
    ring_verify: Callable[
        [ring_signature.RingMLSAG, bytes, Sequence[ring_signature.RingMember], Point], None
    ] = ring_signature.verify,
) -> None:
    """The signing digest and every MLSAG (``ring_verify``: one C call per ring when built;
    the baseline passes the member loop)."""
    digest = compute_mlsag_signing_digest(
        block_version,
        prefix,
        sig.pseudo_output_commitments,
        sig.range_proof_bytes,
        sig.range_proofs,
    )
    for i, (ring, mlsag, pseudo_output) in enumerate(
        zip(rings, sig.ring_signatures, sig.pseudo_output_commitments, strict=True)
    ):
        message = ring.signed_digest if ring.signed_digest is not None else digest
        try:
            ring_verify(mlsag, message, ring.members, pseudo_output)
        except CryptoError as exc:
            raise TxError("tx.rct_ring_signature", f"ring {i}: {exc.one_line()}") from exc


def prepare(
    sig: SignatureRctBulletproofs,
    block_version: int,
    prefix: TxPrefix,
    rings: Sequence[SignedInputRing],
    output_commitments: Sequence[Point],
    fee: Amount,
    rng: RandomSource,
) -> PreparedSignature:
    """Run :func:`verify_baseline`'s checks in its order, collecting the range-proof and
    balance equations instead of checking them; stop at the first other failure (kept in the
    result, never raised)."""
    equations: list[bulletproofs.Equation] = []
    balance = None
    try:
        _check_before_range_proofs(sig, block_version, rings, output_commitments, fee)
        _prepare_range_proofs(block_version, sig, output_commitments, fee, rng, equations)
        balance = Balance(tuple(output_commitments), tuple(sig.pseudo_output_commitments), fee)
        _after_range_proofs(sig, block_version, prefix, rings, output_commitments, fee)
    except Exception as exc:  # noqa: BLE001 - replayed by settle() exactly as verify raises it
        return PreparedSignature(tuple(equations), balance, exc)
    return PreparedSignature(tuple(equations), balance, None)


def prepare_tx(tx: Tx, block_version: int, rng: RandomSource) -> PreparedSignature:
    """:func:`prepare` for a whole transaction (what :func:`verify_tx` checks)."""
    try:
        rings, output_commitments, fee = _tx_parts(tx)
    except Exception as exc:  # noqa: BLE001 - replayed by settle()
        return PreparedSignature((), None, exc)
    return prepare(tx.signature, block_version, tx.prefix, rings, output_commitments, fee, rng)


def verify(
    sig: SignatureRctBulletproofs,
    block_version: int,
    prefix: TxPrefix,
    rings: Sequence[SignedInputRing],
    output_commitments: Sequence[Point],
    fee: Amount,
    rng: RandomSource,
) -> None:
    """``SignatureRctBulletproofs::verify`` (``rct_bulletproofs.rs``): its checks in its order.

    Commitments are held decompressed, so MobileCoin's point-decompression failures cannot
    occur here (they surface when the bytes are decoded). The transaction's range proofs are
    checked in one multiscalar multiplication (random weights); the verdict is
    :func:`verify_baseline`'s.
    """
    weights = bulletproofs.WeightRng(rng)
    prepared = prepare(sig, block_version, prefix, rings, output_commitments, fee, weights)
    _settle_alone(prepared, weights)


def _settle_alone(prepared: PreparedSignature, rng: RandomSource) -> None:
    prepared.settle(signatures_hold([prepared], rng))


def _tx_parts(tx: Tx) -> tuple[list[SignedInputRing], list[Point], Amount]:
    """A transaction's rings, output commitments and fee, as ``validate_signature`` takes them."""
    rings = [SignedInputRing.from_tx_in(tx_in) for tx_in in tx.prefix.inputs]
    output_commitments = []
    for out in tx.prefix.outputs:
        if out.masked_amount is None:
            raise TxError("tx.missing_masked_amount", "an output has no masked amount")
        output_commitments.append(out.masked_amount.commitment)
    return rings, output_commitments, Amount(tx.prefix.fee, tx.prefix.fee_token_id)


#: Verdicts a block batch established (:func:`replaying`): ``(id(tx), block_version) ->
#: (tx, prepared, equations_hold)``; an entry only serves that very transaction object.
_PreverifiedMap = Mapping[tuple[int, int], tuple[Tx, PreparedSignature, bool]]
_PREVERIFIED: ContextVar[_PreverifiedMap | None] = ContextVar(
    "mcref_preverified_signatures", default=None
)


@contextmanager
def replaying(
    entries: Iterable[tuple[Tx, int, PreparedSignature, bool]],
) -> Iterator[None]:
    """Within the ``with`` block, :func:`verify_tx` of one of these transactions (the same
    object) at its block version settles the given prepared verification instead of verifying
    again (refimpl/transaction/batch_verify.py ``preverified``). Scopes nest."""
    outer = _PREVERIFIED.get()
    known = dict(outer) if outer is not None else {}
    for tx, block_version, prepared, holds in entries:
        known[(id(tx), block_version)] = (tx, prepared, holds)
    token = _PREVERIFIED.set(known)
    try:
        yield
    finally:
        _PREVERIFIED.reset(token)


def verify_tx(tx: Tx, block_version: int, rng: RandomSource) -> None:
    """Verify a whole transaction's signature: rings from its inputs, output commitments from
    its outputs, fee from its prefix (what ``validate_signature`` does in MobileCoin).

    Inside a block batch's ``preverified`` scope the verdict of that batch is replayed for the
    same transaction object at the same block version (the same error, or none)."""
    known = _PREVERIFIED.get()
    if known is not None:
        entry = known.get((id(tx), block_version))
        if entry is not None and entry[0] is tx:
            entry[1].settle(entry[2])
            return
    weights = bulletproofs.WeightRng(rng)
    _settle_alone(prepare_tx(tx, block_version, weights), weights)


def verify_tx_baseline(tx: Tx, block_version: int, rng: RandomSource) -> None:
    """:func:`verify_tx` through :func:`verify_baseline` (the bench's baseline)."""
    rings, output_commitments, fee = _tx_parts(tx)
    verify_baseline(tx.signature, block_version, tx.prefix, rings, output_commitments, fee, rng)
