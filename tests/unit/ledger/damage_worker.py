"""Damage worker: run ``mcref ledger verify`` on many damaged copies of one ledger, in one process.

``python -m tests.unit.ledger.damage_worker SOURCE SCRATCH CASES`` (cwd = the repository root).
SOURCE is a sound ledger directory; CASES a file of one case per line:

* ``x:POS:MASK`` — ``data.mdb`` with the byte at offset POS XORed with MASK (1..255);
* ``t:LENGTH`` — ``data.mdb`` cut to LENGTH bytes;
* ``s:SIGNUM`` — the worker sends itself that signal (the harness's own test).

For each case the worker writes a copy of SOURCE (every file but LMDB's lock files, with the
damage applied) into one directory under SCRATCH (rewriting the files: creating and removing a
directory per case costs more than the check), then:

1. runs :func:`refimpl.ledger.lmdb_file.check_data_file` on its ``data.mdb``; when that accepts,
   reads every key and value of every named database with LMDB cursors (py-lmdb, read-only):
   after the check accepted a file, this must not crash the process;
2. runs what ``mcref ledger verify --json DIR`` runs (the CLI's parser and handler, in this
   process, with ``refimpl.cli.main``'s exception handling);
3. classifies: exit 1 or 2 (a verify fault or a typed refusal) is ``refused CODE``; exit 0 is
   ``identical`` when every key/value of every named database equals SOURCE's, else ``FAIL``
   (a silently different ledger); anything else (exit 70: an untyped exception) is ``FAIL``.

Before a case the worker prints ``B CASE`` and after it ``R CASE VERDICT``, flushed, on stdout: a
process killed by a signal (SIGBUS, SIGSEGV, SIGABRT) leaves a ``B`` line without its ``R``,
which names the position that killed it (tests/unit/ledger/test_ledger_damage.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
from pathlib import Path

import lmdb

from refimpl.cli import EXIT_BUG, EXIT_REJECTED, build_parser
from refimpl.errors import LedgerError, RefImplError
from refimpl.ledger.lmdb_file import check_data_file

DATA_FILE = "data.mdb"
LOCK_FILES = ("lock.mdb", "data.mdb-lock")


def content_digest(directory: Path) -> str:
    """Blake2b over every (name, key, value) of every named database listed in MAIN_DBI, read
    with cursors in one read-only transaction (every value is read)."""
    digest = hashlib.blake2b(digest_size=32)
    env = lmdb.open(str(directory), readonly=True, lock=False, max_dbs=1024, subdir=True)
    try:
        with env.begin() as txn:
            names = [bytes(key) for key, _ in txn.cursor()]
            for name in names:
                db = env.open_db(name, txn=txn, create=False)
                digest.update(len(name).to_bytes(8, "little") + name)
                for key, value in txn.cursor(db=db):
                    digest.update(len(key).to_bytes(8, "little") + bytes(key))
                    digest.update(len(value).to_bytes(8, "little") + bytes(value))
    finally:
        env.close()
    return digest.hexdigest()


def run_cli(parser: object, argv: list[str]) -> tuple[int, str, str]:
    """``refimpl.cli.main(argv)`` without rebuilding the parser: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            args = parser.parse_args(argv)  # type: ignore[attr-defined]
            code: int = args.handler(args)
        except RefImplError as exc:
            print(exc.one_line(), file=sys.stderr)
            code = EXIT_REJECTED
        except Exception as exc:  # noqa: BLE001 - what main() reports as exit 70
            print(f"error[internal.bug]: {type(exc).__name__}: {exc}", file=sys.stderr)
            code = EXIT_BUG
    return code, out.getvalue(), err.getvalue()


def _refusal(code: int, out: str, err: str) -> str:
    """The ledger code a refusal names (verify's JSON fault, or the error[CODE] line)."""
    if code == 1:
        try:
            fault = json.loads(out)["first_bad_block"]
            return f"{fault['code']}@{fault['index']}"
        except (ValueError, KeyError, TypeError):
            return "verify-fault"
    line = err.strip().splitlines()[-1] if err.strip() else ""
    if line.startswith("error[") and "]" in line:
        return line[len("error["):line.index("]")]
    return "unparsed-refusal"


def classify(parser: object, directory: Path, original: str) -> str:
    try:
        check_data_file(directory / DATA_FILE)
        checker = "accepted"
    except LedgerError as exc:
        checker = exc.code
    except Exception as exc:  # noqa: BLE001 - reported as a failure
        return f"FAIL check_data_file raised {type(exc).__name__}: {exc}"
    digest = None
    if checker == "accepted":
        try:
            digest = content_digest(directory)
        except lmdb.Error as exc:
            checker = f"accepted-but-lmdb-{type(exc).__name__}"
    code, out, err = run_cli(parser, ["ledger", "verify", "--json", str(directory)])
    if code in (1, 2):
        return f"refused {_refusal(code, out, err)} checker={checker}"
    if code != 0:
        return f"FAIL exit {code}: {' '.join(err.split())[:300]}"
    if digest is None:
        return f"FAIL verify accepted a data file the checker refuses ({checker})"
    if digest != original:
        return "FAIL silently different ledger: verify ok, content differs"
    return "identical"


def damaged(data: bytes, case: str) -> bytes:
    kind, *fields = case.split(":")
    if kind == "x":
        position, mask = int(fields[0]), int(fields[1])
        buffer = bytearray(data)
        buffer[position] ^= mask
        return bytes(buffer)
    if kind == "t":
        return data[:int(fields[0])]
    if kind == "s":
        os.kill(os.getpid(), int(fields[0]))
    raise ValueError(f"unknown case {case!r}")


def main(argv: list[str]) -> int:
    source, scratch, cases_file = (Path(a) for a in argv)
    files = {p.name: p.read_bytes() for p in sorted(source.iterdir())
             if p.is_file() and p.name not in LOCK_FILES}
    original = content_digest(source)
    parser = build_parser()
    directory = scratch / "case"
    directory.mkdir(parents=True)
    for case in cases_file.read_text().split():
        print(f"B {case}", flush=True)
        for stray in directory.iterdir():  # anything a previous case left but LMDB's lock
            if stray.name not in files and stray.name not in LOCK_FILES:
                stray.unlink()
        for name, data in files.items():  # the same directory, every file rewritten
            (directory / name).write_bytes(damaged(data, case) if name == DATA_FILE else data)
        verdict = classify(parser, directory, original)
        print(f"R {case} {verdict}", flush=True)
    shutil.rmtree(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
