"""Cases for MobileCoin's digestible block known-answer test (derived/digestible_block_kat.json).

The expected values come from ``blockchain/types/tests/digest.rs`` of
mobilecoinfoundation/mobilecoin; the inputs are regenerated here exactly as that test and its
helpers draw them (``blockchain/test-utils``, ``util/test-helper``), all from ``rand_hc::Hc128Rng``:

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

The regenerated inputs go into the cases, so an implementation under test needs no HC-128:
``tx_out.new`` builds origin TxOut #0 from its recipient, value and tx private key;
``block.origin`` builds the origin block from the five origin TxOuts; ``block.contents_hash``
hashes each of the three child blocks' contents at versions 0 and 1 (8 cases). The second and
third children depend on the draws of the signature/metadata helpers; with those draws
accounted for they reproduce too, so nothing is pending.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.crypto.ristretto import Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import ConformanceError
from refimpl.ledger.block import Block, BlockContents
from refimpl.transaction.amount import MOB_TOKEN_ID, Amount, MaskedAmountV1
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement
from refimpl.transaction.tx import tx_out_from_protobuf, tx_out_to_protobuf
from refimpl.transaction.tx_out import TxOut
from refimpl.vectors.cases import Case, case_id
from refimpl.vectors.inputs import hex_list, hexbytes, integer

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


@attrs.frozen
class OutputDraw:
    """What the test draws for one ``TxOut::new``: the tx private key, then the fake hint."""

    tx_private_key: Scalar
    hint: EncryptedFogHint

    @classmethod
    def draw(cls, rng: Hc128Rng) -> OutputDraw:
        tx_private_key = Scalar.random(rng)
        return cls(tx_private_key, EncryptedFogHint.fake_onetime_hint(rng))


def _new_output(
    rng: Hc128Rng, block_version: int, amount: Amount, recipient: PublicAddress
) -> TxOut:
    """One ``TxOut::new`` with a fresh tx private key and fake fog hint, drawn in that order."""
    drawn = OutputDraw.draw(rng)
    return TxOut.new(block_version, amount, recipient, drawn.tx_private_key, drawn.hint)


def kat_origin_draws(recipients: list[PublicAddress]) -> list[tuple[int, OutputDraw]]:
    """The value and draws of each output of ``test_origin_tx_outs()``."""
    rng = Hc128Rng.from_seed(ORIGIN_SEED)
    draws = []
    for _ in recipients:
        value = rng.next_u32()
        draws.append((value, OutputDraw.draw(rng)))
    return draws


def kat_origin_tx_outs(recipients: list[PublicAddress]) -> list[TxOut]:
    """``test_origin_tx_outs()``: one v0 output of a random u32 value per recipient."""
    return [
        TxOut.new(0, Amount(value, MOB_TOKEN_ID), recipient, d.tx_private_key, d.hint)
        for recipient, (value, d) in zip(recipients, kat_origin_draws(recipients), strict=True)
    ]


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


# --- operations -------------------------------------------------------------------------------


def new_tx_out(case: dict[str, Any]) -> dict[str, Any]:
    """``{blockVersion, value, tokenId, recipient (PublicAddress protobuf), txPrivateKey,
    eFogHint}`` -> the TxOut's fields ``{commitment, maskedValue (8 bytes LE), targetKey,
    publicKey, eFogHint}`` (``TxOut::new``, ``transaction/core/src/tx.rs``)."""
    tx_out = TxOut.new(
        integer(case, "blockVersion"),
        Amount(integer(case, "value"), integer(case, "tokenId")),
        PublicAddress.from_protobuf(hexbytes(case, "recipient")),
        Scalar.from_canonical_bytes(hexbytes(case, "txPrivateKey", 32)),
        EncryptedFogHint(hexbytes(case, "eFogHint")),
    )
    masked = tx_out.masked_amount
    if not isinstance(masked, MaskedAmountV1):
        raise ConformanceError("conformance.bad_case_input", "expected a V1 masked amount")
    return {
        "commitment": masked.commitment.hex(),
        "maskedValue": masked.masked_value.to_bytes(8, "little").hex(),
        "targetKey": tx_out.target_key.hex(),
        "publicKey": tx_out.public_key.hex(),
        "eFogHint": tx_out.e_fog_hint.data.hex(),
    }


def _block_json(block: Block) -> dict[str, Any]:
    return {
        "id": block.id.hex(),
        "version": block.version,
        "parentId": block.parent_id.hex(),
        "index": block.index,
        "cumulativeTxoCount": block.cumulative_txo_count,
        "rootElement": {
            "range": [block.root_element.range.from_, block.root_element.range.to],
            "hash": block.root_element.hash.hex(),
        },
        "contentsHash": block.contents_hash.hex(),
        "idValid": block.is_block_id_valid(),
    }


def origin_block(case: dict[str, Any]) -> dict[str, Any]:
    """``{outputs: [TxOut protobuf]}`` -> the fields of ``Block::new_origin_block`` (version
    0, index 0, zero parent, default root element) and ``idValid``."""
    outputs = [tx_out_from_protobuf(data) for data in hex_list(case, "outputs")]
    return _block_json(Block.new_origin_block(outputs))


def contents_hash(case: dict[str, Any]) -> dict[str, Any]:
    """``{keyImages: [hex], outputs: [TxOut protobuf]}`` -> ``{contentsHash}``, the digest of
    ``BlockContents`` (``blockchain/types/src/block_contents.rs``)."""
    contents = BlockContents(
        key_images=tuple(KeyImage.from_bytes(k) for k in hex_list(case, "keyImages", 32)),
        outputs=tuple(tx_out_from_protobuf(data) for data in hex_list(case, "outputs")),
    )
    return {"contentsHash": contents.hash().hex()}


# --- the case source --------------------------------------------------------------------------
_REQUIRED_KEYS = (
    "origin_tx_out_0_fields",
    "origin_block",
    "child_block_contents_hashes_v0",
    "child_block_contents_hashes_v1",
)
_CAMEL = {"masked_value": "maskedValue", "target_key": "targetKey", "public_key": "publicKey",
          "e_fog_hint": "eFogHint", "parent_id": "parentId", "root_element": "rootElement",
          "cumulative_txo_count": "cumulativeTxoCount", "contents_hash": "contentsHash"}


def _load(path: Path, rel: str) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
        missing = [key for key in _REQUIRED_KEYS if key not in doc]
        if missing:
            raise KeyError(", ".join(missing))
        if not isinstance(doc["origin_tx_out_0_fields"], dict) or not isinstance(
                doc["origin_block"], dict):
            raise TypeError("origin fields are not objects")
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConformanceError("conformance.bad_vector_file", f"{rel}: {exc}") from exc
    result: dict[str, Any] = doc
    return result


def _camel(fields: dict[str, Any]) -> dict[str, Any]:
    return {_CAMEL.get(key, key): value for key, value in fields.items()}


def digestible_block_cases(path: Path, rel: str) -> list[Case]:
    """Regenerate the digest.rs inputs; one case for origin TxOut #0, one for the origin
    block, one per child block contents hash (3 blocks x versions 0 and 1)."""
    doc = _load(path, rel)
    recipients = kat_recipients()
    value, first = kat_origin_draws(recipients)[0]
    origin_outputs = kat_origin_tx_outs(recipients)
    cases = [
        Case(case_id(rel, "origin_tx_out_0"), "tx_out.new", {
            "blockVersion": 0, "value": value, "tokenId": MOB_TOKEN_ID,
            "recipient": recipients[0].to_protobuf().hex(),
            "txPrivateKey": first.tx_private_key.to_bytes().hex(),
            "eFogHint": first.hint.data.hex(),
        }, _camel(doc["origin_tx_out_0_fields"])),
        Case(case_id(rel, "origin_block"), "block.origin",
             {"outputs": [tx_out_to_protobuf(o).hex() for o in origin_outputs]},
             {**_camel(doc["origin_block"]), "idValid": True}),
    ]
    origin = Block.new_origin_block(origin_outputs)
    for version in (0, 1):
        expected_hashes: list[str] = doc[f"child_block_contents_hashes_v{version}"]
        children = kat_child_blocks(version, recipients, origin)
        if len(expected_hashes) > len(children):
            raise ConformanceError("conformance.bad_vector_file",
                                   f"{rel}: more child hashes than the test makes blocks")
        for number, expected in enumerate(expected_hashes):
            contents = children[number][1]
            cases.append(Case(
                case_id(rel, f"child_v{version}[{number}].contents_hash"), "block.contents_hash",
                {"keyImages": [k.to_bytes().hex() for k in contents.key_images],
                 "outputs": [tx_out_to_protobuf(o).hex() for o in contents.outputs]},
                {"contentsHash": expected},
            ))
    return cases
