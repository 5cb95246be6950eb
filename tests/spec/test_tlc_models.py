"""`mcref tlc check` in CI: every small model of spec/manifest.json gives its expected outcome.

This includes the model expected to fail (no quorum intersection: Agreement violated, with a
counterexample) and the bounded -simulate smoke runs of the auditor models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import NamedTuple

import pytest

from refimpl.cli import main
from refimpl.formal.manifest import MANIFEST, check_model, load_manifest

SMALL = [m for m in load_manifest() if m.size == "small"]

#: What the last state of each spec/scp counterexample must show (spec/scp/README.md).
_SCP_WITNESS: dict[str, Callable[[dict[str, str]], bool]] = {
    # two intact nodes externalized (different values)
    "Agreement": lambda s: s["phase"].count('"EXTERNALIZE"') >= 2,
    # a node accepted commit (it is in COMMIT or EXTERNALIZE) against another's accepted prepare
    "AcceptedNotContradictory": lambda s: '"COMMIT"' in s["phase"]
    or '"EXTERNALIZE"' in s["phase"],
    # a timer moved B to <2, {1, 2}> and a node externalized that ballot (MCSCPTimer)
    "NoExternalizeAfterTimer": lambda s: '"EXTERNALIZE"' in s["phase"]
    and "[n |-> 2, x |-> {1, 2}]" in s["C"],
    # n0 in COMMIT while the two other intact nodes externalized (MCSCPStrand)
    "NotStranded": lambda s: '"COMMIT"' in s["phase"] and s["phase"].count('"EXTERNALIZE"') == 2,
    # the strand models' start: n0 in COMMIT, n2 in PREPARE (MCSCPStrandReach)
    "NotAtFindingStart": lambda s: '"COMMIT"' in s["phase"] and '"PREPARE"' in s["phase"],
}

#: What the last state of each spec/attest counterexample must show (spec/attest/README.md).
_ATTEST_WITNESS: dict[str, Callable[[dict[str, str]], bool]] = {
    # a Ready session whose peer static key is the attacker's
    "ReadyPeerAllowed": lambda s: any(
        row.peer == "M" and row.st == "ready" for row in _attest_sessions(s["sess"])
    ),
    # the attacker learned the fog ingress key
    "IngressKeyStaysInEnclaves": lambda s: s["leaked"] == "TRUE",
    # the honest runs exist: a responder confirmed by transport data
    "HonestRunIncomplete": lambda s: '"confirmed"' in s["sess"],
    # an initiator Ready with an enclave other than the one it dialled
    "ResponderIdBound": lambda s: any(
        row.role == "init" and row.st == "ready" and row.peer != row.dialled
        for row in _attest_sessions(s["sess"])
    ),
    # an initiator and a responder Ready under different ResponderIds
    "ResponderIdAgreement": lambda s: any(
        a.role == "init" and b.role == "resp" and a.peer == b.owner and a.dialled != b.dialled
        for a in _ready(s) for b in _ready(s)
    ),
    # a static key was stolen after a session that was secret when it completed
    "ForwardSecrecy": lambda s: any(
        (row.role == "init" or row.st == "confirmed")
        and row.secret
        and row.peer_eph != "M"
        and bool({row.peer, row.owner} & _stolen(s))
        for row in _ready(s)
    ),
    # an ingress key sent while its session was secret, and a static key stolen since
    "IngressKeyForwardSecret": lambda s: bool(_stolen(s))
    and any(
        'type |-> "secret"' in record and "secret |-> TRUE" in record
        for record in re.findall(r"\[[^][]*\]", s["net"])  # records without nested ones
    ),
    # the attacker posed as the owner of a stolen key: an initiator Ready with that key
    "InitiatorAgreement": lambda s: any(
        row.role == "init" and row.peer in _stolen(s) and row.peer_eph == "M"
        for row in _ready(s)
    ),
    # with its own key stolen, an enclave completed, on the attacker's ephemeral, with a peer
    # whose key was not stolen
    "KCIResistance": lambda s: any(
        row.owner in _stolen(s)
        and row.peer not in _stolen(s) | {"M", "none", "anon"}
        and row.peer_eph == "M"
        for row in _ready(s)
    ),
}

#: What the last state must show for one model in particular: the accepted quote of a stolen PCK
#: key binds the attacker's key to the allowed MRENCLAVE at UpToDate (G1: its own TCB info) or at
#: the stolen platform's accepted level OutOfDate.
_MODEL_WITNESS: dict[str, Callable[[dict[str, str]], bool]] = {
    "attest-pck-leak-no-tcb-chain": lambda s: _pck_quote(s, "UpToDate"),
    "attest-pck-leak-allowed-tcb": lambda s: _pck_quote(s, "OutOfDate"),
}


class _Session(NamedTuple):
    owner: str
    role: str
    peer: str  # owner of the peer's static key ("M": the attacker's, "none"/"anon": no key)
    dialled: str  # ResponderId (prologue)
    peer_eph: str  # whose ephemeral the peer's is ("M": the attacker's)
    st: str
    secret: bool


def _attest_sessions(sess: str) -> list[_Session]:
    """Each session of a printed ``sess`` function (spec/attest/Attest.tla)."""
    rows = []
    for block in sess.split(" @@"):
        owner = re.search(r'<<"(\w+)", "(?:init|resp)", \d+>> :>', block)
        role = re.search(r'role \|-> "(\w+)"', block)
        peer = re.search(r'rs \|-> <<"\w", <<"(\w+)"', block)
        dialled = re.search(r'prologue \|-> "(\w+)"', block)
        peer_eph = re.search(r're \|-> <<"\w", <<"(\w+)"', block)
        st = re.search(r'st \|-> "(\w+)"', block)
        secret = re.search(r"secret \|-> (TRUE|FALSE)", block)
        assert owner and role and peer and dialled and peer_eph and st and secret, block
        rows.append(
            _Session(
                owner[1], role[1], peer[1], dialled[1], peer_eph[1], st[1], secret[1] == "TRUE"
            )
        )
    return rows


def _ready(state: dict[str, str]) -> list[_Session]:
    return [r for r in _attest_sessions(state["sess"]) if r.st in {"ready", "confirmed"}]


def _stolen(state: dict[str, str]) -> set[str]:
    return set(re.findall(r'"(\w+)"', state["stolen"]))


def _pck_quote(state: dict[str, str], tcb: str) -> bool:
    """A Ready session accepted the evidence [good, the attacker's key, tcb]."""
    evidence = re.compile(
        r'rev \|->\s+\[ mr \|-> "good",\s+key \|-> <<"s", <<"M", "static", 0>>>>,\s+'
        rf'tcb \|-> "{tcb}" \]'
    )
    return any(
        evidence.search(block) and re.search(r'st \|-> "ready"', block)
        for block in state["sess"].split(" @@")
    )


def test_manifest_lists_every_model_file() -> None:
    models = load_manifest()
    assert {m.size for m in models} == {"small", "large"}
    for model in models:
        assert model.spec.is_file() and model.cfg.is_file(), model.name
    cfgs = {m.cfg.name for m in models}
    on_disk = {p.name for p in MANIFEST.parent.glob("*/MC*.cfg")}
    assert on_disk <= cfgs, f"models missing from the manifest: {on_disk - cfgs}"
    assert any(m.expected_outcome == "invariant_violated" for m in SMALL)


@pytest.mark.slow
@pytest.mark.parametrize("model", SMALL, ids=[m.name for m in SMALL])
def test_small_model_gives_expected_outcome(model: object) -> None:
    check = check_model(model)  # type: ignore[arg-type]
    assert check.as_expected, check.to_json()
    result = check.result
    if result.outcome == "invariant_violated":
        assert len(result.counterexample) >= 2
        final = dict(result.counterexample[-1].variables)
        if check.model.name.startswith("scp-"):
            assert result.violated_invariant is not None
            assert _SCP_WITNESS[result.violated_invariant](final), final
        else:
            assert result.violated_invariant is not None
            assert _ATTEST_WITNESS[result.violated_invariant](final), final
            if check.model.name in _MODEL_WITNESS:
                assert _MODEL_WITNESS[check.model.name](final), final
    if check.model.simulation is None:
        assert result.distinct and result.distinct > 0
    if check.model.simulation is None and result.outcome == "ok":  # counts of the manifest
        assert (result.distinct, result.depth) == (check.model.expected_distinct,
                                                   check.model.expected_depth), check.mismatches


@pytest.mark.slow
def test_cli_check_one_model_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tlc", "check", "--model", "scp-split-no-intersection", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (model,) = document["models"]
    assert model["as_expected"] and model["result"]["violated_invariant"] == "Agreement"


def test_cli_unknown_model_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tlc", "check", "--model", "no-such-model"]) == 2
    assert capsys.readouterr().err.startswith("error[formal.unknown_model]")
