"""Every ``mcref`` sub-command explains itself (refimpl/cli/help_text.py).

The parser tree is walked: each sub-command's ``--help`` has a description, an example
(``mcref ...`` under ``example:``) and its exit codes; every option with a default names it.
``mcref --version`` prints the package version; ``--topology`` errors name the valid ones and
a topology that tolerates no faulty node says so; ``mcref check`` streams and skips TLC.
"""

from __future__ import annotations

import argparse
import io
import json
import re
from collections.abc import Iterator

import pytest

import refimpl
from refimpl.checks import CheckResult
from refimpl.cli import build_parser, main
from refimpl.cli import check as cli_check
from refimpl.cli.help_text import EXAMPLES
from refimpl.cli.topology_note import no_fault_tolerance_note
from refimpl.consensus.scp.types import QuorumSet
from refimpl.formal import check as formal_check
from refimpl.node.localnet import topology_quorum_sets


def _commands(parser: argparse.ArgumentParser, path: str = "") -> Iterator[
        tuple[str, argparse.ArgumentParser, bool]]:
    """(path, parser, is_leaf) for every sub-command."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
    if path:
        yield path, parser, not subs
    for action in subs:
        for name, child in action.choices.items():
            yield from _commands(child, f"{path} {name}".strip())


COMMANDS = list(_commands(build_parser()))


def test_the_tree_is_walked() -> None:
    leaves = {path for path, _, leaf in COMMANDS if leaf}
    assert {"tx build", "tx verify", "ledger append", "quorum check", "check",
            "fog serve report", "fog ingest status"} <= leaves
    assert not set(EXAMPLES) - {path for path, _, _ in COMMANDS} - {"conformance drive"}


@pytest.mark.parametrize(("path", "parser", "leaf"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_each_subcommand_explains_itself(path: str, parser: argparse.ArgumentParser,
                                         leaf: bool) -> None:
    text = parser.format_help()
    description = parser.description or ""
    assert description.strip(), f"{path}: no description"
    assert "exit codes:\n  0 success" in text and "  2 bad input or usage" in text, path
    example = re.search(r"examples?:\n  (mcref .+)", text)
    assert example is not None, f"{path}: no example"
    assert example.group(1).startswith(f"mcref {path}" + (" " if not leaf else "")), (
        path, example.group(1))
    for action in parser._actions:  # noqa: SLF001
        default = action.default
        if (action.option_strings and action.help != argparse.SUPPRESS
                and default not in (None, False, "", [], argparse.SUPPRESS)
                and not isinstance(action, argparse._HelpAction)):  # noqa: SLF001
            formatted = parser._get_formatter()._expand_help(action)  # noqa: SLF001
            assert "default" in formatted.lower(), (path, action.option_strings)
            assert str(default) in formatted or "default" in (action.help or ""), (
                path, action.option_strings, formatted)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"mcref {refimpl.__version__}\n"


def test_usage_error_with_json_is_a_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tx", "verify", "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["code"] == "cli.usage"
    assert captured.err.count("\n") == 1 and captured.err.startswith("error[cli.usage]: ")


def test_scp_topology_errors_name_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scp", "simulate", "--topology", "meshy"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error[scp.sim_bad_parameters]: ") and err.count("\n") == 1
    assert all(name in err for name in ("mesh", "cyclic", "metamesh", "FILE.json"))
    assert main(["scp", "simulate", "--topology", "absent.json"]) == 2
    assert capsys.readouterr().err.startswith("error[cli.file_not_found]: ")


def test_network_topology_errors_name_the_valid_ones(
        capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    assert main(["network", "up", "--topology", "star", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error[node.localnet_bad_topology]: ")
    assert all(name in err for name in ("dense", "denseN", "ring", "ringN", ".json"))


def test_no_fault_tolerance_is_named() -> None:
    assert no_fault_tolerance_note(topology_quorum_sets("dense", 5)) is None
    assert no_fault_tolerance_note(topology_quorum_sets("ring", 5)) is None
    for topology, nodes in (("dense", 3), ("ring", 2), ("dense", 1)):
        note = no_fault_tolerance_note(topology_quorum_sets(topology, nodes))
        assert note is not None and "tolerates no faulty node" in note, (topology, nodes)
    mesh = {"a": QuorumSet.flat(2, ["b", "c"]), "b": QuorumSet.flat(1, ["a", "c"]),
            "c": QuorumSet.flat(1, ["a", "b"])}
    note = no_fault_tolerance_note(mesh)
    assert note is not None and "if b stops, a can no longer reach a quorum" in note


def test_scp_simulate_says_a_topology_tolerates_no_fault(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scp", "simulate", "--topology", "mesh", "--nodes", "2", "--slots", "1"]) == 0
    assert "tolerates no faulty node" in capsys.readouterr().out
    assert main(["scp", "simulate", "--topology", "mesh", "--nodes", "4", "--slots", "1",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["fault_tolerance_note"] is None


def test_check_skip_tlc_leaves_out_the_tlc_section() -> None:
    kept, skipped = cli_check._layer_checks(skip_tlc=True)  # noqa: SLF001
    tlc_names = [name for name, _ in formal_check.CHECKS]
    assert skipped == tlc_names and tlc_names
    assert not {name for name, _ in kept} & set(tlc_names)
    kept_all, none = cli_check._layer_checks()  # noqa: SLF001
    assert none == [] and set(tlc_names) <= {name for name, _ in kept_all}


class _Stream(io.StringIO):
    """Records what had been flushed when each check started."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed = ""

    def flush(self) -> None:
        self.flushed = self.getvalue()


def test_check_prints_each_line_as_it_finishes(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _Stream()
    seen: list[str] = []

    def first() -> CheckResult:
        return CheckResult(True, ["first line"], {})

    def second() -> CheckResult:
        seen.append(stream.flushed)  # what a reader of the pipe had by now
        return CheckResult(False, ["second line"], {})

    monkeypatch.setattr(cli_check, "CHECKS", [("one", first)])
    monkeypatch.setattr(cli_check, "_layer_checks",
                        lambda skip_tlc=False: ([("two", second)], ["TLC models"]))
    monkeypatch.setattr("sys.stdout", stream)
    assert main(["check", "--skip-tlc"]) == 1
    assert "== one: OK" in seen[0] and "first line" in seen[0]
    out = stream.getvalue()
    assert "== two: FAILED" in out and "== TLC models: SKIPPED (--skip-tlc)" in out
    assert out.rstrip().endswith("some checks FAILED (1 TLC checks skipped)")
