"""Ledger distribution: ArchiveBlock files, the atomic writer, file:// transaction sources.

refimpl/node/archive.py; MobileCoin ``ledger/distribution/src/main.rs``,
``api/src/convert/{mod,archive_block}.rs``, ``ledger/sync/src/reqwest_transactions_fetcher.rs``.
Blocks come from a real LMDB ledger holding real payments (``_archive_fixtures``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.errors import CODES, RefImplError
from refimpl.ledger.block import BlockContents
from refimpl.ledger.signature import sign
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.node.archive import (
    ArchiveBlock,
    ArchiveWriter,
    TxSource,
    TxSources,
    block_path,
    decode_archive_blocks,
    encode_archive_blocks,
    merged_block_path,
)
from tests.unit.node._archive_fixtures import (
    build_ledger,
    node_key,
    raises,
    signer,
)

PAYMENTS = 3


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerStore]:
    store = build_ledger(tmp_path_factory.mktemp("ledger") / "a", PAYMENTS)
    yield store
    store.close()


def archive_blocks(ledger: LedgerStore) -> list[ArchiveBlock]:
    """Every block of the ledger with its stored signature and node a:1's metadata."""
    s = signer()
    return [
        ArchiveBlock(ledger.get_block(i), ledger.get_block_contents(i),
                     ledger.get_block_signature(i), s.metadata_for(ledger.get_block(i).id))
        for i in range(ledger.num_blocks())
    ]


def published(tmp_path: Path, ledger: LedgerStore) -> Path:
    directory = tmp_path / "archive"
    s = signer()
    written = ArchiveWriter(directory).catch_up_from(ledger, lambda b: s.metadata_for(b.id))
    assert written == list(range(ledger.num_blocks()))
    return directory


# --- paths and encoding ----------------------------------------------------------------------


def test_paths_follow_mobilecoins_layout() -> None:
    assert block_path(1) == PurePosixPath("00/00/00/00/00/00/00/0000000000000001.pb")
    assert block_path(0x1A2B_3C4E_5A6B_7C8D) == PurePosixPath(
        "1a/2b/3c/4e/5a/6b/7c/1a2b3c4e5a6b7c8d.pb"
    )
    assert merged_block_path(100, 200) == PurePosixPath(
        "merged-100/00/00/00/00/00/00/00/00000000000000c8.pb"
    )
    with raises("node.archive_missing_block"):
        block_path(-1)


def test_archive_blocks_round_trip_with_signature_and_metadata(ledger: LedgerStore) -> None:
    blocks = archive_blocks(ledger)
    assert blocks[0].signature is None and all(b.signature for b in blocks[1:])
    for archive_block in blocks:
        raw = archive_block.encode()
        assert [f.tag for f in pb.parse_fields(raw)] == [1]
        v1 = pb.parse_fields(pb.Fields(raw).get_message(1) or b"")
        expected_tags = [1, 2, 4] if archive_block.signature is None else [1, 2, 3, 4]
        assert [f.tag for f in v1] == expected_tags
        assert ArchiveBlock.decode(raw) == archive_block
    merged = encode_archive_blocks(blocks)
    assert decode_archive_blocks(merged) == tuple(blocks)


def test_forged_contents_headers_signatures_and_metadata_are_refused(
    ledger: LedgerStore,
) -> None:
    good = archive_blocks(ledger)[2]
    other = archive_blocks(ledger)[1]
    assert good.metadata is not None
    source = SyntheticSource(b"forger")
    extra = BlockContents(good.contents.key_images, (*good.contents.outputs, source.tx_out()))
    forged = [
        attrs.evolve(good, contents=extra),                                  # contents hash
        attrs.evolve(good, contents=other.contents),                         # contents hash
        attrs.evolve(good, block=attrs.evolve(good.block, cumulative_txo_count=1)),  # block id
        attrs.evolve(good, signature=other.signature),                       # signature
        attrs.evolve(good, signature=sign(good.block, node_key("x:1"))),     # verifies: kept
        attrs.evolve(good, metadata=other.metadata),                         # names block 1
        attrs.evolve(good, metadata=attrs.evolve(                            # bad signature
            good.metadata, signature=bytes(64))),
    ]
    for i, archive_block in enumerate(forged):
        raw = archive_block.encode()
        if i == 4:  # any valid signature decodes; MobileCoin does not trust it either
            assert ArchiveBlock.decode(raw) == archive_block
            continue
        with raises("node.archive_bad_block"):
            ArchiveBlock.decode(raw)


def test_merged_blocks_must_chain(ledger: LedgerStore) -> None:
    blocks = archive_blocks(ledger)
    with raises("node.archive_bad_block"):
        decode_archive_blocks(encode_archive_blocks([blocks[0], blocks[2]]))


# --- writing and reading files ------------------------------------------------------------------


