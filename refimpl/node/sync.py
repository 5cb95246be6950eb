"""Falling behind and catching up: network state, the sync state machine, ledger catch-up.

MobileCoin sources mirrored:

* ``ledger/sync/src/network_state/scp_network_state.rs`` — :class:`NetworkState`: each peer's
  highest externalized slot implied by its latest SCP message, and ``is_blocking_and_quorum``;
* ``consensus/service/src/byzantine_ledger/ledger_sync_state.rs`` and ``worker.rs``
  (``tick``, ``next_sync_state``, ``sync_next_blocks``) — :class:`SyncState`;
* ``ledger/sync/src/ledger_sync/ledger_sync_service.rs`` (``get_potentially_safe_blocks``,
  ``group_by_block``, ``verify_block_ids``, ``get_block_contents``, ``identify_safe_blocks``,
  ``append_safe_blocks``) — :func:`pick_target`, :func:`identify_safe_blocks`,
  :func:`catch_up`.

Everything here is sans-I/O except :func:`catch_up`, which reads archive files through
:class:`refimpl.node.archive.TxSources` and appends to a :class:`LedgerStore`. Time is passed in
as integer milliseconds; nothing sleeps.

"Blocking and quorum" for a set ``S`` of peers uses :mod:`refimpl.consensus.scp.quorum`: ``S``
is v-blocking for the local quorum set, and ``S`` with the local node contains a quorum when
every peer of ``S`` is taken as satisfied (MobileCoin builds the same test from messages with
empty quorum sets). MobileCoin's greedy quorum search and the complete one agree here, since a
peer with an empty quorum set never needs anyone.

Blocks appended by catch-up carry **no block signature**, as in MobileCoin: the local enclave
did not form them, and MobileCoin leaves propagating a downloaded signature as a TODO (it would
need the signer's attestation checked). The archive's signature was verified on decoding
(:meth:`ArchiveBlock.check`) but is not stored. Metadata is re-made and signed by this node when
a :class:`MetadataSigner` is given, else the archive's (verified) metadata is passed through;
the ledger store keeps no metadata, so it is returned in :class:`CatchUpResult` for the
caller to publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from refimpl.consensus.scp.quorum import find_quorum, is_v_blocking
from refimpl.consensus.scp.types import NodeID, QuorumSet
from refimpl.errors import LedgerError, NodeError
from refimpl.ledger.block import Block, compute_block_id
from refimpl.ledger.store import LedgerStore
from refimpl.node.archive import ArchiveBlock, TxSources
from refimpl.node.block_metadata import MetadataSigner

#: ``IS_BEHIND_GRACE_PERIOD`` (``byzantine_ledger/mod.rs``): 10 s.
IS_BEHIND_GRACE_PERIOD_MS = 10_000
#: The unit of the capped linear back-off between failed attempts (``worker.rs``: seconds).
BACKOFF_UNIT_MS = 1_000
#: Back-off is ``min(attempts + 1, MAX_BACKOFF_UNITS)`` units.
MAX_BACKOFF_UNITS = 60
#: Blocks fetched per attempt (``sync_next_blocks(100)``).
DEFAULT_MAX_BLOCKS = 100

_EMPTY_QSET = QuorumSet(0, ())


def is_blocking_and_quorum(local_node_id: NodeID, quorum_set: QuorumSet,
                           peers: Iterable[NodeID]) -> bool:
    """``SCPNetworkState::is_blocking_and_quorum``: ``peers`` block the local node and, with
    it, contain a quorum of its quorum set."""
    supporters = frozenset(peers) - {local_node_id}
    if not is_v_blocking(quorum_set, supporters):
        return False
    empty = {peer: _EMPTY_QSET for peer in supporters}
    return find_quorum(local_node_id, quorum_set, empty, supporters) is not None


class NetworkState:
    """``SCPNetworkState``: the highest slot each peer has (implicitly) externalized."""

    def __init__(self, local_node_id: NodeID, quorum_set: QuorumSet) -> None:
        self.local_node_id = local_node_id
        self.quorum_set = quorum_set
        self._slots: dict[NodeID, int] = {}

    def push(self, sender: NodeID, slot_index: int, *, externalized: bool = False) -> None:
        """Record an SCP message of ``sender`` for ``slot_index``. An Externalize message
        (``externalized``) says the sender externalized ``slot_index``; any other says it
        externalized ``slot_index - 1``. Only increases are kept; a non-externalize message
        for slot 0 says nothing."""
        implied = slot_index if externalized else slot_index - 1
        if implied < 0:
            return
        if implied > self._slots.get(sender, -1):
            self._slots[sender] = implied

    def peer_to_current_slot(self) -> Mapping[NodeID, int]:
        return dict(self._slots)

    def is_blocking_and_quorum(self, peers: Iterable[NodeID]) -> bool:
        return is_blocking_and_quorum(self.local_node_id, self.quorum_set, peers)

    def peers_on_higher_slots(self, local_num_blocks: int) -> frozenset[NodeID]:
        """The peers that externalized a slot past the local last block ``num_blocks - 1``."""
        return frozenset(p for p, s in self._slots.items() if s > local_num_blocks - 1)

    def is_behind(self, local_num_blocks: int) -> bool:
        """``LedgerSyncService::is_behind``: an empty ledger is behind; otherwise the peers on
        a slot past the local last block form a blocking set and a quorum."""
        if local_num_blocks == 0:
            return True
        return self.is_blocking_and_quorum(self.peers_on_higher_slots(local_num_blocks))

    def highest_block_index_on_network(self) -> int | None:
        """``highest_block_index_on_network``: the highest slot that the peers at or above it
        agree on (blocking and quorum), or None."""
        for slot in sorted(set(self._slots.values()), reverse=True):
            if self.is_blocking_and_quorum(p for p, s in self._slots.items() if s >= slot):
                return slot
        return None


# --- the sync state machine -------------------------------------------------------------------


@attrs.frozen
class InSync:
    """The ledger keeps up with the network."""

    name = "InSync"


@attrs.frozen
class MaybeBehind:
    """Behind since ``since_ms``; waiting out the grace period in case SCP catches up."""

    since_ms: int
    name = "MaybeBehind"


@attrs.frozen
class IsBehind:
    """Catching up: ``attempts`` failed attempts so far, the next one due at
    ``next_attempt_ms``."""

    attempts: int
    next_attempt_ms: int
    name = "IsBehind"


State = InSync | MaybeBehind | IsBehind


@attrs.frozen
class Transition:
    """What one :meth:`SyncState.tick` did: the state names before and after, and whether the
    caller should attempt a catch-up now."""

    before: str
    after: str
    should_sync: bool

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def log_line(self) -> str:
        """``"InSync --> MaybeBehind"`` as MobileCoin's worker logs it."""
        return f"{self.before} --> {self.after}"


