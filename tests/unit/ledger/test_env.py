"""refimpl/ledger/env.py: atomic, race-free create; typed refusals for every filesystem error;
read-only opens of a read-only directory (LMDB ``lock=False`` fallback).

The init race mirrors what ``LedgerDB::create`` + ``LedgerDB::open`` in MobileCoin's
``ledger/db/src/ledger_db.rs`` leave to the caller: two creators that both pass the "no ledger
here" check. Permission cases run in child processes held to the mode bits
(tests/unit/ledger/_unprivileged.py), which works when the tests run as root too.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lmdb
import pytest

from refimpl.errors import CODES, LedgerError
from refimpl.ledger.env import (
    DATA_FILE,
    INIT_PREFIX,
    create_environment,
    filesystem_error,
    lmdb_error,
    open_environment,
)
from refimpl.ledger.journal import JOURNAL_FILE
from refimpl.ledger.origin import (
    demo_accounts,
    demo_block_signer,
    origin_block,
    origin_contents,
)
from refimpl.ledger.signature import sign
from refimpl.ledger.store import LedgerStore, initialise_ledger
from refimpl.ledger.verify import verify_ledger
from tests.unit.ledger._unprivileged import denial_works, run_denied

MAP_SIZE = 1 << 26
DELAY = 0.4  # seconds the winner sleeps between its check and its create
FORK = multiprocessing.get_context("fork")


def code_of(action: Callable[[], object]) -> str:
    with pytest.raises(LedgerError) as refused:
        action()
    assert "\n" not in refused.value.one_line() and refused.value.code in CODES
    return refused.value.code


# --- the init race --------------------------------------------------------------------------------


def _init_and_sign_origin(path: Path, seed: bytes, barrier: Any, results: Any) -> None:
    """One ``ledger init``: create (sleeping DELAY between check and create), then append this
    seed's signed origin block. Reports ``(seed, outcome, origin id, finish time)``."""
    try:
        barrier.wait(timeout=30)
        create_environment(path, MAP_SIZE, initialise_ledger,
                           _before_create=lambda: time.sleep(DELAY))
        contents = origin_contents(seed, demo_accounts(seed, 2))
        block = origin_block(contents)
        with LedgerStore.open(path) as store:
            store.append_block(block, contents, sign(block, demo_block_signer(seed)))
        results.put((seed, "ok", block.id.hex(), time.monotonic()))
    except LedgerError as exc:
        results.put((seed, exc.code, "", time.monotonic()))


def test_concurrent_init_exactly_one_succeeds(tmp_path: Path) -> None:
    """Two processes start ``init`` together; the first past the check sleeps before creating.
    The other must wait for the directory lock, then find the ledger: exactly one success, one
    ``ledger.already_exists``, and the ledger holds the winner's origin and verifies."""
    path = tmp_path / "ledger"
    barrier, results = FORK.Barrier(2), FORK.Queue()
    workers = [FORK.Process(target=_init_and_sign_origin, args=(path, seed, barrier, results))
               for seed in (b"seed-a", b"seed-b")]
    for worker in workers:
        worker.start()
    outcomes = sorted((results.get(timeout=60) for _ in workers), key=lambda r: r[1] != "ok")
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    (winner, won, origin_id, won_at), (_, lost, _, lost_at) = outcomes
    assert (won, lost) == ("ok", "ledger.already_exists")
    assert lost_at >= won_at - DELAY  # the loser waited out the winner's delay at the lock
    with LedgerStore.open(path, read_only=True) as store:
        assert store.num_blocks() == 1 and store.get_block(0).id.hex() == origin_id
        signature = store.get_block_signature(0)
        assert signature is not None
        assert signature.signer == sign(store.get_block(0), demo_block_signer(winner)).signer
        assert verify_ledger(store).ok
    assert not any(name.startswith(INIT_PREFIX) for name in os.listdir(path))


# --- atomic create ------------------------------------------------------------------------------


def test_a_failing_initialise_leaves_no_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger"

    def half_then_fail(env: lmdb.Environment, directory: Path) -> None:
        initialise_ledger(env, directory)
        raise LedgerError("ledger.corrupted", "initialise gave up")

    assert code_of(lambda: create_environment(path, MAP_SIZE, half_then_fail)) == \
        "ledger.corrupted"
    # no data.mdb, no temporary data or lock file; the journal initialise wrote before failing
    # stays (a directory without data.mdb is no ledger; the next create replaces it)
    assert os.listdir(path) == [JOURNAL_FILE]
    assert code_of(lambda: open_environment(path, read_only=True, map_size=MAP_SIZE)) == \
        "ledger.not_a_ledger"
    create_environment(path, MAP_SIZE, initialise_ledger)
    with LedgerStore.open(path) as store:
        assert store.num_blocks() == 0


