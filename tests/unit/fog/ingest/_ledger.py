"""Node ledgers for the ingest tests: blocks whose outputs carry real fog hints.

Outputs to fog recipients seal the recipient's default-subaddress view key to the ingest
enclave's ingress key (``EncryptedFogHint.encrypt``, as a sender's transaction builder does);
the other outputs are :class:`SyntheticSource` outputs (zero hints: users without fog). Blocks
are signed with ``signed_at`` = :data:`BASE_TIMESTAMP` + index. LMDB allows one environment per
path and process: a test appends while no reader of its own is open, or appends from a child
process (:func:`append_in_child`) while an ingest server reads.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from refimpl.account.keys import AccountKey
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.fog.api import ingest_common_pb2
from refimpl.fog.block_source import BlockSource
from refimpl.fog.ingest.controller import IngestController
from refimpl.fog.kex_rng import VersionedKexRng
from refimpl.fog.records import decrypt_tx_out_record
from refimpl.fog.recovery_db import SqlRecoveryDb
from refimpl.fog.types import RngRecord
from refimpl.ledger.block import BlockContents
from refimpl.ledger.block_protobuf import block_contents_from_protobuf, block_contents_to_protobuf
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.tx_out import TxOut
from tests.unit.fog._shared import BASE_TIMESTAMP as BASE_TIMESTAMP  # the ingest tests read it
from tests.unit.fog._shared import append_signed, run_python

ORIGIN_OUTPUTS = 3
FOG_URL = "insecure-fog://127.0.0.1:3225/"


def recipient(i: int) -> AccountKey:
    """Fog user ``i``."""
    return AccountKey.from_root_entropy(bytes([i]) * 32, FOG_URL)


def fog_output(ingress: Point, account: AccountKey, value: int, seed: int) -> TxOut:
    """An output to ``account`` whose hint names it to ``ingress``."""
    rng = std_rng_from_seed(seed.to_bytes(32, "little"))
    address = account.default_subaddress()
    hint = EncryptedFogHint.encrypt(rng, ingress, address.view_public)
    return TxOut.new(0, Amount(value), address, Scalar.random(rng), hint)


def contents(src: SyntheticSource, fog: Sequence[TxOut], others: int = 1) -> BlockContents:
    """A block's contents: ``fog`` outputs plus ``others`` synthetic ones, one key image,
    sorted as consensus sorts them."""
    outputs = sorted([*fog, *(src.tx_out() for _ in range(others))],
                     key=lambda o: o.public_key.to_bytes())
    return BlockContents((src.key_image(),), tuple(outputs))


def create_ledger(path: Path, seed: bytes = b"origin") -> None:
    """A closed ledger holding only an origin block."""
    with LedgerStore.create(path) as store:
        origin = SyntheticSource(seed).contents(ORIGIN_OUTPUTS, 0)
        append_signed(store, [origin])


def append_blocks(path: Path, blocks: Sequence[BlockContents]) -> None:
    """Append in this process (no other handle on the ledger may be open)."""
    with LedgerStore.open(path) as store:
        append_signed(store, blocks)


_APPENDER = """
import sys
from pathlib import Path
from tests.unit.fog.ingest._ledger import append_blocks, read_blocks
append_blocks(Path(sys.argv[1]), read_blocks(Path(sys.argv[2])))
"""


def write_blocks(path: Path, blocks: Sequence[BlockContents]) -> None:
    with path.open("wb") as f:
        for c in blocks:
            data = block_contents_to_protobuf(c)
            f.write(len(data).to_bytes(4, "little") + data)


def read_blocks(path: Path) -> list[BlockContents]:
    data = path.read_bytes()
    out, pos = [], 0
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "little")
        out.append(block_contents_from_protobuf(data[pos + 4:pos + 4 + n]))
        pos += 4 + n
    return out


def append_in_child(path: Path, blocks: Sequence[BlockContents], timeout_s: float = 60) -> None:
    """Append from another process, as the node does while fog reads its ledger."""
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "blocks.bin"
        write_blocks(plan, blocks)
        run_python(_APPENDER, str(path), str(plan), timeout_s=timeout_s)


def run_blocks(controller: IngestController, ledger: Path, upto: int) -> None:
    """Feed the controller every block up to ``upto`` (exclusive) from the ledger."""
    source = BlockSource(ledger)
    try:
        while True:
            index, idle = controller.next_block_index()
            if idle or index >= upto:
                return
            controller.process_next_block(source.block_data(index))
    finally:
        source.close()


def activate_on(controller: IngestController, ledger: Path) -> ingest_common_pb2.IngestSummary:
    source = BlockSource(ledger)
    try:
        return controller.activate(source.num_blocks())
    finally:
        source.close()


def find_outputs(db: SqlRecoveryDb, account: AccountKey, limit: int = 16
                 ) -> list[tuple[int, int, TxOut]]:
    """What a fog client finds: for every RNG of the user events, the records its search keys
    hit, opened: (block index, global index, TxOut) in search order."""
    events, _ = db.search_user_events(0)
    view = account.subaddress_view_private(0)
    found = []
    for event in events:
        if not isinstance(event, RngRecord):
            continue
        rng = VersionedKexRng.from_kex_pubkey(event.pubkey, view)
        keys = rng.peek_ahead(limit)
        for result in db.get_tx_outs(event.start_block, keys):
            if result.result_code != 1:
                continue
            record = decrypt_tx_out_record(view, result.payload)
            tx_out = record.get_fog_tx_out().try_recover_tx_out(account.view_private)
            found.append((record.block_index, record.tx_out_global_index, tx_out))
    return found


