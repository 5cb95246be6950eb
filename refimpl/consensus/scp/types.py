"""SCP core types: node ids, values, quorum sets and ballots.

MobileCoin: ``consensus/scp/types/src/quorum_set.rs`` (QuorumSet),
``consensus/scp/src/core_types.rs`` (Ballot, ``INFINITY``). Contract: docs/scp-interface.md "Types".

* ``NodeID`` is a string (simulated nodes ``"n0"``, ``"n1"``...; stellarbeat keys as given).
* ``Value`` is opaque bytes, ordered bytewise; a ballot value is a sorted tuple of distinct values.
* ``QuorumSet(threshold, members)``: members are node ids or inner quorum sets. As in MobileCoin
  the owner of a quorum set is not required to appear in it: it implicitly belongs to each of its
  own slices (``quorum_set_ext.rs``; docs/deviations.md#dev-scp-quorum-search).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Union

import attrs

from refimpl.errors import ScpError

NodeID = str
Value = bytes

#: Deepest nesting of inner quorum sets accepted (MobileCoin has no limit, stellar-core 4);
#: a bound keeps recursion safe on hostile input.
MAX_DEPTH = 16

#: The counter of a ballot that can never be exceeded (``u32::MAX``; MobileCoin core_types.rs).
INFINITY = 2**32 - 1

QuorumMember = Union[NodeID, "QuorumSet"]


@attrs.frozen(cache_hash=True)
class QuorumSet:
    """A threshold ``threshold`` over ``members`` (node ids or inner quorum sets), any depth.

    ``validate`` enforces MobileCoin's validity (threshold ≤ #members at every level, no empty
    inner set) plus threshold ≥ 1 for non-empty sets and no duplicate node. The top-level empty
    set with threshold 0 is valid: it describes a node that needs nobody but itself (MobileCoin's
    one-node mesh ``m1k0``).
    """

    threshold: int
    members: tuple[QuorumMember, ...]

    def validate(self) -> None:
        """Raise ``ScpError`` (``scp.config_*``) unless this quorum set is well formed."""
        if self in _VALID_QSETS:
            return
        self._validate(top=True, seen=set())
        if len(_VALID_QSETS) > 100_000:
            _VALID_QSETS.clear()
        _VALID_QSETS.add(self)

    def _validate(self, top: bool, seen: set[str], depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise ScpError("scp.config_too_deep", f"nested more than {MAX_DEPTH} levels")
        if not isinstance(self.threshold, int) or isinstance(self.threshold, bool):
            raise ScpError("scp.config_threshold_zero", "threshold must be an integer")
        if not self.members:
            if top and self.threshold == 0:
                return
            if not top:
                raise ScpError("scp.config_empty_quorum_set", "an inner quorum set has no members")
        if self.threshold > len(self.members):
            raise ScpError(
                "scp.config_threshold_too_large",
                f"threshold {self.threshold} exceeds {len(self.members)} members",
            )
        if self.threshold < 1:
            raise ScpError("scp.config_threshold_zero", "threshold must be at least 1")
        for member in self.members:
            if isinstance(member, QuorumSet):
                member._validate(top=False, seen=seen, depth=depth + 1)
            elif isinstance(member, str):
                if member in seen:
                    raise ScpError("scp.config_duplicate_member", f"node {member!r} appears twice")
                seen.add(member)
            else:
                raise ScpError("scp.config_empty_quorum_set", "a member is neither id nor set")

    def nodes(self) -> frozenset[NodeID]:
        """Every node id named at any depth."""
        found = _NODES.get(self)
        if found is not None:
            return found
        out: set[NodeID] = set()
        for member in self.members:
            if isinstance(member, QuorumSet):
                out |= member.nodes()
            else:
                out.add(member)
        found = frozenset(out)
        if len(_NODES) > 100_000:
            _NODES.clear()
        _NODES[self] = found
        return found

    def to_json(self) -> dict[str, Any]:
        """``{"threshold": k, "members": [id | {...}]}`` in stored member order.

        The result is cached per quorum set and shared: treat it as read-only."""
        found = _JSON.get(self)
        if found is None:
            found = {
                "threshold": self.threshold,
                "members": [m.to_json() if isinstance(m, QuorumSet) else m for m in self.members],
            }
            if len(_JSON) > 100_000:
                _JSON.clear()
            _JSON[self] = found
        return found

    @staticmethod
    def from_json(obj: Any, depth: int = 0) -> QuorumSet:
        """Parse the JSON form; raises ``ScpError("scp.msg_bad_json")`` on a malformed object
        (``scp.config_too_deep`` beyond :data:`MAX_DEPTH` levels of nesting)."""
        if depth > MAX_DEPTH:
            raise ScpError("scp.config_too_deep", f"nested more than {MAX_DEPTH} levels")
        if not isinstance(obj, dict) or set(obj) != {"threshold", "members"}:
            raise ScpError("scp.msg_bad_json", "a quorum set needs exactly threshold and members")
        threshold, members = obj["threshold"], obj["members"]
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
            raise ScpError("scp.msg_bad_json", "threshold must be a non-negative integer")
        if not isinstance(members, list):
            raise ScpError("scp.msg_bad_json", "members must be a list")
        parsed: list[QuorumMember] = []
        for m in members:
            if isinstance(m, str):
                parsed.append(m)
            else:
                parsed.append(QuorumSet.from_json(m, depth + 1))
        return QuorumSet(threshold, tuple(parsed))

    @staticmethod
    def flat(threshold: int, members: Iterable[NodeID]) -> QuorumSet:
        """A one-level quorum set ``threshold``-of-``members``."""
        return QuorumSet(threshold, tuple(members))


# Caches keyed by (immutable, hash-cached) quorum sets: validated ones and their node sets.
_VALID_QSETS: set[QuorumSet] = set()
_NODES: dict[QuorumSet, frozenset[NodeID]] = {}
_JSON: dict[QuorumSet, dict[str, Any]] = {}


def _check_values(values: tuple[Value, ...]) -> None:
    for v in values:
        if not isinstance(v, bytes):
            raise ScpError("scp.bad_value", "ballot values must be bytes")
    for a, b in zip(values, values[1:], strict=False):
        if not a < b:
            raise ScpError("scp.bad_value", "ballot values must be sorted and distinct")


@attrs.frozen(order=True, cache_hash=True)
class Ballot:
    """Ballot ⟨counter, values⟩, totally ordered by counter then by the value tuple.

    MobileCoin ``consensus/scp/src/core_types.rs`` (``Ballot { N, X }``); WP §6 ballots.
    """

    counter: int
    values: tuple[Value, ...]

    def checked(self) -> Ballot:
        """Return self after checking the counter range and the value tuple (``scp.bad_value``)."""
        if not isinstance(self.counter, int) or not 0 <= self.counter <= INFINITY:
            raise ScpError("scp.bad_value", "ballot counter must be in 0..2^32-1")
        _check_values(self.values)
        return self

    def to_json(self) -> dict[str, Any]:
        """``{"counter": n, "values": [hex...]}``."""
        return {"counter": self.counter, "values": [v.hex() for v in self.values]}

    @staticmethod
    def from_json(obj: Any) -> Ballot:
        """Parse the JSON form; raises ``ScpError`` on malformed input."""
        if not isinstance(obj, dict) or set(obj) != {"counter", "values"}:
            raise ScpError("scp.msg_bad_json", "a ballot needs exactly counter and values")
        counter, values = obj["counter"], obj["values"]
        if not isinstance(counter, int) or isinstance(counter, bool):
            raise ScpError("scp.msg_bad_json", "ballot counter must be an integer")
        if not isinstance(values, list):
            raise ScpError("scp.msg_bad_json", "ballot values must be a list")
        return Ballot(counter, tuple(value_from_hex(v) for v in values)).checked()


def value_from_hex(text: Any) -> Value:
    """Parse one lowercase-hex value (``scp.msg_bad_json`` if it is not hex)."""
    if not isinstance(text, str):
        raise ScpError("scp.msg_bad_json", "a value must be a hex string")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ScpError("scp.msg_bad_json", "a value is not valid hex") from None


def ballot_json(ballot: Ballot | None) -> dict[str, Any] | None:
    """JSON form of an optional ballot (``None`` -> ``null``)."""
    return None if ballot is None else ballot.to_json()


def values_json(values: Iterable[Value]) -> list[str]:
    """A value set as a sorted list of hex strings."""
    return [v.hex() for v in sorted(values)]
