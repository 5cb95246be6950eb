"""Test data for fog view: deterministic keys, records and block headers, and a writer that plays
fog ingest against a recovery database (so the view reads what ingest would have written)."""

from __future__ import annotations

import hashlib

from refimpl.fog.recovery_db import IngestInvocationId, RecoveryDb
from refimpl.fog.recovery_db.types import IngressPublicKeyRecord, IngressPublicKeyStatus
from refimpl.fog.types import ETxOutRecord, KexRngPubkey
from refimpl.ledger.block import Block
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement

SGX_SEED = bytes(range(32))
RECORDS_PER_BLOCK = 3


def h(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def ingress_key(n: int) -> bytes:
    return h(f"view test ingress {n}")


def search_key(key: int, block: int, i: int) -> bytes:
    return h(f"search key {key}/{block}/{i}")[:16]


def record(key: int, block: int, i: int) -> ETxOutRecord:
    """A record with a payload of 60..239 bytes (lengths vary, as encrypted records do)."""
    length = 60 + (key * 37 + block * 11 + i * 7) % 180
    payload = (h(f"payload {key}/{block}/{i}") * 8)[:length]
    return ETxOutRecord(search_key(key, block, i), payload)


def block_records(key: int, block: int) -> list[ETxOutRecord]:
    return [record(key, block, i) for i in range(RECORDS_PER_BLOCK)]


def block(index: int) -> Block:
    """A block header; its cumulative TxOut count is ``10 * (index + 1)``."""
    return Block(h(f"block {index}"), 3, h(f"block {index - 1}"), index, 10 * (index + 1),
                 TxOutMembershipElement(), h(f"contents {index}"))


def timestamp(index: int) -> int:
    return 1_700_000_000 + index


class Ingest:
    """Writes what fog ingest would: ingress keys, invocations, blocks of records."""

    def __init__(self, db: RecoveryDb) -> None:
        self.db = db
        self.invocations: dict[int, IngestInvocationId] = {}

    def start_key(self, key: int, start_block: int) -> None:
        self.db.new_ingress_key(ingress_key(key), start_block)
        self.invocations[key] = self.db.new_ingest_invocation(
            None, ingress_key(key), KexRngPubkey(h(f"egress {key}"), 0), start_block)

    def blocks(self, key: int, indices: range) -> None:
        for index in indices:
            self.db.add_block_data(self.invocations[key], block(index), timestamp(index),
                                   block_records(key, index))


def key_record(n: int, start: int, *, last_scanned: int | None = None, expiry: int = 0,
               retired: bool = False, lost: bool = False) -> IngressPublicKeyRecord:
    """An ingress key record as the database reports it."""
    return IngressPublicKeyRecord(
        ingress_key(n), IngressPublicKeyStatus(start, expiry, retired, lost), last_scanned)

