"""SCP messages: validation, the per-sender order (both variants), implied statements, JSON.

MobileCoin consensus/scp/src/msg.rs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.scp.msg import (
    Msg,
    StatementIndex,
    Statements,
    commit_accepts,
    commit_votes,
    prepare_accepts,
    prepare_votes,
    supersedes,
    topic_order_key,
    topic_values,
)
from refimpl.consensus.scp.types import INFINITY, QuorumSet
from refimpl.errors import CODES, RefImplError, ScpError

from ._scp import b, commit, ext, mesh_qset, msg, nom, nomprep, prep, x, y, z


@pytest.mark.parametrize(
    "topic",
    [
        nom([x], [x]),  # X ∩ Y ≠ ∅
        prep(b(1, x), P=b(2, x)),  # P > B
        prep(b(3, y), P=b(2, y), PP=b(2, y)),  # PP not below P
        prep(b(3, x), P=b(2, x), CN=2, HN=1),  # CN > HN
        prep(b(3, x), P=b(3, x), CN=1, HN=4),  # HN > B.N
        commit(b(3, x), 3, 2, 1),  # CN > HN
        commit(b(INFINITY + 1, x), 1, 1, 1),  # counter out of range
    ],
)
def test_invalid_topics(topic: Any) -> None:
    with pytest.raises(ScpError) as err:
        msg("n1", topic).validate()
    assert err.value.code == "scp.msg_invalid"


def test_valid_topics_and_bad_quorum_set() -> None:
    for topic in (nom([x], [y]), prep(b(3, y), b(2, y), b(2, x), 1, 2), commit(b(3, x), 3, 1, 3),
                  ext(b(2, x), INFINITY), nomprep(nom([x]), prep(b(1, x)))):
        msg("n1", topic).validate()
    bad = Msg("n1", 1, QuorumSet(3, ("n2", "n3")), nom([x]))
    with pytest.raises(ScpError) as err:
        bad.validate()
    assert err.value.code == "scp.msg_invalid"


def test_topic_order_across_kinds() -> None:
    topics = [nom([x]), nom([x, y]), nom([y], [x]), nomprep(nom([x]), prep(b(1, x))),
              prep(b(1, x)), prep(b(1, x), b(1, x)), prep(b(2, x)), commit(b(1, x), 1, 1, 1),
              ext(b(1, x), 1)]
    for variant in ("correct", "mobilecoin"):
        keys = [topic_order_key(t, variant) for t in topics]  # type: ignore[arg-type]
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)


def test_order_ignores_cn_only_in_the_mobilecoin_variant() -> None:
    """docs/deviations.md#dev-scp-message-order: a Prepare/Commit update that changes only CN (or
    Externalize's C) is dropped by MobileCoin receivers; the correct variant orders it as newer."""
    pairs = [
        (prep(b(3, x), b(3, x), None, 1, 3), prep(b(3, x), b(3, x), None, 2, 3)),
        (commit(b(3, x), 3, 1, 3), commit(b(3, x), 3, 2, 3)),
        (ext(b(1, x), 5), ext(b(2, x), 5)),
    ]
    for old, new in pairs:
        assert supersedes(msg("n1", new), msg("n1", old), "correct")
        assert not supersedes(msg("n1", new), msg("n1", old), "mobilecoin")
        assert not supersedes(msg("n1", old), msg("n1", old), "correct")


def test_nominate_order_counts_accepted_first() -> None:
    assert supersedes(msg("n1", nom([], [x])), msg("n1", nom([x, y, z])))
    assert not supersedes(msg("n1", nom([x, y])), msg("n1", nom([z], [x])))


