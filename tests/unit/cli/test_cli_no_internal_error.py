"""No input makes ``mcref`` exit 70 (an internal error).

Every command that reads a file (:data:`COMMANDS`; ``test_every_file_argument_is_covered``
walks the parser and fails on a file or directory argument that is neither covered nor exempt
with a reason) gets hostile content in that file: malformed JSON, 5,000-digit integers,
100,000-deep arrays and objects, NaN, wrong types, binary garbage, an empty file, a directory
instead of a file; commands with a known valid document (a transaction description, a verify
request, an FBAS, a policy, the TLC manifest, a trace, signed collateral, a node's TOML config
and the network and tokens files it names) also get that document with one value replaced by
a random JSON value, and a valid transaction gets its protobuf bytes flipped, cut or extended.
Beyond files: extreme numbers in numeric options, random text in free-text arguments, a
hostile ``conformance drive`` adapter, and file names that are not UTF-8.

The exit code must be 0, 1, 2 or 3, and a refusal (2) exactly one ``error[CODE]: message``
line on stderr with a registered code. Commands run in-process through ``refimpl.cli.main``;
subprocess tests check the console entry point the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import cli
from refimpl.cli import build_parser, main
from refimpl.errors import CODES
from refimpl.node.localnet import generate_local_network, toml_document

ROOT = Path(__file__).resolve().parents[3]
DCAP = ROOT / "data" / "attestation" / "dcap"
QUOTE = DCAP / "attestation_hw_quote.dat"
AT = ["--at", "2023-07-20T00:00:00Z"]
FBAS = ROOT / "data" / "fbas" / "mobilecoin_nodes_2021-10-22.json"
VECTORS = ROOT / "conformance" / "vectors" / "transaction" / "transactions.json"
TX_DOC = ROOT / "docs" / "tx-format.md"
ERROR_LINE = re.compile(r"error\[([a-z0-9_]+\.[a-z0-9_.]+)\]: \S")

#: Content that broke, or could break, a reader: every command gets each of them.
NASTY: list[bytes] = [
    b"",
    b"\x00\xff\xfe garbage \x80",
    b"{",
    b"null",
    b"[]",
    b"{}",
    b'"text"',
    b"NaN",
    b"-Infinity",
    b"1" * 5000,
    b'{"a": ' + b"9" * 5000 + b"}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    b"[" * 900 + b"]" * 900,
    b"1e400",
    b"\xef\xbb\xbf{}",
    b"= not toml [",
    b"00" * 8,
    b"0a" + b"ff" * 40,
    b'{"nodes": {"n0": {"threshold": 1, "members": []}}}',
    b'[{"publicKey": "A", "quorumSet": {"threshold": 99999999999999999999999, '
    b'"validators": ["A"], "innerQuorumSets": []}}]',
]


@dataclass(frozen=True)
class Env:
    """What the commands need besides the hostile file: a ledger, a scratch directory."""

    ledger: Path
    scratch: Path
    tx: bytes  # a valid transaction against ``ledger`` (docs/tx-format.md, "End to end")


@dataclass(frozen=True)
class Command:
    """A command reading ``path`` (a file of ``suffix``, or a directory holding ``inside``)."""

    name: str
    argv: Callable[[Path, Env], list[str]]
    covers: tuple[str, ...]  # "<command path>:<dest>" of the parser arguments it exercises
    suffix: str = ".json"
    inside: str | None = None  # the content goes to DIR/inside and DIR is the argument
    base: Callable[[], Any] | None = None  # a valid document to mutate
    mutate_tx: bool = False  # the file holds a transaction: mutate Env.tx's bytes
    lines: bool = False  # JSON lines: ``base`` is the list of the file's objects
    toml: bool = False  # a flat TOML table: ``base`` is the table
    named: bool = True  # the file is named on the command line (not inside a config)


def _doc_description(section: str = "## `mcref tx build") -> Any:
    """The first JSON block after ``section`` in docs/tx-format.md."""
    text = TX_DOC.read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", text[text.index(section):], flags=re.S)
    assert block is not None
    return json.loads(block.group(1))


def _ledger_description() -> Any:
    return _doc_description("## End to end")


def _verify_request() -> Any:
    doc = json.loads(VECTORS.read_text(encoding="utf-8"))
    test = doc["testGroups"][0]["tests"][0]
    return {"tx": test["tx"], "context": test["context"]}


def _fbas() -> Any:
    return json.loads(FBAS.read_text(encoding="utf-8"))


def _policy() -> Any:
    return {"mrenclave": ["00" * 32], "any_measurement": True,
            "mrsigner": [{"mrsigner": "11" * 32, "product_id": 0, "min_svn": 1}],
            "allowed_tcb_statuses": ["UpToDate", "SWHardeningNeeded", "OutOfDate"],
            "allowed_advisories": ["INTEL-SA-00334"], "allow_debug": False,
            "report_data": {"nonce": "22" * 16, "key": "33" * 32}, "enforce_crl_windows": False}


def _manifest() -> Any:
    return json.loads((ROOT / "spec" / "manifest.json").read_text(encoding="utf-8"))


def _trace() -> Any:
    """A JSON-lines file: the list of its objects (:data:`Command.lines`)."""
    path = ROOT / "conformance" / "vectors" / "scp-traces" / "mesh4.ndjson"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:12]]


def _node_run(path: Path, key: str) -> list[str]:
    """``node run`` of a config naming ``path`` as its ``key`` file (network, tokens, key), the
    other files those of a generated network, and no ledger: whatever the files hold, start-up
    stops at ``node.config_no_ledger`` at the latest (refimpl/node/config.py validate_node
    reads the network, tokens and key files first), so no node ever starts."""
    config = path.parent / "node.toml"
    config.write_text(toml_document({**_node_config(), key: str(path)}))
    return ["node", "run", "--config", str(config)]


def _node_config() -> dict[str, Any]:
    """node0's config of the generated network (absolute paths), without origin ledger."""
    config = tomllib.loads((_NET / "node0" / "node.toml").read_text(encoding="utf-8"))
    for key in ("msg_signer_key", "network", "tokens"):
        config[key] = str((_NET / "node0" / config[key]).resolve())
    del config["origin_block_path"]
    return config