def _create_slowly(path: Path, started: Any) -> None:
    def stall(env: lmdb.Environment, directory: Path) -> None:
        initialise_ledger(env, directory)
        started.set()
        time.sleep(60)

    create_environment(path, MAP_SIZE, stall)


def test_a_create_killed_midway_leaves_no_ledger(tmp_path: Path) -> None:
    """SIGKILL inside ``initialise``: the directory holds no ``data.mdb`` (only the temporary
    file), and the next create removes the temporary file and succeeds."""
    path = tmp_path / "ledger"
    started = FORK.Event()
    child = FORK.Process(target=_create_slowly, args=(path, started))
    child.start()
    assert started.wait(timeout=30)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL
    leftovers = os.listdir(path)
    assert DATA_FILE not in leftovers and any(n.startswith(INIT_PREFIX) for n in leftovers)
    assert code_of(lambda: open_environment(path, read_only=True, map_size=MAP_SIZE)) == \
        "ledger.not_a_ledger"
    create_environment(path, MAP_SIZE, initialise_ledger)
    assert not any(n.startswith(INIT_PREFIX) for n in os.listdir(path))
    with LedgerStore.open(path) as store:
        assert store.num_blocks() == 0


# --- typed refusals -----------------------------------------------------------------------------


def test_create_where_no_directory_can_be(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    cases = {
        tmp_path / "file": "is a file",
        tmp_path / "file" / "sub": "is a file",
        tmp_path / "dangling": "dangling symbolic link",
        tmp_path / "dangling" / "sub": "dangling symbolic link",
        tmp_path / "loop": "",
    }
    for path, says in cases.items():
        with pytest.raises(LedgerError) as refused:
            create_environment(path, MAP_SIZE, initialise_ledger)
        assert refused.value.code == "ledger.not_a_directory", path
        assert says in refused.value.message and "\n" not in refused.value.message
    assert not (tmp_path / "nowhere").exists()
    create_environment(tmp_path / "ok", MAP_SIZE, initialise_ledger)
    assert code_of(lambda: create_environment(tmp_path / "ok", MAP_SIZE, initialise_ledger)) \
        == "ledger.already_exists"


def test_open_what_holds_no_environment(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "d" / DATA_FILE).mkdir(parents=True)
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    for name in ("missing", "file", "file/sub", "d", "dangling", "loop"):
        for read_only in (True, False):
            with pytest.raises(LedgerError) as refused:
                open_environment(tmp_path / name, read_only=read_only, map_size=MAP_SIZE)
            assert refused.value.code == "ledger.not_a_ledger", name


@pytest.fixture(scope="module")
def denied(tmp_path_factory: pytest.TempPathFactory) -> None:
    if not denial_works(tmp_path_factory.mktemp("probe")):
        pytest.skip("this machine cannot run a child held to file permissions "
                    "(root without CAP_SETPCAP); filesystem_error's EACCES mapping is "
                    "covered by test_filesystem_error_maps_each_errno")


_ENV_SNIPPET = """
import sys
from pathlib import Path
from refimpl.errors import LedgerError
from refimpl.ledger.env import create_environment, open_environment
path = Path(sys.argv[2])
try:
    if sys.argv[1] == "create":
        create_environment(path, 1 << 26, lambda env, d: None)
    else:
        env = open_environment(path, read_only=True, map_size=1 << 26)
        print(env.stat()["psize"], env.flags()["lock"])
except LedgerError as exc:
    print(exc.one_line())
"""


def env_denied(action: str, path: Path) -> str:
    run = run_denied([sys.executable, "-c", _ENV_SNIPPET, action, str(path)])
    assert run.returncode == 0 and run.stderr == "", run.stderr
    return run.stdout.strip()


@pytest.mark.usefixtures("denied")
def test_create_refused_by_permissions(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        read_only = env_denied("create", locked)
        unwritable_parent = env_denied("create", locked / "new")
    finally:
        locked.chmod(0o755)
    assert read_only.startswith("error[ledger.permission_denied]: cannot create the ledger")
    assert unwritable_parent.startswith("error[ledger.permission_denied]")
    assert os.listdir(locked) == []


@pytest.mark.usefixtures("denied")
def test_read_only_open_of_a_read_only_directory(tmp_path: Path) -> None:
    """No lock.mdb and a directory where it cannot be created; then a lock.mdb that cannot be
    opened for writing: both open read-only without the lock."""
    path = tmp_path / "ledger"
    create_environment(path, MAP_SIZE, initialise_ledger)
    (path / "lock.mdb").unlink(missing_ok=True)
    path.chmod(0o555)
    try:
        assert env_denied("open", path) == "4096 False"
        assert not (path / "lock.mdb").exists()
    finally:
        path.chmod(0o755)
    LedgerStore.open(path).close()  # recreates lock.mdb
    (path / "lock.mdb").chmod(0o444)
    path.chmod(0o555)
    try:
        assert env_denied("open", path) == "4096 False"
    finally:
        path.chmod(0o755)


# --- the mappings, with real errors -------------------------------------------------------------


def real_os_error(action: Callable[[], object]) -> OSError:
    with pytest.raises(OSError) as raised:
        action()
    return raised.value


def test_filesystem_error_of_real_failures(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    cases = [
        (lambda: os.open(tmp_path / "missing", os.O_RDONLY), "ledger.not_found"),
        (lambda: os.mkdir(tmp_path / "file" / "sub"), "ledger.not_a_directory"),
        (lambda: os.mkdir(tmp_path / "dangling"), "ledger.not_a_directory"),
        (lambda: os.open(tmp_path / "loop", os.O_RDONLY), "ledger.not_a_directory"),
        (lambda: os.open(tmp_path, os.O_WRONLY), "ledger.io_error"),  # EISDIR
    ]
    for action, code in cases:
        error = filesystem_error(real_os_error(action), tmp_path, "open the ledger")
        assert error.code == code and "\n" not in error.one_line()
        assert error.message.startswith(f"cannot open the ledger at {tmp_path}")


@pytest.mark.parametrize(("number", "code"), [
    (errno.EACCES, "ledger.permission_denied"),
    (errno.EPERM, "ledger.permission_denied"),
    (errno.EROFS, "ledger.read_only_filesystem"),
    (errno.ENOSPC, "ledger.no_space"),
    (errno.EDQUOT, "ledger.no_space"),
    (errno.ENOENT, "ledger.not_found"),
    (errno.EIO, "ledger.io_error"),
    (errno.EMFILE, "ledger.io_error"),
    (errno.ENOLCK, "ledger.io_error"),
])
def test_filesystem_error_maps_each_errno(tmp_path: Path, number: int, code: str) -> None:
    """The errnos this machine cannot produce on demand (EROFS, ENOSPC; EACCES as root)."""
    exc = OSError(number, os.strerror(number), str(tmp_path / "x"))
    error = filesystem_error(exc, tmp_path, "create the ledger")
    assert error.code == code and os.strerror(number) in error.message
    assert error.one_line().count("\n") == 0


def test_lmdb_error_of_real_failures(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\xa5" * 8192)
    with pytest.raises(lmdb.Error) as invalid:
        lmdb.open(str(garbage), subdir=False, readonly=True, lock=False)
    assert lmdb_error(invalid.value, garbage, "open the ledger").code == "ledger.corrupted"

    env = lmdb.open(str(tmp_path / "small"), map_size=64 * 1024)
    with pytest.raises(lmdb.Error) as full:
        with env.begin(write=True) as txn:
            for i in range(10_000):
                txn.put(i.to_bytes(8, "big"), bytes(200))
    assert lmdb_error(full.value, tmp_path, "append").code == "ledger.map_full"
    env.close()

    env = lmdb.open(str(tmp_path / "small"), readonly=True)
    with pytest.raises(lmdb.Error) as read_only:
        env.begin(write=True)
    assert lmdb_error(read_only.value, tmp_path, "append").code == "ledger.permission_denied"
    with pytest.raises(lmdb.Error) as bad_db:
        env.open_db(b"absent", create=False)
    error = lmdb_error(bad_db.value, tmp_path, "open a database")
    assert error.code == "ledger.lmdb_error" and "DbsFullError" in error.message
    env.close()
