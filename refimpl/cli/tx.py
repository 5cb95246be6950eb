"""``mcref tx``: build (and, from refimpl/cli/tx_verify.py, verify) transactions.

``mcref tx build DESCRIPTION.json [--ledger DIR] [--out FILE] [--json]`` reads a JSON
description of a transaction (sender account, owned inputs, ring candidates, outputs, fee,
tombstone, block version, seed; format in docs/tx-format.md; with ``--ledger``, inputs and
ring members may be TxOuts of that ledger, with their membership proofs), builds and signs it
with
:class:`refimpl.transaction.builder.TransactionBuilder` using a ChaCha12 ``StdRng`` seeded
with ``seed``, and writes the transaction's protobuf bytes as hex (to FILE, or stdout).
``--json`` prints a summary document instead (with the hex under ``"tx"``).

The ``tx`` group is created here; ``register_verify(tx_sub)`` of refimpl/cli/tx_verify.py
(``mcref tx verify``) is added when that module exists.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refimpl.cli import tx_verify
from refimpl.cli.output import print_json
from refimpl.cli.tx_ledger import ledger_snapshot, ledger_tx_out
from refimpl.codec import parse_hex
from refimpl.errors import CliError, RefImplError, TxError

if TYPE_CHECKING:
    from refimpl.account.keys import AccountKey
    from refimpl.account.public_address import PublicAddress
    from refimpl.crypto.ristretto import RandomSource
    from refimpl.ledger.snapshot import LedgerSnapshot
    from refimpl.transaction.builder import TransactionBuilder
    from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
    from refimpl.transaction.tx import Tx
    from refimpl.transaction.tx_out import TxOut

SEED_LENGTH = 32


def register(sub: Any) -> None:
    parser = sub.add_parser("tx", help="build and verify transactions")
    tx_sub = parser.add_subparsers(dest="tx_command", required=True)
    register_build(tx_sub)
    tx_verify.register_verify(tx_sub)


def register_build(tx_sub: Any) -> None:
    from refimpl.cli.inputs import input_file, input_path

    build = tx_sub.add_parser("build", help="build and sign a transaction from a JSON description")
    build.add_argument("description", metavar="DESCRIPTION.json", type=input_file)
    build.add_argument("--ledger", metavar="DIR", type=input_path,
                       help='a ledger whose TxOuts {"tx_out_index": N} inputs and ring '
                            "candidates name")
    build.add_argument("--out", metavar="FILE", help="write the protobuf hex here")
    build.add_argument("--json", action="store_true", help="print a JSON summary")
    build.set_defaults(handler=_build)


# --- the description -------------------------------------------------------------------------


def _bad(message: str) -> TxError:
    return TxError("tx.builder_bad_description", message)


def _get(doc: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    if key not in doc:
        if default is None:
            raise _bad(f"missing field {key!r}")
        return default
    value = doc[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(f"field {key!r} has the wrong type")
    return value


def _u64(doc: dict[str, Any], key: str, default: int | None = None) -> int:
    value: int = _get(doc, key, int, default)
    if isinstance(value, bool) or not 0 <= value < 2**64:
        raise _bad(f"field {key!r} must be an integer in 0..2^64-1")
    return value


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{what} must be a JSON object")
    return value


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value: list[Any] = _get(doc, key, list, [])
    return value


def sender_account(doc: dict[str, Any]) -> AccountKey:
    """``{"root_entropy": HEX}`` or ``{"mnemonic": WORDS, "account_index": N}``."""
    from refimpl.account.keys import AccountKey
    from refimpl.account.root_entropy import ROOT_ENTROPY_LENGTH

    if "root_entropy" in doc:
        entropy = parse_hex(_get(doc, "root_entropy", str), ROOT_ENTROPY_LENGTH, "root entropy")
        return AccountKey.from_root_entropy(entropy)
    if "mnemonic" in doc:
        return AccountKey.from_mnemonic(_get(doc, "mnemonic", str), _u64(doc, "account_index", 0))
    raise _bad("the sender needs root_entropy or mnemonic")


def _proof(doc: dict[str, Any]) -> TxOutMembershipProof | None:
    from refimpl.transaction.membership_proofs.types import TxOutMembershipProof

    if "proof" not in doc:
        return None
    return TxOutMembershipProof.from_protobuf(parse_hex(_get(doc, "proof", str), what="proof"))


def _synthesized_tx_out(
    doc: dict[str, Any], address: PublicAddress, block_version: int, rng: RandomSource
) -> TxOut:
    """A TxOut made on the spot (for tests and demos): ``{"value", "token_id"}`` to
    ``address``, with a tx private key from the description's RNG."""
    from refimpl.crypto.ristretto import Scalar
    from refimpl.transaction.amount import Amount
    from refimpl.transaction.fog_hint import EncryptedFogHint
    from refimpl.transaction.tx_out import TxOut

    amount = Amount(_u64(doc, "value"), _u64(doc, "token_id", 0))
    return TxOut.new(block_version, amount, address, Scalar.random(rng), EncryptedFogHint.zero())


