"""Runner for MobileCoin's digestible block known-answer test (derived/digestible_block_kat.json).

The expected values come from ``blockchain/types/tests/digest.rs`` of
mobilecoinfoundation/mobilecoin; the inputs are regenerated here exactly as that test and its
helpers draw them (notes/crypto-ledger.md §8), all from ``rand_hc::Hc128Rng``:

* accounts (``test_accounts``): seed ``[12; 32]``, five ``AccountKey::random`` (spend scalar,
  then view scalar, 64 bytes each); recipients are their default subaddresses;
* origin outputs (``test_origin_tx_outs``): seed ``[11; 32]``; per account: value =
  ``next_u32``, tx private key (64 bytes), ``fake_onetime_hint`` (point 64 + scalar 64 bytes),
  ``TxOut::new(BlockVersion::ZERO, …)``; then ``Block::new_origin_block``;
* child blocks (``test_blockchain``): seed ``[10; 32]``, ``get_blocks_with_recipients(v, 3,
  recipients, 1 token, 5 outputs per recipient, value 50, origin)`` of
  ``blockchain/test-utils/src/lib.rs``: per block 25 outputs (recipient-major, each a tx key and
  a fake hint), one key image ``KeyImage::from(next_u64)``, ``Block::new_with_parent`` with the
  default root element; then ``make_block_signature`` and ``make_block_metadata`` draw from the
  same generator before the next block (see :func:`_skip_signature_and_metadata_draws`).

Cases: each field of origin TxOut #0, each field of the origin block (and that its id is
valid), and each of the three child blocks' contents hash at versions 0 and 1. The second and
third children depend on the draws of the signature/metadata helpers; notes §8 left them
unreproduced, but with those draws accounted for they reproduce too, so nothing is pending.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.codec import parse_hex
from refimpl.crypto.ristretto import Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import ConformanceError
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.merkle_types import TxOutMembershipElement
from refimpl.transaction.amount import MOB_TOKEN_ID, Amount, MaskedAmountV1
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx_out import TxOut
from refimpl.vectors.runner import CaseTally, FileResult

ACCOUNTS_SEED = bytes([12] * 32)
ORIGIN_SEED = bytes([11] * 32)
CHILDREN_SEED = bytes([10] * 32)
NUM_ACCOUNTS = 5
NUM_CHILD_BLOCKS = 3
OUTPUTS_PER_RECIPIENT = 5
CHILD_OUTPUT_VALUE = 50


# --- the test's inputs ------------------------------------------------------------------------
def kat_recipients() -> list[PublicAddress]:
    """Default subaddresses of ``test_accounts()``."""
    rng = Hc128Rng.from_seed(ACCOUNTS_SEED)
    recipients = []
    for _ in range(NUM_ACCOUNTS):
        spend = Scalar.random(rng)
        view = Scalar.random(rng)
        recipients.append(AccountKey(spend, view).default_subaddress())
    return recipients


def _new_output(
    rng: Hc128Rng, block_version: int, amount: Amount, recipient: PublicAddress
) -> TxOut:
    """One ``TxOut::new`` with a fresh tx private key and fake fog hint, drawn in that order."""
    tx_private_key = Scalar.random(rng)
    hint = EncryptedFogHint.fake_onetime_hint(rng)
    return TxOut.new(block_version, amount, recipient, tx_private_key, hint)


def kat_origin_tx_outs(recipients: list[PublicAddress]) -> list[TxOut]:
    """``test_origin_tx_outs()``: one v0 output of a random u32 value per recipient."""
    rng = Hc128Rng.from_seed(ORIGIN_SEED)
    outputs = []
    for recipient in recipients:
        value = rng.next_u32()
        outputs.append(_new_output(rng, 0, Amount(value, MOB_TOKEN_ID), recipient))
    return outputs


def gen_range_u32_inclusive(rng: Hc128Rng, low: int, high: int) -> int:
    """rand 0.8.5 ``UniformInt::<u32 or i32>::sample_single_inclusive``: widening multiply of
    ``next_u32`` by the range size, rejecting low halves above the approximate zone."""
    size = (high - low + 1) & 0xFFFFFFFF
    if size == 0:
        return rng.next_u32()
    zone = ((size << (32 - size.bit_length())) & 0xFFFFFFFF) - 1
    while True:
        product = rng.next_u32() * size
        if product & 0xFFFFFFFF <= zone:
            return low + (product >> 32)


def _skip_signature_and_metadata_draws(rng: Hc128Rng) -> None:
    """Consume what ``make_block_signature`` and ``make_block_metadata`` draw.

    * ``make_block_signature``: ``Ed25519Pair::from_random`` = ed25519-dalek
      ``SigningKey::generate``: 32 bytes (signing itself is deterministic);
    * ``make_block_metadata``: another 32-byte signing key; ``make_quorum_set``: node count
      ``gen_range(1..=42)`` then threshold ``gen_range(1..=count)`` (node ids come from their
      own seeded generators); ``make_verification_report``: ``random_bytes_vec`` fills an
      empty ``Vec::with_capacity`` and so draws nothing, and the chain length is
      ``gen_range(2..42)`` of an ``i32``.
    """
    rng.fill_bytes(32)
    rng.fill_bytes(32)
    node_count = gen_range_u32_inclusive(rng, 1, 42)
    gen_range_u32_inclusive(rng, 1, node_count)
    gen_range_u32_inclusive(rng, 2, 41)


def kat_child_blocks(
    block_version: int, recipients: list[PublicAddress], origin: Block
) -> list[tuple[Block, BlockContents]]:
    """``get_blocks_with_recipients(block_version, 3, recipients, 1, 5, 50, origin, rng)``."""
    rng = Hc128Rng.from_seed(CHILDREN_SEED)
    blocks = []
    parent = origin
    for _ in range(NUM_CHILD_BLOCKS):
        amount = Amount(CHILD_OUTPUT_VALUE, MOB_TOKEN_ID)
        outputs = [
            _new_output(rng, block_version, amount, recipient)
            for recipient in recipients
            for _ in range(OUTPUTS_PER_RECIPIENT)
        ]
        key_images = (KeyImage.from_u64(rng.next_u64()),)
        contents = BlockContents(key_images=key_images, outputs=tuple(outputs))
        block = Block.new_with_parent(block_version, parent, TxOutMembershipElement(), contents)
        _skip_signature_and_metadata_draws(rng)
        blocks.append((block, contents))
        parent = block
    return blocks


# --- the runner -------------------------------------------------------------------------------
_REQUIRED_KEYS = (
    "origin_tx_out_0_fields",
    "origin_block",
    "child_block_contents_hashes_v0",
    "child_block_contents_hashes_v1",
)


def _load(path: Path, rel: str) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
        missing = [key for key in _REQUIRED_KEYS if key not in doc]
        if missing:
            raise KeyError(", ".join(missing))
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConformanceError("conformance.bad_vector_file", f"{rel}: {exc}") from exc
    result: dict[str, Any] = doc
    return result


def _tx_out_fields(tx_out: TxOut) -> dict[str, str]:
    masked = tx_out.masked_amount
    if not isinstance(masked, MaskedAmountV1):
        raise ConformanceError("conformance.bad_vector_file", "origin outputs must be V1")
    return {
        "commitment": masked.commitment.hex(),
        "masked_value": masked.masked_value.to_bytes(8, "little").hex(),
        "target_key": tx_out.target_key.hex(),
        "public_key": tx_out.public_key.hex(),
        "e_fog_hint": tx_out.e_fog_hint.data.hex(),
    }


def _block_fields(block: Block) -> dict[str, object]:
    return {
        "id": block.id.hex(),
        "version": block.version,
        "parent_id": block.parent_id.hex(),
        "index": block.index,
        "cumulative_txo_count": block.cumulative_txo_count,
        "root_element": {
            "range": [block.root_element.range.from_, block.root_element.range.to],
            "hash": block.root_element.hash.hex(),
        },
        "contents_hash": block.contents_hash.hex(),
    }


def run_digestible_block_kat(path: Path, rel: str) -> FileResult:
    """Regenerate the digest.rs inputs and compare every field and hash, case by case."""
    doc = _load(path, rel)
    tally = CaseTally(rel)
    recipients = kat_recipients()
    origin_outputs = kat_origin_tx_outs(recipients)
    origin = Block.new_origin_block(origin_outputs)

    ours_tx_out = _tx_out_fields(origin_outputs[0])
    for field, expected in doc["origin_tx_out_0_fields"].items():
        tally.check(f"origin_tx_out_0.{field}", ours_tx_out.get(field) == expected)
    ours_block = _block_fields(origin)
    for field, expected in doc["origin_block"].items():
        tally.check(f"origin_block.{field}", ours_block.get(field) == expected)
    tally.check("origin_block.id_valid", origin.is_block_id_valid())

    for version in (0, 1):
        expected_hashes: list[str] = doc[f"child_block_contents_hashes_v{version}"]
        children = kat_child_blocks(version, recipients, origin)
        for number, expected in enumerate(expected_hashes):
            case = f"child_v{version}[{number}].contents_hash"
            if number >= len(children):
                tally.check(case, False, "fewer child blocks generated than expected")
                continue
            block, contents = children[number]
            tally.run(case, _matches(block.contents_hash, contents, expected))
    return tally.result()


def _matches(stated: bytes, contents: BlockContents, expected: str) -> Callable[[], bool]:
    return lambda: stated == contents.hash() == parse_hex(expected, 32)

