"""Transactions against a local ledger: what ``tx build --ledger``, ``tx verify --ledger`` and
``ledger append`` share (docs/tx-format.md, "End to end").

* :func:`read_tx` reads the file ``mcref tx build --out`` writes: the ``Tx`` protobuf as one
  hex line (a JSON verify request's ``tx`` is accepted too).
* :func:`ledger_snapshot` opens a ledger directory read-only and yields one snapshot (one
  LMDB read transaction), every OS and LMDB failure a typed ``ledger.*`` error.
* :func:`ledger_tx_out` is a TxOut of that ledger with its membership proof, for a
  description's ``{"tx_out_index": N}`` inputs and ring candidates.
* :func:`add_rule_options` adds ``--block-version`` and ``--minimum-fee``: the ledger alone
  does not say which block version the next block is built at nor the fee map (a node's
  configuration does, refimpl/node/config.py); the defaults are the example's.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from refimpl.ledger.snapshot import LedgerSnapshot
    from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
    from refimpl.transaction.tx import Tx
    from refimpl.transaction.tx_out import TxOut

#: Block version ``tx verify --ledger`` and ``ledger append`` validate at unless told.
DEFAULT_BLOCK_VERSION = 3
#: MobileCoin's MOB minimum fee (refimpl/node/config.py ``MOB_MINIMUM_FEE``).
DEFAULT_MINIMUM_FEE = 400_000_000


def add_rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--block-version", type=int, default=DEFAULT_BLOCK_VERSION, metavar="N",
                        help="block version of the block being built")
    parser.add_argument("--minimum-fee", type=int, default=DEFAULT_MINIMUM_FEE, metavar="N",
                        help="minimum fee of the fee token (picoMOB for MOB)")


def read_tx(path: str | Path) -> Tx:
    """The transaction in a ``tx build --out`` file (hex) or a verify request (JSON)."""
    from refimpl.cli.inputs import read_text
    from refimpl.codec import parse_hex
    from refimpl.errors import EncodingError
    from refimpl.safe_json import loads
    from refimpl.transaction.tx import Tx

    text = read_text(path).strip()
    if text.startswith("{"):
        document = loads(text, str(path))
        if not isinstance(document, dict) or not isinstance(document.get("tx"), str):
            raise EncodingError("encoding.bad_json", f"{path}: no \"tx\" hex string")
        text = document["tx"]
    return Tx.from_protobuf(parse_hex(text, what=f"{path}: the transaction"))


@contextmanager
def ledger_snapshot(directory: str | Path) -> Iterator[LedgerSnapshot]:
    """One read-only snapshot of the ledger in ``directory``."""
    from refimpl.ledger.env import typed_errors
    from refimpl.ledger.store import LedgerStore

    with typed_errors(Path(directory), "read the ledger"):
        with LedgerStore.open(directory, read_only=True) as store, store.snapshot() as snap:
            yield snap


def ledger_tx_out(snapshot: LedgerSnapshot, entry: dict[str, Any], key: str = "tx_out_index"
                  ) -> tuple[TxOut, TxOutMembershipProof]:
    """TxOut ``entry[key]`` of the ledger and its proof against the ledger's current root."""
    from refimpl.errors import TxError

    index = entry.get(key)
    count = snapshot.num_tx_outs()
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
        raise TxError("tx.builder_bad_description",
                      f"{key} must be the index of one of the ledger's {count} TxOuts")
    return snapshot.get_tx_out(index), snapshot.get_membership_proof(index)
