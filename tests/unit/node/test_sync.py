"""Falling behind and catching up: network state, the sync state machine, catch-up.

refimpl/node/sync.py; MobileCoin ``ledger/sync/src/network_state/scp_network_state.rs``,
``consensus/service/src/byzantine_ledger/{ledger_sync_state,worker}.rs``,
``ledger/sync/src/ledger_sync/ledger_sync_service.rs``. Catch-up runs on real LMDB ledgers with
real payments, from archive files written by :class:`ArchiveWriter`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.scp.types import QuorumSet
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.node.archive import ArchiveBlock, ArchiveWriter, TxSources, block_path
from refimpl.node.sync import (
    MAX_BACKOFF_UNITS,
    InSync,
    IsBehind,
    MaybeBehind,
    NetworkState,
    State,
    SyncState,
    catch_up,
    identify_safe_blocks,
    is_blocking_and_quorum,
    pick_target,
)
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement
from tests.unit.ledger._wallets import create_ledger
from tests.unit.node._archive_fixtures import (
    LOCAL,
    ORIGIN,
    build_ledger,
    node_key,
    public,
    raises,
    signer,
)

A, B, C = "a:1", "b:2", "c:3"
TWO_OF_THREE = QuorumSet(2, (A, B, C))

# --- network state ------------------------------------------------------------------------------


def test_push_records_the_highest_externalized_slot_implied() -> None:
    state = NetworkState(LOCAL, TWO_OF_THREE)
    state.push(A, 5)                      # nominate/prepare/commit for 5: 4 externalized
    state.push(B, 5, externalized=True)   # externalize 5
    state.push(C, 0)                      # says nothing
    assert state.peer_to_current_slot() == {A: 4, B: 5}
    state.push(A, 3)                      # older: ignored
    state.push(B, 7)
    assert state.peer_to_current_slot() == {A: 4, B: 6}


def test_behind_needs_a_blocking_set_that_is_a_quorum() -> None:
    state = NetworkState(LOCAL, TWO_OF_THREE)
    assert state.is_behind(0)             # an empty ledger is always behind
    state.push(A, 10)
    assert state.peers_on_higher_slots(5) == {A}
    assert not state.is_behind(5)         # one peer of 2-of-3 neither blocks nor is a quorum
    state.push(B, 10)
    assert state.is_behind(5)
    assert not state.is_behind(10)        # both externalized 9 = our last block: in step
    assert state.is_behind(9)             # they externalized 9, we hold blocks 0..8
    assert state.highest_block_index_on_network() == 9


def test_blocking_without_quorum_and_quorum_without_blocking_are_not_behind() -> None:
    three_of_four = QuorumSet(3, (A, B, C, "d:4"))   # blocking: 2 members; quorum: 3
    assert is_blocking_and_quorum(LOCAL, three_of_four, {A, B}) is False
    assert is_blocking_and_quorum(LOCAL, three_of_four, {A, B, C}) is True
    one_of_three = QuorumSet(1, (A, B, C))            # quorum: 1 member; blocking: all 3
    assert is_blocking_and_quorum(LOCAL, one_of_three, {A}) is False
    assert is_blocking_and_quorum(LOCAL, one_of_three, {A, B, C}) is True
    nested = QuorumSet(2, (A, QuorumSet(2, (B, C, "d:4"))))
    assert is_blocking_and_quorum(LOCAL, nested, {A, B}) is False      # inner set not met
    assert is_blocking_and_quorum(LOCAL, nested, {A, B, C}) is True
    assert is_blocking_and_quorum(LOCAL, QuorumSet(0, ()), {A}) is False  # nothing blocks


# --- the state machine ------------------------------------------------------------------------


def current(sync: SyncState) -> State:
    return sync.state


def test_state_machine_transitions_with_explicit_times() -> None:
    sync = SyncState(grace_period_ms=500, backoff_unit_ms=100)
    assert sync.tick(False, 0).log_line() == "InSync --> InSync"
    step = sync.tick(True, 1_000)
    assert (step.log_line(), step.should_sync) == ("InSync --> MaybeBehind", False)
    assert current(sync) == MaybeBehind(1_000)
    assert not sync.tick(True, 1_500).changed          # exactly the grace period: still waiting
    step = sync.tick(True, 1_501)
    assert (step.log_line(), step.should_sync) == ("MaybeBehind --> IsBehind", True)
    assert sync.is_behind and current(sync) == IsBehind(0, 1_501)
    sync.sync_failed(1_502)
    assert current(sync) == IsBehind(1, 1_602)
    assert not sync.tick(True, 1_601).should_sync
    assert sync.tick(True, 1_602).should_sync
    sync.sync_failed(1_602)
    assert current(sync) == IsBehind(2, 1_802)            # min(attempts + 1, 60) units
    sync.sync_succeeded(1_700)
    assert current(sync) == IsBehind(0, 1_700)
    assert sync.tick(True, 1_700).should_sync
    step = sync.tick(False, 1_800)
    assert (step.log_line(), sync.is_behind) == ("IsBehind --> InSync", False)


def test_maybe_behind_returns_to_in_sync() -> None:
    sync = SyncState(grace_period_ms=500)
    sync.tick(True, 0)
    assert sync.tick(False, 100).log_line() == "MaybeBehind --> InSync"
    sync.tick(True, 200)
    sync.on_externalized()                              # a slot externalized: progress
    assert current(sync) == InSync()
    assert sync.tick(True, 10_000).after == "MaybeBehind"   # the grace period starts anew


def test_backoff_is_capped_and_sync_needs_is_behind() -> None:
    sync = SyncState(grace_period_ms=0, backoff_unit_ms=10)
    sync.tick(True, 0)
    sync.tick(True, 1)
    for _ in range(100):
        sync.sync_failed(1_000)
    assert current(sync) == IsBehind(100, 1_000 + MAX_BACKOFF_UNITS * 10)
    with raises("node.sync_bad_parameters"):
        SyncState().sync_failed(0)
    with raises("node.sync_bad_parameters"):
        SyncState(grace_period_ms=-1)


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 3_000),
                          st.sampled_from(["tick", "ok", "fail", "externalized"])), max_size=60))
def test_state_machine_never_takes_a_forbidden_transition(
    steps: list[tuple[bool, int, str]],
) -> None:
    """InSync never jumps to IsBehind and IsBehind never falls back to MaybeBehind
    (``worker.rs`` panics on both); the next attempt is never more than 60 units away."""
    sync = SyncState(grace_period_ms=1_000, backoff_unit_ms=10)
    now = 0
    for behind, elapsed, event in steps:
        now += elapsed
        before = sync.name
        if event == "tick":
            step = sync.tick(behind, now)
            assert (before, step.after) not in {("InSync", "IsBehind"),
                                                ("IsBehind", "MaybeBehind")}
            assert step.should_sync <= sync.is_behind
        elif event == "externalized" and not sync.is_behind:
            sync.on_externalized()
        elif sync.is_behind:
            (sync.sync_succeeded if event == "ok" else sync.sync_failed)(now)
            assert isinstance(sync.state, IsBehind)
            assert now <= sync.state.next_attempt_ms  # an attempt schedules the next one
        if isinstance(sync.state, IsBehind):
            # a due attempt the caller has not made yet stays due (it is in the past)
            assert sync.state.next_attempt_ms <= now + MAX_BACKOFF_UNITS * 10


# --- picking a target ---------------------------------------------------------------------------


def _chain(parent: Block, n: int, seed: bytes) -> list[Block]:
    """``n`` synthetic headers on ``parent`` (their contents are not kept)."""
    source = SyntheticSource(seed)
    out = []
    for _ in range(n):
        parent = Block.new_with_parent(3, parent, TxOutMembershipElement(), source.contents(1, 1))
        out.append(parent)
    return out


def test_the_highest_block_a_blocking_quorum_reports_is_picked() -> None:
    origin = Block.new_origin_block(ORIGIN)
    chain = _chain(origin, 5, b"main")
    fork = _chain(chain[1], 3, b"fork")
    # a has blocks 1..3, b 1..4, c 1..5: block 4 is the highest two peers report.
    headers = {A: chain[:3], B: chain[:4], C: chain}
    assert pick_target(headers, TWO_OF_THREE, LOCAL) == (4, chain[3].id)
    # b forks after block 2: only blocks 1 and 2 have two supporters.
    headers = {A: chain, B: chain[:2] + fork, C: []}
    assert pick_target(headers, TWO_OF_THREE, LOCAL) == (2, chain[1].id)
    # A single peer, however far ahead, is never a target.
    assert pick_target({C: chain}, TWO_OF_THREE, LOCAL) is None
    # For 3-of-4, a and b (blocking, not a quorum) at block 5 are not enough; all four at 2 are.
    three_of_four = QuorumSet(3, (A, B, C, "d:4"))
    headers = {A: chain, B: chain, C: chain[:2], "d:4": chain[:2]}
    assert pick_target(headers, three_of_four, LOCAL) == (2, chain[1].id)


# --- catching up on real ledgers ------------------------------------------------------------


PAYMENTS = 4


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LedgerStore, Path]]:
    """Ledger A (origin + 4 payment blocks) and its archive, with a:1's metadata."""
    root = tmp_path_factory.mktemp("network")
    store = build_ledger(root / "a", PAYMENTS)
    s = signer(A)
    ArchiveWriter(root / "archive").catch_up_from(store, lambda b: s.metadata_for(b.id))
    yield store, root / "archive"
    store.close()


