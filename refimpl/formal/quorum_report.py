"""The quorum analysis of one stellarbeat-format FBAS file, as a JSON document and as text.

What ``mcref quorum check`` prints and what the ``mcref check`` quorum entry
(:mod:`refimpl.formal.quorum_check`) asserts: quorum intersection (with two disjoint quorums,
re-checked without Z3, when it fails), a minimum-size blocking set and optionally a minimum-size
splitting set. Definitions and the treatment of nodes without a quorum set: docs/quorum.md.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from refimpl.formal import quorum
from refimpl.formal.fbas_model import load_stellarbeat


def analyse(path: Path, splitting_set: bool = False) -> dict[str, Any]:
    """The JSON document of ``mcref quorum check`` for one file."""
    started = time.perf_counter()
    fbas = load_stellarbeat(path)
    loaded = time.perf_counter() - started
    result = quorum.check_intersection(fbas)
    witness = None if result.witness is None else [list(q) for q in result.witness]
    verified = None if result.witness is None else quorum.verify_disjoint_quorums(
        fbas, *result.witness)
    blocking = quorum.minimal_blocking_set(fbas)
    document: dict[str, Any] = {
        "file": str(path),
        "intersecting": result.intersecting,
        "witness": witness,
        "witness_verified": verified,
        "seconds": round(result.seconds, 6),
        "nodes": len(fbas.nodes),
        "with_quorum_set": len(fbas.known),
        "without_quorum_set": len(fbas.unknown),
        "named_without_quorum_set": sorted(fbas.named_unknown),
        "load_seconds": round(loaded, 6),
        "minimal_blocking_set": {"size": blocking.size, "members": list(blocking.members),
                                 "seconds": round(blocking.seconds, 6)},
    }
    if splitting_set:
        split = quorum.minimal_splitting_set(fbas)
        document["minimal_splitting_set"] = {
            "size": split.size, "members": list(split.members),
            "quorums": None if split.quorums is None else [list(q) for q in split.quorums],
            "seconds": round(split.seconds, 6),
        }
    return document


def summary_lines(document: dict[str, Any]) -> list[str]:
    """The human-readable form of :func:`analyse`'s document."""
    lines = [
        f"{document['file']}: {document['nodes']} nodes, {document['with_quorum_set']} with a "
        f"quorum set ({len(document['named_without_quorum_set'])} named without one)",
    ]
    if document["intersecting"]:
        lines.append(f"quorum intersection: yes ({document['seconds']:.3f} s)")
    else:
        first, second = document["witness"]
        checked = "verified" if document["witness_verified"] else "NOT verified"
        lines.append(f"quorum intersection: NO ({document['seconds']:.3f} s); "
                     f"two disjoint quorums ({checked}):")
        lines.append(f"  A ({len(first)}): {', '.join(first)}")
        lines.append(f"  B ({len(second)}): {', '.join(second)}")
    blocking = document["minimal_blocking_set"]
    lines.append(f"minimal blocking set: {blocking['size']} nodes ({blocking['seconds']:.3f} s): "
                 f"{', '.join(blocking['members'])}")
    split = document.get("minimal_splitting_set")
    if split is not None:
        if split["size"] is None:
            lines.append(f"minimal splitting set: none ({split['seconds']:.3f} s)")
        else:
            lines.append(f"minimal splitting set: {split['size']} nodes "
                         f"({split['seconds']:.3f} s): {', '.join(split['members'])}")
    return lines
