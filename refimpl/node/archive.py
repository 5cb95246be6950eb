"""Ledger distribution: blocks published as protobuf ``ArchiveBlock`` files, and read back.

MobileCoin ``ledger/distribution/src/main.rs`` (the writer: one file per block, plus a merged
file per full bucket), ``api/src/convert/mod.rs`` (``block_num_to_s3block_path``,
``merged_block_num_to_s3block_path``), ``api/src/convert/archive_block.rs`` (decoding checks)
and ``ledger/sync/src/reqwest_transactions_fetcher.rs`` (the reader: merged files first, then
the single file; round-robin over the source URLs; ``file://`` read from disk).

Wire format (``api/proto/blockchain.proto``): ``ArchiveBlock { oneof block { ArchiveBlockV1
v1 = 1; } }``, ``ArchiveBlockV1 { Block block = 1; BlockContents block_contents = 2;
BlockSignature signature = 3; BlockMetadata metadata = 4; }`` (signature and metadata only
when present), ``ArchiveBlocks { repeated ArchiveBlock blocks = 1; }``. Block, contents and
signature use the ledger's codecs (:mod:`refimpl.ledger.block_protobuf`,
:mod:`refimpl.ledger.signature`), metadata :mod:`refimpl.node.block_metadata`.

Decoding checks what MobileCoin's ``TryFrom<&ArchiveBlock> for BlockData`` checks: the
contents hash and the block id, the signature (when present) against the block, the metadata
signature (when present); plus, stricter, that the metadata names this block's id. Every
refusal is ``node.archive_bad_block``; a file that is not there is
``node.archive_missing_block``. Unknown fields are skipped, as protobuf readers skip them.

Layout: block ``i`` at ``hex16(i)`` cut into seven 2-character directories then
``<hex16(i)>.pb`` (``00/00/00/00/00/00/00/0000000000000001.pb``); a merged file of the bucket
of ``n`` blocks starting at ``first`` at ``merged-<n>/<path of first>``. The writer publishes
merged files of :data:`MERGE_BUCKETS` (100) when a bucket completes; the reader also tries
MobileCoin's 10000 and 1000 buckets. Files are written atomically (temporary file in the same
directory, ``fsync``, ``rename``, ``fsync`` of the directory), so a writer killed at any
moment leaves whole files or none; :meth:`ArchiveWriter.catch_up_from` re-publishes what a
ledger holds and the archive lacks.

Transaction sources: only ``file://<absolute path>`` is read here; ``http(s)://`` is refused
with ``node.archive_unsupported_url`` (MobileCoin also fetches from S3 over HTTPS).
"""

from __future__ import annotations

import os
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import attrs

from refimpl import protobuf as pb
from refimpl.durable import fsync_directory
from refimpl.errors import NodeError, RefImplError
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.block_protobuf import (
    block_contents_from_protobuf,
    block_contents_to_protobuf,
    block_from_protobuf,
    block_to_protobuf,
)
from refimpl.ledger.signature import BlockSignature, verify
from refimpl.ledger.store import LedgerStore
from refimpl.node.block_metadata import BlockMetadata

#: Bucket sizes the writer merges (``ledger-distribution --merge-buckets``; MobileCoin's
#: default is 100, 1000 and 10000; a local network never reaches the larger ones).
MERGE_BUCKETS: tuple[int, ...] = (100,)
#: Bucket sizes the reader tries, largest first (``DEFAULT_MERGED_BLOCKS_BUCKET_SIZES``).
READ_BUCKETS: tuple[int, ...] = (10000, 1000, 100)
#: Blocks a source keeps from merged files it read (``MAX_PREFETCHED_BLOCKS``).
MAX_CACHED_BLOCKS = 10000
#: Files larger than this are refused unread (a full 5000-transaction block is a few MB).
MAX_FILE_SIZE = 1 << 30

_TEMP_MARK = ".tmp-"


def _bad(message: str) -> NodeError:
    return NodeError("node.archive_bad_block", message)


# --- paths ---------------------------------------------------------------------------------------


