"""``mcref tx verify FILE [--json]``: validate one transaction in its ledger context.

FILE is a JSON verify request (refimpl.transaction.validation_context; docs/tx-format.md):
``{"tx": "<Tx protobuf hex>", "context": {"currentBlockIndex", "blockVersion", "minimumFee",
"rootProofs": [hex, ...]}}`` — a test of conformance/vectors/transaction/transactions.json is
one. Every rule of ``validate`` runs (notes/crypto-ledger.md §4.8). A valid transaction prints
``valid <tx hash>`` and exits 0; an invalid one prints the failing rule's one-line
``error[CODE]: message`` on stderr and exits 2. ``--json`` also prints a document on stdout:
``{"verdict": "valid"|"invalid", "tx_hash", "code", "cause", "message"}``.

The RNG that batched range-proof verification draws from is HC-128 keyed by the tx hash, so a
run is reproducible; the verdict does not depend on it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from refimpl.cli.output import print_json
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import CliError, EncodingError, RefImplError
from refimpl.transaction.validation import validate_in
from refimpl.transaction.validation_context import VerifyRequest


def register_verify(tx_sub: Any) -> None:
    verify = tx_sub.add_parser("verify", help="validate a transaction in its ledger context")
    verify.add_argument("file", metavar="FILE", help="JSON: tx protobuf hex and ledger context")
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(handler=_verify)


def read_request(path: str) -> VerifyRequest:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError("cli.io", f"cannot read {path}: {exc}") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EncodingError("encoding.bad_json", f"{path}: {exc}") from exc
    return VerifyRequest.from_json(doc)


def _verify(args: argparse.Namespace) -> int:
    request = read_request(args.file)
    tx_hash = request.tx.hash()
    try:
        validate_in(request.tx, request.context, Hc128Rng.from_seed(tx_hash))
    except RefImplError as exc:
        if args.json:
            cause = exc.__cause__
            print_json(
                {
                    "verdict": "invalid",
                    "tx_hash": tx_hash.hex(),
                    "code": exc.code,
                    "cause": cause.code if isinstance(cause, RefImplError) else None,
                    "message": exc.message,
                }
            )
        raise
    if args.json:
        print_json({"verdict": "valid", "tx_hash": tx_hash.hex()})
    else:
        print(f"valid {tx_hash.hex()}")
    return 0