def _fog_report(env: Env, chain: Path = DCAP / "attestation_leaf_cert.pem",
                key: Path = DCAP / "attestation_leaf_cert.pem") -> list[str]:
    """``fog serve report`` with hostile PEM files: refused before it binds (a certificate is
    not a private key, so the other file never completes a valid pair)."""
    database = Path(tempfile.mkdtemp(dir=env.scratch)) / "recovery.db"
    return ["fog", "serve", "report", "--client-listen-uri", "insecure-fog://127.0.0.1:0",
            "--recovery-db", f"sqlite:///{database}", "--signing-chain", str(chain),
            "--signing-key", str(key)]


def _qe_identity() -> Any:
    return json.loads((DCAP / "attestation_qe_identity.json").read_text(encoding="utf-8"))


def _scratch_dir(env: Env, name: str) -> str:
    path = Path(tempfile.mkdtemp(prefix=name, dir=env.scratch))
    return str(path / "new")


COMMANDS: list[Command] = [
    Command("tx build", lambda p, e: ["tx", "build", str(p)], ("tx build:description",),
            base=_doc_description),
    Command("tx build --ledger", lambda p, e: ["tx", "build", str(p), "--ledger", str(e.ledger)],
            ("tx build:description",), base=_ledger_description),
    Command("tx build ledger dir", lambda p, e: ["tx", "build", str(_DESCRIPTION), "--ledger",
                                                 str(p)],
            ("tx build:ledger",), inside="data.mdb"),
    Command("tx verify", lambda p, e: ["tx", "verify", str(p)], ("tx verify:file",),
            base=_verify_request),
    Command("tx verify --ledger", lambda p, e: ["tx", "verify", str(p), "--ledger",
                                                str(e.ledger)],
            ("tx verify:file",), suffix=".hex", mutate_tx=True),
    Command("tx verify ledger dir", lambda p, e: ["tx", "verify", str(_TX_HEX), "--ledger",
                                                  str(p)],
            ("tx verify:ledger",), inside="data.mdb"),
    Command("ledger append tx", lambda p, e: ["ledger", "append", str(e.ledger), str(p)],
            ("ledger append:tx",), suffix=".hex", mutate_tx=True),
    Command("ledger append dir", lambda p, e: ["ledger", "append", str(p), str(_TX_HEX)],
            ("ledger append:dir",), inside="data.mdb"),
    Command("ledger show", lambda p, e: ["ledger", "show", str(p)], ("ledger show:dir",),
            inside="data.mdb"),
    Command("ledger verify", lambda p, e: ["ledger", "verify", str(p)], ("ledger verify:dir",),
            inside="data.mdb"),
    Command("quorum check", lambda p, e: ["quorum", "check", str(p)], ("quorum check:file",),
            base=_fbas),
    Command("scp simulate", lambda p, e: ["scp", "simulate", "--topology", str(p), "--slots",
                                          "1", "--max-time-ms", "20000"],
            ("scp simulate:topology",), base=_fbas),
    Command("network up", lambda p, e: ["network", "up", "--topology", str(p), "--dir",
                                        _scratch_dir(e, "up"), "--duration", "0"],
            ("network up:topology",)),
    Command("network status", lambda p, e: ["network", "status", "--dir", str(p)],
            ("network status:dir",), inside="network-state.json"),
    Command("client balance", lambda p, e: ["client", "balance", "--network-state", str(p),
                                            "--account", "0"],
            ("client balance:network_state",)),
    Command("client pay", lambda p, e: ["client", "pay", "--network-state", str(p), "--account",
                                        "0", "--to", "x", "--amount", "1"],
            ("client pay:network_state",)),
    Command("fog address", lambda p, e: ["fog", "address", "--network-state", str(p),
                                         "--account", "0"],
            ("fog address:network_state",)),
    Command("fog balance", lambda p, e: ["fog", "balance", "--network-state", str(p),
                                         "--account", "0"],
            ("fog balance:network_state",)),
    Command("fog pay", lambda p, e: ["fog", "pay", "--network-state", str(p), "--account", "0",
                                     "--to", "x", "--amount", "1"],
            ("fog pay:network_state",)),
    Command("node run", lambda p, e: ["node", "run", "--config", str(p)], ("node run:config",),
            suffix=".toml", base=_node_config, toml=True),
    Command("node run network file", lambda p, e: _node_run(p, "network"), ("node run:config",),
            base=lambda: json.loads((_NET / "node0" / "network.json").read_text()), named=False),
    Command("node run tokens file", lambda p, e: _node_run(p, "tokens"), ("node run:config",),
            base=lambda: json.loads((_NET / "tokens.json").read_text()), named=False),
    Command("node run msg signer key", lambda p, e: _node_run(p, "msg_signer_key"),
            ("node run:config",), suffix=".key", named=False),
    Command("fog serve report chain", lambda p, e: _fog_report(e, chain=p),
            ("fog serve report:signing_chain",), suffix=".pem"),
    Command("fog serve report key", lambda p, e: _fog_report(e, key=p),
            ("fog serve report:signing_key",), suffix=".pem"),
    Command("trace validate", lambda p, e: ["trace", "validate", str(p), "--timeout", "30"],
            ("trace validate:trace",), suffix=".ndjson"),
    Command("trace merge", lambda p, e: ["trace", "merge", str(p), "-o",
                                         _scratch_dir(e, "merge")],
            ("trace merge:traces",), suffix=".ndjson", base=_trace, lines=True),
    Command("trace show", lambda p, e: ["trace", "show", str(p)], ("trace show:trace",),
            suffix=".ndjson", base=_trace, lines=True),
    Command("trace show html", lambda p, e: ["trace", "show", str(p), "--format", "html",
                                             "--slot", "1"],
            ("trace show:trace",), suffix=".ndjson", base=_trace, lines=True),
    Command("tlc run", lambda p, e: ["tlc", "run", str(p)], ("tlc run:cfg",), suffix=".cfg"),
    Command("tlc check", lambda p, e: ["tlc", "check", "--manifest", str(p), "--model",
                                       "no-such-model"],
            ("tlc check:manifest",), base=_manifest),
    Command("tlc list", lambda p, e: ["tlc", "list", "--manifest", str(p)],
            ("tlc list:manifest",), base=_manifest),
    Command("attest quote", lambda p, e: ["attest", "verify-quote", str(p), "--collateral",
                                          str(DCAP), *AT],
            ("attest verify-quote:quote",), suffix=".dat"),
    Command("attest policy", lambda p, e: ["attest", "verify-quote", str(QUOTE), "--collateral",
                                           str(DCAP), "--policy", str(p), *AT],
            ("attest verify-quote:policy",), base=_policy),
    Command("attest root", lambda p, e: ["attest", "verify-quote", str(QUOTE), "--collateral",
                                         str(DCAP), "--root", str(p), *AT],
            ("attest verify-quote:root",), suffix=".pem"),
    Command("attest collateral", lambda p, e: ["attest", "verify-quote", str(QUOTE),
                                               "--collateral", str(p), *AT],
            ("attest verify-quote:collateral",), inside="attestation_qe_identity.json",
            base=_qe_identity),
]