class SyncState:
    """``LedgerSyncState`` with the transitions of ``worker.rs``.

    ``grace_period_ms`` (MobileCoin 10 s) and ``backoff_unit_ms`` (MobileCoin 1 s) are
    parameters so that tests and local networks can run faster.
    """

    def __init__(self, grace_period_ms: int = IS_BEHIND_GRACE_PERIOD_MS,
                 backoff_unit_ms: int = BACKOFF_UNIT_MS) -> None:
        if grace_period_ms < 0 or backoff_unit_ms < 0:
            raise NodeError("node.sync_bad_parameters", "sync periods must not be negative")
        self.grace_period_ms = grace_period_ms
        self.backoff_unit_ms = backoff_unit_ms
        self.state: State = InSync()

    @property
    def name(self) -> str:
        return self.state.name

    @property
    def is_behind(self) -> bool:
        """True in ``IsBehind``: the client API then answers UNAVAILABLE."""
        return isinstance(self.state, IsBehind)

    def tick(self, behind: bool, now_ms: int) -> Transition:
        """Advance with ``behind`` (:meth:`NetworkState.is_behind` now): not behind -> InSync;
        InSync -> MaybeBehind(now); MaybeBehind -> IsBehind once more than the grace period
        has passed (sync at once); IsBehind stays, and says to sync when its time has come."""
        before = self.state
        if not behind:
            self.state = InSync()
        elif isinstance(before, InSync):
            self.state = MaybeBehind(now_ms)
        elif isinstance(before, MaybeBehind):
            if now_ms - before.since_ms > self.grace_period_ms:
                self.state = IsBehind(0, now_ms)
        should_sync = isinstance(self.state, IsBehind) and (
            isinstance(before, MaybeBehind) or now_ms >= self.state.next_attempt_ms
        )
        return Transition(before.name, self.state.name, should_sync)

    def on_externalized(self) -> None:
        """A slot externalized (``complete_current_slot``): progress, so back to InSync."""
        self.state = InSync()

    def _attempts(self) -> int:
        if not isinstance(self.state, IsBehind):
            raise NodeError("node.sync_bad_parameters", f"no sync attempt in {self.name}")
        return self.state.attempts

    def sync_succeeded(self, now_ms: int) -> None:
        """A chunk was appended: stay IsBehind, next attempt at once, attempts reset."""
        self._attempts()
        self.state = IsBehind(0, now_ms)

    def sync_failed(self, now_ms: int) -> None:
        """An attempt failed: back off ``min(attempts + 1, 60)`` units."""
        attempts = self._attempts()
        delay = min(attempts + 1, MAX_BACKOFF_UNITS) * self.backoff_unit_ms
        self.state = IsBehind(attempts + 1, now_ms + delay)


