"""``mcref attest handshake --demo``: every step of both variants, JSON and text, usage error."""

from __future__ import annotations

import json

import pytest

from refimpl.cli import main


@pytest.mark.parametrize(
    ("variant", "outcome"), [("correct", "refused"), ("mobilecoin", "accepted")]
)
def test_demo_json(capsys: pytest.CaptureFixture[str], variant: str, outcome: str) -> None:
    assert main(["attest", "handshake", "--demo", "--variant", variant, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    steps = doc["steps"]
    assert doc["variant"] == variant and all(s["ok"] for s in steps) and len(steps) == 7
    mrenclave = steps[0]["mrenclave"]
    assert [s.get("peer_mrenclave") for s in steps if "peer_mrenclave" in s] == [mrenclave] * 3
    assert steps[-1]["outcome"] == outcome
    if outcome == "refused":
        assert steps[-1]["code"] == "attest.static_key_mismatch"


def test_demo_text_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attest", "handshake", "--demo", "--seed", "x"]) == 0
    first = capsys.readouterr().out
    assert main(["attest", "handshake", "--demo", "--seed", "x"]) == 0
    assert capsys.readouterr().out == first
    assert first.count("[ok]") == 7 and "UNEXPECTED" not in first


def test_without_demo_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attest", "handshake"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error[cli.usage]") and err.count("\n") == 1
