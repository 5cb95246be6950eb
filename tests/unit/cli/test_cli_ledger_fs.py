"""``mcref ledger init|show|verify`` against filesystems that refuse: every refusal is exit 2 with
one ``error[CODE]`` line (never exit 70, never a traceback), and a ledger in a read-only directory
still shows and verifies (refimpl/ledger/env.py). Permission cases run ``mcref`` in a child held
to the mode bits, also when the tests run as root (tests/unit/ledger/_unprivileged.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from refimpl.cli import main
from tests.unit.ledger._unprivileged import CliRun, denial_works, run_cli_denied


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    return captured.err


def refused(run: CliRun) -> str:
    assert run.returncode == 2 and run.stdout == "", (run.returncode, run.stderr)
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error["), run.stderr
    return run.stderr


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    path.chmod(0o555)
    try:
        yield
    finally:
        path.chmod(0o755)


@pytest.fixture(scope="module")
def denied(tmp_path_factory: pytest.TempPathFactory) -> None:
    if not denial_works(tmp_path_factory.mktemp("probe")):
        pytest.skip("this machine cannot run a child held to file permissions; "
                    "the EACCES mapping is covered in tests/unit/ledger/test_env.py")


def test_init_where_no_directory_can_be(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    cases = {
        "file": "is a file", "file/sub": "is a file", "dangling": "dangling symbolic link",
        "dangling/sub": "dangling symbolic link", "loop": "symbolic link loop",
    }
    for name, says in cases.items():
        assert main(["ledger", "init", str(tmp_path / name)]) == 2, name
        line = one_error_line(capsys)
        assert line.startswith("error[ledger.not_a_directory]") and says in line, line
    assert not (tmp_path / "nowhere").exists()
    for command in ("show", "verify"):
        for name, says in cases.items():
            assert main(["ledger", command, str(tmp_path / name)]) == 2
            line = one_error_line(capsys)
            assert line.startswith("error[ledger.not_a_ledger]") and says in line, line


@pytest.mark.usefixtures("denied")
def test_init_refused_by_permissions(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked):
        runs = run_cli_denied(["ledger", "init", str(locked)],
                              ["ledger", "init", str(locked / "new" / "l")])
    in_read_only, under_read_only = (refused(run) for run in runs)
    assert in_read_only.startswith("error[ledger.permission_denied]: cannot create the ledger")
    assert under_read_only.startswith("error[ledger.permission_denied]")
    assert os.listdir(locked) == []


@pytest.mark.usefixtures("denied")
def test_a_read_only_ledger_shows_and_verifies(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Without lock.mdb in a read-only directory, and with a lock.mdb nobody may write."""
    path = tmp_path / "ledger"
    assert main(["ledger", "init", str(path), "--accounts", "2"]) == 0
    capsys.readouterr()
    (path / "lock.mdb").unlink()
    with read_only(path):
        verified, shown = run_cli_denied(["ledger", "verify", str(path)],
                                         ["ledger", "show", str(path), "--block", "0"])
        assert "lock.mdb" not in os.listdir(path)
    assert (verified.returncode, verified.stderr) == (0, "")
    assert verified.stdout.startswith("ok: 1 blocks, 2 TxOuts, 1 signed")
    assert shown.returncode == 0 and "index: 0" in shown.stdout
    assert main(["ledger", "verify", str(path)]) == 0  # recreates lock.mdb
    capsys.readouterr()
    (path / "lock.mdb").chmod(0o444)
    with read_only(path):
        [verified] = run_cli_denied(["ledger", "verify", str(path)])
    assert verified.returncode == 0 and verified.stdout.startswith("ok: 1 blocks")


@pytest.mark.usefixtures("denied")
def test_an_unreadable_or_unwritable_ledger_is_refused(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ledger"
    assert main(["ledger", "init", str(path), "--accounts", "1"]) == 0
    capsys.readouterr()
    (path / "data.mdb").chmod(0o000)
    try:
        [run] = run_cli_denied(["ledger", "verify", str(path)])
        line = refused(run)
    finally:
        (path / "data.mdb").chmod(0o644)
    assert line.startswith("error[ledger.permission_denied]: cannot open the ledger read-only")
    assert "data.mdb: Permission denied" in line
    with read_only(path):
        [run] = run_cli_denied(["ledger", "init", str(path)])
    line = refused(run)
    assert line.startswith("error[ledger.already_exists]")
