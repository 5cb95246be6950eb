"""docs/tx-format.md "End to end": the documented commands, run exactly as written.

The section's JSON block is written to ``payment.json`` and each line of its ``sh`` block is
run through ``mcref``'s ``main`` in that directory. Afterwards the ledger has grown by one
block holding the transaction's key images, and appending it again is refused.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from refimpl.cli import main
from refimpl.ledger.store import LedgerStore
from refimpl.transaction.tx import Tx

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "tx-format.md"


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## End to end")
    end = text.find("\n## ", start + 1)
    return text[start: end if end != -1 else None]


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


def test_the_documented_example_runs_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    section = _section()
    (description,) = _blocks(section, "json")
    (script,) = _blocks(section, "sh")
    (tmp_path / "payment.json").write_text(description)
    monkeypatch.chdir(tmp_path)
    commands = [shlex.split(line) for line in script.splitlines() if line.strip()]
    assert all(words[0] == "mcref" for words in commands)
    assert ["ledger", "append", "demo", "tx.hex"] in [words[1:] for words in commands]
    outputs = []
    for words in commands:
        assert main(words[1:]) == 0, (words, capsys.readouterr().err)
        outputs.append(capsys.readouterr().out)
    tx = Tx.from_protobuf(bytes.fromhex((tmp_path / "tx.hex").read_text().strip()))
    assert f"valid {tx.hash().hex()}" in "".join(outputs)
    with LedgerStore.open(tmp_path / "demo", read_only=True) as store:
        assert store.num_blocks() == 2
        contents = store.get_block_contents(1)
        assert {ki.to_bytes() for ki in contents.key_images} == {
            p.to_bytes() for p in tx.key_images()}
        assert len(contents.outputs) == len(tx.prefix.outputs) + 1  # and the fee output
    # The same transaction again: its key image is spent, nothing is appended.
    assert main(["ledger", "append", "demo", "tx.hex", "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["code"] == "ledger.contains_spent_key_image"
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error[ledger.contains_spent_key_image]: ")
    with LedgerStore.open(tmp_path / "demo", read_only=True) as store:
        assert store.num_blocks() == 2


def test_a_bare_transaction_needs_a_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tx.hex").write_text("0a00\n")
    assert main(["tx", "verify", str(tmp_path / "tx.hex")]) == 2
    assert capsys.readouterr().err.startswith("error[cli.usage]: ")


def test_a_ledger_input_without_ledger_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (description,) = _blocks(_section(), "json")
    (tmp_path / "payment.json").write_text(description)
    assert main(["tx", "build", str(tmp_path / "payment.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error[tx.builder_bad_description]: ") and "--ledger" in err