#: File and directory arguments the fuzzing leaves out, and why.
EXEMPT: dict[str, str] = {
    "tx build:out": "an output file",
    "ledger init:dir": "created, not read (test_cli_ledger_fs covers what is in the way)",
    "scp simulate:trace": "an output file",
    "trace validate:tla": "an output file",
    "trace merge:out": "an output file",
    "trace show:out": "an output file",
    "tlc run:spec": "a TLA+ module: a valid one runs TLC for minutes",
    "tlc run:metadir": "created and written by TLC, not read",
    "tlc run:recover": "TLC's own checkpoint files (a missing one is formal.no_checkpoint: "
                       "test_tlc_runner)",
    "network up:dir": "created, not read",
    "network down:dir": "its pids.json names processes to signal: test_network_down_refuses_"
                        "bad_pids feeds it fixed hostile content instead",
    "fog serve ingest:state_file": "a server process: an unreadable state file is reported "
                                   "and ingest starts without it (binds ports)",
    "conformance drive:impl": "a command, not a file (its output is fuzzed: "
                              "test_conformance_drive_survives_a_hostile_adapter)",
}

#: Made by the ``env`` fixture and removed after the module's tests (not at import, so that
#: collecting the module leaves nothing behind).
_FIXTURES = Path(tempfile.gettempdir()) / f"mcref-fuzz-fixtures-{os.getpid()}"
_NET = _FIXTURES / "net"
_DESCRIPTION = _FIXTURES / "payment.json"
_TX_HEX = _FIXTURES / "tx.hex"