def _recipient(value: Any) -> PublicAddress:
    """A b58 address string, or ``{"view_public_key": HEX, "spend_public_key": HEX}``."""
    from refimpl.account import b58
    from refimpl.account.public_address import PublicAddress
    from refimpl.crypto.ristretto import Point

    if isinstance(value, str):
        return b58.decode_public_address(value)
    doc = _object(value, "recipient")
    return PublicAddress(
        Point.from_bytes(parse_hex(_get(doc, "view_public_key", str), 32, "view public key")),
        Point.from_bytes(parse_hex(_get(doc, "spend_public_key", str), 32, "spend public key")),
    )


def _ledger(ledger: LedgerSnapshot | None, what: str) -> LedgerSnapshot:
    if ledger is None:
        raise _bad(f"{what} names a TxOut of a ledger: give --ledger DIR")
    return ledger


def builder_from_description(
    doc: dict[str, Any], ledger: LedgerSnapshot | None = None
) -> tuple[TransactionBuilder, RandomSource]:
    """The :class:`TransactionBuilder` and seeded RNG a description asks for (docs/tx-format.md).

    Synthesized inputs and decoys draw from the same RNG first, then the builder draws.
    ``{"tx_out_index": N}`` inputs and candidates, and ``{"all_tx_outs": true}`` candidates,
    are TxOuts of ``ledger`` with their membership proofs.
    """
    from refimpl.account.keys import AccountKey
    from refimpl.crypto.chacha_rng import std_rng_from_seed
    from refimpl.crypto.ristretto import Scalar
    from refimpl.transaction.amount import Amount
    from refimpl.transaction.builder import (
        RING_SIZE,
        OutputRequest,
        OwnedInput,
        RingCandidate,
        TransactionBuilder,
    )
    from refimpl.transaction.tx import tx_out_from_protobuf

    doc = _object(doc, "the description")
    block_version = _u64(doc, "block_version")
    rng = std_rng_from_seed(parse_hex(_get(doc, "seed", str), SEED_LENGTH, "seed"))
    sender = sender_account(_object(_get(doc, "sender", dict), "sender"))
    inputs = []
    for item in _list(doc, "inputs"):
        entry = _object(item, "an input")
        index = _u64(entry, "subaddress_index", 0)
        if "tx_out_index" in entry:
            tx_out, proof = ledger_tx_out(_ledger(ledger, "an input"), entry)
            inputs.append(OwnedInput(tx_out, index, proof))
            continue
        if "tx_out" in entry:
            tx_out = tx_out_from_protobuf(parse_hex(_get(entry, "tx_out", str), what="tx_out"))
        else:
            tx_out = _synthesized_tx_out(entry, sender.subaddress(index), block_version, rng)
        inputs.append(OwnedInput(tx_out, index, _proof(entry)))
    candidates = []
    for item in _list(doc, "ring_candidates"):
        entry = _object(item, "a ring candidate")
        if "tx_out_index" in entry:
            candidates.append(RingCandidate(*ledger_tx_out(_ledger(ledger, "a candidate"), entry)))
            continue
        if entry.get("all_tx_outs") is True:
            snapshot = _ledger(ledger, "a candidate")
            candidates.extend(
                RingCandidate(*ledger_tx_out(snapshot, {"i": i}, "i"))
                for i in range(snapshot.num_tx_outs()))
            continue
        if "tx_out" in entry:
            tx_out = tx_out_from_protobuf(parse_hex(_get(entry, "tx_out", str), what="tx_out"))
            candidates.append(RingCandidate(tx_out, _proof(entry)))
            continue
        # {"synthesize": N, "value": V, "token_id": T}: N decoys to fresh random addresses.
        for _ in range(_u64(entry, "synthesize")):
            decoy = AccountKey(Scalar.random(rng), Scalar.random(rng)).default_subaddress()
            candidates.append(
                RingCandidate(_synthesized_tx_out(entry, decoy, block_version, rng))
            )
    outputs = []
    for item in _list(doc, "outputs"):
        entry = _object(item, "an output")
        payment_request_id = (
            _u64(entry, "payment_request_id") if "payment_request_id" in entry else None
        )
        outputs.append(
            OutputRequest(
                _recipient(entry.get("recipient")),
                Amount(_u64(entry, "value"), _u64(entry, "token_id", 0)),
                payment_request_id,
            )
        )
    memo_policy = _get(doc, "memo_policy", str, "rth")
    if memo_policy not in ("rth", "none"):
        raise _bad("memo_policy must be 'rth' or 'none'")
    builder = TransactionBuilder(
        block_version=block_version,
        sender=sender,
        inputs=inputs,
        ring_candidates=candidates,
        outputs=outputs,
        fee=_u64(doc, "fee"),
        tombstone_block=_u64(doc, "tombstone_block"),
        fee_token_id=_u64(doc, "fee_token_id", 0),
        ring_size=_u64(doc, "ring_size", RING_SIZE),
        memo_policy=memo_policy,
        fee_map_digest=parse_hex(_get(doc, "fee_map_digest", str, ""), what="fee map digest"),
    )
    return builder, rng


