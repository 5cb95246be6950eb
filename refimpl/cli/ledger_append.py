"""``mcref ledger append DIR TX.hex [--block-version N] [--minimum-fee N] [--seed S] [--json]``.

Appends one transaction to a local ledger as a node would, without a network: the
transaction is validated against the ledger (refimpl/ledger/apply.py
``validate_against_ledger``: root proofs for its highest indices imply the ledger's one root,
every rule of ``validate`` for the next block, key images unspent, output public keys new),
then ``form_block`` makes the next block (its outputs, a fee output to the demo fee
recipient, sorted key images; MobileCoin ``consensus/enclave/impl/src/lib.rs``), which is
signed with the demo block signer of ``--seed`` (as ``mcref ledger init``) and appended in one
LMDB write transaction (refimpl/ledger/store.py ``append_block``).

TX.hex is what ``mcref tx build --out`` writes. A refused transaction leaves the ledger as it
was and prints its typed error (``tx.*`` or ``ledger.*``), exit 2. docs/tx-format.md ("End to
end") runs it in the documented example.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register_append(inner: Any) -> None:
    """Add ``append`` to the ``ledger`` group."""
    from refimpl.cli.inputs import input_file, input_path
    from refimpl.cli.tx_ledger import add_rule_options
    from refimpl.ledger.demo_seed import DEFAULT_SEED

    append = inner.add_parser("append", help="validate a transaction and append it as a block")
    append.add_argument("dir", metavar="DIR", type=input_path, help="the ledger")
    append.add_argument("tx", metavar="TX.hex", type=input_file,
                        help="the transaction (what `mcref tx build --out` writes)")
    add_rule_options(append)
    append.add_argument("--seed", default=DEFAULT_SEED.decode(), metavar="S",
                        help="the demo block signer derives from this text (as ledger init)")
    append.add_argument("--json", action="store_true")
    append.set_defaults(handler=_append)


def _append(args: argparse.Namespace) -> int:
    from refimpl.cli.output import print_json
    from refimpl.cli.tx_ledger import read_tx
    from refimpl.crypto.rng import Hc128Rng
    from refimpl.errors import RefImplError
    from refimpl.ledger.apply import apply_transactions
    from refimpl.ledger.env import typed_errors
    from refimpl.ledger.origin import demo_block_signer
    from refimpl.ledger.signature import sign
    from refimpl.ledger.store import LedgerStore

    tx = read_tx(args.tx)
    signer = demo_block_signer(args.seed.encode())
    with typed_errors(Path(args.dir), "append to the ledger"):
        with LedgerStore.open(args.dir) as store:
            result = apply_transactions(
                store, [tx], args.block_version, {0: args.minimum_fee},
                Hc128Rng.from_seed(tx.hash()), sign=lambda block: sign(block, signer))
    if result.block is None or result.contents is None:
        rejection = result.rejected[0]
        raise RefImplError(rejection.code, rejection.message)
    block, contents = result.block, result.contents
    document = {
        "ledger": str(args.dir),
        "block_index": block.index,
        "block_id": block.id.hex(),
        "tx_hash": tx.hash().hex(),
        "key_images": [ki.to_bytes().hex() for ki in contents.key_images],
        "outputs": len(contents.outputs),
    }
    if args.json:
        print_json(document)
    else:
        print(f"block {block.index} {block.id.hex()}: tx {document['tx_hash']}, "
              f"{len(contents.key_images)} key images, {len(contents.outputs)} outputs")
    return 0
