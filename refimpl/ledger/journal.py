"""The tip journal: an append-only, fsynced, hash-chained record of every appended block.

MobileCoin's ``LedgerDB`` (``ledger/db/src/ledger_db.rs``) trusts LMDB alone: whatever meta page
LMDB picks is the ledger. LMDB keeps two meta pages and uses the one with the higher txnid
(``mdb_env_pick_meta`` in LMDB's ``mdb.c``), so damage that makes the older page win, or a
``data.mdb`` replaced by an older copy, shows an older ledger with nothing inconsistent in it.
The journal is the second witness: the file ``tip-journal`` beside ``data.mdb`` gets one record
per appended block, written and fsynced AFTER the block's LMDB commit, so every record names a
block that is durably in the database.

Layout: a 32-byte header (:data:`HEADER`), then fixed-size records of :data:`RECORD_LEN` bytes::

    BE64(block index) || block id (32) || signature digest (32) || chain (32)

The signature digest is ``Blake2b256("mcref_tip_journal_signature" || stored BlockSignature
bytes)``, 32 zero bytes for a block stored without a signature. ``chain_i = Blake2b256(
"mcref_tip_journal_chain" || chain_{i-1} || the first 72 bytes of record i)`` with
``chain_{-1}`` 32 zero bytes, so a record changed, dropped or reordered breaks the chain.

Against a database holding ``N`` blocks, a journal of ``k`` records means:

* ``k == N``: in step; ``k == N - 1``: the process died between a commit and its journal
  write (a read-write open or the next append writes the missing record from the database);
* ``k > N``: ``ledger.rollback`` naming block ``N``, the first block the journal saw committed
  and the database no longer holds;
* ``k < N - 1`` (read with the journal lock held): ``ledger.journal_behind``;
* a record whose block id or signature digest differs from the database's
  (a block replaced, a signature deleted or moved): ``ledger.journal_mismatch`` naming it;
* no file: ``ledger.journal_missing``; a bad header or a record whose index or chain is wrong:
  ``ledger.journal_corrupted``.

A final partial record (a write cut short by a crash) is "torn": readers ignore it, a
read-write open truncates it. A final record of zero bytes only is torn too (a filesystem that
extended the file but lost the data at power loss). Writers hold ``flock(LOCK_EX)`` on the
journal from before their LMDB write transaction until the record is fsynced, so records are
written in commit order; readers take ``LOCK_SH`` while they read the journal and begin their
LMDB snapshot, so what they compare is never mid-append. Where no lock can be had in time
(:data:`SHARED_LOCK_WAIT_S`, or a filesystem without ``flock``) readers read the journal first
and the database after: a record exists only once its block is committed, so the journal can
then lag the snapshot by any number of blocks but never lead it.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import attrs

from refimpl.crypto.hashing import blake2b256
from refimpl.durable import fsync_directory
from refimpl.errors import LedgerError
from refimpl.ledger.env import filesystem_error, typed_errors
from refimpl.ledger.layout import be64, from_be64

JOURNAL_FILE = "tip-journal"
HEADER = b"mcref-tip-journal/1".ljust(32, b"\0")
HEADER_LEN = len(HEADER)
RECORD_LEN = 8 + 32 + 32 + 32
_BODY_LEN = RECORD_LEN - 32
_CHAIN_TAG = b"mcref_tip_journal_chain"
_SIGNATURE_TAG = b"mcref_tip_journal_signature"
ZERO_DIGEST = bytes(32)
#: How long a reader waits for the shared lock before reading without it.
SHARED_LOCK_WAIT_S = 10.0
_LOCK_POLL_S = 0.002


def signature_digest(stored_signature: bytes | None) -> bytes:
    """The digest a record keeps of a block's stored signature bytes (zeros for none)."""
    if stored_signature is None:
        return ZERO_DIGEST
    return blake2b256(_SIGNATURE_TAG, stored_signature)


@attrs.frozen
class TipRecord:
    """What the journal records of block ``index``: its id and its signature digest."""

    index: int
    block_id: bytes
    signature_digest: bytes

    def body(self) -> bytes:
        return be64(self.index) + self.block_id + self.signature_digest


@attrs.frozen
class JournalEntry:
    """One record of the journal: the block's :class:`TipRecord` and the chain hash."""

    record: TipRecord
    chain: bytes

    def encode(self) -> bytes:
        return self.record.body() + self.chain


def chained(previous_chain: bytes, record: TipRecord) -> JournalEntry:
    """The entry for ``record`` following an entry whose chain hash is ``previous_chain``."""
    return JournalEntry(record, blake2b256(_CHAIN_TAG, previous_chain, record.body()))