def test_implied_statements_table() -> None:
    p = prep(b(5, y), b(4, y), b(3, x), CN=2, HN=4)
    assert prepare_votes(p) == {(y,): 5, (x,): 3}
    assert prepare_accepts(p) == {(y,): 4, (x,): 3}
    assert commit_votes(p) == ((y,), 2, 4)
    assert commit_accepts(p) is None
    assert commit_votes(prep(b(5, y), b(4, y))) is None  # CN = 0: no commit vote
    # PP counts only with P (MobileCoin Prepare semantics).
    assert prepare_votes(prep(b(5, y), None, b(3, x))) == {(y,): 5}
    c = commit(b(6, x), 5, 2, 4)
    assert prepare_votes(c) == {(x,): INFINITY}
    assert prepare_accepts(c) == {(x,): 5}
    assert commit_votes(c) == ((x,), 2, INFINITY)
    assert commit_accepts(c) == ((x,), 2, 4)
    e = ext(b(3, z), 7)
    assert prepare_votes(e) == prepare_accepts(e) == {(z,): INFINITY}
    assert commit_votes(e) == commit_accepts(e) == ((z,), 3, INFINITY)
    assert topic_values(nomprep(nom([x], [y]), prep(b(1, z)))) == {x, y, z}
    s = Statements.of(msg("n1", nom([x], [y])))
    assert s.nominate == nom([x], [y]) and s.counter == 0 and not s.prepare_votes


def test_statement_index_replaces_a_senders_statements() -> None:
    idx = StatementIndex()
    idx.put("n1", Statements.of(msg("n1", nomprep(nom([x], [y]), prep(b(2, x), b(1, x))))))
    assert idx.nominate_votes == {x: {"n1"}, y: {"n1"}} and idx.nominate_accepts == {y: {"n1"}}
    assert idx.prepare_votes == {(x,): {"n1": 2}} and idx.counters == {"n1": 2}
    version = idx.ballot_version
    idx.put("n1", Statements.of(msg("n1", commit(b(3, y), 3, 1, 2))))
    assert idx.nominate_votes == {} and idx.nominations == {}
    assert idx.prepare_votes == {(y,): {"n1": INFINITY}}
    assert idx.commit_accepts == {(y,): {"n1": (1, 2)}}
    assert idx.ballot_version > version


def _index_view(idx: StatementIndex) -> tuple[Any, ...]:
    return (idx.qsets, idx.nominations, idx.nominate_votes, idx.nominate_accepts,
            idx.prepare_votes, idx.prepare_accepts, idx.commit_votes, idx.commit_accepts,
            idx.counters)


_ANY_TOPIC = st.sampled_from([
    nom([x], [y]), nom([x, z]), nom([], [x, y]),
    nomprep(nom([x]), prep(b(2, y), b(1, y), None, 1, 1)), nomprep(nom([], [z]), prep(b(1, x))),
    prep(b(3, y), b(2, y), b(2, x), 1, 2), prep(b(3, y), b(3, y), b(2, x), 2, 3),
    prep(b(1, x)), commit(b(3, x), 3, 1, 3), commit(b(4, x), 4, 2, 3), commit(b(2, y), 2, 1, 2),
    ext(b(2, x), 9), ext(b(3, x), 9),
])


@given(st.lists(st.tuples(st.sampled_from(["n1", "n2", "n3"]), _ANY_TOPIC,
                          st.sampled_from([mesh_qset("n0"), QuorumSet(1, ("n0",))])),
                max_size=25))
def test_statement_index_updates_equal_a_fresh_index(puts: list[Any]) -> None:
    """Incremental replacement leaves the same index as building it from the final statements,
    and the versions move whenever a sender's ballot / nomination statements change."""
    idx = StatementIndex()
    latest: dict[str, Statements] = {}
    for sender, topic, qset in puts:
        new = Statements.of(msg(sender, topic, qset=qset))
        old = latest.get(sender)
        versions = (idx.ballot_version, idx.nominate_version)
        idx.put(sender, new)
        latest[sender] = new
        if old is None or old.quorum_set != new.quorum_set:
            assert idx.ballot_version > versions[0] and idx.nominate_version > versions[1]
        else:
            assert (idx.nominate_version > versions[1]) == (old.nominate != new.nominate)
            ballot_same = (old.prepare_votes, old.prepare_accepts, old.commit_votes,
                           old.commit_accepts, old.counter) == (
                new.prepare_votes, new.prepare_accepts, new.commit_votes, new.commit_accepts,
                new.counter)
            assert (idx.ballot_version > versions[0]) == (not ballot_same)
    fresh = StatementIndex()
    for sender, statements in latest.items():
        fresh.put(sender, statements)
    assert _index_view(idx) == _index_view(fresh)


