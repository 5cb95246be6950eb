"""The Z3 answers against brute force on small random FBASs (nested quorum sets, nodes without
a quorum set), and malformed input: a typed error, never another exception."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.cli import main
from refimpl.consensus.scp.types import QuorumSet
from refimpl.errors import CODES, RefImplError
from refimpl.formal import quorum
from refimpl.formal.fbas_model import (
    Fbas,
    is_blocking,
    is_byzantine_quorum,
    is_quorum,
    largest_quorum_within,
    parse_stellarbeat,
    small_quorum_within,
)

NAMES = [f"n{i}" for i in range(7)]


@st.composite
def qsets(draw: st.DrawFn, pool: list[str], depth: int = 0) -> QuorumSet:
    members: list[str | QuorumSet] = list(
        draw(st.lists(st.sampled_from(pool), unique=True, max_size=len(pool))))
    if depth < 1:
        members += draw(st.lists(qsets(pool, depth + 1), max_size=2))
    if not members:
        members = [draw(st.sampled_from(pool))]
    threshold = draw(st.integers(1, len(members)))
    return QuorumSet(threshold, tuple(members))


@st.composite
def fbases(draw: st.DrawFn, max_nodes: int = 6) -> Fbas:
    count = draw(st.integers(2, max_nodes))
    pool = NAMES[:count]
    table: dict[str, QuorumSet | None] = {}
    for name in pool:
        known = draw(st.integers(0, 5)) > 0  # about one node in six has no quorum set
        table[name] = draw(qsets(pool)) if known or name == pool[0] else None
    return Fbas.from_mapping(table)


def subsets(items: Iterable[str]) -> Iterable[frozenset[str]]:
    pool = sorted(items)
    for size in range(len(pool) + 1):
        for combo in itertools.combinations(pool, size):
            yield frozenset(combo)


@given(fbases())
def test_intersection_matches_brute_force(fbas: Fbas) -> None:
    quorums = [q for q in subsets(fbas.nodes) if is_quorum(fbas, q)]
    split = any(not a & b for a, b in itertools.combinations(quorums, 2))
    result = quorum.check_intersection(fbas)
    assert result.intersecting is not split
    if result.witness is not None:
        a, b = result.witness
        assert is_quorum(fbas, a) and is_quorum(fbas, b) and not set(a) & set(b)


@given(fbases())
def test_blocking_set_matches_brute_force(fbas: Fbas) -> None:
    smallest = next(len(s) for s in subsets(fbas.known) if s and is_blocking(fbas, s))
    found = quorum.minimal_blocking_set(fbas)
    assert found.size == smallest
    assert is_blocking(fbas, found.members)


@given(fbases(max_nodes=4))
def test_splitting_set_matches_brute_force(fbas: Fbas) -> None:
    expected = None
    for bad in subsets(fbas.nodes):
        pairs = itertools.product(subsets(fbas.nodes), repeat=2)
        if any(is_byzantine_quorum(fbas, a, bad) and is_byzantine_quorum(fbas, b, bad)
               and a & b <= bad for a, b in pairs):
            expected = len(bad)
            break
    found = quorum.minimal_splitting_set(fbas)
    assert found.size == expected
    if found.quorums is not None:
        assert quorum.verify_split(fbas, found.members, *found.quorums)


@given(fbases())
def test_small_quorum_is_a_minimal_quorum(fbas: Fbas) -> None:
    whole = largest_quorum_within(fbas, fbas.nodes)
    assert whole  # the whole FBAS is a quorum
    small = small_quorum_within(fbas, whole)
    assert is_quorum(fbas, small)
    assert not any(is_quorum(fbas, small - {n}) for n in small if len(small) > 1)


def test_no_known_quorum_set_is_a_typed_error() -> None:
    fbas = Fbas.from_mapping({"a": None})
    with pytest.raises(RefImplError) as caught:
        quorum.check_intersection(fbas)
    assert caught.value.code == "formal.fbas_no_quorum_set"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["publicKey", "quorumSet", "threshold", "validators",
                         "innerQuorumSets", "isValidator"]), inner, max_size=4),
    max_leaves=20)


@given(json_values)
def test_arbitrary_json_parses_or_raises_typed_error(document: Any) -> None:
    try:
        fbas = parse_stellarbeat(document)
    except RefImplError as exc:
        assert exc.code in CODES
        return
    if fbas.known:
        quorum.check_intersection(fbas)
        quorum.minimal_blocking_set(fbas)


@pytest.mark.parametrize("text, code", [
    ("not json", "scp.config_bad_file"),
    ('{"publicKey": "a"}', "scp.config_bad_file"),
    ('[{"quorumSet": {"threshold": 1, "validators": ["a"]}}]', "scp.config_bad_file"),
    ('[{"publicKey": "a", "quorumSet": {"threshold": -1, "validators": ["a"]}}]',
     "scp.config_bad_file"),
    ('[{"publicKey": "a", "quorumSet": {"threshold": 3, "validators": ["b"]}}]',
     "scp.config_threshold_too_large"),
])
def test_malformed_file_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                            code: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert main(["quorum", "check", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error[{code}]:")


def test_missing_file_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quorum", "check", str(tmp_path / "absent.json")]) == 2
    assert capsys.readouterr().err.startswith("error[cli.file_not_found]:")


def test_cli_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[3] / "data" / "fbas" / \
        "mobilecoin_nodes_2021-10-22.json"
    assert main(["quorum", "check", str(path), "--json", "--splitting-set"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["intersecting"] is True and doc["witness"] is None
    assert isinstance(doc["seconds"], float)
    assert doc["minimal_blocking_set"]["size"] == 3
    assert doc["minimal_splitting_set"]["size"] == 6


def test_mcref_check_entry() -> None:
    from refimpl.formal.quorum_check import CHECKS

    [(name, check)] = CHECKS
    ok, lines, detail = check()
    assert ok and "MobileCoin 2021" in name
    assert detail["intersecting"] is True and detail["minimal_blocking_set"]["size"] == 3
    assert any("quorum intersection: yes" in line for line in lines)
