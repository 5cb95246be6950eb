"""What the MLSAGs of a transaction sign, per block version.

MobileCoin ``transaction/core/src/ring_ct/signing_digest.rs`` (``compute_mlsag_signing_digest``)
and ``transaction/core/src/tx_summary.rs`` / ``transaction/types/src/tx_summary.rs``
(``TxSummary``, MCIP #52). With ``m = TxPrefix.hash()``:

* block versions 0-1, the *extended message* (raw bytes): ``m || each pseudo-output commitment
  (32 bytes) || range_proof_bytes``;
* block version 2, the *extended message digest*: Merlin transcript ``"mc_extended_message"``
  with digestible appends ``message`` (prim bytes), ``pseudo_output_commitments`` (seq of prim
  ristretto; a none node when empty), ``range_proof_bytes`` and ``range_proofs`` (each omitted
  when empty), then ``challenge("digest32", 32)``;
* block version >= 3: Merlin transcript ``"mc_extended_message_and_tx_summary"`` with the v2
  digest as prim bytes ``extended_message`` and the :class:`TxSummary` aggregate under
  ``tx_summary``, then ``challenge("digest32", 32)``.

Rings with input rules (SCIs) sign ``TxIn.signed_digest()`` instead (see rct_signature.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from refimpl.crypto.digestible import DIGEST32_LABEL, DigestWriter
from refimpl.crypto.hashing import (
    EXTENDED_MESSAGE_AND_TX_SUMMARY_DOMAIN_TAG,
    EXTENDED_MESSAGE_DOMAIN_TAG,
)
from refimpl.crypto.merlin import Transcript
from refimpl.crypto.ristretto import Point
from refimpl.errors import TxError
from refimpl.transaction import block_version as bv
from refimpl.transaction.amount import MaskedAmount
from refimpl.transaction.tx import TxPrefix
from refimpl.transaction.tx_out import TxOut


def mlsags_sign_extended_message_digest(block_version: int) -> bool:
    """v2: the MLSAGs sign the Merlin digest of the extended message, not its raw bytes."""
    return block_version >= 2


def mlsags_sign_extended_message_and_tx_summary_digest(block_version: int) -> bool:
    """v3 (MCIP #52): the MLSAGs sign the extended-message digest combined with a TxSummary."""
    return block_version >= 3


@attrs.frozen
class TxOutSummary:
    """``TxOutSummary``: an output's masked amount and keys, and whether an SCI's rules name
    it (same public key and target key)."""

    masked_amount: MaskedAmount | None
    target_key: Point
    public_key: Point
    associated_to_input_rules: bool

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"TxOutSummary")
        if self.masked_amount is not None:
            self.masked_amount.append_to(writer, b"masked_amount")
        writer.ristretto(b"target_key", self.target_key)
        writer.ristretto(b"public_key", self.public_key)
        writer.bool_(b"associated_to_input_rules", self.associated_to_input_rules)
        writer.agg_closer(context, b"TxOutSummary")


@attrs.frozen
class TxInSummary:
    """``TxInSummary``: an input's pseudo-output commitment and, for an SCI, the canonical
    digest of its input rules (empty otherwise, and then omitted from the digest)."""

    pseudo_output_commitment: Point
    input_rules_digest: bytes = b""

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"TxInSummary")
        writer.ristretto(b"pseudo_output_commitment", self.pseudo_output_commitment)
        writer.bytes_(b"input_rules_digest", self.input_rules_digest)
        writer.agg_closer(context, b"TxInSummary")


