"""SCP messages: topics, structural validation, the per-sender order, implied statements, JSON.

MobileCoin ``consensus/scp/src/msg.rs``: one message carries the sender's full quorum set and one
topic. The functions ``*_votes`` / ``*_accepts`` below are the implied federated-voting statements
(msg.rs ``votes_or_accepts_nominated``, ``accepts_prepared``, ``votes_or_accepts_commits``, ...;
WP §6.2 Fig. 17's message semantics) — they *are* the semantics of a message:

* nominate: vote-or-accept = X ∪ Y, accept = Y (Nominate and the nominate part of NominatePrepare);
* prepare: a map value -> highest counter n such that prepare(⟨n, value⟩) is voted-or-accepted /
  accepted (prepare(⟨n,x⟩) implies prepare(⟨m,x⟩) for every m ≤ n);
* commit: ``(value, lo, hi)``: commit(⟨n, value⟩) voted-or-accepted / accepted for lo ≤ n ≤ hi.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import attrs

from refimpl.consensus.scp.types import (
    INFINITY,
    Ballot,
    NodeID,
    QuorumSet,
    Value,
    ballot_json,
    value_from_hex,
    values_json,
)
from refimpl.errors import ScpError

Variant = Literal["correct", "mobilecoin"]
VARIANTS: tuple[Variant, ...] = ("correct", "mobilecoin")

#: value tuple -> highest counter of a prepare statement for that value.
PrepareSupport = dict[tuple[Value, ...], int]
#: (value tuple, lowest counter, highest counter) of a commit statement range.
CommitRange = tuple[tuple[Value, ...], int, int]


@attrs.frozen(cache_hash=True)
class Nominate:
    """Nomination payload: ``X`` voted values, ``Y`` accepted values (disjoint)."""

    X: frozenset[Value]
    Y: frozenset[Value]


@attrs.frozen(cache_hash=True)
class Prepare:
    """Prepare payload (D04 form): ballot B, accepted-prepared P and PP, counters CN ≤ HN."""

    B: Ballot
    P: Ballot | None
    PP: Ballot | None
    CN: int
    HN: int


@attrs.frozen(cache_hash=True)
class NominatePrepare:
    """MobileCoin's combined topic: both sub-protocols in one latest message."""

    nominate: Nominate
    prepare: Prepare


@attrs.frozen(cache_hash=True)
class Commit:
    """Commit payload: ballot B, prepared counter PN, accepted-commit range [CN, HN]."""

    B: Ballot
    PN: int
    CN: int
    HN: int


@attrs.frozen(cache_hash=True)
class Externalize:
    """Externalize payload: lowest confirmed-committed ballot C, highest counter HN."""

    C: Ballot
    HN: int


Topic = Nominate | NominatePrepare | Prepare | Commit | Externalize