# --- catching up ------------------------------------------------------------------------------


def verify_headers(tip: Block, headers: Sequence[Block]) -> bool:
    """``verify_block_ids``: each header's parent is the one before (the first's is ``tip``)
    and each id matches its header."""
    previous = tip
    for block in headers:
        if block.parent_id != previous.id or not block.is_block_id_valid():
            return False
        previous = block
    return True


def group_by_block(headers_by_peer: Mapping[NodeID, Sequence[Block]]
                   ) -> dict[tuple[int, bytes], frozenset[NodeID]]:
    """``group_by_block``: the peers that reported each ``(index, block id)``."""
    groups: dict[tuple[int, bytes], set[NodeID]] = {}
    for peer, blocks in headers_by_peer.items():
        for block in blocks:
            groups.setdefault((block.index, block.id), set()).add(peer)
    return {key: frozenset(peers) for key, peers in groups.items()}


def pick_target(headers_by_peer: Mapping[NodeID, Sequence[Block]], quorum_set: QuorumSet,
                local_node_id: NodeID) -> tuple[int, bytes] | None:
    """From the highest index down, the first ``(index, block id)`` whose reporting peers are
    a blocking set and a quorum (at one index, ids are tried in byte order), or None."""
    groups = group_by_block(headers_by_peer)
    for key in sorted(groups, key=lambda k: (-k[0], k[1])):
        if is_blocking_and_quorum(local_node_id, quorum_set, groups[key]):
            return key
    return None


def identify_safe_blocks(ledger: LedgerStore, archive_blocks: Sequence[ArchiveBlock]
                         ) -> list[ArchiveBlock]:
    """``identify_safe_blocks``: the longest prefix of ``archive_blocks`` that chains from the
    ledger's last block, whose ids recompute from the header and the contents, whose contents
    hash matches, and that spends no key image twice (against the ledger or earlier in the
    batch)."""
    last = ledger.last_block()
    if last is None:
        raise NodeError("node.sync_empty_ledger", "the local ledger holds no origin block")
    safe: list[ArchiveBlock] = []
    seen: set[bytes] = set()
    for archive_block in archive_blocks:
        block, contents = archive_block.block, archive_block.contents
        if block.parent_id != last.id:
            break
        contents_hash = contents.hash()
        if contents_hash != block.contents_hash:
            break
        derived = compute_block_id(block.version, block.parent_id, block.index,
                                   block.cumulative_txo_count, block.root_element, contents_hash)
        if derived != block.id:
            break
        images = [ki.to_bytes() for ki in contents.key_images]
        if any(ki in seen for ki in images) or len(set(images)) != len(images):
            break
        if any(ledger.check_key_image(ki) is not None for ki in contents.key_images):
            break
        seen.update(images)
        safe.append(archive_block)
        last = block
    return safe