def test_writer_and_file_source(tmp_path: Path, ledger: LedgerStore) -> None:
    directory = published(tmp_path, ledger)
    assert (directory / "00/00/00/00/00/00/00/0000000000000002.pb").is_file()
    assert not list(directory.rglob("*.tmp-*"))
    source = TxSource.from_url(f"file://{directory}")
    for i, expected in enumerate(archive_blocks(ledger)):
        assert source.fetch(i) == expected
        assert source.fetch(i, expected=expected.block) == expected
    with raises("node.archive_bad_block"):
        source.fetch(2, expected=ledger.get_block(1))
    with raises("node.archive_missing_block"):
        source.fetch(ledger.num_blocks())
    # A file holding another block than its path names.
    (directory / block_path(7)).parent.mkdir(parents=True, exist_ok=True)
    (directory / block_path(7)).write_bytes((directory / block_path(1)).read_bytes())
    with raises("node.archive_bad_block"):
        source.fetch(7)


def test_truncated_files_are_refused(tmp_path: Path, ledger: LedgerStore) -> None:
    directory = published(tmp_path, ledger)
    path = directory / block_path(1)
    raw = path.read_bytes()
    source = TxSource.from_url(f"file://{directory}")
    for cut in (0, 1, len(raw) // 3, len(raw) // 2, len(raw) - 1):
        path.write_bytes(raw[:cut])
        with raises("node.archive_bad_block"):
            source.fetch(1)


def test_round_robin_over_sources_falls_through(tmp_path: Path, ledger: LedgerStore) -> None:
    good = published(tmp_path, ledger)
    empty = tmp_path / "empty"
    empty.mkdir()
    broken = tmp_path / "broken"
    broken_file = broken / block_path(1)
    broken_file.parent.mkdir(parents=True)
    broken_file.write_bytes(b"\x0a\x03abc")
    sources = TxSources([f"file://{empty}", f"file://{broken}", f"file://{good}"])
    for _ in range(4):  # every starting point reaches the good source
        assert sources.fetch(1).block == ledger.get_block(1)
    with raises("node.archive_bad_block"):
        TxSources([f"file://{empty}", f"file://{broken}"]).fetch(1)
    with raises("node.archive_missing_block"):
        TxSources([f"file://{empty}"]).fetch(1)


@pytest.mark.parametrize(("url", "code"), [
    ("https://example.com/archive/", "node.archive_unsupported_url"),
    ("http://127.0.0.1:8080/", "node.archive_unsupported_url"),
    ("s3://bucket/path", "node.archive_unsupported_url"),
    ("file://host/abs", "node.archive_bad_url"),
    ("file:relative/dir", "node.archive_bad_url"),
    ("file:///abs?x=1", "node.archive_bad_url"),
    ("/just/a/path", "node.archive_bad_url"),
    ("ftp://x/y", "node.archive_bad_url"),
])
def test_bad_and_unsupported_urls(url: str, code: str) -> None:
    with raises(code):
        TxSource.from_url(url)


def test_no_sources_is_refused() -> None:
    with raises("node.archive_bad_url"):
        TxSources([])


def test_file_urls_accept_localhost_and_escapes(tmp_path: Path) -> None:
    d = tmp_path / "with space"
    assert TxSource.from_url(f"file://localhost{d}").directory == d
    assert TxSource.from_url("file:///a%20b/").directory == Path("/a b")


# --- merged files --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerStore]:
    """Origin plus 24 synthetic blocks (structurally valid, nobody's outputs)."""
    store = LedgerStore.create(tmp_path_factory.mktemp("long") / "l")
    source = SyntheticSource(b"long")
    origin = source.contents(3, 0)
    store.append_block(store.block_for(origin), origin)
    for _ in range(24):
        contents = source.contents(1, 1)
        store.append_block(store.block_for(contents), contents)
    yield store
    store.close()


def test_merged_files_are_written_per_full_bucket_and_read_first(
    tmp_path: Path, long_ledger: LedgerStore,
) -> None:
    directory = tmp_path / "archive"
    writer = ArchiveWriter(directory, merge_buckets=(10,))
    written = writer.catch_up_from(long_ledger)
    assert written == list(range(25))
    merged = sorted(p.relative_to(directory).as_posix() for p in directory.glob("merged-*/**/*.pb"))
    assert merged == [merged_block_path(10, 0).as_posix(), merged_block_path(10, 10).as_posix()]
    blocks = decode_archive_blocks((directory / merged_block_path(10, 10)).read_bytes())
    assert [b.block for b in blocks] == [long_ledger.get_block(i) for i in range(10, 20)]
    # Once block 10 is read from the merged file, 11..19 come from the cache: their own files
    # are not needed.
    for i in range(11, 20):
        (directory / block_path(i)).unlink()
    source = TxSource(f"file://{directory}", directory, buckets=(10,))
    assert source.fetch(10).block == long_ledger.get_block(10)
    assert [source.fetch(i).block for i in range(11, 20)] == [
        long_ledger.get_block(i) for i in range(11, 20)
    ]
    with raises("node.archive_missing_block"):
        source.fetch(11)  # the cache hands each block out once, as MobileCoin's does


def test_catch_up_from_republishes_only_what_is_missing(
    tmp_path: Path, long_ledger: LedgerStore,
) -> None:
    directory = tmp_path / "archive"
    writer = ArchiveWriter(directory, merge_buckets=(10,))
    writer.catch_up_from(long_ledger)
    before = {p: p.stat().st_mtime_ns for p in directory.rglob("*.pb")}
    for i in (3, 17):
        (directory / block_path(i)).unlink()
    (directory / merged_block_path(10, 10)).unlink()
    (directory / block_path(4)).with_name("0000000000000004.pb.tmp-1-ab").write_bytes(b"x")
    assert writer.catch_up_from(long_ledger) == [3, 17]
    assert not list(directory.rglob("*.tmp-*"))
    after = {p: p.stat().st_mtime_ns for p in directory.rglob("*.pb")}
    assert after.keys() == before.keys()
    rewritten = {p for p in after if after[p] != before[p]}
    assert rewritten == {directory / block_path(3), directory / block_path(17),
                         directory / merged_block_path(10, 10)}


_KILLED_WRITER = """
import sys
from pathlib import Path
from refimpl.ledger.store import LedgerStore
from refimpl.node.archive import ArchiveWriter
store = LedgerStore.open(sys.argv[1], read_only=True)
writer = ArchiveWriter(sys.argv[2], merge_buckets=(5,))
writer.catch_up_from(store)
print("ready", flush=True)
from refimpl.node.archive import ArchiveBlock
items = [ArchiveBlock(store.get_block(i), store.get_block_contents(i)) for i in range(25)]
while True:
    for item in items:
        writer.write(item)
"""


def test_a_sigkilled_writer_leaves_whole_files(tmp_path: Path, long_ledger: LedgerStore) -> None:
    directory = tmp_path / "archive"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(long_ledger.path), str(directory)],
        stdout=subprocess.PIPE, env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        for _ in range(200):  # let it rewrite files for a while, then kill it mid-write
            if len(list(directory.rglob("*.tmp-*"))) or child.poll() is not None:
                break
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    for path in directory.rglob("*.pb"):
        raw = path.read_bytes()
        if path.parts[len(directory.parts)].startswith("merged-"):
            assert len(decode_archive_blocks(raw)) == 5
        else:
            ArchiveBlock.decode(raw)
    writer = ArchiveWriter(directory, merge_buckets=(5,))
    writer.catch_up_from(long_ledger)
    assert not list(directory.rglob("*.tmp-*"))
    source = TxSource(f"file://{directory}", directory, buckets=())
    assert [source.fetch(i).block for i in range(25)] == [
        long_ledger.get_block(i) for i in range(25)
    ]


