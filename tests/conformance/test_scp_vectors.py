"""SCP one-node vectors (conformance/vectors/scp/, docs/conformance.md "SCP one-node vectors"):
registered and passing, reproduced by tools/gen_vectors_scp.py, every rule of
refimpl/vectors/scp_rules.py covered in each variant, and an altered expected step fails exactly
its case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from refimpl.vectors import registry
from refimpl.vectors.operations import OPERATIONS, perform
from refimpl.vectors.runner import CONFORMANCE_ROOT, run, run_file
from refimpl.vectors.scp_cases import KIND, SCHEMA, STEP_FIELDS, node_script
from refimpl.vectors.scp_rules import RULES

REPO = Path(__file__).resolve().parents[2]
VARIANTS = ("correct", "mobilecoin")
FILES = [f"vectors/scp/{source}-{variant}.json" for source in ("scripted", "simulated")
         for variant in VARIANTS]


def load(rel: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CONFORMANCE_ROOT / rel).read_text())
    return doc


@pytest.mark.parametrize("rel", FILES)
def test_every_case_passes(rel: str) -> None:
    assert registry.FILES[rel] == "refimpl.vectors.scp_cases:script_cases"
    doc = load(rel)
    assert doc["schema"] == SCHEMA and doc["variant"] in rel
    assert doc["numberOfTests"] == len(doc["tests"])
    result = run_file(rel)
    assert (result.passed, result.failed, result.failures) == (doc["numberOfTests"], 0, ())
    assert result.structural_failed == 0


def test_the_scp_suite_runs_and_the_operation_is_registered() -> None:
    assert OPERATIONS[KIND] is node_script
    report = run("scp")
    assert report.ok, report.to_json()
    assert {f.path for f in report.files} == set(FILES)


def test_generator_reproduces_the_committed_files() -> None:
    done = subprocess.run([sys.executable, str(REPO / "tools/gen_vectors_scp.py"), "--check"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_rule_is_covered_in_each_variant(variant: str) -> None:
    covered: set[str] = set()
    for source in ("scripted", "simulated"):
        doc = load(f"vectors/scp/{source}-{variant}.json")
        assert doc["rules"] == RULES
        for test in doc["tests"]:
            assert set(test["rules"]) <= set(RULES), test["tcId"]
            covered |= set(test["rules"])
    assert sorted(set(RULES) - covered) == []


def test_the_variants_answer_differently_where_the_rules_differ() -> None:
    correct = load("vectors/scp/scripted-correct.json")["tests"]
    mobilecoin = load("vectors/scp/scripted-mobilecoin.json")["tests"]
    assert [t["steps"] for t in correct] == [t["steps"] for t in mobilecoin]
    differ = {a["comment"].split(":")[0] for a, b in zip(correct, mobilecoin, strict=True)
              if a["expected"] != b["expected"]}
    assert {"blocking-set acceptance", "per-sender order", "counter overflow",
            "commit phase range"} <= differ


def test_refused_inputs_change_nothing_and_name_their_code() -> None:
    doc = load("vectors/scp/scripted-correct.json")
    codes = set()
    for test in doc["tests"]:
        steps = test["expected"].get("steps", [])
        for before, after in zip([None, *steps], steps, strict=False):
            if "error" in after:
                codes.add(after["error"])
                assert after["accepted"] is False and after["emitted"] is None
                if before is not None:
                    assert after["state"] == before["state"]
    assert codes == {"scp.msg_invalid", "scp.msg_bad_json", "scp.bad_value", "scp.bad_timer"}
    configs = {t["expected"]["error"] for t in doc["tests"] if "error" in t["expected"]}
    assert configs == {"scp.config_threshold_too_large", "scp.config_duplicate_member",
                       "scp.config_threshold_zero", "scp.config_empty_quorum_set",
                       "scp.msg_bad_json"}


def test_a_malformed_script_is_a_typed_refusal() -> None:
    test = load("vectors/scp/scripted-correct.json")["tests"][0]
    script = {k: test[k] for k in ("node", "slotIndex", "quorumSet", "steps")}
    script["variant"] = "correct"
    assert perform(KIND, {**script, "variant": "neither"}) == {"error": "scp.config_bad_variant"}
    bad_step = {**script, "steps": [{"type": "vote", "timeMs": 0}]}
    assert perform(KIND, bad_step)["error"] == "conformance.bad_case_input"
    assert perform(KIND, {**script, "report": ["nothing"]})["error"] == \
        "conformance.bad_case_input"
    narrow = perform(KIND, {**script, "report": ["emitted"]})["output"]
    assert all(list(step) == ["emitted"] for step in narrow["steps"])
    assert set(perform(KIND, script)["output"]["steps"][0]) == set(STEP_FIELDS) - {"error"}


@pytest.mark.parametrize("field", ["emitted", "state", "timers"])
def test_an_altered_expected_step_fails_exactly_its_case(tmp_path: Path, field: str) -> None:
    rel = "vectors/scp/scripted-mobilecoin.json"
    doc = load(rel)
    victim = doc["tests"][4]
    step = victim["expected"]["steps"][-1]
    if field == "emitted":
        step["emitted"] = None if step["emitted"] else {"sender": "n9"}
    elif field == "state":
        step["state"]["nominate_round"] += 1
    else:
        step["timers"]["nominate"] = 12345
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(doc))
    result = run_file(rel, altered)
    assert result.failed == 1 and result.passed == doc["numberOfTests"] - 1
    assert [f.id for f in result.failures] == [f"{rel}#{victim['tcId']}"]


TRACES = sorted(rel for rel in registry.FILES if rel.startswith("vectors/scp-traces/"))


def test_every_kit_trace_is_registered_and_replays_node_by_node() -> None:
    on_disk = sorted(f"vectors/scp-traces/{p.name}"
                     for p in (CONFORMANCE_ROOT / "vectors/scp-traces").glob("*.ndjson"))
    assert TRACES == on_disk and len(TRACES) == 4
    for rel in TRACES:
        assert registry.FILES[rel] == "refimpl.vectors.scp_cases:trace_cases"
        result = run_file(rel)
        assert result.failed == 0 and result.passed >= 2, result.failures
        assert result.structural_failed == 0


@pytest.mark.parametrize("name", ["bad_changed_counter.ndjson", "bad_dropped_message.ndjson",
                                  "bad_foreign_value.ndjson"])
def test_a_mutated_trace_fails_as_node_scripts(name: str) -> None:
    """The known-bad traces of the TLA+ trace validation (tests/spec/traces/): replayed as
    one-node scripts, the mutated node's script fails, the others still pass."""
    rel = "vectors/scp-traces/mesh4.ndjson"
    result = run_file(rel, REPO / "tests/spec/traces" / name)
    assert result.failed >= 1 and result.passed >= 1


def test_the_documented_rule_table_is_the_rule_list() -> None:
    text = (REPO / "docs/conformance.md").read_text()
    section = text.split("## SCP one-node vectors", 1)[1].split("\n## ", 1)[0]
    table = section.split("| group | rules |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[2] for line in table.splitlines()[2:]]
    named = {name.strip(" `") for row in rows for name in row.split(",")}
    assert named == set(RULES)