@pytest.fixture
def behind(tmp_path: Path) -> Iterator[LedgerStore]:
    """A ledger holding only the shared origin block."""
    store = create_ledger(tmp_path / "b", ORIGIN)
    yield store
    store.close()


def headers_of(store: LedgerStore, start: int = 1) -> list[Block]:
    return [store.get_block(i) for i in range(start, store.num_blocks())]


def test_catch_up_from_an_archive_reaches_identical_block_ids(
    network: tuple[LedgerStore, Path], behind: LedgerStore,
) -> None:
    ahead, archive = network
    headers = headers_of(ahead)
    me = signer(LOCAL, QuorumSet(2, (A, B, C)))
    result = catch_up(behind, {A: headers, B: headers, C: headers[:1]}, TWO_OF_THREE, LOCAL,
                      TxSources([f"file://{archive}"]), metadata_signer=me)
    assert result.target == (PAYMENTS, ahead.get_block(PAYMENTS).id) and result.reached_target
    assert behind.num_blocks() == ahead.num_blocks() == result.num_blocks
    for i in range(ahead.num_blocks()):
        assert behind.get_block(i) == ahead.get_block(i)
        assert behind.get_block_contents(i) == ahead.get_block_contents(i)
    assert behind.root_hash() == ahead.root_hash()
    for i in range(1, ahead.num_blocks()):
        assert ahead.get_block_signature(i) is not None
        assert behind.get_block_signature(i) is None      # not formed by the local enclave
    assert [b.block.index for b in result.appended] == list(range(1, PAYMENTS + 1))
    for archive_block in result.appended:
        assert archive_block.signature is None
        assert archive_block.metadata is not None
        archive_block.metadata.verify()
        assert archive_block.metadata.node_key == public(node_key(LOCAL))
        assert archive_block.metadata.contents.responder_id == LOCAL
        assert archive_block.metadata.contents.block_id == archive_block.block.id
    with raises("node.sync_no_safe_blocks"):   # nothing left: no peer reports a next block
        catch_up(behind, {A: [], B: []}, TWO_OF_THREE, LOCAL, TxSources([f"file://{archive}"]))


