"""``refimpl.formal.quorum`` on the three bundled snapshots, with the published answers:
every two quorums intersect; minimum blocking sets of 3 (MobileCoin 2021), 4 (Stellar 2019) and
6 (Stellar 2025), as fbas_analyzer and python-fbas report; python-fbas's splitting-set sizes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from refimpl.formal import quorum
from refimpl.formal.fbas_model import Fbas, is_blocking, load_stellarbeat

FBAS_DIR = Path(__file__).resolve().parents[3] / "data" / "fbas"
MOBILECOIN = FBAS_DIR / "mobilecoin_nodes_2021-10-22.json"
STELLAR_2019 = FBAS_DIR / "stellarbeat_nodes_2019-09-17.json"
STELLAR_2025 = FBAS_DIR / "stellar_pubnet_obsrvr_2025-07-20.json"


@pytest.fixture(scope="module")
def snapshots() -> dict[str, Fbas]:
    return {p.name: load_stellarbeat(p) for p in (MOBILECOIN, STELLAR_2019, STELLAR_2025)}


@pytest.mark.parametrize("path, blocking", [(MOBILECOIN, 3), (STELLAR_2019, 4),
                                            (STELLAR_2025, 6)])
def test_intersection_and_blocking_set(snapshots: dict[str, Fbas], path: Path,
                                       blocking: int) -> None:
    fbas = snapshots[path.name]
    result = quorum.check_intersection(fbas)
    assert result.intersecting and result.witness is None
    found = quorum.minimal_blocking_set(fbas)
    assert found.size == blocking == len(found.members)
    assert is_blocking(fbas, found.members)
    # minimality, checked by brute force over the smaller sets of the most named nodes
    assert not any(is_blocking(fbas, drop) for drop in
                   itertools.combinations(found.members, blocking - 1))


def test_mobilecoin_file_without_inner_sets_parses(snapshots: dict[str, Fbas]) -> None:
    raw = json.loads(MOBILECOIN.read_text())
    assert all("innerQuorumSets" not in node["quorumSet"] for node in raw)
    fbas = snapshots[MOBILECOIN.name]
    assert len(fbas.known) == 10 and not fbas.unknown
    for node in fbas.nodes:
        qset = fbas.quorum_set(node)
        assert qset is not None and qset.threshold == 7 and len(qset.members) == 9
        assert node not in qset.members  # MobileCoin's implicit self


def test_mobilecoin_no_two_node_set_blocks(snapshots: dict[str, Fbas]) -> None:
    fbas = snapshots[MOBILECOIN.name]
    assert not any(is_blocking(fbas, pair) for pair in itertools.combinations(fbas.nodes, 2))


def test_stellar_2019_unknown_nodes(snapshots: dict[str, Fbas]) -> None:
    """Six validators named in quorum sets have no quorum set of their own (watchers with the
    placeholder set, or absent): they are kept as unknown, unconstrained nodes."""
    fbas = snapshots[STELLAR_2019.name]
    assert len(fbas.known) == 75
    assert len(fbas.named_unknown) == 6


@pytest.mark.parametrize("path, size", [(MOBILECOIN, 6), (STELLAR_2019, 2)])
def test_splitting_set(snapshots: dict[str, Fbas], path: Path, size: int) -> None:
    """python-fbas's notion (2 on Stellar 2019, where fbas_analyzer's notion gives 3)."""
    fbas = snapshots[path.name]
    found = quorum.minimal_splitting_set(fbas)
    assert found.size == size and found.quorums is not None
    assert quorum.verify_split(fbas, found.members, *found.quorums)
    smaller = quorum.minimal_splitting_set(fbas, max_size=size - 1)
    assert smaller.size is None