_PARSER = build_parser()


def _parser_for(argv: list[str]) -> argparse.ArgumentParser:
    """The sub-command parser that ``argv`` selects."""
    parser = _PARSER
    for word in argv:
        subs = [a for a in parser._actions  # noqa: SLF001
                if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
        if not subs or word not in subs[0].choices:
            break
        parser = subs[0].choices[word]
    return parser


def run(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with stdout and stderr captured. The parser is built once (building it
    costs more than most commands take to refuse their input; parse_args does not change it)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            mock.patch.object(cli, "build_parser", lambda: _PARSER):
        try:
            code = main(argv)
        except SystemExit as exc:  # --help, --version
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def check(argv: list[str]) -> None:
    code, _out, err = run(argv)
    assert code in (0, 1, 2, 3), (argv[:3], code, err[-300:])
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1, (argv[:3], err[-500:])
        match = ERROR_LINE.match(lines[0])
        assert match is not None and match.group(1) in CODES, (argv[:3], lines[0][:300])


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    shutil.rmtree(_FIXTURES, ignore_errors=True)
    _FIXTURES.mkdir(parents=True)
    ledger = _FIXTURES / "ledger"
    assert run(["ledger", "init", str(ledger), "--accounts", "11"])[0] == 0
    _DESCRIPTION.write_text(json.dumps(_ledger_description()))
    assert run(["tx", "build", str(_DESCRIPTION), "--ledger", str(ledger), "--out",
                str(_TX_HEX)])[0] == 0
    scratch = _FIXTURES / "scratch"
    scratch.mkdir()
    generate_local_network(_NET, 2, "dense", b"fuzz", accounts=1)  # files only, no process
    yield Env(ledger, scratch, bytes.fromhex(_TX_HEX.read_text().strip()))
    shutil.rmtree(_FIXTURES, ignore_errors=True)


@contextlib.contextmanager
def hostile(command: Command, content: bytes | None) -> Iterator[Path]:
    """The argument for ``command`` holding ``content`` (``None``: a directory instead of the
    file, or a plain file instead of the directory)."""
    with tempfile.TemporaryDirectory(dir=_FIXTURES) as tmp:
        if command.inside is None:
            path = Path(tmp) / f"input{command.suffix}"
            if content is None:
                path.mkdir()
            else:
                path.write_bytes(content)
            yield path
            return
        directory = Path(tmp) / "dir"
        if content is None:
            directory.write_bytes(b"a file, not a directory")
            yield directory
            return
        if command.inside == "attestation_qe_identity.json":
            shutil.copytree(DCAP, directory)
        else:
            directory.mkdir()
        (directory / command.inside).write_bytes(content)
        yield directory


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_nasty_content(command: Command, env: Env) -> None:
    for content in [*NASTY, None]:
        with hostile(command, content) as path:
            check(command.argv(path, env))


NAMED = [c for c in COMMANDS if c.named]


@pytest.mark.parametrize("command", NAMED, ids=[c.name for c in NAMED])
def test_missing_input_is_file_not_found(command: Command, env: Env) -> None:
    missing = env.scratch / "no-such-input" / f"x{command.suffix}"
    argv = command.argv(missing, env)
    json_flag = "--json" in _parser_for(argv)._option_string_actions  # noqa: SLF001
    code, out, err = run([*argv, "--json"] if json_flag else argv)
    assert code == 2, (command.name, err)
    assert err.startswith("error[cli.file_not_found]: ") and err.count("\n") == 1, err
    if json_flag:
        assert json.loads(out)["error"]["code"] == "cli.file_not_found"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([2**64, 2**64 - 1, -1, 0, 10**4200, -(10**300)])
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
    | st.binary(max_size=40).map(bytes.hex),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=4),
    max_leaves=10,
)

