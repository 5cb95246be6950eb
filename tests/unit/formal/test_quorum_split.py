"""A configuration split into two halves: ``mcref quorum check`` reports two disjoint quorums,
and a check written here against the raw JSON (independent of the loader and of Z3) confirms
them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refimpl.cli import main
from refimpl.formal import quorum
from refimpl.formal.fbas_model import parse_stellarbeat

MOBILECOIN = Path(__file__).resolve().parents[3] / "data" / "fbas" / \
    "mobilecoin_nodes_2021-10-22.json"


def split_mobilecoin() -> list[dict[str, Any]]:
    """MobileCoin's ten keys, the first five trusting 3 of the other four in their half, the
    last five likewise: two islands."""
    keys = [node["publicKey"] for node in json.loads(MOBILECOIN.read_text())]
    halves = [keys[:5], keys[5:]]
    nodes = []
    for half in halves:
        for key in half:
            others = [k for k in half if k != key]
            nodes.append({"publicKey": key, "quorumSet": {"threshold": 3, "validators": others}})
    return nodes


def raw_is_quorum(document: list[dict[str, Any]], members: list[str]) -> bool:
    """Every member's flat quorum set has ``threshold`` validators inside ``members``."""
    chosen = set(members)
    by_key = {node["publicKey"]: node["quorumSet"] for node in document}
    return bool(chosen) and all(
        sum(v in chosen for v in by_key[m]["validators"]) >= by_key[m]["threshold"]
        for m in chosen)


def test_split_has_verified_witness() -> None:
    document = split_mobilecoin()
    result = quorum.check_intersection(parse_stellarbeat(document))
    assert not result.intersecting and result.witness is not None
    first, second = result.witness
    assert not set(first) & set(second)
    assert raw_is_quorum(document, list(first)) and raw_is_quorum(document, list(second))


def test_cli_reports_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "split.json"
    document = split_mobilecoin()
    path.write_text(json.dumps(document))
    code = main(["quorum", "check", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["intersecting"] is False and out["witness_verified"] is True
    first, second = out["witness"]
    assert raw_is_quorum(document, first) and raw_is_quorum(document, second)
    assert not set(first) & set(second)
    assert out["minimal_blocking_set"]["size"] == 4  # two nodes in each island


def test_cli_text_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "split.json"
    path.write_text(json.dumps(split_mobilecoin()))
    assert main(["quorum", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "quorum intersection: NO" in out and "(verified)" in out
