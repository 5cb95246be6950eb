"""The SCP models' precomputed quorum tables (refimpl/formal/scp_model_gen.py): current in
spec/scp, right on hand-worked configurations, and refused by TLC's ASSUME when wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from refimpl.consensus.scp.types import QuorumSet
from refimpl.errors import FormalError
from refimpl.formal import scp_model_gen
from refimpl.formal.tlc import run_tlc

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec" / "scp"


def test_generated_blocks_are_current() -> None:
    assert scp_model_gen.stale_modules(SPEC_DIR) == []
    assert scp_model_gen.main(["--check"]) == 0


def test_two_of_three_mesh() -> None:
    # 2 of {n1, n2, n3}: n1 is in a quorum with either other node; only both others block it.
    topology = scp_model_gen.MODELS["MCSCPBallot.tla"]
    assert scp_model_gen.quorums_of(topology)["n1"] == [frozenset({"n2"}), frozenset({"n3"})]
    assert scp_model_gen.blocking_of(topology)["n1"] == [frozenset({"n2", "n3"})]


def test_nested_organisations() -> None:
    # 2 of {A = 2 of {n1, b}, B = {n2}, C = {n3}}: {b, n3} blocks n2 (A and C), {b} does not.
    topology = scp_model_gen.MODELS["MCSCPNested.tla"]
    blocking = scp_model_gen.blocking_of(topology)["n2"]
    assert frozenset({"b", "n3"}) in blocking and frozenset({"n1", "n3"}) in blocking
    assert frozenset({"b"}) not in blocking and len(blocking) == 2
    quorums = scp_model_gen.quorums_of(topology)
    assert quorums["n2"] == [frozenset({"n3"}), frozenset({"n1", "b"})]
    assert frozenset({"n2", "n3"}) in quorums["n1"]  # {n1} alone never satisfies A


def test_node_that_needs_nobody() -> None:
    # MobileCoin's empty quorum set (threshold 0): {n1} alone is a quorum, nothing blocks n1.
    topology = scp_model_gen.Topology(("n1", "n2"), {"n1": QuorumSet(0, ()),
                                                     "n2": QuorumSet(1, ("n1",))})
    assert scp_model_gen.quorums_of(topology)["n1"] == [frozenset()]
    assert scp_model_gen.blocking_of(topology)["n1"] == []
    assert scp_model_gen.blocking_of(topology)["n2"] == [frozenset({"n1"})]


def test_check_reports_a_stale_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for module in scp_model_gen.MODELS:
        shutil.copy(SPEC_DIR / module, tmp_path / module)
    path = tmp_path / "MCSCPTimer.tla"
    path.write_text(path.read_text().replace("(n1 :> {{n2}})", "(n1 :> {{}})", 1))
    assert scp_model_gen.main(["--check", "--spec-dir", str(tmp_path)]) == 1
    assert "error[formal.stale_generated]" in capsys.readouterr().out
    assert scp_model_gen.stale_modules(tmp_path, write=True) == ["MCSCPTimer.tla"]
    assert scp_model_gen.stale_modules(tmp_path) == []


def test_unterminated_block_is_a_typed_error(tmp_path: Path) -> None:
    shutil.copy(SPEC_DIR / "MCSCPTimer.tla", tmp_path / "MCSCPTimer.tla")
    text = (tmp_path / "MCSCPTimer.tla").read_text()
    (tmp_path / "MCSCPTimer.tla").write_text(text.replace(scp_model_gen.END, ""))
    with pytest.raises(FormalError) as caught:
        scp_model_gen.render(text.replace(scp_model_gen.END, ""),
                             scp_model_gen.MODELS["MCSCPTimer.tla"], "MCSCPTimer.tla")
    assert caught.value.code == "formal.stale_generated"


def test_tlc_refuses_a_wrong_table(tmp_path: Path) -> None:
    # The ASSUME of the generated block compares the literal with SCP.tla's own tables: a
    # literal that says n1 needs no other node for a quorum stops TLC before any state.
    for path in SPEC_DIR.glob("*.tla"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(SPEC_DIR / "MCSCPTimer.cfg", tmp_path / "MCSCPTimer.cfg")
    module = tmp_path / "MCSCPTimer.tla"
    module.write_text(module.read_text().replace("(n1 :> {{n2}})", "(n1 :> {{}})", 1))
    result = run_tlc(module, tmp_path / "MCSCPTimer.cfg", workers=1, timeout_s=120)
    assert result.exit_code == 10  # tlc2.output.EC.ExitStatus.VIOLATION_ASSUMPTION
    assert result.outcome != "ok" and result.distinct is None