contents = (
    st.sampled_from(NASTY)
    | st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.text(max_size=200).map(str.encode)
)


@given(command=st.sampled_from(COMMANDS), content=contents)
def test_random_content(env: Env, command: Command, content: bytes) -> None:
    with hostile(command, content) as path:
        check(command.argv(path, env))


def _mutate(data: st.DataObject, document: Any) -> Any:
    """``document`` with one value (at a random depth) replaced by a random JSON value."""
    if not isinstance(document, (dict, list)) or not document or data.draw(st.booleans()):
        return data.draw(json_values)
    if isinstance(document, dict):
        key = data.draw(st.sampled_from(sorted(document)))
        return {**document, key: _mutate(data, document[key])}
    index = data.draw(st.integers(0, len(document) - 1))
    return [*document[:index], _mutate(data, document[index]), *document[index + 1:]]


MUTABLE = [c for c in COMMANDS if c.base is not None]


@given(command=st.sampled_from(MUTABLE), data=st.data())
def test_mutated_valid_documents(env: Env, command: Command, data: st.DataObject) -> None:
    assert command.base is not None
    document = _mutate(data, command.base())
    if command.lines and isinstance(document, list):
        text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in document)
    elif command.toml and isinstance(document, dict) and all(
            isinstance(v, (str, int, bool)) for v in document.values()):
        text = toml_document(document)
    else:  # compact, as signed collateral is written
        text = json.dumps(document, separators=(",", ":"))
    with hostile(command, text.encode()) as path:
        check(command.argv(path, env))


TX_MUTABLE = [c for c in COMMANDS if c.mutate_tx]


@st.composite
def _mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with 1 to 3 edits: a byte flipped, a range cut out, random bytes inserted."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        edit = draw(st.sampled_from(["flip", "cut", "insert"]))
        if edit == "flip" and out:
            out[at] ^= draw(st.integers(1, 255))
        elif edit == "cut":
            del out[at: at + draw(st.integers(1, 64))]
        else:
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(out)


@given(command=st.sampled_from(TX_MUTABLE), data=st.data())
def test_mutated_transactions(env: Env, command: Command, data: st.DataObject) -> None:
    """A valid transaction's protobuf with bytes flipped, cut or inserted."""
    tx = data.draw(_mutated_bytes(env.tx))
    with hostile(command, tx.hex().encode()) as path:
        check(command.argv(path, env))


