"""The stellarbeat loader: the MobileCoin 2021 mainnet file and typed rejections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.sim.fbas import load_stellarbeat, parse_stellarbeat
from refimpl.errors import RefImplError, ScpError

DATA = Path(__file__).resolve().parents[3] / "data" / "fbas"
MAINNET = DATA / "mobilecoin_nodes_2021-10-22.json"


def test_mobilecoin_mainnet_2021_is_ten_validators_7_of_9() -> None:
    topology = load_stellarbeat(MAINNET)
    assert len(topology) == 10
    for key, qset in topology.items():
        assert qset.threshold == 7
        assert qset.nodes() == frozenset(topology) - {key}


def _node(key: str, threshold: int, validators: list[str], inner: list[Any] | None = None,
          **extra: Any) -> dict[str, Any]:
    qset = {"threshold": threshold, "validators": validators, "innerQuorumSets": inner or []}
    return {"publicKey": key, "quorumSet": qset, **extra}


def test_inner_sets_and_watchers() -> None:
    doc = [
        _node("A", 1, ["B"], [{"threshold": 1, "validators": ["C"], "innerQuorumSets": []}]),
        _node("B", 1, ["A"]),
        _node("C", 1, ["A"]),
        {"publicKey": "W", "isValidator": False, "quorumSet": {"threshold": 9007199254740991,
                                                                "validators": []}},
    ]
    topology = parse_stellarbeat(doc)
    assert sorted(topology) == ["A", "B", "C"]
    assert topology["A"].nodes() == frozenset({"B", "C"})


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ([_node("A", 2, ["B"]), _node("B", 1, ["A"])], "scp.config_threshold_too_large"),
        ([_node("A", 1, ["Z"])], "scp.config_unknown_validator"),
        ([_node("A", 1, [])], "scp.config_empty_quorum_set"),
        ([_node("A", 1, ["A"], [{"threshold": 1, "validators": [], "innerQuorumSets": []}])],
         "scp.config_empty_quorum_set"),
        ([{"publicKey": "A"}], "scp.config_empty_quorum_set"),
        ({"nodes": []}, "scp.config_bad_file"),
        ([_node("A", -1, ["A"])], "scp.config_bad_file"),
        ([_node("A", 1, ["A"]), _node("A", 1, ["A"])], "scp.config_bad_file"),
    ],
)
def test_invalid_configurations_are_typed(doc: Any, code: str) -> None:
    with pytest.raises(ScpError) as err:
        parse_stellarbeat(doc)
    assert err.value.code == code


def test_unknown_validators_may_be_allowed() -> None:
    topology = parse_stellarbeat([_node("A", 1, ["Z"])], allow_unknown=True)
    assert topology["A"].nodes() == frozenset({"Z"})


def test_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(ScpError) as err:
            load_stellarbeat(path)
        assert err.value.code == "scp.config_bad_file"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["publicKey", "quorumSet", "threshold", "validators",
                         "innerQuorumSets", "isValidator"]), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_arbitrary_json_yields_a_typed_error_or_a_valid_topology(doc: Any) -> None:
    try:
        topology = parse_stellarbeat(json.loads(json.dumps(doc)))
    except RefImplError as exc:
        assert exc.code.startswith("scp.")
    else:
        for qset in topology.values():
            qset.validate()