def test_catch_up_in_chunks_passes_the_archive_metadata_through(
    network: tuple[LedgerStore, Path], behind: LedgerStore,
) -> None:
    ahead, archive = network
    sources = TxSources([f"file://{archive}"])
    first = catch_up(behind, {A: headers_of(ahead), B: headers_of(ahead)}, TWO_OF_THREE, LOCAL,
                     sources, max_blocks=3)
    assert first.target[0] == 3 and behind.num_blocks() == 4
    assert all(b.metadata is not None and b.metadata.contents.responder_id == A
               for b in first.appended)
    second = catch_up(behind, {A: headers_of(ahead, 4), B: headers_of(ahead, 4)},
                      TWO_OF_THREE, LOCAL, sources, max_blocks=3)
    assert [b.block.index for b in second.appended] == [4]
    assert behind.last_block() == ahead.last_block()


def test_catch_up_without_a_blocking_quorum_or_archive_data(
    network: tuple[LedgerStore, Path], behind: LedgerStore, tmp_path: Path,
) -> None:
    ahead, archive = network
    headers = headers_of(ahead)
    sources = TxSources([f"file://{archive}"])
    with raises("node.sync_no_safe_blocks"):
        catch_up(behind, {A: headers}, TWO_OF_THREE, LOCAL, sources)
    # A peer whose headers do not chain from our tip does not count.
    forged = [attrs.evolve(headers[0], cumulative_txo_count=1), *headers[1:]]
    with raises("node.sync_no_safe_blocks"):
        catch_up(behind, {A: headers, B: forged}, TWO_OF_THREE, LOCAL, sources)
    # Our own headers do not count either.
    with raises("node.sync_no_safe_blocks"):
        catch_up(behind, {A: headers, LOCAL: headers}, TWO_OF_THREE, LOCAL, sources)
    empty = tmp_path / "empty"
    empty.mkdir()
    with raises("node.sync_no_transaction_data"):
        catch_up(behind, {A: headers, B: headers}, TWO_OF_THREE, LOCAL,
                 TxSources([f"file://{empty}"]))
    assert behind.num_blocks() == 1