#: Commands whose numeric options get extreme values (the others start servers, connect to
#: nodes or run TLC).
NUMERIC: dict[str, Callable[[Env], list[str]]] = {
    "keys derive": lambda e: ["keys", "derive", "--mnemonic", " ".join(["abandon"] * 11
                                                                       + ["about"])],
    "ledger show": lambda e: ["ledger", "show", str(e.ledger)],
    "ledger init": lambda e: ["ledger", "init", _scratch_dir(e, "init")],
    "scp simulate": lambda e: ["scp", "simulate", "--slots", "1"],
    "tx verify": lambda e: ["tx", "verify", str(_TX_HEX), "--ledger", str(e.ledger)],
    "ledger append": lambda e: ["ledger", "append", str(e.ledger), str(_TX_HEX), "--seed", "x"],
    "fog ingest set-expiry-window": lambda e: ["fog", "ingest", "set-expiry-window", "--admin",
                                               "127.0.0.1:1"],
}
EXTREMES = ["-1", "0", str(2**64), str(10**30), "nan", "-inf", "1e999"]


@pytest.mark.parametrize("name", sorted(NUMERIC))
def test_extreme_numbers_in_options(env: Env, name: str) -> None:
    parser = _parser_for(NUMERIC[name](env))
    options = [a for a in parser._actions  # noqa: SLF001
               if a.option_strings and getattr(a.type, "__name__", "") in ("int", "float")]
    positional = [a for a in parser._actions  # noqa: SLF001
                  if not a.option_strings and getattr(a.type, "__name__", "") == "int"]
    assert options or positional, name
    for value in EXTREMES:
        for action in options:
            if "--timeout" in action.option_strings:
                continue  # a long timeout is a request, not an error
            check([*NUMERIC[name](env), action.option_strings[0], value])
        if positional:
            check([*NUMERIC[name](env), value])


def _file_arguments() -> set[str]:
    """``"<command path>:<dest>"`` of every argument that names a file or directory."""
    found: set[str] = set()

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:  # noqa: SLF001
            if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
                for name, child in action.choices.items():
                    walk(child, f"{path} {name}".strip())
                continue
            type_name = getattr(action.type, "__name__", "")
            metavar = str(action.metavar or "")
            if (type_name in {"Path", "input_file", "input_dir", "input_path"}
                    or re.search(r"FILE|DIR|PATH|\.json|\.hex|TRACE", metavar)
                    or action.dest in {"dir", "file", "trace", "traces", "cfg", "quote",
                                       "topology", "network_state", "config"}):
                found.add(f"{path}:{action.dest}")

    walk(build_parser(), "")
    return found


def test_every_file_argument_is_covered() -> None:
    covered = {c for command in COMMANDS for c in command.covers}
    missing = _file_arguments() - covered - set(EXEMPT)
    assert not missing, f"file arguments no fuzz case covers: {sorted(missing)}"


@pytest.mark.parametrize("pids", [b'{"n0": 0}', b'{"n0": -1}', b'{"n0": 1}', b"[1, 2]",
                                  b'{"n0": "x"}', b'{"n0": true}', b"{", b"[" * 100_000])
def test_network_down_refuses_bad_pids(env: Env, pids: bytes) -> None:
    """pid 0 and -1 would signal our process group or every process: refused, not sent."""
    with tempfile.TemporaryDirectory(dir=_FIXTURES) as tmp:
        (Path(tmp) / "pids.json").write_bytes(pids)
        code, _out, err = run(["network", "down", "--dir", tmp])
        assert code in (0, 2), err
        if code == 2:
            assert err.startswith("error[") and err.count("\n") == 1


_KEY = "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"

