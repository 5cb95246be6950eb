"""The LMDB ledger store: append/lookup round trips, every append rejection (typed, nothing
written), proofs equal the in-memory tree's, reopening, and telling a ledger from anything else
(MobileCoin ledger/db/src/{ledger_db,tx_out_store}.rs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import lmdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refimpl.errors import LedgerError, RefImplError
from refimpl.ledger.block import Block, BlockContents, compute_block_id
from refimpl.ledger.signature import BlockSignature, sign, signing_key_from_bytes
from refimpl.ledger.store import ALL_DBS, DB_COUNTS, NUM_BLOCKS_KEY, LedgerStore, be64
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.transaction.membership_proofs.merkle import MerkleTree, is_membership_proof_valid
from refimpl.transaction.membership_proofs.types import Range, TxOutMembershipElement

KEY = signing_key_from_bytes(bytes(range(1, 33)))


def rebuilt(block: Block, **changes: Any) -> Block:
    """The block with some header fields changed and a VALID id for the new fields."""
    b = attrs.evolve(block, **changes)
    return attrs.evolve(b, id=compute_block_id(
        b.version, b.parent_id, b.index, b.cumulative_txo_count, b.root_element,
        b.contents_hash))


def dump(store: LedgerStore) -> dict[bytes, list[tuple[bytes, bytes]]]:
    """Every key/value of every database: the whole stored state."""
    env = store._env
    out = {}
    with env.begin() as txn:
        for name in ALL_DBS:
            out[name] = [(bytes(k), bytes(v)) for k, v in txn.cursor(db=store._dbs[name])]
    return out


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LedgerStore]:
    with LedgerStore.create(tmp_path / "ledger") as s:
        yield s


def grow(store: LedgerStore, src: SyntheticSource, sizes: list[int],
         tree: MerkleTree | None = None, signed: bool = True) -> list[tuple[Block, BlockContents]]:
    appended = []
    for n in sizes:
        contents = src.contents(n, 0 if store.num_blocks() == 0 else 2)
        block = store.block_for(contents)
        store.append_block(block, contents, sign(block, KEY) if signed else None)
        appended.append((block, contents))
        if tree is not None:
            for out in contents.outputs:
                tree.append(out)
    return appended


def test_round_trip_lookups(store: LedgerStore) -> None:
    src = SyntheticSource(b"round-trip")
    appended = grow(store, src, [3, 2, 4])
    assert store.num_blocks() == 3
    assert store.num_tx_outs() == 9
    index = 0
    for i, (block, contents) in enumerate(appended):
        assert store.get_block(i) == block
        assert store.get_block_contents(i) == contents
        sig = store.get_block_signature(i)
        assert sig is not None and sig.signer == sign(block, KEY).signer
        for ki in contents.key_images:
            assert store.check_key_image(ki) == i
        for out in contents.outputs:
            assert store.get_tx_out(index) == out
            assert store.get_tx_out_index_by_public_key(out.public_key.to_bytes()) == index
            assert store.get_tx_out_index_by_hash(out.hash()) == index
            assert store.get_block_index_by_tx_out_index(index) == i
            index += 1
    assert store.last_block() == appended[-1][0]
    assert store.check_key_image(src.key_image()) is None
    assert store.get_tx_out_index_by_public_key(src.point().to_bytes()) is None
    assert store.get_tx_out_index_by_hash(bytes(32)) is None


def test_unsigned_blocks_have_no_signature(store: LedgerStore) -> None:
    grow(store, SyntheticSource(b"u"), [1, 1], signed=False)
    assert store.get_block_signature(1) is None


def test_lookups_out_of_range_are_typed(store: LedgerStore) -> None:
    assert store.last_block() is None
    grow(store, SyntheticSource(b"oob"), [2])
    for call, code in [
        (lambda: store.get_block(1), "ledger.block_index_out_of_bounds"),
        (lambda: store.get_block_contents(1), "ledger.block_index_out_of_bounds"),
        (lambda: store.get_block_signature(1), "ledger.block_index_out_of_bounds"),
        (lambda: store.get_tx_out(2), "ledger.tx_out_index_out_of_bounds"),
        (lambda: store.get_block_index_by_tx_out_index(2), "ledger.tx_out_index_out_of_bounds"),
        (lambda: store.get_membership_proof(2), "ledger.tx_out_index_out_of_bounds"),
    ]:
        with pytest.raises(LedgerError) as e:
            call()
        assert e.value.code == code


def test_proofs_equal_the_in_memory_tree_at_many_sizes(store: LedgerStore) -> None:
    """Blocks of 1..7 outputs take the ledger through sizes 1..~60, crossing powers of two;
    after each append every proof equals the MerkleTree's and verifies against the root."""
    src = SyntheticSource(b"proofs")
    tree = MerkleTree()
    for n in [1, 1, 2, 3, 1, 7, 5, 4, 1, 6, 2, 3, 7, 7, 6]:
        grow(store, src, [n], tree)
        assert store.root_hash() == tree.root_hash()
        assert store.root_element() == tree.root_element()
        root = store.root_hash()
        proofs = store.get_membership_proofs(range(store.num_tx_outs()))
        for i, proof in enumerate(proofs):
            assert proof == tree.proof(i)
            assert store.get_membership_proof(i) == proof
            assert is_membership_proof_valid(store.get_tx_out(i), proof, root)