@attrs.frozen(cache_hash=True)
class Msg:
    """``Msg { sender_id, slot_index, quorum_set, topic }`` (MobileCoin msg.rs); a string sender and
    a canonical JSON form instead of serde-CBOR (docs/deviations.md#dev-scp-message-framing)."""

    sender: NodeID
    slot_index: int
    quorum_set: QuorumSet
    topic: Topic

    def validate(self) -> None:
        """MobileCoin ``Msg::validate``; raises ``ScpError("scp.msg_invalid")``.

        Quorum set valid; Nominate: X ∩ Y = ∅; Prepare: P ⇒ P ≤ B, PP ⇒ PP < P, CN ≤ HN ≤ B.N;
        Commit: CN ≤ HN; plus type and range checks (counters in 0..2^32-1, slot in 0..2^64-1).
        """
        if not isinstance(self.sender, str) or not isinstance(self.slot_index, int):
            raise ScpError("scp.msg_invalid", "sender must be a string, slot index an integer")
        if not 0 <= self.slot_index < 2**64:
            raise ScpError("scp.msg_invalid", "slot index out of range")
        if not isinstance(self.quorum_set, QuorumSet):
            raise ScpError("scp.msg_invalid", "quorum set missing")
        try:
            self.quorum_set.validate()
        except ScpError as exc:
            raise ScpError("scp.msg_invalid", f"bad quorum set: {exc.message}") from None
        _validate_topic(self.topic)

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON form used in traces (docs/scp-interface.md)."""
        return {
            "sender": self.sender,
            "slot_index": self.slot_index,
            "quorum_set": self.quorum_set.to_json(),
            "topic": topic_to_json(self.topic),
        }

    @staticmethod
    def from_json(obj: Any) -> Msg:
        """Parse and validate the JSON form (``scp.msg_bad_json`` / ``scp.msg_invalid``)."""
        fields = ("sender", "slot_index", "quorum_set", "topic")
        if not isinstance(obj, dict) or set(obj) != set(fields):
            raise ScpError("scp.msg_bad_json", "a message needs exactly: " + " ".join(fields))
        sender, slot_index = obj["sender"], obj["slot_index"]
        if not isinstance(sender, str):
            raise ScpError("scp.msg_bad_json", "sender must be a string")
        if not isinstance(slot_index, int) or isinstance(slot_index, bool):
            raise ScpError("scp.msg_bad_json", "slot_index must be an integer")
        msg = Msg(sender, slot_index, QuorumSet.from_json(obj["quorum_set"]),
                  topic_from_json(obj["topic"]))
        msg.validate()
        return msg


def _check_counter(n: Any, name: str) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= INFINITY:
        raise ScpError("scp.msg_invalid", f"{name} must be an integer in 0..2^32-1")


def _check_ballot(b: Any, name: str) -> None:
    if not isinstance(b, Ballot):
        raise ScpError("scp.msg_invalid", f"{name} must be a ballot")
    _check_counter(b.counter, name + ".counter")
    try:
        b.checked()
    except ScpError as exc:
        raise ScpError("scp.msg_invalid", f"{name}: {exc.message}") from None


def _validate_nominate(t: Nominate) -> None:
    if not isinstance(t.X, frozenset) or not isinstance(t.Y, frozenset):
        raise ScpError("scp.msg_invalid", "X and Y must be sets of values")
    if not all(isinstance(v, bytes) for v in t.X | t.Y):
        raise ScpError("scp.msg_invalid", "nominated values must be bytes")
    if t.X & t.Y:
        raise ScpError("scp.msg_invalid", "X and Y must be disjoint")


def _validate_prepare(t: Prepare) -> None:
    _check_ballot(t.B, "B")
    _check_counter(t.CN, "CN")
    _check_counter(t.HN, "HN")
    if t.P is not None:
        _check_ballot(t.P, "P")
        if t.B < t.P:
            raise ScpError("scp.msg_invalid", "P must not exceed B")
        if t.PP is not None:
            _check_ballot(t.PP, "PP")
            if not t.PP < t.P:
                raise ScpError("scp.msg_invalid", "PP must be below P")
    elif t.PP is not None:
        _check_ballot(t.PP, "PP")
    if not t.CN <= t.HN <= t.B.counter:
        raise ScpError("scp.msg_invalid", "need CN <= HN <= B.counter")


def _validate_topic(t: Any) -> None:
    if isinstance(t, Nominate):
        _validate_nominate(t)
    elif isinstance(t, NominatePrepare):
        if not isinstance(t.nominate, Nominate) or not isinstance(t.prepare, Prepare):
            raise ScpError("scp.msg_invalid", "NominatePrepare needs both parts")
        _validate_nominate(t.nominate)
        _validate_prepare(t.prepare)
    elif isinstance(t, Prepare):
        _validate_prepare(t)
    elif isinstance(t, Commit):
        _check_ballot(t.B, "B")
        for name in ("PN", "CN", "HN"):
            _check_counter(getattr(t, name), name)
        if t.CN > t.HN:
            raise ScpError("scp.msg_invalid", "need CN <= HN")
    elif isinstance(t, Externalize):
        _check_ballot(t.C, "C")
        _check_counter(t.HN, "HN")
    else:
        raise ScpError("scp.msg_invalid", "unknown topic")


# --- the per-sender total order (msg.rs ``impl Ord for Topic``) ----------------------------------


def _opt(b: Ballot | None) -> tuple[Any, ...]:
    return (0,) if b is None else (1, b.counter, b.values)


def _nominate_key(t: Nominate) -> tuple[Any, ...]:
    return (len(t.Y), tuple(sorted(t.Y)), len(t.X), tuple(sorted(t.X)))


def _prepare_key(t: Prepare, variant: Variant) -> tuple[Any, ...]:
    key = (_opt(t.B), _opt(t.P), _opt(t.PP), t.HN)
    return key if variant == "mobilecoin" else key + (t.CN,)


def topic_order_key(t: Topic, variant: Variant = "correct") -> tuple[Any, ...]:
    """A key such that a message supersedes the stored one iff its key is strictly greater.

    Nominate < NominatePrepare < Prepare < Commit < Externalize; Nominate by (|Y|, Y, |X|, X);
    NominatePrepare by its prepare part, then its nominate part; Prepare by (B, P, PP, HN); Commit
    by (B, PN, HN); Externalize by HN. MobileCoin ignores CN and Externalize's C
    (docs/deviations.md#dev-scp-message-order): ``variant="mobilecoin"`` keeps that, ``"correct"``
    appends CN (and C) as the last criterion, as WP (φ, b, p, p', h, c) and stellar-core PR #5346
    do.
    """
    if isinstance(t, Nominate):
        return (0, _nominate_key(t))
    if isinstance(t, NominatePrepare):
        return (1, _prepare_key(t.prepare, variant), _nominate_key(t.nominate))
    if isinstance(t, Prepare):
        return (2, _prepare_key(t, variant))
    if isinstance(t, Commit):
        key: tuple[Any, ...] = (_opt(t.B), t.PN, t.HN)
        return (3, key if variant == "mobilecoin" else key + (t.CN,))
    key = (t.HN,)
    return (4, key if variant == "mobilecoin" else key + (_opt(t.C),))


def supersedes(new: Msg, old: Msg | None, variant: Variant = "correct") -> bool:
    """True iff ``new`` is strictly greater than ``old`` in the per-sender order."""
    if old is None:
        return True
    return topic_order_key(new.topic, variant) > topic_order_key(old.topic, variant)


# --- implied statements (msg.rs ``votes_or_accepts_*`` / ``accepts_*``) -----------------------


def nominate_part(t: Topic) -> Nominate | None:
    """The nomination payload of a topic, if any."""
    if isinstance(t, Nominate):
        return t
    if isinstance(t, NominatePrepare):
        return t.nominate
    return None


def prepare_part(t: Topic) -> Prepare | None:
    """The prepare payload of a topic, if any."""
    if isinstance(t, Prepare):
        return t
    if isinstance(t, NominatePrepare):
        return t.prepare
    return None


def _add(support: PrepareSupport, b: Ballot | None) -> None:
    if b is not None and b.counter > 0 and support.get(b.values, -1) < b.counter:
        support[b.values] = b.counter


def prepare_votes(t: Topic) -> PrepareSupport:
    """vote-or-accept prepare: Prepare {B, P, PP (only with P)}; Commit ⟨∞, B.X⟩; Ext ⟨∞, C.X⟩."""
    out: PrepareSupport = {}
    p = prepare_part(t)
    if p is not None:
        _add(out, p.B)
        if p.P is not None:
            _add(out, p.P)
            _add(out, p.PP)
    elif isinstance(t, Commit):
        out[t.B.values] = INFINITY
    elif isinstance(t, Externalize):
        out[t.C.values] = INFINITY
    return out


def prepare_accepts(t: Topic) -> PrepareSupport:
    """accept prepare: Prepare {P, PP}; Commit ⟨PN, B.X⟩; Externalize ⟨∞, C.X⟩."""
    out: PrepareSupport = {}
    p = prepare_part(t)
    if p is not None:
        _add(out, p.P)
        _add(out, p.PP)
    elif isinstance(t, Commit):
        _add(out, Ballot(t.PN, t.B.values))
    elif isinstance(t, Externalize):
        out[t.C.values] = INFINITY
    return out


def commit_votes(t: Topic) -> CommitRange | None:
    """vote-or-accept commit: Prepare with CN ≠ 0 [CN, HN]; Commit [CN, ∞]; Ext [C.N, ∞]."""
    p = prepare_part(t)
    if p is not None:
        return (p.B.values, p.CN, p.HN) if p.CN != 0 else None
    if isinstance(t, Commit):
        return (t.B.values, t.CN, INFINITY)
    if isinstance(t, Externalize):
        return (t.C.values, t.C.counter, INFINITY)
    return None


def commit_accepts(t: Topic) -> CommitRange | None:
    """accept commit: Commit [CN, HN]; Externalize [C.N, ∞]."""
    if isinstance(t, Commit):
        return (t.B.values, t.CN, t.HN)
    if isinstance(t, Externalize):
        return (t.C.values, t.C.counter, INFINITY)
    return None


def ballot_counter(t: Topic) -> int:
    """``bN``, the counter used for the ballot timer and step 9: 0, B.N, or ∞ (Externalize)."""
    p = prepare_part(t)
    if p is not None:
        return p.B.counter
    if isinstance(t, Commit):
        return t.B.counter
    if isinstance(t, Externalize):
        return INFINITY
    return 0


def topic_values(t: Topic) -> frozenset[Value]:
    """Every value a topic mentions (for the application validity check, slot.rs ``validate``)."""
    out: set[Value] = set()
    n = nominate_part(t)
    if n is not None:
        out |= n.X | n.Y
    p = prepare_part(t)
    if p is not None:
        for b in (p.B, p.P, p.PP):
            if b is not None:
                out.update(b.values)
    if isinstance(t, Commit):
        out.update(t.B.values)
    if isinstance(t, Externalize):
        out.update(t.C.values)
    return frozenset(out)


# --- JSON ----------------------------------------------------------------------------------------


def _nominate_json(t: Nominate) -> dict[str, Any]:
    return {"X": values_json(t.X), "Y": values_json(t.Y)}


def _prepare_json(t: Prepare) -> dict[str, Any]:
    return {"B": t.B.to_json(), "P": ballot_json(t.P), "PP": ballot_json(t.PP),
            "CN": t.CN, "HN": t.HN}


def topic_to_json(t: Topic) -> dict[str, Any]:
    """``{"type": name, ...fields}``; NominatePrepare nests ``nominate`` and ``prepare``."""
    if isinstance(t, Nominate):
        return {"type": "Nominate", **_nominate_json(t)}
    if isinstance(t, NominatePrepare):
        return {"type": "NominatePrepare", "nominate": _nominate_json(t.nominate),
                "prepare": _prepare_json(t.prepare)}
    if isinstance(t, Prepare):
        return {"type": "Prepare", **_prepare_json(t)}
    if isinstance(t, Commit):
        return {"type": "Commit", "B": t.B.to_json(), "PN": t.PN, "CN": t.CN, "HN": t.HN}
    return {"type": "Externalize", "C": t.C.to_json(), "HN": t.HN}


def _fields(obj: Any, names: set[str]) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != names:
        raise ScpError("scp.msg_bad_json", f"expected exactly the fields {sorted(names)}")
    return obj


def _int(x: Any) -> int:
    if not isinstance(x, int) or isinstance(x, bool):
        raise ScpError("scp.msg_bad_json", "expected an integer")
    return x


def _opt_ballot(x: Any) -> Ballot | None:
    return None if x is None else Ballot.from_json(x)


def _value_set(x: Any) -> frozenset[Value]:
    if not isinstance(x, list):
        raise ScpError("scp.msg_bad_json", "a value set must be a list")
    return frozenset(value_from_hex(v) for v in x)


def _nominate_from(obj: Any) -> Nominate:
    o = _fields(obj, {"X", "Y"})
    return Nominate(_value_set(o["X"]), _value_set(o["Y"]))


def _prepare_from(obj: Any) -> Prepare:
    o = _fields(obj, {"B", "P", "PP", "CN", "HN"})
    return Prepare(Ballot.from_json(o["B"]), _opt_ballot(o["P"]), _opt_ballot(o["PP"]),
                   _int(o["CN"]), _int(o["HN"]))


def topic_from_json(obj: Any) -> Topic:
    """Inverse of :func:`topic_to_json`."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise ScpError("scp.msg_bad_json", "a topic needs a type")
    rest = {k: v for k, v in obj.items() if k != "type"}
    kind = obj["type"]
    if kind == "Nominate":
        return _nominate_from(rest)
    if kind == "NominatePrepare":
        o = _fields(rest, {"nominate", "prepare"})
        return NominatePrepare(_nominate_from(o["nominate"]), _prepare_from(o["prepare"]))
    if kind == "Prepare":
        return _prepare_from(rest)
    if kind == "Commit":
        o = _fields(rest, {"B", "PN", "CN", "HN"})
        return Commit(Ballot.from_json(o["B"]), _int(o["PN"]), _int(o["CN"]), _int(o["HN"]))
    if kind == "Externalize":
        o = _fields(rest, {"C", "HN"})
        return Externalize(Ballot.from_json(o["C"]), _int(o["HN"]))
    raise ScpError("scp.msg_bad_json", f"unknown topic type {kind!r}")


@attrs.frozen
class Statements:
    """Everything a receiver derives from one stored message, computed once at intake."""

    quorum_set: QuorumSet
    nominate: Nominate | None
    prepare_votes: PrepareSupport
    prepare_accepts: PrepareSupport
    commit_votes: CommitRange | None
    commit_accepts: CommitRange | None
    counter: int

    @staticmethod
    def of(msg: Msg) -> Statements:
        """The implied statements of ``msg`` (msg.rs ``votes_or_accepts_*`` / ``accepts_*``)."""
        t = msg.topic
        return Statements(
            msg.quorum_set,
            nominate_part(t),
            prepare_votes(t),
            prepare_accepts(t),
            commit_votes(t),
            commit_accepts(t),
            ballot_counter(t),
        )


class StatementIndex:
    """The receiver's index of M by statement, updated incrementally as messages are stored.

    For each statement kind, the supporters per value (and their highest prepare counter or
    commit range), so that quorum and blocking searches start from the supporter sets without
    scanning every stored message. ``ballot_version`` / ``nominate_version`` change whenever a
    sender's ballot / nomination statements (or its quorum set) change.
    """

    def __init__(self) -> None:
        self.statements: dict[NodeID, Statements] = {}
        self.qsets: dict[NodeID, QuorumSet] = {}
        self.nominations: dict[NodeID, Nominate] = {}
        self.nominate_votes: dict[Value, set[NodeID]] = {}
        self.nominate_accepts: dict[Value, set[NodeID]] = {}
        self.prepare_votes: dict[tuple[Value, ...], dict[NodeID, int]] = {}
        self.prepare_accepts: dict[tuple[Value, ...], dict[NodeID, int]] = {}
        self.commit_votes: dict[tuple[Value, ...], dict[NodeID, tuple[int, int]]] = {}
        self.commit_accepts: dict[tuple[Value, ...], dict[NodeID, tuple[int, int]]] = {}
        self.counters: dict[NodeID, int] = {}
        self.ballot_version = 0
        self.nominate_version = 0

    def put(self, sender: NodeID, new: Statements) -> None:
        """Replace ``sender``'s statements by ``new`` (only the entries that differ are
        touched: a sender's successive messages mostly repeat its statements)."""
        old = self.statements.get(sender)
        self.statements[sender] = new
        qset_changed = old is None or (
            old.quorum_set is not new.quorum_set and old.quorum_set != new.quorum_set
        )
        if qset_changed:
            self.qsets[sender] = new.quorum_set
        old_nom = None if old is None else old.nominate
        if qset_changed or old_nom != new.nominate:
            self.nominate_version += 1
            self._put_nomination(sender, old_nom, new.nominate)
        if (qset_changed or old is None or old.prepare_votes != new.prepare_votes
                or old.prepare_accepts != new.prepare_accepts
                or old.commit_votes != new.commit_votes
                or old.commit_accepts != new.commit_accepts or old.counter != new.counter):
            self.ballot_version += 1
            _put_support(self.prepare_votes, sender, None if old is None else old.prepare_votes,
                         new.prepare_votes)
            _put_support(self.prepare_accepts, sender,
                         None if old is None else old.prepare_accepts, new.prepare_accepts)
            _put_range(self.commit_votes, sender, None if old is None else old.commit_votes,
                       new.commit_votes)
            _put_range(self.commit_accepts, sender, None if old is None else old.commit_accepts,
                       new.commit_accepts)
            self.counters[sender] = new.counter

    def _put_nomination(self, sender: NodeID, old: Nominate | None, new: Nominate | None) -> None:
        empty: frozenset[Value] = frozenset()
        old_votes = empty if old is None else old.X | old.Y
        new_votes = empty if new is None else new.X | new.Y
        _drop_all(self.nominate_votes, old_votes - new_votes, sender)
        for v in new_votes - old_votes:
            self.nominate_votes.setdefault(v, set()).add(sender)
        old_accepts = empty if old is None else old.Y
        new_accepts = empty if new is None else new.Y
        _drop_all(self.nominate_accepts, old_accepts - new_accepts, sender)
        for v in new_accepts - old_accepts:
            self.nominate_accepts.setdefault(v, set()).add(sender)
        if new is None:
            self.nominations.pop(sender, None)
        else:
            self.nominations[sender] = new


def _put_support(
    index: dict[tuple[Value, ...], dict[NodeID, int]],
    sender: NodeID,
    old: PrepareSupport | None,
    new: PrepareSupport,
) -> None:
    if old is not None:
        _drop_keys(index, [x for x in old if x not in new], sender)
    for x, n in new.items():
        if old is None or old.get(x) != n:
            index.setdefault(x, {})[sender] = n


def _put_range(
    index: dict[tuple[Value, ...], dict[NodeID, tuple[int, int]]],
    sender: NodeID,
    old: CommitRange | None,
    new: CommitRange | None,
) -> None:
    if old == new:
        return
    if old is not None and (new is None or new[0] != old[0]):
        _drop_keys(index, (old[0],), sender)
    if new is not None:
        x, lo, hi = new
        index.setdefault(x, {})[sender] = (lo, hi)


def _drop_all(index: dict[Value, set[NodeID]], keys: Iterable[Value], sender: NodeID) -> None:
    for k in keys:
        holders = index.get(k)
        if holders is not None:
            holders.discard(sender)
            if not holders:
                del index[k]


def _drop_keys(index: dict[Any, dict[NodeID, Any]], keys: Iterable[Any], sender: NodeID) -> None:
    for k in keys:
        holders = index.get(k)
        if holders is not None:
            holders.pop(sender, None)
            if not holders:
                del index[k]


@attrs.frozen
class Intake:
    """What a receiver needs from a message, computed once per message object (the same
    message is delivered to every peer): validity, statements, mentioned values, order keys."""

    error: str | None
    statements: Statements | None
    values: frozenset[Value]
    keys: dict[str, tuple[Any, ...]]
    json: dict[str, Any] | None


_INTAKE: dict[Msg, Intake] = {}


def intake(msg: Msg) -> Intake:
    """The cached :class:`Intake` of ``msg`` (validation errors are recorded, not raised).
    Its ``json`` is shared between receivers: treat it as read-only."""
    try:
        found = _INTAKE.get(msg)
    except TypeError:  # a hand-built message holding unhashable fields
        found = Intake("a field has the wrong type", None, frozenset(), {}, None)
    if found is not None:
        return found
    try:
        msg.validate()
    except ScpError as exc:
        found = Intake(exc.message, None, frozenset(), {}, None)
    else:
        found = Intake(None, Statements.of(msg), topic_values(msg.topic),
                       {v: topic_order_key(msg.topic, v) for v in VARIANTS}, msg.to_json())
    if len(_INTAKE) > 20_000:
        _INTAKE.clear()
    _INTAKE[msg] = found
    return found
