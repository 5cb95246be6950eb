"""``mcref tx verify FILE [--ledger DIR] [--json]``: validate one transaction in its ledger context.

FILE is a JSON verify request (refimpl.transaction.validation_context; docs/tx-format.md):
``{"tx": "<Tx protobuf hex>", "context": {"currentBlockIndex", "blockVersion", "minimumFee",
"rootProofs": [hex, ...]}}`` — a test of conformance/vectors/transaction/transactions.json is one.
Every rule of ``validate`` runs (``transaction/core/src/validation/validate.rs``). A valid
transaction prints ``valid <tx hash>`` and exits 0; an invalid one prints the failing rule's
one-line ``error[CODE]: message`` on stderr and exits 2. ``--json`` also prints a document on
stdout: ``{"verdict": "valid"|"invalid", "tx_hash", "code", "cause", "message"}``.

With ``--ledger DIR`` FILE may also be what ``mcref tx build --out`` writes (the ``Tx``
protobuf hex): the context then comes from the ledger (the block being built is the next one;
root proofs for the transaction's highest indices; ``--block-version``, ``--minimum-fee``) and
every check a node makes before a transaction may enter the next block runs
(refimpl/ledger/apply.py ``validate_against_ledger``: the one root, ``validate``, key images
unspent, output public keys new).

The RNG that batched range-proof verification draws from is HC-128 keyed by the tx hash, so a
run is reproducible; the verdict does not depend on it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refimpl.cli.inputs import read_text
from refimpl.cli.output import print_json
from refimpl.cli.tx_ledger import ledger_snapshot, read_tx
from refimpl.errors import CliError, RefImplError

if TYPE_CHECKING:
    from refimpl.crypto.rng import Hc128Rng
    from refimpl.transaction.tx import Tx
    from refimpl.transaction.validation_context import VerifyRequest


def register_verify(tx_sub: Any) -> None:
    from refimpl.cli.inputs import input_file, input_path
    from refimpl.cli.tx_ledger import add_rule_options

    verify = tx_sub.add_parser("verify", help="validate a transaction in its ledger context")
    verify.add_argument("file", metavar="FILE", type=input_file,
                        help="JSON: tx protobuf hex and ledger context; with --ledger also "
                             "the tx hex of `tx build --out`")
    verify.add_argument("--ledger", metavar="DIR", type=input_path,
                        help="take the context from this ledger (and check key images unspent)")
    add_rule_options(verify)
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(handler=_verify)


#: A bare transaction (``tx build --out``), told apart from a JSON verify request.
_HEX = re.compile(r"(0[xX])?[0-9a-fA-F]+")


def read_request(path: str | Path) -> VerifyRequest:
    from refimpl.cli.inputs import read_json
    from refimpl.transaction.validation_context import VerifyRequest

    return VerifyRequest.from_json(read_json(path))


def _verify(args: argparse.Namespace) -> int:
    from refimpl.transaction.validation import validate_in

    if args.ledger is None:
        if _HEX.fullmatch(read_text(args.file).strip()):
            raise CliError("cli.usage", f"{args.file} holds a transaction without its ledger "
                           "context: give --ledger DIR (docs/tx-format.md)")
        request = read_request(args.file)
        return _verdict(args, request.tx, lambda rng: validate_in(request.tx, request.context,
                                                                  rng))
    from refimpl.ledger.apply import validate_against_ledger

    tx = read_tx(args.file)
    with ledger_snapshot(args.ledger) as snapshot:
        return _verdict(args, tx, lambda rng: validate_against_ledger(
            tx, snapshot, args.block_version, args.minimum_fee, rng))


def _verdict(args: argparse.Namespace, tx: Tx, check: Callable[[Hc128Rng], None]) -> int:
    """Run ``check``; print ``valid HASH`` or the failure (with ``--json`` a verdict document
    that also carries the ``error`` object of every ``--json`` error)."""
    from refimpl.crypto.rng import Hc128Rng

    tx_hash = tx.hash()
    try:
        check(Hc128Rng.from_seed(tx_hash))
    except RefImplError as exc:
        if not args.json:
            raise
        cause = exc.__cause__
        print_json({
            "verdict": "invalid",
            "tx_hash": tx_hash.hex(),
            "code": exc.code,
            "cause": cause.code if isinstance(cause, RefImplError) else None,
            "message": exc.message,
            "error": {"code": exc.code, "message": " ".join(exc.message.split())},
        })
        print(exc.one_line(), file=sys.stderr)
        return 2
    if args.json:
        print_json({"verdict": "valid", "tx_hash": tx_hash.hex()})
    else:
        print(f"valid {tx_hash.hex()}")
    return 0