def _mismatch(entry: JournalEntry, actual: TipRecord) -> LedgerError | None:
    """``ledger.journal_mismatch`` when the database's block disagrees with the record."""
    recorded = entry.record
    index = recorded.index
    if recorded.block_id != actual.block_id:
        return LedgerError("ledger.journal_mismatch",
                           f"block {index}: the database holds block id {actual.block_id.hex()}, "
                           f"the tip journal recorded {recorded.block_id.hex()}")
    if recorded.signature_digest != actual.signature_digest:
        if actual.signature_digest == ZERO_DIGEST:
            what = "the signature the tip journal recorded is gone (deleted or moved)"
        elif recorded.signature_digest == ZERO_DIGEST:
            what = "a signature is stored where the tip journal recorded none (moved or added)"
        else:
            what = "the stored signature differs from the one the tip journal recorded"
        return LedgerError("ledger.journal_mismatch", f"block {index}: {what}")
    return None


def check_entry(entry: JournalEntry, actual: TipRecord) -> None:
    """Raise ``ledger.journal_mismatch`` when ``actual`` (the database) disagrees."""
    fault = _mismatch(entry, actual)
    if fault is not None:
        raise fault


def _corrupted(position: int, why: str) -> LedgerError:
    return LedgerError("ledger.journal_corrupted", f"tip journal record {position} "
                       f"(block {position}): {why}")


def _parse(position: int, raw: bytes, previous_chain: bytes) -> JournalEntry:
    """Record ``position``: its index must be ``position`` and its chain must follow."""
    index = from_be64(raw[:8])
    if index != position:
        raise _corrupted(position, f"holds index {index}")
    record = TipRecord(index, raw[8:40], raw[40:72])
    entry = chained(previous_chain, record)
    if entry.chain != raw[72:]:
        raise _corrupted(position, "its chain hash does not follow from the records before it")
    return entry


def _check_header(data: bytes, path: Path) -> None:
    if data != HEADER:
        raise LedgerError("ledger.journal_corrupted",
                          f"{path} does not start with the tip journal header")


def _whole_records(size: int) -> tuple[int, int]:
    """``(records, torn bytes)`` of a journal file of ``size`` bytes."""
    return divmod(size - HEADER_LEN, RECORD_LEN)


@attrs.frozen
class JournalTail:
    """The end of the journal: how many whole records, the last one (checked against the one
    before it), and how many bytes of a torn record follow."""

    count: int
    last: JournalEntry | None
    torn: int


@attrs.frozen
class JournalRead:
    """The journal as a reader saw it: the whole records (each checked), whether the shared
    lock was held (then the journal lags the database by at most one record), and the typed
    fault that stopped the read (``journal_missing``/``journal_corrupted``), if any; entries
    before a corrupted record are kept."""

    entries: tuple[JournalEntry, ...]
    locked: bool
    fault: LedgerError | None = None
    #: the block whose record is bad (``None``: the file as a whole is)
    fault_block: int | None = None


def check_length(count: int, num_blocks: int, *, locked: bool) -> None:
    """A journal of ``count`` records against a database of ``num_blocks`` blocks:
    ``ledger.rollback`` when the journal leads; with the lock held (a lag of one at most, from
    a crash), ``ledger.journal_behind`` when it lags by more."""
    if count > num_blocks:
        raise LedgerError("ledger.rollback",
                          f"block {num_blocks}: the tip journal recorded {count} blocks committed, "
                          f"the database holds {num_blocks} (rolled back or replaced)")
    if locked and num_blocks - count > 1:
        raise LedgerError("ledger.journal_behind",
                          f"block {count}: the tip journal records {count} blocks, the database "
                          f"holds {num_blocks}")


def reconcile(count: int, last: JournalEntry | None, num_blocks: int,
              tip_record: Callable[[int], TipRecord], *, locked: bool) -> range:
    """Check a journal of ``count`` records ending with ``last`` against a database holding
    ``num_blocks`` blocks (:func:`check_length`, and the last record against its block); the
    indices of the committed blocks that have no record yet."""
    check_length(count, num_blocks, locked=locked)
    if last is not None:
        check_entry(last, tip_record(count - 1))
    return range(count, num_blocks)