TOPICS = [nom([x], [y]), nomprep(nom([x]), prep(b(2, y), b(1, y), None, 1, 1)),
          prep(b(3, y), b(2, y), b(2, x), 1, 2), commit(b(3, x), 3, 1, 3), ext(b(2, x), 9)]


@pytest.mark.parametrize("topic", TOPICS)
def test_json_round_trip(topic: Any) -> None:
    qset = QuorumSet(2, ("n2", QuorumSet(1, ("n3", "n4"))))
    m = msg("n1", topic, qset=qset)
    text = json.dumps(m.to_json(), sort_keys=True)
    assert Msg.from_json(json.loads(text)) == m


def test_json_layout() -> None:
    m = msg("n1", prep(b(2, y), None, None, 0, 0), qset=mesh_qset("n1"))
    assert m.to_json() == {
        "sender": "n1", "slot_index": 1,
        "quorum_set": {"threshold": 2, "members": ["n0", "n2", "n3"]},
        "topic": {"type": "Prepare", "B": {"counter": 2, "values": ["79"]}, "P": None,
                  "PP": None, "CN": 0, "HN": 0},
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**33) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "X", "Y", "B", "P", "PP", "CN", "HN", "C", "PN", "counter",
                         "values", "threshold", "members", "sender", "slot_index",
                         "quorum_set", "topic", "nominate", "prepare"]), inner, max_size=5),
    max_leaves=12,
)


def _mutate(obj: Any, path: list[int], replacement: Any) -> Any:
    if not path:
        return replacement
    if isinstance(obj, dict) and obj:
        key = sorted(obj)[path[0] % len(obj)]
        return {**obj, key: _mutate(obj[key], path[1:], replacement)}
    if isinstance(obj, list) and obj:
        i = path[0] % len(obj)
        return obj[:i] + [_mutate(obj[i], path[1:], replacement)] + obj[i + 1:]
    return replacement


@given(st.sampled_from(TOPICS), st.lists(st.integers(0, 10), max_size=4), json_values)
def test_from_json_rejects_garbage_with_typed_errors(topic: Any, path: list[int],
                                                     junk: Any) -> None:
    good = msg("n1", topic).to_json()
    bad = _mutate(json.loads(json.dumps(good)), path, junk)
    try:
        parsed = Msg.from_json(bad)
    except RefImplError as exc:
        assert exc.code in CODES and exc.code.startswith("scp.")
    else:
        parsed.validate()
        assert Msg.from_json(parsed.to_json()) == parsed


def test_deeply_nested_quorum_sets_are_refused() -> None:
    obj: dict[str, Any] = {"threshold": 1, "members": ["a"]}
    for _ in range(40):
        obj = {"threshold": 1, "members": [obj]}
    with pytest.raises(ScpError) as err:
        QuorumSet.from_json(obj)
    assert err.value.code == "scp.config_too_deep"
    q = QuorumSet(1, ("a",))
    for _ in range(40):
        q = QuorumSet(1, (q,))
    with pytest.raises(ScpError) as err:
        q.validate()
    assert err.value.code == "scp.config_too_deep"


def test_a_slot_drops_a_cn_only_update_only_in_the_mobilecoin_variant() -> None:
    from ._scp import slot

    first = msg("n1", prep(b(3, x), b(3, x), None, 1, 3))
    update = msg("n1", prep(b(3, x), b(3, x), None, 2, 3))
    for variant, stored in (("correct", update), ("mobilecoin", first)):
        s = slot(variant=variant)
        s.handle_messages([first], 1)
        out = s.handle_messages([update], 2)
        assert s.M["n1"] == stored
        assert [st["event"] for st in out.steps][:1] == (["receive"] if stored is update else [])