def build_from_description(doc: dict[str, Any], ledger: LedgerSnapshot | None = None) -> Tx:
    builder, rng = builder_from_description(doc, ledger)
    return builder.build(rng)


def summary_document(tx: Tx) -> dict[str, Any]:
    return {
        "tx": tx.to_protobuf().hex(),
        "tx_hash": tx.hash().hex(),
        "prefix_hash": tx.prefix.hash().hex(),
        "inputs": len(tx.prefix.inputs),
        "ring_size": len(tx.prefix.inputs[0].ring) if tx.prefix.inputs else 0,
        "outputs": len(tx.prefix.outputs),
        "fee": tx.prefix.fee,
        "fee_token_id": tx.prefix.fee_token_id,
        "tombstone_block": tx.prefix.tombstone_block,
        "key_images": [k.hex() for k in tx.key_images()],
        "output_public_keys": [k.hex() for k in tx.output_public_keys()],
    }


def _build(args: argparse.Namespace) -> int:
    from refimpl.cli.inputs import read_json

    doc = read_json(args.description)
    try:
        if args.ledger is None:
            tx = build_from_description(doc)
        else:
            with ledger_snapshot(args.ledger) as snapshot:
                tx = build_from_description(doc, snapshot)
    except RefImplError:
        raise
    except (TypeError, ValueError) as exc:  # a JSON value of an unexpected shape
        raise _bad(str(exc)) from exc
    encoded = tx.to_protobuf().hex()
    if args.out:
        try:
            Path(args.out).write_text(encoded + "\n", encoding="utf-8")
        except OSError as exc:
            raise CliError("cli.io", f"cannot write {args.out}: {exc.strerror}") from exc
    if args.json:
        print_json(summary_document(tx))
    elif not args.out:
        print(encoded)
    return 0
