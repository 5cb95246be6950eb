"""The TLC runner: parsing -tool output, locating Java and the jar, one-line CLI errors.

The parsing tests use TLC 2.15 output captured from real runs (a violated invariant with a
multi-line state, a parse error, a simulation); the CLI tests run TLC on tiny specs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.cli import main
from refimpl.errors import CODES, FormalError
from refimpl.formal.manifest import load_manifest
from refimpl.formal.tlc import find_jar, find_java, parse_tool_output
from refimpl.formal.tlc_output import ProgressReader, parse_progress

VIOLATION = """@!@!@STARTMSG 2262:0 @!@!@
TLC2 Version 2.15 of Day Month 20?? (rev: d5b5a7f)
@!@!@ENDMSG 2262 @!@!@
@!@!@STARTMSG 2110:1 @!@!@
Invariant Inv is violated.
@!@!@ENDMSG 2110 @!@!@
@!@!@STARTMSG 2121:1 @!@!@
The behavior up to this point is:
@!@!@ENDMSG 2121 @!@!@
@!@!@STARTMSG 2217:4 @!@!@
1: <Initial predicate>
/\\ x = 0
/\\ y = <<>>

@!@!@ENDMSG 2217 @!@!@
@!@!@STARTMSG 2217:4 @!@!@
2: <Next line 5, col 9 to line 5, col 56 of module T>
/\\ x = 1
/\\ y = ( n1 :> [a |-> 0] @@
  n2 :> [a |-> 1] )