def test_reopen_after_close_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    with LedgerStore.create(path) as s:
        appended = grow(s, SyntheticSource(b"reopen"), [2, 3])
        before = dump(s)
        root = s.root_hash()
    with pytest.raises(LedgerError) as e:
        s.num_blocks()
    assert e.value.code == "ledger.closed"
    with LedgerStore.open(path) as s:
        assert dump(s) == before
        assert s.root_hash() == root
        grow(s, SyntheticSource(b"reopen-2"), [1])
        assert s.num_blocks() == 3
    with LedgerStore.open(path, read_only=True) as s:
        assert s.get_block(1) == appended[1][0]
        with pytest.raises(LedgerError) as e:
            grow(s, SyntheticSource(b"x"), [1])
        assert e.value.code == "ledger.read_only"


# --- append rejections ---------------------------------------------------------------------------


def expect_rejection(store: LedgerStore, code: str, block: Block, contents: BlockContents,
                     signature: BlockSignature | None = None) -> None:
    before = dump(store)
    with pytest.raises(LedgerError) as e:
        store.append_block(block, contents, signature)
    assert e.value.code == code, e.value.message
    assert dump(store) == before


def test_origin_rejections(store: LedgerStore) -> None:
    src = SyntheticSource(b"origin")
    contents = src.contents(2, 0)
    origin = store.block_for(contents)
    expect_rejection(store, "ledger.bad_origin_block", rebuilt(origin, index=1), contents)
    expect_rejection(store, "ledger.bad_origin_block", rebuilt(origin, version=1), contents)
    expect_rejection(store, "ledger.bad_origin_block", rebuilt(origin, parent_id=b"\1" * 32),
                     contents)
    odd_root = TxOutMembershipElement(Range(0, 0), b"\7" * 32)
    expect_rejection(store, "ledger.bad_root_element", rebuilt(origin, root_element=odd_root),
                     contents)
    empty = BlockContents()
    expect_rejection(store, "ledger.no_outputs", Block.new_origin_block(()), empty)
    store.append_block(origin, contents)
    assert store.num_blocks() == 1


