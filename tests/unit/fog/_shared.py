"""Helpers the fog tests share: waiting for a condition, typed refusals, signed blocks appended
to a real LMDB node ledger, and Python child processes that import this repository (a node
appending blocks, a server in a process of its own)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

import pytest

from refimpl.errors import CODES, RefImplError
from refimpl.ledger.block import BlockContents
from refimpl.ledger.signature import sign, signing_key_from_bytes
from refimpl.ledger.store import LedgerStore

REPO_ROOT = Path(__file__).resolve().parents[3]
#: The key every test ledger's blocks are signed with.
SIGNER = signing_key_from_bytes(bytes(range(1, 33)))
#: A block's signature says it was signed at this time + its index.
BASE_TIMESTAMP = 1_700_000_000


def wait_for(what: str, check: Callable[[], bool], timeout_s: float = 20.0,
             interval_s: float = 0.02) -> None:
    """Call ``check`` every ``interval_s`` until it holds; a test failure naming ``what`` after
    ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval_s)


def assert_refused(code: str, call: Callable[[], object]) -> RefImplError:
    """``call`` raises the typed error ``code`` (a registered one); the error."""
    assert code in CODES
    with pytest.raises(RefImplError) as info:
        call()
    assert info.value.code == code, info.value.message
    return info.value


def append_signed(store: LedgerStore, contents: Iterable[BlockContents],
                  unsigned: Collection[int] = ()) -> None:
    """Append each block, signed by :data:`SIGNER` at :data:`BASE_TIMESTAMP` + its index
    unless the index is in ``unsigned``."""
    for c in contents:
        block = store.block_for(c)
        signature = (None if block.index in unsigned
                     else sign(block, SIGNER, BASE_TIMESTAMP + block.index))
        store.append_block(block, c, signature)


def _python(script: str, args: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-c", script, *args], {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def run_python(script: str, *args: str, timeout_s: float = 60.0) -> None:
    """Run ``script`` in a child Python process (this repository importable) to its end."""
    argv, env = _python(script, args)
    subprocess.run(argv, env=env, check=True, timeout=timeout_s, cwd=REPO_ROOT)


def start_python(script: str, *args: str) -> subprocess.Popen[bytes]:
    """Start ``script`` in a child Python process with a pipe to its stdin."""
    argv, env = _python(script, args)
    return subprocess.Popen(argv, stdin=subprocess.PIPE, env=env, cwd=REPO_ROOT)