@!@!@ENDMSG 2217 @!@!@
@!@!@STARTMSG 2199:0 @!@!@
4 states generated, 3 distinct states found, 0 states left on queue.
@!@!@ENDMSG 2199 @!@!@
@!@!@STARTMSG 2194:0 @!@!@
The depth of the complete state graph search is 2.
@!@!@ENDMSG 2194 @!@!@
"""

PARSE_ERROR = """Fatal errors while parsing TLA+ spec in file U
@!@!@STARTMSG 3002:1 @!@!@
Parsing or semantic analysis failed.
@!@!@ENDMSG 3002 @!@!@
"""

SIMULATION = """@!@!@STARTMSG 2209:0 @!@!@
Progress(-1) at 2026-11-22 00:16:04: 16 states generated, -1 distinct states found
@!@!@STARTMSG 2210:0 @!@!@
The number of states generated: 1,216
Simulation using seed -5115508353023738416 and aril 0
@!@!@STARTMSG 2186:0 @!@!@
Finished in 416ms at (2026-11-22 00:16:04)
"""


def test_violation_is_parsed_with_its_counterexample() -> None:
    result = parse_tool_output(VIOLATION, 12, 1.5)
    assert result.outcome == "invariant_violated"
    assert result.violated_invariant == "Inv"
    assert (result.generated, result.distinct, result.depth) == (4, 3, 2)
    assert [s.index for s in result.counterexample] == [1, 2]
    assert result.counterexample[0].action == "<Initial predicate>"
    second = dict(result.counterexample[1].variables)
    assert second["x"] == "1"
    assert second["y"] == "( n1 :> [a |-> 0] @@\n  n2 :> [a |-> 1] )"
    assert result.states_per_second == pytest.approx(4 / 1.5)


def test_exit_codes_map_to_outcomes() -> None:
    assert parse_tool_output("", 0, 1.0).outcome == "ok"
    assert parse_tool_output("", 11, 1.0).outcome == "deadlock"
    assert parse_tool_output("", 13, 1.0).outcome == "liveness_violated"
    assert parse_tool_output("", None, 1.0).outcome == "timeout"
    assert parse_tool_output("", 255, 1.0).outcome == "error"


def test_parse_error_keeps_the_message() -> None:
    result = parse_tool_output(PARSE_ERROR, 150, 0.3)
    assert result.outcome == "parse_error"
    assert any("Parsing or semantic analysis failed" in e for e in result.errors)


def test_simulation_statistics() -> None:
    result = parse_tool_output(SIMULATION, 0, 0.4)
    assert result.generated == 1216
    assert result.distinct is None
    progress_only = SIMULATION.split("@!@!@STARTMSG 2210")[0]
    assert parse_tool_output(progress_only, 0, 0.4).generated == 16


PROGRESS = ("Progress(870) at 2026-12-02 13:47:14: 431,699 states generated (431,699 s/min), "
            "216,435 distinct states found (216,435 ds/min), 301 states left on queue.")
STOPPED = """@!@!@STARTMSG 2185:0 @!@!@
Starting... (2026-12-02 13:47:10)
@!@!@ENDMSG 2185 @!@!@
@!@!@STARTMSG 2190:0 @!@!@
Finished computing initial states: 1 distinct state generated at 2026-12-02 13:47:11.
@!@!@ENDMSG 2190 @!@!@
@!@!@STARTMSG 2195:0 @!@!@
Checkpointing of run /tmp/m/26-12-02-13-47-10
@!@!@ENDMSG 2195 @!@!@
@!@!@STARTMSG 2196:0 @!@!@
Checkpointing completed at (2026-12-02 13:47:14)
@!@!@ENDMSG 2196 @!@!@
@!@!@STARTMSG 2200:0 @!@!@
""" + PROGRESS + """
@!@!@ENDMSG 2200 @!@!@
"""


def test_progress_report_figures() -> None:
    report = parse_progress(2200, PROGRESS, 4.5)
    assert report is not None and report.kind == "progress"
    assert (report.generated, report.distinct, report.queue, report.rate, report.depth) == (
        431_699, 216_435, 301, 431_699, 870)
    assert "216,435 distinct" in report.line() and "depth 870" in report.line()
    simulated = parse_progress(2209, "Progress(-1) at 2026-11-22 00:16:04: 16 states "
                               "generated, -1 distinct states found", 1.0)
    assert simulated is not None
    assert (simulated.generated, simulated.distinct, simulated.depth) == (16, None, None)
    assert parse_progress(2110, "Invariant Inv is violated.") is None
    for code, line in ((2190, "Finished computing initial states: 1 distinct state generated "
                              "at 2026-12-02 13:47:11."),
                       (2191, "Finished computing initial states: 3 states generated, with 2 "
                              "of them distinct at 2026-12-02 14:10:26.")):
        initial = parse_progress(code, line)
        assert initial is not None and initial.kind == "initial"
        assert initial.distinct == (1 if code == 2190 else 2)


def test_progress_reader_reports_each_status_message_once() -> None:
    reader = ProgressReader()
    kinds = [r.kind for line in STOPPED.splitlines()
             if (r := reader.feed(line, 0.0)) is not None]
    assert kinds == ["starting", "initial", "checkpoint", "checkpointed", "progress"]


def test_stopped_run_keeps_the_last_progress_figures() -> None:
    result = parse_tool_output(STOPPED, None, 5.0)
    assert result.outcome == "timeout" and result.partial
    assert (result.generated, result.distinct, result.queue, result.depth) == (
        431_699, 216_435, 301, 870)
    finished = parse_tool_output(VIOLATION, 12, 1.0)
    assert not finished.partial and finished.queue == 0


#: TLCServer's output (TLC 2.15, one worker) when the worker finds Small violated: no 2110
#: message, a trace that starts mid-behaviour, exit code 0.
DISTRIBUTED_VIOLATION = """@!@!@STARTMSG 7001:0 @!@!@
Registration for worker at rmi://localhost:0/0 completed (2026-12-02 14:11:19)
@!@!@ENDMSG 7001 @!@!@
@!@!@STARTMSG 2121:1 @!@!@
The behavior up to this point is:
@!@!@ENDMSG 2121 @!@!@
@!@!@STARTMSG 2217:4 @!@!@
1: <Initial predicate>
/\\ x = 0
/\\ y = 11

@!@!@ENDMSG 2217 @!@!@
@!@!@STARTMSG 2217:4 @!@!@
2: <Next line 6, col 12 to line 6, col 41 of module Viol>
/\\ x = 0
/\\ y = 12

