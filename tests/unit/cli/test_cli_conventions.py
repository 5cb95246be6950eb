"""CLI conventions shared by every command: one-line typed errors, exit codes, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from refimpl.cli import main
from refimpl.errors import CODES, RefImplError

ROOT = Path(__file__).resolve().parents[3]


def test_usage_error_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error[cli.usage]: ")


def test_typed_error_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "run", "--suite", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error[conformance.unknown_suite]: ")


def test_conformance_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["conformance", "run", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"files", "unused"}
    assert all(set(f) >= {"path", "passed", "failed", "pending"} for f in doc["files"])
    assert code == (0 if doc["ok"] else 1)


def test_error_codes_are_well_formed() -> None:
    for code, meaning in CODES.items():
        area, _, reason = code.partition(".")
        assert area and reason and code == code.lower() and " " not in code, code
        assert meaning and "\n" not in meaning


def test_unregistered_code_cannot_be_raised() -> None:
    with pytest.raises(KeyError):
        RefImplError("made.up", "x")


def test_installed_console_script_reports_errors_without_traceback() -> None:
    env = dict(os.environ, TMPDIR=os.environ.get("TMPDIR", str(ROOT / ".tmp")))
    proc = subprocess.run(
        [sys.executable, "-m", "refimpl.cli", "conformance", "run", "--suite", "nope"],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