def test_child_rejections(store: LedgerStore) -> None:
    src = SyntheticSource(b"child")
    (origin, origin_contents), (first, first_contents) = grow(store, src, [3, 2])
    contents = src.contents(2, 2)
    good = store.block_for(contents)
    stale_root = store.block_for(contents)  # same root; make a stale one from before `first`
    stale_root = rebuilt(good, root_element=first.root_element)
    expect_rejection(store, "ledger.bad_root_element", stale_root, contents)
    expect_rejection(store, "ledger.bad_block_index", rebuilt(good, index=3), contents)
    expect_rejection(store, "ledger.bad_block_index", rebuilt(good, index=1), contents)
    expect_rejection(store, "ledger.bad_parent_id", rebuilt(good, parent_id=origin.id), contents)
    expect_rejection(store, "ledger.bad_block_version", rebuilt(good, version=5), contents)
    expect_rejection(store, "ledger.bad_block_id", attrs.evolve(good, id=b"\2" * 32), contents)
    expect_rejection(store, "ledger.bad_cumulative_txo_count",
                     rebuilt(good, cumulative_txo_count=good.cumulative_txo_count + 1), contents)
    # contents that do not hash to contents_hash
    other = src.contents(2, 2)
    expect_rejection(store, "ledger.contents_hash_mismatch", good, other)
    # no key images / no outputs
    no_ki = BlockContents((), contents.outputs)
    expect_rejection(store, "ledger.no_key_images", store.block_for(no_ki), no_ki)
    no_out = BlockContents(contents.key_images, ())
    expect_rejection(store, "ledger.no_outputs", store.block_for(no_out), no_out)
    # a spent key image, a key image twice in the block
    spent = BlockContents((first_contents.key_images[0],), contents.outputs)
    expect_rejection(store, "ledger.key_image_spent", store.block_for(spent), spent)
    twice = BlockContents((contents.key_images[0],) * 2, contents.outputs)
    expect_rejection(store, "ledger.duplicate_key_image", store.block_for(twice), twice)
    # an output public key already in the ledger, or twice in the block
    old_key = attrs.evolve(contents.outputs[0], public_key=origin_contents.outputs[1].public_key)
    reused = BlockContents(contents.key_images, (old_key,))
    expect_rejection(store, "ledger.duplicate_output_public_key", store.block_for(reused), reused)
    dup = BlockContents(contents.key_images, (contents.outputs[0],) * 2)
    expect_rejection(store, "ledger.duplicate_output_public_key", store.block_for(dup), dup)
    # an output without a masked amount
    bare = BlockContents(contents.key_images, (attrs.evolve(contents.outputs[0],
                                                            masked_amount=None),))
    expect_rejection(store, "ledger.missing_masked_amount", store.block_for(bare), bare)
    # a signature of another block, a small-order signer
    expect_rejection(store, "ledger.bad_block_signature", good, contents, sign(first, KEY))
    weak = BlockSignature((1).to_bytes(32, "little") + bytes(32), (1).to_bytes(32, "little"))
    expect_rejection(store, "ledger.weak_signer_key", good, contents, weak)
    # and the good block still appends after all that
    store.append_block(good, contents, sign(good, KEY))
    assert store.num_blocks() == 3


def test_version_is_monotone_up_to_max(store: LedgerStore) -> None:
    src = SyntheticSource(b"versions")
    grow(store, src, [1])
    for version in (1, 3, 3, 4):
        contents = src.contents(1, 1)
        store.append_block(store.block_for(contents, version), contents)
    contents = src.contents(1, 1)
    lower = store.block_for(contents, 4)
    expect_rejection(store, "ledger.bad_block_version", rebuilt(lower, version=2), contents)


FIELDS = ["id", "version", "parent_id", "index", "cumulative_txo_count", "root_element",
          "contents_hash"]


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), data=st.data())
def test_any_tampered_header_is_rejected_typed(store: LedgerStore, field: str,
                                               data: st.DataObject) -> None:
    src = SyntheticSource(b"tamper")
    if store.num_blocks() == 0:
        grow(store, src, [2, 2])
    contents = src.contents(1, 1)
    good = store.block_for(contents)
    if field == "root_element":
        value: Any = TxOutMembershipElement(
            Range(0, data.draw(st.integers(0, 2**64 - 1))), data.draw(st.binary(min_size=32,
                                                                                max_size=32)))
    elif field in ("id", "parent_id", "contents_hash"):
        value = data.draw(st.binary(min_size=32, max_size=32))
    else:
        value = data.draw(st.integers(0, 2**32 - 1))
    if value == getattr(good, field):
        return
    tampered = attrs.evolve(good, **{field: value})
    if data.draw(st.booleans()) and field != "id":
        tampered = rebuilt(tampered)
    before = dump(store)
    with pytest.raises(RefImplError) as e:
        store.append_block(tampered, contents)
    assert isinstance(e.value, LedgerError)
    assert dump(store) == before