@attrs.frozen
class TxSummary:
    """``TxSummary`` (MCIP #52); ``fee_token_id`` is always hashed here (no omit rule)."""

    outputs: tuple[TxOutSummary, ...]
    inputs: tuple[TxInSummary, ...]
    fee: int
    fee_token_id: int
    tombstone_block: int

    @classmethod
    def new(cls, prefix: TxPrefix, pseudo_output_commitments: Sequence[Point]) -> TxSummary:
        """``TxSummary::new``; ``tx.length_mismatch`` unless one commitment per input."""
        if len(prefix.inputs) != len(pseudo_output_commitments):
            raise TxError(
                "tx.rct_length_mismatch",
                f"{len(pseudo_output_commitments)} pseudo-outputs for {len(prefix.inputs)} inputs",
            )
        associated: dict[bytes, TxOut] = {}
        inputs = []
        for tx_in, commitment in zip(prefix.inputs, pseudo_output_commitments, strict=True):
            digest = b""
            rules = tx_in.input_rules
            if rules is not None:
                digest = rules.canonical_digest()
                for out in rules.required_outputs:
                    associated[out.public_key.to_bytes()] = out
                for revealed in rules.partial_fill_outputs:
                    associated[revealed.tx_out.public_key.to_bytes()] = revealed.tx_out
                if rules.partial_fill_change is not None:
                    change = rules.partial_fill_change.tx_out
                    associated[change.public_key.to_bytes()] = change
            inputs.append(TxInSummary(commitment, digest))
        outputs = []
        for out in prefix.outputs:
            match = associated.get(out.public_key.to_bytes())
            outputs.append(
                TxOutSummary(
                    out.masked_amount,
                    out.target_key,
                    out.public_key,
                    match is not None and match.target_key == out.target_key,
                )
            )
        return cls(
            tuple(outputs), tuple(inputs), prefix.fee, prefix.fee_token_id, prefix.tombstone_block
        )

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"TxSummary")
        writer.values(b"outputs", self.outputs)
        writer.values(b"inputs", self.inputs)
        writer.uint64(b"fee", self.fee)
        writer.uint64(b"fee_token_id", self.fee_token_id)
        writer.uint64(b"tombstone_block", self.tombstone_block)
        writer.agg_closer(context, b"TxSummary")


def extend_message(
    message: bytes, pseudo_output_commitments: Sequence[Point], range_proof_bytes: bytes
) -> bytes:
    """``extend_message`` (block versions 0-1): plain concatenation."""
    return (
        message
        + b"".join(c.to_bytes() for c in pseudo_output_commitments)
        + range_proof_bytes
    )


def digest_extended_message(
    message: bytes,
    pseudo_output_commitments: Sequence[Point],
    range_proof_bytes: bytes,
    range_proofs: Sequence[bytes],
) -> bytes:
    """``digest_extended_message`` (block version >= 2)."""
    transcript = Transcript(EXTENDED_MESSAGE_DOMAIN_TAG)
    writer = DigestWriter(transcript)
    writer.bytes_(b"message", message, omit_empty=False)
    writer.seq(
        b"pseudo_output_commitments", pseudo_output_commitments, writer.ristretto, omit_empty=False
    )
    writer.bytes_(b"range_proof_bytes", range_proof_bytes)
    writer.seq(b"range_proofs", range_proofs, writer.bytes_)
    return transcript.challenge_bytes(DIGEST32_LABEL, 32)


def extended_message(
    block_version: int,
    message: bytes,
    pseudo_output_commitments: Sequence[Point],
    range_proof_bytes: bytes,
    range_proofs: Sequence[bytes],
) -> bytes:
    """``compute_extended_message_either_version``."""
    if mlsags_sign_extended_message_digest(block_version):
        return digest_extended_message(
            message, pseudo_output_commitments, range_proof_bytes, range_proofs
        )
    return extend_message(message, pseudo_output_commitments, range_proof_bytes)


def compute_mlsag_signing_digest(
    block_version: int,
    prefix: TxPrefix,
    pseudo_output_commitments: Sequence[Point],
    range_proof_bytes: bytes,
    range_proofs: Sequence[bytes],
) -> bytes:
    """``compute_mlsag_signing_digest``: the message every non-SCI MLSAG signs."""
    bv.check_block_version(block_version)
    extended = extended_message(
        block_version, prefix.hash(), pseudo_output_commitments, range_proof_bytes, range_proofs
    )
    summary = TxSummary.new(prefix, pseudo_output_commitments)
    if not mlsags_sign_extended_message_and_tx_summary_digest(block_version):
        return extended
    transcript = Transcript(EXTENDED_MESSAGE_AND_TX_SUMMARY_DOMAIN_TAG)
    writer = DigestWriter(transcript)
    writer.bytes_(b"extended_message", extended, omit_empty=False)
    summary.append_to(writer, b"tx_summary")
    return transcript.challenge_bytes(DIGEST32_LABEL, 32)
