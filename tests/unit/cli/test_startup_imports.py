"""``mcref`` imports only what a command needs (docs/architecture.md, "Start-up").

Building the whole parser imports the ``cli`` modules and a few constant modules, never the
protocol code behind the commands; a command imports its own layers when its handler runs.
Each check runs in a fresh interpreter, since this test process has imported everything.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from refimpl.cli import build_parser
from refimpl.cli.choices import LazyChoices
from refimpl.consensus.scp.msg import VARIANTS
from refimpl.consensus.sim.byzantine import BEHAVIOURS
from refimpl.consensus.sim.scenario import BUILTIN_TOPOLOGIES

ROOT = Path(__file__).resolve().parents[3]
STELLAR_2025 = ROOT / "data" / "fbas" / "stellar_pubnet_obsrvr_2025-07-20.json"

#: Nothing of these may be imported to build the parser: the protocol layers (the constant
#: modules ``client/defaults.py`` and ``ledger/demo_seed.py`` import nothing) and the heavy
#: third-party packages (gRPC, LMDB, Z3, libsodium, OpenSSL bindings, PostgreSQL).
FORBIDDEN = ("refimpl.crypto", "refimpl.account", "refimpl.transaction", "refimpl.enclave",
             "refimpl.consensus", "refimpl.formal", "refimpl.node", "refimpl.fog",
             "refimpl.vectors", "grpc", "lmdb", "z3", "rbcl", "cryptography", "psycopg")
ALLOWED_CONSTANTS = {"refimpl.client", "refimpl.client.defaults", "refimpl.ledger",
                     "refimpl.ledger.demo_seed"}

_LIST_MODULES = "import json, sys; print(json.dumps(sorted(sys.modules)))"


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\n{_LIST_MODULES}"], check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    return set(json.loads(out.splitlines()[-1]))


def _forbidden(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules
                  if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_building_the_parser_imports_no_protocol_code() -> None:
    modules = _modules_after("import refimpl.cli\nrefimpl.cli.build_parser()")
    assert "refimpl.cli.fog_serve" in modules and "refimpl.cli.tx" in modules  # all registered
    assert _forbidden(modules, FORBIDDEN) == []
    layers = {m for m in modules if m.startswith(("refimpl.client", "refimpl.ledger"))}
    assert layers <= ALLOWED_CONSTANTS


def test_quorum_check_imports_the_quorum_code_only() -> None:
    modules = _modules_after(
        "from refimpl.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['quorum', 'check', {str(STELLAR_2025)!r}]) == 0")
    assert "z3" in modules and "refimpl.formal.quorum" in modules
    assert _forbidden(modules - ALLOWED_CONSTANTS, (
        "refimpl.crypto", "refimpl.transaction", "refimpl.enclave", "refimpl.ledger",
        "refimpl.node", "grpc", "lmdb", "rbcl")) == []


def test_lazy_choices_read_the_owner_on_use() -> None:
    choices = LazyChoices("refimpl.consensus.sim.byzantine", "BEHAVIOURS", extra=("mixed",))
    assert list(choices) == [*BEHAVIOURS, "mixed"] and "mixed" in choices
    assert "nonsense" not in choices and len(choices) == len(BEHAVIOURS) + 1


def _child(parser: argparse.ArgumentParser, *path: str) -> argparse.ArgumentParser:
    """The sub-command parser at ``path`` below ``parser``."""
    for name in path:
        action = next(a for a in parser._actions  # noqa: SLF001
                      if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
        parser = action.choices[name]
    return parser


def test_scp_simulate_help_and_choices_match_the_simulator() -> None:
    parser = build_parser()
    args = parser.parse_args(["scp", "simulate", "--variant", "mobilecoin",
                              "--behaviour", "mixed"])
    assert (args.variant, args.behaviour) == ("mobilecoin", "mixed")
    text = _child(parser, "scp", "simulate").format_help()
    assert all(v in text for v in VARIANTS) and all(b in text for b in BEHAVIOURS)
    assert " | ".join(BUILTIN_TOPOLOGIES) in " ".join(text.split())


@pytest.mark.parametrize("argv", [["scp", "simulate", "--variant", "nonsense"],
                                  ["scp", "simulate", "--behaviour", "nonsense"]])
def test_an_unknown_choice_is_a_usage_error(argv: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from refimpl.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error[cli.usage]") and "invalid choice" in err


def test_fog_serve_role_flags_appear_when_used() -> None:
    """A fog role's flags come from its server module, added on first parse or help."""
    parser = build_parser()
    args = parser.parse_args(["fog", "serve", "ledger", "--ledger-db", "x", "--sgx-seed", "00"])
    assert args.ledger_db == "x" and args.fog_role == "ledger" and callable(args.handler)
    text = _child(parser, "fog", "serve", "report").format_help()
    assert "--signing-chain" in text and "example:" in text