def test_a_forged_archive_file_stops_catch_up_before_it(
    network: tuple[LedgerStore, Path], behind: LedgerStore, tmp_path: Path,
) -> None:
    ahead, archive = network
    copy = tmp_path / "copy"
    for i in range(ahead.num_blocks()):
        (copy / block_path(i)).parent.mkdir(parents=True, exist_ok=True)
        (copy / block_path(i)).write_bytes((archive / block_path(i)).read_bytes())
    # Block 3's file holds block 2's contents under block 3's header: refused on reading.
    good = ArchiveBlock.decode((archive / block_path(3)).read_bytes())
    other = ArchiveBlock.decode((archive / block_path(2)).read_bytes())
    (copy / block_path(3)).write_bytes(attrs.evolve(good, contents=other.contents).encode())
    headers = headers_of(ahead)
    result = catch_up(behind, {A: headers, B: headers}, TWO_OF_THREE, LOCAL,
                      TxSources([f"file://{copy}"]))
    assert [b.block.index for b in result.appended] == [1, 2]
    assert not result.reached_target and behind.num_blocks() == 3


def test_identify_safe_blocks_cuts_at_the_first_unsafe_block(
    network: tuple[LedgerStore, Path], behind: LedgerStore,
) -> None:
    ahead, archive = network
    blocks = [ArchiveBlock.decode((archive / block_path(i)).read_bytes())
              for i in range(1, ahead.num_blocks())]
    assert identify_safe_blocks(behind, blocks) == blocks
    assert identify_safe_blocks(behind, blocks[1:]) == []                 # broken chain
    wrong_id = attrs.evolve(blocks[1], block=attrs.evolve(blocks[1].block, id=bytes(32)))
    assert identify_safe_blocks(behind, [blocks[0], wrong_id, *blocks[2:]]) == blocks[:1]
    wrong_contents = attrs.evolve(blocks[1], contents=blocks[2].contents)
    assert identify_safe_blocks(behind, [blocks[0], wrong_contents]) == blocks[:1]

    tip = behind.get_block(0)
    source = SyntheticSource(b"reuse")

    def child(parent: Block, key_images: tuple[KeyImage, ...]) -> ArchiveBlock:
        contents = BlockContents(key_images, (source.tx_out(),))
        return ArchiveBlock(
            Block.new_with_parent(3, parent, TxOutMembershipElement(), contents), contents
        )

    k1, k2 = source.key_image(), source.key_image()
    x1 = child(tip, (k1,))
    x2 = child(x1.block, (k2, k1))                 # reuses k1 within the batch
    assert identify_safe_blocks(behind, [x1, x2]) == [x1]
    assert identify_safe_blocks(behind, [child(tip, (k2, k2))]) == []   # twice in one block
    behind.append_block(blocks[0].block, blocks[0].contents)
    spent = blocks[0].contents.key_images[0]
    assert identify_safe_blocks(behind, [child(blocks[0].block, (spent,))]) == []


def test_catch_up_needs_an_origin_block(tmp_path: Path) -> None:
    with LedgerStore.create(tmp_path / "empty") as store:
        with raises("node.sync_empty_ledger"):
            catch_up(store, {}, TWO_OF_THREE, LOCAL, TxSources([f"file://{tmp_path}"]))
        with raises("node.sync_empty_ledger"):
            identify_safe_blocks(store, [])
