"""``mcref scp simulate``: table, JSON document, trace file, and one-line typed errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refimpl.cli import main
from refimpl.consensus.sim.trace import read_trace

MAINNET = Path(__file__).resolve().parents[3] / "data" / "fbas" / "mobilecoin_nodes_2021-10-22.json"


def test_summary_table(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scp", "simulate", "--topology", "mesh", "--nodes", "7", "--slots", "2",
                 "--byzantine", "2", "--seed", "1"])
    out = capsys.readouterr()
    assert code == 0
    assert "agreement held" in out.out and "yes" in out.out
    assert "2/2" in out.out
    assert out.err == ""  # no progress bar when stderr is not a terminal


def test_json_document_and_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "run.ndjson"
    code = main(["scp", "simulate", "--topology", str(MAINNET), "--slots", "2", "--seed", "3",
                 "--variant", "mobilecoin", "--trace", str(trace), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["agreement"] is True and doc["variant"] == "mobilecoin"
    assert len(doc["externalized"]) == 10
    assert all(len(h) == 2 for h in doc["externalized"].values())
    assert doc["messages"] > 0
    lines = read_trace(trace.read_text().splitlines())
    assert lines[0]["kind"] == "header" and lines[0]["variant"] == "mobilecoin"
    assert lines[-1]["externalized"] == doc["externalized"]


def test_broken_agreement_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scp", "simulate", "--nodes", "4", "--threshold", "2", "--byzantine", "2",
                 "--slots", "1", "--seed", "0", "--json"])
    assert code == 1
    assert json.loads(capsys.readouterr().out)["agreement"] is False


def _reject(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        code = main(["scp", "simulate", *argv])
    except SystemExit as exc:  # argparse usage errors exit through the parser
        code = int(exc.code or 0)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "\n" not in err
    return err


def test_invalid_configurations_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _reject(["--nodes", "4", "--threshold", "5"], capsys).startswith(
        "error[scp.config_threshold_too_large]")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps([{"publicKey": "A", "quorumSet": {
        "threshold": 1, "validators": ["B"], "innerQuorumSets": []}}]))
    assert _reject(["--topology", str(unknown)], capsys).startswith(
        "error[scp.config_unknown_validator]")
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps([{"publicKey": "A", "quorumSet": {
        "threshold": 0, "validators": [], "innerQuorumSets": []}}]))
    assert _reject(["--topology", str(empty)], capsys).startswith(
        "error[scp.config_empty_quorum_set]")
    assert _reject(["--nodes", "3", "--byzantine", "4"], capsys).startswith(
        "error[scp.sim_bad_parameters]")
    assert _reject(["--topology", "metamesh", "--nodes", "7"], capsys).startswith(
        "error[scp.sim_bad_parameters]")
    assert _reject(["--slots", "x"], capsys).startswith("error[cli.usage]")
    assert _reject(["--trace", str(tmp_path / "no" / "dir.ndjson")], capsys).startswith(
        "error[cli.io]")


def test_trace_is_identical_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    """String hashing is randomised per process: the trace must not depend on it."""
    import os
    import subprocess
    import sys

    traces = []
    for hash_seed in ("1", "2"):
        path = tmp_path / f"trace-{hash_seed}.ndjson"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-m", "refimpl.cli", "scp", "simulate", "--topology", "metamesh",
             "--nodes", "6", "--org-size", "2", "--slots", "2", "--byzantine", "2",
             "--behaviour", "mixed", "--loss", "0.2", "--gst-ms", "1500", "--seed", "5",
             "--trace", str(path)],
            check=False, env=env, capture_output=True, timeout=120,
        )
        traces.append(path.read_bytes())
    assert traces[0] == traces[1] and len(traces[0]) > 1000
