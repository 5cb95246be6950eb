"""The origin block of a demo ledger: deterministic accounts paid the initial supply.

MobileCoin mints its whole supply in the origin block (``Block::new_origin_block``,
``blockchain/types/src/block.rs``; its sample ledgers come from
``util/generate-sample-ledger``): version 0, index 0, zero parent, the default root element,
outputs only and no key images (``ledger/db/src/ledger_db.rs`` ``validate_append_block``).

Here everything follows from a seed so that ``mcref ledger init --seed S`` is reproducible:

* root entropy of account ``i`` = ``Blake2b256("mcref-demo-root-entropy" || seed || LE32(i))``;
* the tx private key of its output = ``Scalar::from_bytes_mod_order_wide(Blake2b512(
  "mcref-demo-origin-tx-key" || seed || LE32(i)))``; the output pays ``value`` picoMOB to the
  account's default subaddress with a zero fog hint (block version 0: no memo);
* the block signer's Ed25519 seed = ``Blake2b256("mcref-demo-block-signer" || seed)``.
"""

from __future__ import annotations

import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from refimpl.account.keys import AccountKey
from refimpl.crypto.hashing import blake2b256, blake2b512
from refimpl.crypto.ristretto import Scalar
from refimpl.errors import EncodingError
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.signature import signing_key_from_bytes
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.tx_out import TxOut

#: 1,000,000 MOB in picoMOB per demo account (well inside a u64).
DEMO_VALUE = 1_000_000 * 10**12


def demo_root_entropy(seed: bytes, i: int) -> bytes:
    return blake2b256(b"mcref-demo-root-entropy", seed, struct.pack("<I", i))


def demo_accounts(seed: bytes, count: int) -> tuple[AccountKey, ...]:
    return tuple(AccountKey.from_root_entropy(demo_root_entropy(seed, i)) for i in range(count))


def demo_block_signer(seed: bytes) -> Ed25519PrivateKey:
    return signing_key_from_bytes(blake2b256(b"mcref-demo-block-signer", seed))


def origin_contents(seed: bytes, accounts: tuple[AccountKey, ...],
                    value: int = DEMO_VALUE, outputs_per_account: int = 1) -> BlockContents:
    """``value`` to each account's default subaddress, in account order, split into
    ``outputs_per_account`` outputs of ``value // outputs_per_account`` each (account ``i``'s
    outputs are consecutive). Output ``j > 0`` of account ``i`` has the tx private key
    ``Scalar::from_bytes_mod_order_wide(Blake2b512("mcref-demo-origin-tx-key" || seed ||
    LE32(i) || LE32(j)))``; output 0 keeps the one-output derivation of the module docstring."""
    if outputs_per_account < 1:
        raise EncodingError("encoding.integer_out_of_range",
                            "outputs_per_account must be at least 1")
    each = value // outputs_per_account
    outputs = []
    for i, account in enumerate(accounts):
        for j in range(outputs_per_account):
            suffix = struct.pack("<I", j) if j else b""
            tx_key = Scalar.from_bytes_mod_order_wide(
                blake2b512(b"mcref-demo-origin-tx-key", seed, struct.pack("<I", i), suffix)
            )
            outputs.append(TxOut.new(0, Amount(each), account.default_subaddress(), tx_key,
                                     EncryptedFogHint.zero()))
    return BlockContents(outputs=tuple(outputs))


def origin_block(contents: BlockContents) -> Block:
    return Block.new_origin_block(contents.outputs)
