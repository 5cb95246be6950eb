"""Our implementation of every conformance operation: ``OPERATIONS[kind](input) -> output``.

A case (refimpl.vectors.cases.Case) names its operation by ``kind``; docs/conformance.md
("Operations") documents each kind's input and output fields. An operation returns its output
fields or raises a typed :class:`~refimpl.errors.RefImplError`, which :func:`perform` turns into
the answer ``{"error": code}`` (plus ``"cause"`` when the error has a typed cause).
``mcref conformance run`` calls :func:`perform` in-process; our adapter
(``python -m refimpl.vectors.adapter``) calls it for each case the drive runner sends.

Each suite's module holds its case sources and its operations; add a suite's operations in
its own block below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from refimpl.errors import ConformanceError, RefImplError
from refimpl.vectors import (
    own_crypto,
    own_transactions,
    scp_cases,
    upstream_accounts,
    upstream_blocks,
    upstream_derived,
    upstream_fog,
    upstream_memos,
    upstream_tx_out_records,
)

Operation = Callable[[dict[str, Any]], dict[str, Any]]

OPERATIONS: dict[str, Operation] = {
    # --- account keys, SLIP-10, b58 addresses (upstream_accounts.py) ---
    "account.keys_from_mnemonic": upstream_accounts.keys_from_mnemonic,
    "account.keys_from_root_entropy": upstream_accounts.keys_from_root_entropy,
    "account.keys_from_slip10_key": upstream_accounts.keys_from_slip10_key,
    "account.subaddress_keys": upstream_accounts.subaddress_keys,
    "address.b58": upstream_accounts.b58_address,
    # --- blocks and TxOuts (upstream_blocks.py) ---
    "block.contents_hash": upstream_blocks.contents_hash,
    "block.origin": upstream_blocks.origin_block,
    "tx_out.new": upstream_blocks.new_tx_out,
    # --- schnorrkel signatures (upstream_derived.py) ---
    "schnorrkel.sign": upstream_derived.sign,
    "schnorrkel.verify": upstream_derived.verify,
    # --- fog: KexRng, TxOutRecords (upstream_fog.py, upstream_tx_out_records.py) ---
    "fog.kex_rng": upstream_fog.kex_rng_output,
    "fog.tx_out_record": upstream_tx_out_records.recover,
    # --- memos (upstream_memos.py) ---
    "memo.authenticated_sender": upstream_memos.authenticated_sender,
    "memo.destination": upstream_memos.destination,
    # --- RingCT primitives (own_crypto.py) ---
    "bulletproofs.prove": own_crypto.bulletproofs_prove,
    "bulletproofs.verify": own_crypto.bulletproofs_verify,
    "mlsag.verify": own_crypto.mlsag_verify,
    # --- whole transactions (own_transactions.py) ---
    "tx.validate": own_transactions.validate,
    # --- SCP one-node scripts (scp_cases.py) ---
    "scp.node_script": scp_cases.node_script,
}


def perform(kind: str, case_input: dict[str, Any]) -> dict[str, Any]:
    """Answer one case with our implementation: ``{"output": ...}`` or ``{"error": code,
    "cause"?: code}`` (docs/conformance.md, "Answers")."""
    operation = OPERATIONS.get(kind)
    if operation is None:
        return {"unsupported": True}
    try:
        output = operation(case_input)
    except RefImplError as exc:
        answer: dict[str, Any] = {"error": exc.code}
        if isinstance(exc.__cause__, RefImplError):
            answer["cause"] = exc.__cause__.code
        return answer
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        bad = ConformanceError("conformance.bad_case_input", f"{type(exc).__name__}: {exc}")
        return {"error": bad.code, "message": bad.message}
    except Exception as exc:  # noqa: BLE001 - a bug of ours fails its case, not the run
        crash = ConformanceError("conformance.operation_crashed", f"{type(exc).__name__}: {exc}")
        return {"error": crash.code, "message": crash.message}
    return {"output": output}