def block_path(index: int) -> PurePosixPath:
    """``block_num_to_s3block_path``: ``aa/bb/cc/dd/ee/ff/gg/aabbccddeeffgghh.pb``."""
    if not 0 <= index < 2**64:
        raise NodeError("node.archive_missing_block", f"no block {index}")
    name = f"{index:016x}"
    return PurePosixPath(*(name[i : i + 2] for i in range(0, 14, 2)), f"{name}.pb")


def merged_block_path(bucket: int, first_index: int) -> PurePosixPath:
    """``merged_block_num_to_s3block_path``: ``merged-<bucket>/<block_path(first)>``."""
    return PurePosixPath(f"merged-{bucket}") / block_path(first_index)


# --- the archive block ------------------------------------------------------------------------


@attrs.frozen
class ArchiveBlock:
    """One block as published: header, contents, and the optional signature and metadata."""

    block: Block
    contents: BlockContents
    signature: BlockSignature | None = None
    metadata: BlockMetadata | None = None

    def check(self) -> None:
        """The checks of decoding (see the module docstring); ``node.archive_bad_block``."""
        where = f"block {self.block.index}"
        if self.contents.hash() != self.block.contents_hash:
            raise _bad(f"{where}: the contents do not hash to the block's contents hash")
        if not self.block.is_block_id_valid():
            raise _bad(f"{where}: the block id does not match the header")
        try:
            if self.signature is not None:
                verify(self.block, self.signature)
            if self.metadata is not None:
                self.metadata.verify()
        except RefImplError as exc:
            raise _bad(f"{where}: {exc.code}: {exc.message}") from None
        if self.metadata is not None and self.metadata.contents.block_id != self.block.id:
            raise _bad(f"{where}: the metadata names another block")

    def encode(self) -> bytes:
        """``ArchiveBlock`` bytes (``v1`` with its fields in tag order)."""
        v1 = [
            pb.bytes_field(1, block_to_protobuf(self.block)),
            pb.bytes_field(2, block_contents_to_protobuf(self.contents)),
        ]
        if self.signature is not None:
            v1.append(pb.bytes_field(3, self.signature.to_protobuf()))
        if self.metadata is not None:
            v1.append(pb.bytes_field(4, self.metadata.to_protobuf()))
        return pb.bytes_field(1, b"".join(v1))

    @classmethod
    def decode(cls, data: bytes) -> ArchiveBlock:
        """Decode and :meth:`check` one ``ArchiveBlock``; ``node.archive_bad_block``."""
        try:
            fields = pb.Fields(data)
            v1 = fields.get_message(1)
            if v1 is None:
                raise _bad("the archive block has no v1 variant")
            inner = pb.Fields(v1)
            block = inner.get_message(1)
            contents = inner.get_message(2)
            if block is None or contents is None:
                raise _bad("the archive block lacks its block or its contents")
            signature = inner.get_message(3)
            metadata = inner.get_message(4)
            archive_block = cls(
                block_from_protobuf(block),
                block_contents_from_protobuf(contents),
                None if signature is None else BlockSignature.from_protobuf(signature),
                None if metadata is None else BlockMetadata.from_protobuf(metadata),
            )
        except RefImplError as exc:
            if exc.code == "node.archive_bad_block":
                raise
            raise _bad(f"{exc.code}: {exc.message}") from None
        archive_block.check()
        return archive_block


def encode_archive_blocks(blocks: Sequence[ArchiveBlock]) -> bytes:
    """``ArchiveBlocks``: each block under tag 1."""
    return b"".join(pb.bytes_field(1, b.encode()) for b in blocks)


def decode_archive_blocks(data: bytes) -> tuple[ArchiveBlock, ...]:
    """Decode ``ArchiveBlocks``: every block checked, and each one's parent the one before
    (``TryFrom<&ArchiveBlocks>``); ``node.archive_bad_block``."""
    try:
        parts = pb.parse_fields(data)
    except RefImplError as exc:
        raise _bad(f"{exc.code}: {exc.message}") from None
    blocks = []
    for part in parts:
        if part.tag != 1:
            continue
        if not isinstance(part.value, bytes):
            raise _bad("ArchiveBlocks holds a non-message under tag 1")
        blocks.append(ArchiveBlock.decode(part.value))
    for before, after in zip(blocks, blocks[1:], strict=False):
        if after.block.parent_id != before.block.id:
            raise _bad(f"merged blocks {before.block.index} and {after.block.index} do not chain")
    return tuple(blocks)


