"""`mcref tlc check` in CI: every small model of spec/manifest.json gives its expected outcome.

This includes the model expected to fail (no quorum intersection: Agreement violated, with a
counterexample) and the bounded -simulate smoke runs of the auditor models.
"""

from __future__ import annotations

import json
import re

import pytest

from refimpl.cli import main
from refimpl.formal.manifest import MANIFEST, check_model, load_manifest

SMALL = [m for m in load_manifest() if m.size == "small"]

#: What the last state of each spec/attest counterexample must show (spec/attest/README.md).
_ATTEST_WITNESS = {
    # a Ready session whose peer static key is the attacker's
    "ReadyPeerAllowed": lambda s: '<<"s", <<"M", "static", 0>>>>' in s["sess"]
    and '"ready"' in s["sess"],
    # the attacker learned the fog ingress key
    "IngressKeyStaysInEnclaves": lambda s: s["leaked"] == "TRUE",
    # the honest runs exist: a responder confirmed by transport data
    "HonestRunIncomplete": lambda s: '"confirmed"' in s["sess"],
    # an initiator Ready with an enclave other than the one it dialled
    "ResponderIdBound": lambda s: any(
        role == "init" and st == "ready" and peer != dialled
        for role, peer, dialled, st in _attest_sessions(s["sess"])
    ),
}


def _attest_sessions(sess: str) -> list[tuple[str, str, str, str]]:
    """(role, owner of the peer's static key, dialled ResponderId, state) of each session."""
    rows = []
    for block in sess.split(" @@"):
        role = re.search(r'role \|-> "(\w+)"', block)
        peer = re.search(r'rs \|-> <<"\w", <<"(\w+)"', block)
        dialled = re.search(r'prologue \|-> "(\w+)"', block)
        st = re.search(r'st \|-> "(\w+)"', block)
        assert role and peer and dialled and st, block
        rows.append((role[1], peer[1], dialled[1], st[1]))
    return rows


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
            assert final["phase"].count('"EXTERNALIZE"') >= 2
        else:
            assert _ATTEST_WITNESS[result.violated_invariant](final)
    if check.model.simulation is None:
        assert result.distinct and result.distinct > 0


@pytest.mark.slow
def test_cli_check_one_model_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tlc", "check", "--model", "scp-split-no-intersection", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (model,) = document["models"]
    assert model["as_expected"] and model["result"]["violated_invariant"] == "Agreement"


def test_cli_unknown_model_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tlc", "check", "--model", "no-such-model"]) == 2
    assert capsys.readouterr().err.startswith("error[formal.unknown_model]")