@!@!@ENDMSG 2217 @!@!@
@!@!@STARTMSG 2199:0 @!@!@
199 states generated, 78 distinct states found, 0 states left on queue.
@!@!@ENDMSG 2199 @!@!@
"""


def test_distributed_violation_is_not_reported_as_ok() -> None:
    result = parse_tool_output(DISTRIBUTED_VIOLATION, 0, 7.0)
    assert result.outcome == "invariant_violated" and result.violated_invariant is None
    assert [dict(s.variables)["y"] for s in result.counterexample] == ["11", "12"]
    assert any("without --distributed" in e for e in result.errors)


@given(st.text(), st.one_of(st.none(), st.integers(-300, 300)))
def test_any_output_parses_without_crashing(text: str, code: int | None) -> None:
    result = parse_tool_output(text, code, 1.0)
    assert result.outcome in {"ok", "deadlock", "invariant_violated", "liveness_violated",
                              "parse_error", "timeout", "error"}


def test_java_and_jar_are_found() -> None:
    assert Path(find_java()).exists()
    assert find_jar().name == "tla2tools.jar"


def test_jar_override_that_does_not_exist_is_a_typed_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TLA2TOOLS_JAR", "/nonexistent/tla2tools.jar")
    with pytest.raises(FormalError) as info:
        find_jar()
    assert info.value.code == "formal.jar_not_found"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(
                        ["models", "name", "spec", "cfg", "size", "mode", "expected",
                         "outcome", "budget_seconds", "simulate", "num", "depth"]),
                        inner, max_size=6), max_leaves=12))
def test_malformed_manifests_are_typed_errors(tmp_path_factory: pytest.TempPathFactory,
                                              document: object) -> None:
    path = tmp_path_factory.mktemp("manifest") / "manifest.json"
    path.write_text(json.dumps(document))
    try:
        load_manifest(path)
    except FormalError as exc:
        assert exc.code in CODES


def _toy(tmp_path: Path, body: str, cfg: str) -> Path:
    (tmp_path / "Toy.tla").write_text(
        "---- MODULE Toy ----\nEXTENDS Naturals\nVARIABLE x\n" + body + "\n====\n")
    (tmp_path / "Toy.cfg").write_text(cfg)
    return tmp_path / "Toy.cfg"


def test_cli_run_reports_a_violation_as_json(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _toy(tmp_path, "Init == x = 0\nNext == x < 4 /\\ x' = x + 1\nSmall == x < 3",
               "INIT Init\nNEXT Next\nINVARIANT Small\n")
    assert main(["tlc", "run", str(cfg), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["outcome"] == "invariant_violated"
    assert document["violated_invariant"] == "Small"
    assert [s["state"]["x"] for s in document["counterexample"]] == [0, 1, 2, 3]
    assert document["partial"] is False


def test_cli_parse_error_is_one_line(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _toy(tmp_path, "Init == x = \n", "INIT Init\nNEXT Init\n")
    assert main(["tlc", "run", str(cfg), "--quiet"]) == 2  # --quiet: no progress lines
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error[formal.tla_parse_error]")


def test_cli_timeout_prints_the_partial_result(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _toy(tmp_path, "Init == x = 0\nNext == x' = x + 1", "INIT Init\nNEXT Next\n")
    assert main(["tlc", "run", str(cfg), "--timeout", "4", "--json", "--workers", "1"]) == 3
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["outcome"] == "timeout" and document["partial"] is True
    assert document["exit_code"] is None and 4 <= document["seconds"] < 20
    progress = captured.err.splitlines()
    assert progress and all(line.startswith("tlc ") for line in progress)
    assert any(" starting " in line for line in progress)


def test_cli_missing_jar_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _toy(tmp_path, "Init == x = 0\nNext == x' = x", "INIT Init\nNEXT Next\n")
    monkeypatch.setenv("TLA2TOOLS_JAR", str(tmp_path / "absent.jar"))
    assert main(["tlc", "run", str(cfg)]) == 2
    assert capsys.readouterr().err.startswith("error[formal.jar_not_found]")


def _processes_naming(text: str) -> list[int]:
    """Pids of the live processes whose command line contains ``text`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_sigterm_to_mcref_stops_tlc(tmp_path: Path) -> None:
    cfg = _toy(tmp_path, "Init == x = 0\nNext == x' = x + 1", "INIT Init\nNEXT Next\n")
    mcref = subprocess.Popen([sys.executable, "-m", "refimpl.cli", "tlc", "run", str(cfg),
                              "--timeout", "0", "--quiet", "--workers", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not [p for p in _processes_naming(str(cfg)) if p != mcref.pid]:
            assert time.monotonic() < deadline and mcref.poll() is None
            time.sleep(0.2)
        os.kill(mcref.pid, signal.SIGTERM)  # as `timeout` does: TLC runs in its own session
        assert mcref.wait(timeout=30) == 128 + signal.SIGTERM
        assert _processes_naming(str(cfg)) == []
    finally:
        mcref.kill()
        mcref.wait()
