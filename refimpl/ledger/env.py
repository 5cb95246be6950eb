"""Creating and opening the ledger's LMDB environment; every OS and LMDB failure typed.

MobileCoin opens its ledger with ``Environment::new().set_max_dbs(..).set_map_size(..)
.open(path)`` after ``LedgerDB::create`` made the databases (``ledger/db/src/ledger_db.rs``,
``LedgerDB::open`` / ``LedgerDB::create``); it neither serialises concurrent creators nor
checks the file before LMDB maps it. Here:

* :func:`create_environment` is atomic and race-free. An exclusive ``flock`` on the ledger
  directory is held across the "no ``data.mdb`` here" check and the create, so of concurrent
  creators exactly one builds the ledger and the others then see ``data.mdb`` and get
  ``ledger.already_exists``. The environment is built under a temporary file name
  (``subdir=False``: the data file is that name, LMDB's lock file that name plus ``-lock``),
  ``initialise`` writes the marker, counts and tip journal, the environment is closed (LMDB
  fsynced the commit: ``sync=True, metasync=True``) and the file is ``rename(2)``d to
  ``data.mdb``, then the directory is fsynced. ``rename`` is atomic, so the directory holds
  either no ``data.mdb`` or a complete one: a crash mid-create leaves only a temporary file,
  which the next create removes (under the lock). The lock is advisory: it serialises mcref
  processes, not a process writing the directory by other means.
* :func:`open_environment` checks the data file's structure with plain reads
  (:func:`refimpl.ledger.lmdb_file.check_data_file`) before LMDB maps it, so a truncated or
  damaged file is a typed refusal rather than SIGBUS/SIGABRT inside LMDB. A read-only open of a
  directory where LMDB cannot create or write ``lock.mdb`` (a read-only directory; LMDB itself
  already falls back on a read-only filesystem, ``mdb_env_setup_locks`` in LMDB's ``mdb.c``)
  retries with ``lock=False``: no reader-table slot, which is safe as long as no writer
  commits meanwhile (a writer needs write access to that directory).
* :func:`filesystem_error` turns any ``OSError`` into a one-line ``ledger.*`` error;
  :func:`lmdb_error` does the same for ``lmdb.Error``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import lmdb

from refimpl.errors import LedgerError
from refimpl.ledger.lmdb_file import check_data_file

DATA_FILE = "data.mdb"
LOCK_FILE = "lock.mdb"
#: The temporary data file of a create in progress: ``<prefix><pid>-<random hex>``.
INIT_PREFIX = ".data.mdb.init-"
#: LMDB's lock-file suffix for an environment opened with ``subdir=False``.
NOSUBDIR_LOCK_SUFFIX = "-lock"
#: Named-database handles an environment may open (the store uses 13).
MAX_DBS = 16

_PERMISSION = {errno.EACCES, errno.EPERM}
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_PATH_SHAPE = {errno.ENOTDIR, errno.EEXIST, errno.ELOOP, errno.ENOENT}
_CORRUPTED = (lmdb.CorruptedError, lmdb.PageNotFoundError, lmdb.InvalidError,
              lmdb.VersionMismatchError, lmdb.IncompatibleError, lmdb.PanicError,
              lmdb.BadChecksumError)


# --- errors ---------------------------------------------------------------------------------------
def _non_directory_component(path: Path) -> str | None:
    """Why some component of ``path`` (itself included) is not a directory, or ``None``."""
    for part in (*reversed(path.parents), path):
        if not os.path.lexists(part):
            return None
        if os.path.isdir(part):
            continue
        if os.path.islink(part):
            target = os.readlink(part)
            try:
                os.stat(part)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    return f"{part} is a symbolic link loop (to {target})"
                return f"{part} is a dangling symbolic link (to {target})"
            return f"{part} is a symbolic link to {target}, which is not a directory"
        return f"{part} is a file, not a directory"
    return None


def filesystem_error(exc: OSError, path: Path, doing: str) -> LedgerError:
    """The one-line ``ledger.*`` refusal for ``exc``, raised while ``doing`` (a verb phrase,
    e.g. ``"create the ledger"``) at ``path``. ``exc.filename``, when set, is the path that
    failed and is named instead of ``path``."""
    failed = Path(os.fsdecode(exc.filename)) if exc.filename is not None else Path(path)
    reason = exc.strerror or type(exc).__name__
    prefix = f"cannot {doing} at {path}"
    number = exc.errno
    if number in _PATH_SHAPE:
        shape = _non_directory_component(failed)
        if shape is not None:
            return LedgerError("ledger.not_a_directory", f"{prefix}: {shape}")
        if number == errno.ENOENT:
            return LedgerError("ledger.not_found", f"{prefix}: {failed}: {reason}")
        if number == errno.ENOTDIR:
            return LedgerError("ledger.not_a_directory", f"{prefix}: {failed}: {reason}")
    if number in _PERMISSION:
        return LedgerError("ledger.permission_denied", f"{prefix}: {failed}: {reason}")
    if number == errno.EROFS:
        return LedgerError("ledger.read_only_filesystem", f"{prefix}: {failed}: {reason}")
    if number in _NO_SPACE:
        return LedgerError("ledger.no_space", f"{prefix}: {failed}: {reason}")
    return LedgerError("ledger.io_error", f"{prefix}: {failed}: {reason} (errno {number})")


def lmdb_error(exc: lmdb.Error, path: Path, doing: str) -> LedgerError:
    """The one-line ``ledger.*`` refusal for an LMDB error: damage is ``ledger.corrupted``,
    EACCES ``ledger.permission_denied``, a full map ``ledger.map_full``, ENOSPC
    ``ledger.no_space``, anything else ``ledger.lmdb_error``."""
    prefix = f"cannot {doing} at {path}"
    text = f"{prefix}: {type(exc).__name__}: {exc}"
    if isinstance(exc, _CORRUPTED):
        return LedgerError("ledger.corrupted", text)
    if isinstance(exc, lmdb.ReadonlyError):
        return LedgerError("ledger.permission_denied", text)
    if isinstance(exc, lmdb.MapFullError):
        return LedgerError("ledger.map_full", text)
    if isinstance(exc, lmdb.DiskError):
        return LedgerError("ledger.no_space", text)
    return LedgerError("ledger.lmdb_error", text)


@contextmanager
def typed_errors(path: Path, doing: str) -> Iterator[None]:
    """Re-raise ``OSError`` and ``lmdb.Error`` from the body as typed ``LedgerError``s."""
    try:
        yield
    except OSError as exc:
        raise filesystem_error(exc, path, doing) from None
    except lmdb.Error as exc:
        raise lmdb_error(exc, path, doing) from None


# --- create ---------------------------------------------------------------------------------------
def _make_directory(path: Path) -> None:
    if os.path.lexists(path) and not os.path.isdir(path):
        shape = _non_directory_component(path) or f"{path} is not a directory"
        raise LedgerError("ledger.not_a_directory",
                          f"cannot create the ledger at {path}: {shape}")
    path.mkdir(parents=True, exist_ok=True)


@contextmanager
def _directory_lock(path: Path) -> Iterator[int]:
    """An exclusive ``flock`` on the directory, held for the body; yields the directory fd."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files of creates that crashed (only ever touched under the lock)."""
    for entry in os.scandir(path):
        if entry.name.startswith(INIT_PREFIX):
            os.unlink(entry.path)