@attrs.frozen
class CatchUpResult:
    """What :func:`catch_up` appended (without signatures, with the metadata chosen), the
    target it aimed at, and whether the ledger reached it."""

    appended: tuple[ArchiveBlock, ...]
    target: tuple[int, bytes]
    num_blocks: int

    @property
    def reached_target(self) -> bool:
        return self.num_blocks > self.target[0]


def catch_up(
    ledger: LedgerStore,
    headers_by_peer: Mapping[NodeID, Sequence[Block]],
    quorum_set: QuorumSet,
    node_id: NodeID,
    sources: TxSources,
    max_blocks: int = DEFAULT_MAX_BLOCKS,
    metadata_signer: MetadataSigner | None = None,
) -> CatchUpResult:
    """``attempt_ledger_sync``: append up to ``max_blocks`` safe blocks towards the target.

    ``headers_by_peer`` are the headers each peer returned for ``GetBlocks(offset=num_blocks,
    limit)``; a peer whose headers do not chain from the local last block is ignored. Raises
    ``node.sync_no_safe_blocks`` (no target; or, unlike MobileCoin, which then appends nothing
    and reports success, none of the fetched blocks is safe), ``node.sync_no_transaction_data``
    (no source had the first block), ``node.sync_append_refused`` (the store refused a block;
    the blocks before it stay appended, each append being atomic).
    """
    if max_blocks < 1:
        raise NodeError("node.sync_bad_parameters", "max_blocks must be at least 1")
    tip = ledger.last_block()
    if tip is None:
        raise NodeError("node.sync_empty_ledger", "the local ledger holds no origin block")
    window = {
        peer: list(blocks[:max_blocks]) for peer, blocks in headers_by_peer.items()
        if peer != node_id
    }
    chained = {peer: blocks for peer, blocks in window.items()
               if blocks and verify_headers(tip, blocks)}
    target = pick_target(chained, quorum_set, node_id)
    if target is None:
        raise NodeError("node.sync_no_safe_blocks",
                        f"no block past {tip.index} is reported by a blocking set and quorum")
    index, block_id = target
    supporter = min(p for p, blocks in chained.items()
                    if any(b.index == index and b.id == block_id for b in blocks))
    headers = [b for b in chained[supporter] if b.index <= index]
    fetched: list[ArchiveBlock] = []
    failure: NodeError | None = None
    for header in headers:
        try:
            fetched.append(sources.fetch(header.index, expected=header))
        except NodeError as exc:
            failure = exc
            break
    if not fetched:
        reason = "" if failure is None else f": {failure.code}: {failure.message}"
        raise NodeError("node.sync_no_transaction_data",
                        f"identified {len(headers)} safe blocks but got no contents{reason}")
    safe = identify_safe_blocks(ledger, fetched)
    if not safe:
        raise NodeError("node.sync_no_safe_blocks",
                        f"none of the {len(fetched)} fetched blocks is safe to append")
    appended = []
    for archive_block in safe:
        block = archive_block.block
        try:
            ledger.append_block(block, archive_block.contents, None)
        except LedgerError as exc:
            raise NodeError("node.sync_append_refused",
                            f"block {block.index}: {exc.code}: {exc.message}") from None
        metadata = (archive_block.metadata if metadata_signer is None
                    else metadata_signer.metadata_for(block.id))
        appended.append(ArchiveBlock(block, archive_block.contents, None, metadata))
    return CatchUpResult(tuple(appended), target, ledger.num_blocks())