# --- writing ----------------------------------------------------------------------------------


def _make_dirs(path: Path) -> None:
    """``mkdir -p`` whose new entries are on disk (each new directory's parent fsynced)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        fsync_directory(directory.parent)


def write_atomically(dest: Path, data: bytes) -> None:
    """Write ``dest`` so that it holds either its old content or all of ``data``, durably."""
    _make_dirs(dest.parent)
    temp = dest.with_name(f"{dest.name}{_TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, dest)
        fsync_directory(dest.parent)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class ArchiveWriter:
    """Publishes archive blocks under ``directory`` (``LocalBlockWriter``)."""

    def __init__(self, directory: str | Path, merge_buckets: Iterable[int] = MERGE_BUCKETS):
        self.directory = Path(directory)
        self.merge_buckets = tuple(merge_buckets)
        if any(b < 2 for b in self.merge_buckets):
            raise NodeError("node.archive_write_failed", "merge buckets hold at least 2 blocks")

    def path_of(self, index: int) -> Path:
        return self.directory / block_path(index)

    def merged_path_of(self, bucket: int, first_index: int) -> Path:
        return self.directory / merged_block_path(bucket, first_index)

    def has_block(self, index: int) -> bool:
        return self.path_of(index).is_file()

    def write(self, archive_block: ArchiveBlock) -> Path:
        """Publish one block (and each merged file its index completes, when all the bucket's
        block files are present). ``node.archive_write_failed`` on an OS error."""
        index = archive_block.block.index
        path = self.path_of(index)
        self._write(path, archive_block.encode())
        for bucket in self.merge_buckets:
            if (index + 1) % bucket == 0:
                self._merge(bucket, index + 1 - bucket)
        return path

    def _write(self, path: Path, data: bytes) -> None:
        try:
            write_atomically(path, data)
        except OSError as exc:
            raise NodeError("node.archive_write_failed", f"{path}: {exc}") from None

    def _merge(self, bucket: int, first: int) -> bool:
        """Write ``merged-<bucket>`` for ``first..first+bucket-1`` from the published single
        files (an ``ArchiveBlocks`` is the concatenation of its blocks under tag 1); False
        when one of them is missing."""
        parts = []
        for index in range(first, first + bucket):
            try:
                parts.append(pb.bytes_field(1, self.path_of(index).read_bytes()))
            except FileNotFoundError:
                return False
            except OSError as exc:
                raise NodeError("node.archive_write_failed", f"block {index}: {exc}") from None
        self._write(self.merged_path_of(bucket, first), b"".join(parts))
        return True

    def remove_temp_files(self) -> int:
        """Delete temporary files a killed writer left behind; return how many."""
        removed = 0
        if self.directory.is_dir():
            for path in self.directory.rglob(f"*{_TEMP_MARK}*"):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def catch_up_from(
        self,
        ledger: LedgerStore,
        metadata_for: Callable[[Block], BlockMetadata | None] | None = None,
    ) -> list[int]:
        """Publish every block of ``ledger`` the archive lacks (with its stored signature, and
        metadata from ``metadata_for`` when given), then each complete bucket's missing merged
        file; return the indices written. Stale temporary files are removed first."""
        self.remove_temp_files()
        written = []
        num_blocks = ledger.num_blocks()
        for index in range(num_blocks):
            if self.has_block(index):
                continue
            block = ledger.get_block(index)
            self.write(ArchiveBlock(
                block,
                ledger.get_block_contents(index),
                ledger.get_block_signature(index),
                None if metadata_for is None else metadata_for(block),
            ))
            written.append(index)
        for bucket in self.merge_buckets:
            for first in range(0, num_blocks - bucket + 1, bucket):
                if not self.merged_path_of(bucket, first).is_file():
                    self._merge(bucket, first)
        return written


# --- reading ----------------------------------------------------------------------------------


def _read(path: Path, index: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_SIZE:
            raise _bad(f"{path}: {size} bytes is too large")
        return path.read_bytes()
    except FileNotFoundError:
        raise NodeError("node.archive_missing_block", f"block {index}: no {path}") from None
    except IsADirectoryError:
        raise _bad(f"block {index}: {path} is a directory") from None
    except OSError as exc:
        raise NodeError("node.archive_missing_block", f"block {index}: {path}: {exc}") from None


def _expect(archive_block: ArchiveBlock, index: int, expected: Block | None, where: str
            ) -> ArchiveBlock:
    if archive_block.block.index != index:
        raise _bad(f"{where}: holds block {archive_block.block.index}, not {index}")
    if expected is not None and archive_block.block != expected:
        raise _bad(f"{where}: block {index} is not the expected header")
    return archive_block


class TxSource:
    """One transaction source: a directory in the archive layout, named by a ``file://`` URL."""

    def __init__(self, url: str, directory: Path, buckets: Sequence[int] = READ_BUCKETS):
        self.url = url
        self.directory = directory
        self.buckets = tuple(buckets)
        self._cache: OrderedDict[int, ArchiveBlock] = OrderedDict()

    @classmethod
    def from_url(cls, url: str) -> TxSource:
        """``file:///abs/dir`` (or ``file://localhost/abs/dir``). ``http(s)://`` is
        ``node.archive_unsupported_url``; anything else ``node.archive_bad_url``."""
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise NodeError("node.archive_bad_url", f"{url!r}: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme in ("http", "https", "s3"):
            raise NodeError("node.archive_unsupported_url",
                            f"{url!r}: only file:// transaction sources are supported here")
        if scheme != "file":
            raise NodeError("node.archive_bad_url", f"{url!r} is not a file:// URL")
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            raise NodeError("node.archive_bad_url",
                            f"{url!r}: a file:// URL names a local path, without host or query")
        path = unquote(parts.path)
        if not path.startswith("/") or "\x00" in path:
            raise NodeError("node.archive_bad_url", f"{url!r}: the path must be absolute")
        return cls(url, Path(path))

    def fetch(self, index: int, expected: Block | None = None) -> ArchiveBlock:
        """Block ``index`` (``get_block_data_by_index``): from the cache, else a merged file
        starting at ``index`` for each bucket dividing it, else its own file. ``expected``,
        when given, must be its header exactly."""
        cached = self._cache.pop(index, None)
        if cached is not None and (expected is None or cached.block == expected):
            return cached
        for bucket in self.buckets:
            if index % bucket:
                continue
            try:
                merged = decode_archive_blocks(_read(
                    self.directory / merged_block_path(bucket, index), index
                ))
            except NodeError:
                continue
            if merged and merged[0].block.index == index:
                self._remember(merged)
                cached = self._cache.pop(index)
                if expected is None or cached.block == expected:
                    return cached
        where = f"{self.url} block {index}"
        data = _read(self.directory / block_path(index), index)
        return _expect(ArchiveBlock.decode(data), index, expected, where)

    def _remember(self, blocks: Sequence[ArchiveBlock]) -> None:
        for archive_block in blocks:
            self._cache[archive_block.block.index] = archive_block
            self._cache.move_to_end(archive_block.block.index)
        while len(self._cache) > MAX_CACHED_BLOCKS:
            self._cache.popitem(last=False)


class TxSources:
    """Several sources, tried round-robin (``source_index_counter``): each fetch starts at the
    next source and falls through to the others on failure."""

    def __init__(self, urls: Iterable[str] | Iterable[TxSource]):
        sources = [u if isinstance(u, TxSource) else TxSource.from_url(u) for u in urls]
        if not sources:
            raise NodeError("node.archive_bad_url", "no transaction source URL is configured")
        self.sources = tuple(sources)
        self._counter = 0

    def fetch(self, index: int, expected: Block | None = None) -> ArchiveBlock:
        """Block ``index`` from the first source that has it whole. When every source fails:
        ``node.archive_missing_block`` if none has a file for it, else the first
        ``node.archive_bad_block``."""
        start = self._counter
        self._counter += 1
        errors: list[NodeError] = []
        for k in range(len(self.sources)):
            source = self.sources[(start + k) % len(self.sources)]
            try:
                return source.fetch(index, expected)
            except NodeError as exc:
                errors.append(exc)
        bad = [e for e in errors if e.code != "node.archive_missing_block"]
        raise bad[0] if bad else errors[0]