def _discard(file: Path) -> None:
    for name in (file, Path(f"{file}{NOSUBDIR_LOCK_SUFFIX}")):
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass


def _build(path: Path, map_size: int, max_dbs: int,
           initialise: Callable[[lmdb.Environment, Path], None], directory_fd: int) -> None:
    temporary = path / f"{INIT_PREFIX}{os.getpid()}-{secrets.token_hex(8)}"
    try:
        env = lmdb.open(os.fsencode(temporary), subdir=False, map_size=map_size, max_dbs=max_dbs,
                        sync=True, metasync=True, create=True)
        try:
            initialise(env, path)
            env.sync(True)
        finally:
            env.close()
        os.rename(temporary, path / DATA_FILE)
        os.fsync(directory_fd)
    finally:
        _discard(temporary)


def create_environment(path: Path, map_size: int,
                       initialise: Callable[[lmdb.Environment, Path], None],
                       *, max_dbs: int = MAX_DBS,
                       _before_create: Callable[[], None] | None = None) -> None:
    """Create the ledger environment in directory ``path`` (made, with its parents, if needed)
    atomically: afterwards ``path`` holds a complete ``data.mdb`` initialised by
    ``initialise(env, path)`` or no ``data.mdb`` (see the module docstring). Of concurrent
    callers exactly one succeeds; the others get ``ledger.already_exists``. ``_before_create``
    is a test hook called between the check and the create, with the lock held. Every OS or
    LMDB failure is a typed ``ledger.*`` error; errors ``initialise`` raises pass through."""
    path = Path(path)
    with typed_errors(path, "create the ledger"):
        _make_directory(path)
        with _directory_lock(path) as fd:
            if os.path.lexists(path / DATA_FILE):
                raise LedgerError("ledger.already_exists",
                                  f"{path} already holds a database ({DATA_FILE})")
            _remove_stale_temporaries(path)
            if _before_create is not None:
                _before_create()
            _build(path, map_size, max_dbs, initialise, fd)


# --- open -----------------------------------------------------------------------------------------
def _require_data_file(path: Path) -> Path:
    data = path / DATA_FILE
    try:
        info = os.stat(data)
    except OSError as exc:
        if exc.errno not in _PATH_SHAPE:
            raise
        shape = _non_directory_component(path)
        why = "" if shape is None else f" ({shape})"
        raise LedgerError("ledger.not_a_ledger", f"{path} holds no ledger{why}") from None
    if not stat.S_ISREG(info.st_mode):
        raise LedgerError("ledger.not_a_ledger", f"{path} holds no ledger ({data} is not a file)")
    return data


def open_environment(path: Path, *, read_only: bool, map_size: int,
                     max_dbs: int = MAX_DBS) -> lmdb.Environment:
    """Open the existing ledger environment in ``path``: ``ledger.not_a_ledger`` when there is
    no ``data.mdb``; the data file's structure is checked before LMDB maps it; a read-only open
    refused with EACCES (``lock.mdb`` cannot be created or opened for writing) is retried with
    ``lock=False``. Every OS or LMDB failure is a typed ``ledger.*`` error."""
    path = Path(path)
    doing = "open the ledger read-only" if read_only else "open the ledger"
    with typed_errors(path, doing):
        check_data_file(_require_data_file(path))  # typed refusal before LMDB maps anything

        def attempt(lock: bool) -> lmdb.Environment:
            # bytes: a path that is not UTF-8 (PEP 383 surrogates) opens as named
            return lmdb.open(os.fsencode(path), subdir=True, map_size=map_size, max_dbs=max_dbs,
                             sync=True, metasync=True, create=False, readonly=read_only,
                             lock=lock)

        if not read_only:
            return attempt(lock=True)
        try:
            return attempt(lock=True)
        except lmdb.ReadonlyError:
            return attempt(lock=False)  # still EACCES: the data file itself is unreadable