# --- telling a ledger from anything else --------------------------------------------------------


def test_open_what_is_not_a_ledger(tmp_path: Path) -> None:
    def code_of(path: Path) -> str:
        with pytest.raises(LedgerError) as e:
            LedgerStore.open(path)
        return e.value.code

    assert code_of(tmp_path / "missing") == "ledger.not_a_ledger"
    (tmp_path / "empty").mkdir()
    assert code_of(tmp_path / "empty") == "ledger.not_a_ledger"
    assert not (tmp_path / "empty" / "data.mdb").exists()  # open never creates
    (tmp_path / "file").write_text("x")
    assert code_of(tmp_path / "file") == "ledger.not_a_ledger"
    other = tmp_path / "other-lmdb"
    env = lmdb.open(str(other), max_dbs=2)
    with env.begin(write=True) as txn:
        txn.put(b"k", b"v")
    env.close()
    assert code_of(other) == "ledger.not_a_ledger"
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "data.mdb").write_bytes(b"\xff" * 8192)
    assert code_of(garbage) == "ledger.bad_meta_page"  # refused before LMDB maps the file


def test_create_refuses_an_existing_ledger(tmp_path: Path) -> None:
    LedgerStore.create(tmp_path / "l").close()
    with pytest.raises(LedgerError) as e:
        LedgerStore.create(tmp_path / "l")
    assert e.value.code == "ledger.already_exists"


def test_counts_that_disagree_mean_corrupted(tmp_path: Path) -> None:
    path = tmp_path / "l"
    with LedgerStore.create(path) as s:
        grow(s, SyntheticSource(b"c"), [2, 2])
        env, db = s._env, s._dbs[DB_COUNTS]
        with env.begin(write=True) as txn:
            txn.put(NUM_BLOCKS_KEY, be64(5), db=db)
    with pytest.raises(LedgerError) as e:
        LedgerStore.open(path)
    assert e.value.code == "ledger.corrupted"


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(-(2**70), 2**70), key=st.binary(max_size=40))
def test_lookups_with_any_input_are_typed(store: LedgerStore, index: int, key: bytes) -> None:
    if store.num_blocks() == 0:
        grow(store, SyntheticSource(b"lookups"), [3, 2])
    for call in (store.get_block, store.get_block_contents, store.get_block_signature,
                 store.get_tx_out, store.get_block_index_by_tx_out_index,
                 store.get_membership_proof):
        try:
            call(index)
        except RefImplError as exc:
            assert isinstance(exc, LedgerError)
        else:
            assert 0 <= index < 5
    for lookup in (store.get_tx_out_index_by_public_key, store.get_tx_out_index_by_hash):
        assert lookup(key) is None or len(key) == 32


def test_real_outputs_of_every_block_version_round_trip(store: LedgerStore) -> None:
    """TxOut.new at versions 0..4 (memos from v1, masked token ids from v2, MaskedAmountV2
    from v3) is stored as protobuf and read back equal, hash and all."""
    from refimpl.account.keys import AccountKey
    from refimpl.crypto.ristretto import Scalar
    from refimpl.transaction.amount import Amount
    from refimpl.transaction.fog_hint import EncryptedFogHint
    from refimpl.transaction.tx_out import TxOut

    recipient = AccountKey.from_root_entropy(bytes(range(32))).default_subaddress()
    src = SyntheticSource(b"versions-real")
    written = []
    for version in range(5):
        out = TxOut.new(version, Amount(1000 + version, 0 if version < 2 else 7), recipient,
                        Scalar(101 + version), EncryptedFogHint.zero())
        contents = BlockContents(() if version == 0 else (src.key_image(),), (out,))
        store.append_block(store.block_for(contents, version), contents)
        written.append(out)
    for index, out in enumerate(written):
        stored = store.get_tx_out(index)
        assert stored == out and stored.hash() == out.hash()
        assert store.get_block(index).version == index