class TipJournal:
    """An open tip journal file (see the module docstring)."""

    def __init__(self, fd: int, path: Path, writable: bool) -> None:
        self._fd = fd
        self.path = path
        self.writable = writable

    @staticmethod
    def create(directory: Path) -> None:
        """Write an empty journal (the header only) into ``directory``, replacing any: written
        to a temporary name, fsynced, renamed into place, the directory fsynced."""
        directory = Path(directory)
        target = directory / JOURNAL_FILE
        temporary = directory / f".{JOURNAL_FILE}.new-{os.getpid()}-{secrets.token_hex(4)}"
        with typed_errors(directory, "create the tip journal"):
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            try:
                _write_all(fd, HEADER)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.replace(temporary, target)
            except BaseException:
                os.unlink(temporary)
                raise
            fsync_directory(directory)

    @classmethod
    def open(cls, directory: Path, *, writable: bool) -> TipJournal:
        """Open the journal in ``directory``: ``ledger.journal_missing`` when there is none."""
        path = Path(directory) / JOURNAL_FILE
        flags = (os.O_RDWR | os.O_APPEND) if writable else os.O_RDONLY
        try:
            fd = os.open(path, flags | os.O_CLOEXEC)
        except FileNotFoundError:
            raise LedgerError("ledger.journal_missing",
                              f"{directory} has no tip journal ({JOURNAL_FILE})") from None
        except OSError as exc:
            raise filesystem_error(exc, path, "open the tip journal") from None
        return cls(fd, path, writable)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    # --- locks --------------------------------------------------------------------------------
    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """``flock(LOCK_EX)`` for the body: the writers' lock."""
        with typed_errors(self.path, "lock the tip journal"):
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    @contextmanager
    def shared(self, wait_s: float = SHARED_LOCK_WAIT_S) -> Iterator[bool]:
        """``flock(LOCK_SH)`` for the body if it can be had within ``wait_s``; yields whether
        it was (a filesystem without ``flock`` or a writer stuck holding it: read unlocked)."""
        deadline = time.monotonic() + wait_s
        locked = False
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                locked = True
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(_LOCK_POLL_S)
            except OSError:
                break  # ENOLCK, EOPNOTSUPP, ...: no locks here
        try:
            yield locked
        finally:
            if locked:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    # --- reads --------------------------------------------------------------------------------
    def _pread(self, length: int, offset: int) -> bytes:
        data = os.pread(self._fd, length, offset)
        if len(data) != length:
            raise LedgerError("ledger.journal_corrupted", f"{self.path} shrank while read")
        return data

    def _size(self) -> int:
        size = os.fstat(self._fd).st_size
        if size < HEADER_LEN:
            raise LedgerError("ledger.journal_corrupted",
                              f"{self.path} is shorter than the tip journal header")
        return size

    def tail(self) -> JournalTail:
        """The whole-record count and the last record, checked against the record before it
        (reads at most three records: O(1))."""
        with typed_errors(self.path, "read the tip journal"):
            size = self._size()
            _check_header(self._pread(HEADER_LEN, 0), self.path)
            count, torn = _whole_records(size)
            if count and self._record(count - 1) == bytes(RECORD_LEN):
                count, torn = count - 1, torn + RECORD_LEN  # extended, data lost: torn
            if count == 0:
                return JournalTail(0, None, torn)
            previous = self._record(count - 2)[72:] if count >= 2 else ZERO_DIGEST
            return JournalTail(count, _parse(count - 1, self._record(count - 1), previous), torn)

    def _record(self, position: int) -> bytes:
        return self._pread(RECORD_LEN, HEADER_LEN + position * RECORD_LEN)

    def read_all(self, locked: bool) -> JournalRead:
        """Every whole record, each checked; the first bad one ends the read with a fault."""
        with typed_errors(self.path, "read the tip journal"):
            size = self._size()
            data = self._pread(size, 0)
        _check_header(data[:HEADER_LEN], self.path)
        count, _torn = _whole_records(size)
        if count and _record_at(data, count - 1) == bytes(RECORD_LEN):
            count -= 1  # extended, data lost: torn
        entries: list[JournalEntry] = []
        previous = ZERO_DIGEST
        for position in range(count):
            try:
                entry = _parse(position, _record_at(data, position), previous)
            except LedgerError as fault:
                return JournalRead(tuple(entries), locked, fault, position)
            entries.append(entry)
            previous = entry.chain
        return JournalRead(tuple(entries), locked)

    # --- writes -------------------------------------------------------------------------------
    def drop_torn(self, tail: JournalTail) -> None:
        """Cut a torn final record off (read-write opens; hold :meth:`exclusive`)."""
        if tail.torn:
            with typed_errors(self.path, "repair the tip journal"):
                os.ftruncate(self._fd, HEADER_LEN + tail.count * RECORD_LEN)
                os.fsync(self._fd)

    def append(self, last: JournalEntry | None,
               records: Sequence[TipRecord]) -> JournalEntry | None:
        """Append ``records`` after ``last`` (the current final entry) and fsync; returns the
        new final entry. Hold :meth:`exclusive` from before the LMDB commit."""
        if not records:
            return last
        previous = ZERO_DIGEST if last is None else last.chain
        encoded = []
        entry = last
        for record in records:
            entry = chained(previous, record)
            encoded.append(entry.encode())
            previous = entry.chain
        with typed_errors(self.path, "write the tip journal"):
            _write_all(self._fd, b"".join(encoded))
            _datasync(self._fd)
        return entry


@contextmanager
def read_journal(directory: Path) -> Iterator[JournalRead]:
    """The journal in ``directory``, read under the shared lock, which is held for the body of
    the ``with`` (begin the LMDB snapshot there). A missing or unreadable journal is the read's
    ``fault``, not an exception."""
    try:
        journal = TipJournal.open(directory, writable=False)
    except LedgerError as fault:
        yield JournalRead((), False, fault)
        return
    try:
        with journal.shared() as locked:
            try:
                result = journal.read_all(locked)
            except LedgerError as fault:
                result = JournalRead((), locked, fault)
            yield result
    finally:
        journal.close()


def _record_at(data: bytes, position: int) -> bytes:
    offset = HEADER_LEN + position * RECORD_LEN
    return data[offset:offset + RECORD_LEN]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _datasync(fd: int) -> None:
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)
