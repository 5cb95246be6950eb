"""The worker's catch-up driver: network state + sync state machine + catch-up over the wire.

MobileCoin ``byzantine_ledger/worker.rs`` (the sync part of ``tick``: ``is_behind`` from the
SCP network state, the ``InSync -> MaybeBehind -> IsBehind`` transitions, then
``attempt_ledger_sync`` with back-off) and ``ledger_sync_service.rs`` (headers from every peer
with ``BlockchainAPI/GetBlocks``, contents from the tx source URLs). The pieces are
:mod:`refimpl.node.sync`; this module does their I/O and publishes what it appended.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence

from refimpl.consensus.scp.msg import Externalize, Msg
from refimpl.consensus.scp.types import NodeID, QuorumSet
from refimpl.errors import RefImplError
from refimpl.ledger.block import Block
from refimpl.ledger.block_protobuf import block_from_protobuf
from refimpl.ledger.store import LedgerStore
from refimpl.node.archive import ArchiveBlock, TxSources
from refimpl.node.block_metadata import MetadataSigner
from refimpl.node.sync import DEFAULT_MAX_BLOCKS, NetworkState, SyncState, catch_up

log = logging.getLogger("mcref.node.sync")

#: Headers asked of each peer per attempt.
HEADERS_PER_ATTEMPT = DEFAULT_MAX_BLOCKS


class LedgerSyncDriver:
    """Implements the worker's ``Sync`` protocol."""

    def __init__(self, node_id: NodeID, quorum_set: QuorumSet, ledger: LedgerStore,
                 get_blocks: Mapping[NodeID, Callable[[int, int], Sequence[bytes]]],
                 sources: TxSources, metadata_signer: MetadataSigner | None,
                 on_appended: Callable[[ArchiveBlock], None],
                 on_transition: Callable[[str, str], None],
                 grace_period_ms: int, backoff_unit_ms: int) -> None:
        self.node_id = node_id
        self.quorum_set = quorum_set
        self.network = NetworkState(node_id, quorum_set)
        self.state = SyncState(grace_period_ms, backoff_unit_ms)
        self._ledger = ledger
        self._get_blocks = get_blocks
        self._sources = sources
        self._signer = metadata_signer
        self._on_appended = on_appended
        self._on_transition = on_transition

    def observe(self, msg: Msg) -> None:
        self.network.push(msg.sender, msg.slot_index,
                          externalized=isinstance(msg.topic, Externalize))

    def slot_externalized(self) -> None:
        self.state.on_externalized()

    def blocks_behind(self) -> int:
        highest = self.network.highest_block_index_on_network()
        return 0 if highest is None else max(0, highest + 1 - self._ledger.num_blocks())

    def step(self, now_s: float) -> bool:
        """One tick of the state machine; catches up when it says so. True while behind."""
        now_ms = int(now_s * 1000)
        transition = self.state.tick(self.network.is_behind(self._ledger.num_blocks()), now_ms)
        if transition.changed:
            log.info("%s --> %s", transition.before, transition.after)
            self._on_transition(transition.before, transition.after)
        if transition.should_sync:
            self._attempt(now_ms)
        return self.state.is_behind

    def _headers(self) -> dict[NodeID, list[Block]]:
        offset = self._ledger.num_blocks()
        out: dict[NodeID, list[Block]] = {}
        for peer, get_blocks in self._get_blocks.items():
            try:
                out[peer] = [block_from_protobuf(b)
                             for b in get_blocks(offset, HEADERS_PER_ATTEMPT)]
            except Exception as exc:  # noqa: BLE001 - a peer that fails is left out
                log.info("GetBlocks from %s failed: %s", peer, exc)
        return out

    def _attempt(self, now_ms: int) -> None:
        try:
            result = catch_up(self._ledger, self._headers(), self.quorum_set, self.node_id,
                              self._sources, metadata_signer=self._signer)
        except RefImplError as exc:
            log.warning("Could not sync ledger: %s", exc.one_line())
            self.state.sync_failed(int(time.time() * 1000))
            return
        for archive_block in result.appended:
            self._on_appended(archive_block)
        log.info("caught up %d blocks, now %d", len(result.appended), result.num_blocks)
        self.state.sync_succeeded(now_ms)
