"""Load a network configuration from a stellarbeat-format JSON node list.

The format (used by stellarbeat.io, trudi-group/fbas_analyzer and nano-o/python-fbas; see
data/fbas/PROVENANCE.md) is a JSON array of node objects with ``publicKey`` and
``quorumSet {threshold, validators: [publicKey], innerQuorumSets: [quorumSet]}``. Entries flagged
``"isValidator": false`` are watchers and are skipped. Node ids keep their public-key strings
(docs/scp-interface.md, "Types"). Every quorum set is validated; a reference to a public key
that is not a validator of the file raises ``scp.config_unknown_validator`` unless
``allow_unknown`` (then such members simply never speak, like crashed nodes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from refimpl import safe_json
from refimpl.consensus.scp.types import QuorumSet
from refimpl.consensus.sim.topology import Topology, validate_topology
from refimpl.errors import ScpError


def _bad(message: str) -> ScpError:
    return ScpError("scp.config_bad_file", message)


def _quorum_set(raw: Any, where: str, depth: int = 0) -> QuorumSet:
    if depth > 8:
        raise _bad(f"{where}: quorum sets nested deeper than 8 levels")
    if not isinstance(raw, dict):
        raise _bad(f"{where}: quorumSet is not an object")
    threshold = raw.get("threshold")
    validators = raw.get("validators", [])
    inner = raw.get("innerQuorumSets", [])
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise _bad(f"{where}: threshold must be a non-negative integer")
    if not isinstance(validators, list) or not all(isinstance(v, str) for v in validators):
        raise _bad(f"{where}: validators must be a list of public-key strings")
    if not isinstance(inner, list):
        raise _bad(f"{where}: innerQuorumSets must be a list")
    members: list[str | QuorumSet] = list(validators)
    members += [_quorum_set(q, where, depth + 1) for q in inner]
    return QuorumSet(threshold, tuple(members))


def parse_stellarbeat(document: Any, *, allow_unknown: bool = False) -> Topology:
    """The validators of a parsed stellarbeat node list and their quorum sets."""
    if not isinstance(document, list):
        raise _bad("expected a JSON array of node objects")
    topology: Topology = {}
    for index, entry in enumerate(document):
        if not isinstance(entry, dict) or not isinstance(entry.get("publicKey"), str):
            raise _bad(f"entry {index} is not a node object with a publicKey")
        if entry.get("isValidator") is False:
            continue
        key = entry["publicKey"]
        if key in topology:
            raise _bad(f"validator {key} appears twice")
        if entry.get("quorumSet") is None:
            raise ScpError("scp.config_empty_quorum_set", f"validator {key} has no quorumSet")
        quorum_set = _quorum_set(entry["quorumSet"], f"validator {key}")
        if not quorum_set.members:
            raise ScpError("scp.config_empty_quorum_set", f"validator {key} trusts nobody")
        topology[key] = quorum_set
    if allow_unknown:
        for quorum_set in topology.values():
            quorum_set.validate()
        if not topology:
            raise ScpError("scp.sim_bad_parameters", "the configuration has no validators")
    else:
        validate_topology(topology)
    return topology


def load_stellarbeat(path: Path, *, allow_unknown: bool = False) -> Topology:
    """Read and parse a stellarbeat-format file (errors: ``cli.io``-free, all ``scp.*``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(f"cannot read {path}: {exc}") from exc
    try:
        document = safe_json.parse(text)
    except ValueError as exc:
        raise _bad(f"{path} is not JSON: {exc}") from None
    return parse_stellarbeat(document, allow_unknown=allow_unknown)