#: Commands taking free text (hex, b58, mnemonics, URLs, times, names) in an argument.
TEXT_ARGUMENTS: dict[str, Callable[[str, Env], list[str]]] = {
    "address decode": lambda x, e: ["address", "decode", x],
    "address decode --fog-authority-spki": lambda x, e: [
        "address", "decode", "2E9Fh", "--fog-authority-spki", x],
    "address encode": lambda x, e: ["address", "encode", "--view-public", x, "--spend-public",
                                    _KEY],
    "address encode --fog-*": lambda x, e: [
        "address", "encode", "--view-public", _KEY, "--spend-public", _KEY,
        "--fog-report-url", x, "--fog-report-id", x, "--fog-authority-sig", "00"],
    "keys derive --root-entropy": lambda x, e: ["keys", "derive", "--root-entropy", x],
    "keys derive --mnemonic": lambda x, e: ["keys", "derive", "--mnemonic", x],
    "keys derive --fog-*": lambda x, e: [
        "keys", "derive", "--root-entropy", "00" * 32, "--fog-report-url", x,
        "--fog-report-id", x, "--fog-authority-spki", x],
    "attest verify-quote --at": lambda x, e: [
        "attest", "verify-quote", str(QUOTE), "--collateral", str(DCAP), "--at", x],
    "ledger init --seed": lambda x, e: ["ledger", "init", _scratch_dir(e, "seed"), "--seed", x],
    "scp simulate --behaviour": lambda x, e: ["scp", "simulate", "--slots", "1",
                                              "--behaviour", x],
    "tlc check --model": lambda x, e: ["tlc", "check", "--model", x],
}
texts = st.text(max_size=60) | st.sampled_from([
    "", "0x", "ff" * 64, "fog://", "fog://a" * 50, "-", "9" * 5000, "2E9Fh" + "z" * 200,
    "abandon " * 24, "0001-01-01T00:00:00-12:00", "9999-12-31T23:59:59+14:00"])


@given(name=st.sampled_from(sorted(TEXT_ARGUMENTS)), text=texts)
def test_random_text_arguments(env: Env, name: str, text: str) -> None:
    check(TEXT_ARGUMENTS[name](text, env))


HELLO = '{"type": "hello", "protocol": 1, "suites": ["account_keys"]}'


@pytest.mark.parametrize("answer", ["[" * 100_000, "1" * 5000, "NaN", '{"id": ' + "9" * 5000 + "}",
                                    '{"a":' * 100_000])
@pytest.mark.parametrize("when", ["hello", "answer"])
def test_conformance_drive_survives_a_hostile_adapter(env: Env, when: str, answer: str) -> None:
    """The other implementation's output is input too: a hostile line in place of its hello
    or of an answer is a typed error or a failed case, not exit 70."""
    adapter = Path(tempfile.mkdtemp(dir=_FIXTURES)) / "adapter.py"
    first = answer if when == "hello" else HELLO
    adapter.write_text(
        "import sys\n"
        f"print({first!r}, flush=True)\n"
        "for _ in iter(sys.stdin.readline, ''):\n"
        f"    print({answer!r}, flush=True)\n")
    check(["conformance", "drive", "--impl", f"{sys.executable} {adapter}", "--suite",
           "account_keys", "--timeout", "30"])


def test_console_entry_point_refuses_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    env = dict(os.environ, TMPDIR=os.environ.get("TMPDIR", str(ROOT / ".tmp")))
    proc = subprocess.run([sys.executable, "-m", "refimpl.cli", "tx", "verify", str(path),
                           "--json"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error[encoding.bad_json]: ") and proc.stderr.count("\n") == 1
    assert json.loads(proc.stdout)["error"]["code"] == "encoding.bad_json"


def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    """Arguments arrive as PEP 383 surrogates: LMDB opens the path as bytes, stdout escapes
    the name (it raised UnicodeEncodeError, exit 70)."""
    ledger = tmp_path / os.fsdecode(b"ledger-\xff")
    env = dict(os.environ, TMPDIR=os.environ.get("TMPDIR", str(ROOT / ".tmp")))
    for argv, code in ((["ledger", "init", str(ledger)], 0), (["ledger", "verify", str(ledger)], 0),
                       (["quorum", "check", str(tmp_path / os.fsdecode(b"\xfe.json"))], 2)):
        proc = subprocess.run([sys.executable, "-m", "refimpl.cli", *argv], capture_output=True,
                              env=env, check=False)
        assert proc.returncode == code, proc.stderr
        assert proc.stderr.count(b"\n") == (1 if code else 0), proc.stderr
    assert (ledger / "data.mdb").is_file()