# --- Hypothesis: byte flips ------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_blocks(ledger: LedgerStore) -> list[tuple[ArchiveBlock, bytes]]:
    return [(b, b.encode()) for b in archive_blocks(ledger)[1:]]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_byte_flips_are_refused_or_decode_to_the_original_block(
    raw_blocks: list[tuple[ArchiveBlock, bytes]], data: st.DataObject,
) -> None:
    """A flipped archive file is refused with a typed error, or decodes to the original
    block and contents. Only what MobileCoin's format leaves uncommitted may differ: the
    unsigned ``signed_at`` of the signature, and an optional signature or metadata dropped
    when a flip turns its tag into an unknown field; what remains still verifies."""
    original, raw = data.draw(st.sampled_from(raw_blocks))
    flips = data.draw(st.lists(
        st.tuples(st.integers(0, len(raw) - 1), st.integers(1, 255)), min_size=1, max_size=3,
    ))
    mutated = bytearray(raw)
    for position, xor in flips:
        mutated[position] ^= xor
    try:
        decoded = ArchiveBlock.decode(bytes(mutated))
    except RefImplError as exc:
        assert exc.code == "node.archive_bad_block" and exc.code in CODES
        return
    assert decoded.block == original.block
    assert decoded.contents == original.contents
    if decoded.signature is not None:
        assert original.signature is not None
        assert attrs.evolve(decoded.signature, signed_at=0) == attrs.evolve(
            original.signature, signed_at=0
        )
    assert decoded.metadata in (None, original.metadata)
    decoded.check()


@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_refused_with_a_typed_error(data: bytes) -> None:
    with raises("node.archive_bad_block"):
        ArchiveBlock.decode(data)


def test_a_flipped_signature_byte_is_refused(raw_blocks: list[tuple[ArchiveBlock, bytes]]) -> None:
    original, raw = raw_blocks[0]
    assert original.signature is not None
    position = raw.index(original.signature.signature)
    mutated = bytearray(raw)
    mutated[position + 40] ^= 1
    with raises("node.archive_bad_block"):
        ArchiveBlock.decode(bytes(mutated))
