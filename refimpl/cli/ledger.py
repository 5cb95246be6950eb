"""``mcref ledger init|show|verify|append``: a ledger directory on LMDB.

``mcref ledger init DIR [--accounts N] [--seed S] [--json]``: a new ledger whose signed origin
block pays N deterministic demo accounts (refimpl/ledger/origin.py).

``mcref ledger show DIR [--block N] [--json]``: the chain (one line per block), or one block with
its signature, key images and outputs, all read from one snapshot (one LMDB read transaction),
so a process appending meanwhile is never half-seen.

``mcref ledger verify DIR [--json]``: re-check every block, every index and the tip journal in
one snapshot (refimpl/ledger/verify.py ``verify_path``); exit 0 when the ledger is sound, 1
naming the first fault: ``FAIL: block N: error[CODE]: ...`` (e.g. ``ledger.rollback`` names
the first block the database lost), or without ``block N`` for a fault of the database set or
the journal file as a whole. Both work on a ledger in a read-only directory
(refimpl/ledger/env.py opens it without LMDB's lock file).

A directory that is not a ledger, a damaged one, and every filesystem or LMDB failure (a path
under a file, a dangling symbolic link, permission denied, a read-only filesystem, a full disk)
are a one-line ``error[CODE]`` with exit 2 (refimpl/ledger/env.py ``filesystem_error``). Each
command reads and writes the whole ledger first and prints afterwards. See docs/ledger.md;
MobileCoin's counterpart is ``ledger/db/src/ledger_db.rs`` with the ``mc-ledger-db`` tools.
``mcref ledger append DIR TX.hex``: refimpl/cli/ledger_append.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refimpl.cli.inputs import input_path
from refimpl.cli.output import print_json, print_table
from refimpl.errors import CliError
from refimpl.ledger.demo_seed import DEFAULT_SEED

if TYPE_CHECKING:
    from refimpl.ledger.block import Block, BlockContents
    from refimpl.ledger.signature import BlockSignature
    from refimpl.ledger.snapshot import LedgerSnapshot

MAX_DEMO_ACCOUNTS = 1000


def register(sub: Any) -> None:
    parser = sub.add_parser("ledger", help="create, inspect and verify an LMDB ledger")
    inner = parser.add_subparsers(dest="ledger_command", required=True)
    init = inner.add_parser("init", help="a new ledger with a signed origin block")
    init.add_argument("dir", metavar="DIR")
    init.add_argument("--accounts", type=int, default=3, metavar="N",
                      help=f"demo accounts paid by the origin block (1..{MAX_DEMO_ACCOUNTS})")
    init.add_argument("--seed", default=DEFAULT_SEED.decode(), metavar="S",
                      help="text from which accounts, outputs and the signer key derive")
    init.add_argument("--json", action="store_true")
    init.set_defaults(handler=_init)
    show = inner.add_parser("show", help="the blocks of a ledger, or one block")
    show.add_argument("dir", metavar="DIR", type=input_path)
    show.add_argument("--block", type=int, metavar="N", help="show block N in full")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)
    verify = inner.add_parser("verify", help="re-check every block; exit 1 on the first bad one")
    verify.add_argument("dir", metavar="DIR", type=input_path)
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_verify)
    from refimpl.cli.ledger_append import register_append

    register_append(inner)


def _init(args: argparse.Namespace) -> int:
    from refimpl.account import b58
    from refimpl.ledger.env import typed_errors
    from refimpl.ledger.origin import (
        DEMO_VALUE,
        demo_accounts,
        demo_block_signer,
        demo_root_entropy,
        origin_block,
        origin_contents,
    )
    from refimpl.ledger.signature import sign
    from refimpl.ledger.store import LedgerStore

    if not 1 <= args.accounts <= MAX_DEMO_ACCOUNTS:
        raise CliError("cli.usage", f"--accounts must be in 1..{MAX_DEMO_ACCOUNTS}")
    seed = args.seed.encode()
    accounts = demo_accounts(seed, args.accounts)
    contents = origin_contents(seed, accounts)
    block = origin_block(contents)
    signature = sign(block, demo_block_signer(seed))
    with typed_errors(Path(args.dir), "create the ledger"):
        with LedgerStore.create(args.dir) as store:
            store.append_block(block, contents, signature)
    document: dict[str, Any] = {
        "ledger": str(args.dir),
        "origin_block_id": block.id.hex(),
        "signer": signature.signer.hex(),
        "accounts": [
            {
                "index": i,
                "root_entropy": demo_root_entropy(seed, i).hex(),
                "address": b58.encode_public_address(account.default_subaddress()),
                "value": DEMO_VALUE,
                "tx_out_index": i,
            }
            for i, account in enumerate(accounts)
        ],
    }
    if args.json:
        print_json(document)
    else:
        print(f"ledger {args.dir}: origin block {block.id.hex()} signed by "
              f"{signature.signer.hex()}")
        print_table(["account", "root entropy", "value (picoMOB)"],
                    [[a["index"], a["root_entropy"], a["value"]]
                     for a in document["accounts"]])
    return 0


def _block_row(block: Block, contents: BlockContents, signature: BlockSignature | None
               ) -> dict[str, Any]:
    return {
        "index": block.index,
        "id": block.id.hex(),
        "version": block.version,
        "parent_id": block.parent_id.hex(),
        "cumulative_txo_count": block.cumulative_txo_count,
        "root_element": {
            "from": block.root_element.range.from_,
            "to": block.root_element.range.to,
            "hash": block.root_element.hash.hex(),
        },
        "contents_hash": block.contents_hash.hex(),
        "key_images": len(contents.key_images),
        "outputs": len(contents.outputs),
        "signer": None if signature is None else signature.signer.hex(),
    }


def _chain_document(store: LedgerSnapshot) -> dict[str, Any]:
    n = store.num_blocks()
    return {
        "num_blocks": n,
        "num_tx_outs": store.num_tx_outs(),
        "root_hash": store.root_hash().hex(),
        "blocks": [
            _block_row(store.get_block(i), store.get_block_contents(i),
                       store.get_block_signature(i))
            for i in range(n)
        ],
    }


def _block_document(store: LedgerSnapshot, index: int) -> dict[str, Any]:
    block = store.get_block(index)
    contents = store.get_block_contents(index)
    signature = store.get_block_signature(index)
    first = block.cumulative_txo_count - len(contents.outputs)
    document = _block_row(block, contents, signature)
    document["signature"] = None if signature is None else {
        "signature": signature.signature.hex(),
        "signer": signature.signer.hex(),
        "signed_at": signature.signed_at,
    }
    document["key_images"] = [ki.to_bytes().hex() for ki in contents.key_images]
    document["outputs"] = [
        {"tx_out_index": first + k, "public_key": out.public_key.to_bytes().hex(),
         "target_key": out.target_key.to_bytes().hex()}
        for k, out in enumerate(contents.outputs)
    ]
    return document


def _show(args: argparse.Namespace) -> int:
    from refimpl.ledger.env import typed_errors
    from refimpl.ledger.store import LedgerStore

    with typed_errors(Path(args.dir), "read the ledger"):
        with LedgerStore.open(args.dir, read_only=True) as store, store.snapshot() as snap:
            if args.block is not None:
                document = _block_document(snap, args.block)
            else:
                document = _chain_document(snap)
    if args.json:
        print_json(document)
    elif args.block is not None:
        _print_block(document)
    else:
        _print_chain(document)
    return 0


def _print_chain(summary: dict[str, Any]) -> None:
    rows = summary["blocks"]
    print(f"{summary['num_blocks']} blocks, {summary['num_tx_outs']} TxOuts, "
          f"root {summary['root_hash']}")
    print_table(["block", "id", "version", "key images", "outputs", "txos", "signed"],
                [[r["index"], r["id"][:16], r["version"], r["key_images"], r["outputs"],
                  r["cumulative_txo_count"], "yes" if r["signer"] else "no"] for r in rows])


def _print_block(document: dict[str, Any]) -> None:
    for key in ("index", "id", "version", "parent_id", "cumulative_txo_count", "contents_hash"):
        print(f"{key}: {document[key]}")
    root = document["root_element"]
    print(f"root_element: [{root['from']}, {root['to']}] {root['hash']}")
    print(f"signer: {document['signer'] or '(unsigned)'}")
    print(f"key images ({len(document['key_images'])}):")
    for ki in document["key_images"]:
        print(f"  {ki}")
    print(f"outputs ({len(document['outputs'])}):")
    print_table(["tx_out_index", "public_key"],
                [[o["tx_out_index"], o["public_key"]] for o in document["outputs"]])


def _verify(args: argparse.Namespace) -> int:
    from refimpl.ledger.env import typed_errors
    from refimpl.ledger.verify import verify_path

    with typed_errors(Path(args.dir), "verify the ledger"):
        report = verify_path(args.dir)
    fault = report.fault
    if args.json:
        print_json({
            "ok": report.ok,
            "num_blocks": report.num_blocks,
            "num_tx_outs": report.num_tx_outs,
            "signed_blocks": report.signed_blocks,
            "journal_records": report.journal_records,
            "first_bad_block": None if fault is None else {
                "index": fault.index, "code": fault.code, "message": fault.message},
        })
    elif fault is None:
        print(f"ok: {report.num_blocks} blocks, {report.num_tx_outs} TxOuts, "
              f"{report.signed_blocks} signed, {report.journal_records} tip-journal records")
    else:
        where = "" if fault.index is None else f"block {fault.index}: "
        print(f"FAIL: {where}error[{fault.code}]: {fault.message}")
    return 0 if fault is None else 1
