"""The ledger context a transaction is validated in, and its JSON form.

``validate`` (MobileCoin ``transaction/core/src/validation/validate.rs``) takes, besides
the transaction, the index of the block being built, the block version, the untrusted root
proofs (for each ring member's proof, the ledger's current proof of the TxOut at that proof's
``highest_index``: ``get_tx_out_proof_of_memberships(highest_indices)``) and the minimum fee.

JSON form (used by ``mcref tx verify`` and conformance/vectors/transaction/transactions.json;
docs/tx-format.md)::

    {"currentBlockIndex": 100, "blockVersion": 3, "minimumFee": 400000000,
     "rootProofs": ["<TxOutMembershipProof protobuf hex>", ...]}

A verify request is ``{"tx": "<Tx protobuf hex>", "context": {...}}``. Malformed documents
raise ``encoding.bad_json`` (or the ``encoding.*`` error of a bad hex or protobuf field).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from refimpl.codec import parse_hex
from refimpl.crypto.pedersen import U64_MAX
from refimpl.errors import EncodingError
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.tx import Tx


@attrs.frozen
class LedgerContext:
    """What ``validate`` needs of the ledger besides the transaction."""

    current_block_index: int
    block_version: int
    root_proofs: tuple[TxOutMembershipProof, ...]
    minimum_fee: int

    def to_json(self) -> dict[str, object]:
        return {
            "currentBlockIndex": self.current_block_index,
            "blockVersion": self.block_version,
            "minimumFee": self.minimum_fee,
            "rootProofs": [p.to_protobuf().hex() for p in self.root_proofs],
        }

    @classmethod
    def from_json(cls, doc: object) -> LedgerContext:
        obj = _object(doc, "context")
        proofs = obj.get("rootProofs")
        if not isinstance(proofs, list):
            raise _bad("context.rootProofs must be a list of hex strings")
        return cls(
            current_block_index=_u64(obj, "currentBlockIndex"),
            block_version=_u64(obj, "blockVersion"),
            root_proofs=tuple(
                TxOutMembershipProof.from_protobuf(_hex(p, "context.rootProofs[]"))
                for p in proofs
            ),
            minimum_fee=_u64(obj, "minimumFee"),
        )


@attrs.frozen
class VerifyRequest:
    """A transaction and its context: the file ``mcref tx verify`` reads."""

    tx: Tx
    context: LedgerContext

    def to_json(self) -> dict[str, object]:
        return {"tx": self.tx.to_protobuf().hex(), "context": self.context.to_json()}

    @classmethod
    def from_json(cls, doc: object) -> VerifyRequest:
        obj = _object(doc, "request")
        return cls(
            Tx.from_protobuf(_hex(obj.get("tx"), "tx")),
            LedgerContext.from_json(obj.get("context")),
        )


def _bad(message: str) -> EncodingError:
    return EncodingError("encoding.bad_json", message)


def _object(doc: object, what: str) -> Mapping[str, object]:
    if not isinstance(doc, dict):
        raise _bad(f"{what} must be a JSON object")
    return doc


def _u64(obj: Mapping[str, object], key: str) -> int:
    value = obj.get(key)
    if isinstance(value, str) and value.isdigit():
        value = int(value)  # big integers may come as decimal strings
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= U64_MAX:
        raise _bad(f"context.{key} must be an integer in 0..2^64-1")
    return value


def _hex(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise _bad(f"{what} must be a hex string")
    return parse_hex(value, what=what)
