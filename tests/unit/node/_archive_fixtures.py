"""Ledgers, keys and metadata shared by the archive, block-metadata and sync tests.

Ledgers hold real payments (built and applied with the ledger tests' wallet helpers) on the
deterministic origin of ``tests/unit/ledger/_wallets.py``, so two ledgers created from it share
their origin block and one can catch up from the other's archive.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from refimpl.consensus.scp.types import QuorumSet
from refimpl.enclave.evidence import Collateral, Evidence, ReportDataContents
from refimpl.errors import CODES, RefImplError
from refimpl.ledger.apply import apply_transactions
from refimpl.ledger.signature import sign
from refimpl.ledger.store import LedgerStore
from refimpl.node.block_metadata import MetadataSigner
from tests.unit.ledger._wallets import (
    BLOCK_VERSION,
    FEE_MAP,
    WALLETS,
    build_payment,
    create_ledger,
    origin_outputs,
    scan,
)
from tests.unit.transaction._txbuild import rng_from

ORIGIN = origin_outputs()
BLOCK_SIGNER = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
PEERS = ("a:1", "b:2", "c:3")
LOCAL = "local:0"


def node_key(responder_id: str) -> Ed25519PrivateKey:
    """A deterministic message-signing key per responder id."""
    return Ed25519PrivateKey.from_private_bytes(responder_id.encode().ljust(32, b"k")[:32])


def public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


NODE_KEYS = {rid: public(node_key(rid)) for rid in (*PEERS, LOCAL)}


def evidence(tag: int = 1) -> Evidence:
    """Evidence in DCAP's shape (its quote is not a real quote: metadata only carries it)."""
    collateral = Collateral((b"pck-crl-ca", b"root"), b"root-crl", b"pck-crl", (b"tcb-ca",),
                            b'{"tcbInfo":{}}', (b"qe-ca",), b'{"enclaveIdentity":{}}')
    report = ReportDataContents(bytes([tag]) * 16, bytes([tag]) * 32, bytes([tag + 1]) * 32)
    return Evidence(b"\x03\x00quote" + bytes([tag]), collateral, report)


def signer(responder_id: str = "a:1",
           quorum_set: QuorumSet | None = None) -> MetadataSigner:
    """A node's metadata signer: 2-of-the-other-two quorum set, keys of every node."""
    others = tuple(p for p in (*PEERS, LOCAL) if p != responder_id)[:2]
    return MetadataSigner(
        responder_id,
        QuorumSet(2, others) if quorum_set is None else quorum_set,
        NODE_KEYS,
        evidence(),
        node_key(responder_id),
    )


def build_ledger(path: Path, payments: int) -> LedgerStore:
    """The origin ledger plus ``payments`` blocks, each one real payment (wallet i pays
    wallet i+1), every block signed by :data:`BLOCK_SIGNER`."""
    store = create_ledger(path, ORIGIN)
    for i in range(payments):
        sender, recipient = WALLETS[i % 4], WALLETS[(i + 1) % 4]
        owned = next(o for o in scan(store, sender) if store.check_key_image(o.key_image) is None)
        tx = build_payment(store, sender, [owned], recipient.default_subaddress(), 1000 + i,
                           rng_from(f"archive-{i}"))
        result = apply_transactions(store, [tx], BLOCK_VERSION, FEE_MAP, rng_from("apply"),
                                    sign=lambda block: sign(block, BLOCK_SIGNER, 1_700_000_000))
        assert result.block is not None, result.rejected
    return store


@contextmanager
def raises(code: str) -> Iterator[None]:
    """The block raises a typed error with exactly ``code`` (a registered one)."""
    assert code in CODES
    with pytest.raises(RefImplError) as info:
        yield
    assert info.value.code == code, info.value
