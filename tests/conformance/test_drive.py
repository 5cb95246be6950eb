"""``mcref conformance drive``: our adapter passes every case; a deliberately wrong adapter
(tests/conformance/wrong_adapter.py) fails on exactly the cases it breaks; an adapter that
crashes, hangs or cannot say hello is a typed error, and its process never outlives the run."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from refimpl.cli import main as mcref
from refimpl.errors import ConformanceError
from refimpl.vectors import runner
from refimpl.vectors.drive import Adapter, drive
from refimpl.vectors.runner import suite_of

PYTHON = shlex.quote(sys.executable)
OURS = f"{PYTHON} -m refimpl.vectors.adapter"
WRONG = Path(__file__).with_name("wrong_adapter.py")


def _suite_case_ids(suite: str) -> list[str]:
    """The ids of a suite's cases in the order drive sends them."""
    plans, _, _ = runner.plan(suite)
    return [case.id for p in plans for case in p.cases if not case.defect]


def test_our_adapter_passes_every_suite_as_the_in_process_run_does() -> None:
    result = drive(OURS)
    in_process = runner.run()
    assert result.ok and result.unsupported == ()
    assert result.report.failed_ids() == set()
    assert [(f.path, f.passed, f.failed, f.pending) for f in result.report.files] == [
        (f.path, f.passed, f.failed, f.pending) for f in in_process.files]
    assert result.report.totals()["passed"] >= 376
    assert result.implementation.startswith("mcref")


def test_the_wrong_adapter_fails_exactly_the_cases_it_breaks(tmp_path: Path) -> None:
    log = tmp_path / "broken.txt"
    result = drive(f"{PYTHON} {shlex.quote(str(WRONG))} {shlex.quote(str(log))}")
    broken = set(log.read_text().split())
    account_keys = _suite_case_ids("account_keys")
    b58 = _suite_case_ids("b58_encodings")
    assert broken == set(account_keys[6::7]) | {b58[1], b58[4]}
    assert len(broken) == len(account_keys) // 7 + 2
    assert result.report.failed_ids() == broken
    assert not result.ok
    reasons = {x.id: x.reason for f in result.report.files for x in f.failures}
    assert "not JSON" in reasons[b58[1]] and "is not" in reasons[b58[4]]
    # a suite claimed unsupported is pending by name, never passed
    assert result.unsupported == ("derived",)
    derived = [f for f in result.report.files if f.suite == "derived"]
    assert derived and all(f.passed == 0 and f.pending > 0 for f in derived)
    assert all("not supported by wrong adapter" in f.note for f in derived)
    # a case answered unsupported is pending too
    core = _suite_case_ids("core")
    assert core[0] in {i for f in result.report.files for i in f.pending_ids}
    listed = result.to_json()["files"]
    assert isinstance(listed, list)
    files = {f["path"]: f for f in listed}
    assert files[core[0].partition("#")[0]]["pendingIds"] == [core[0]]


def test_cli_drive_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert mcref(["conformance", "drive", "--impl", OURS, "--suite", "account_keys"]) == 0
    assert "conformance: OK" in capsys.readouterr().out
    wrong = f"{PYTHON} {shlex.quote(str(WRONG))} {shlex.quote(str(tmp_path / 'log'))}"
    code = mcref(["conformance", "drive", "--impl", wrong, "--suite", "account_keys", "--json"])
    doc = json.loads(capsys.readouterr().out)
    failed = {f["id"] for file in doc["files"] for f in file.get("failures", [])}
    assert code == 1 and failed == set(_suite_case_ids("account_keys")[6::7])
    assert doc["implementation"] == "wrong adapter" and doc["ok"] is False
    assert all(file["suite"] == "account_keys" for file in doc["files"])


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "adapter.py"
    path.write_text("import json, sys, time\n" + body)
    return f"{PYTHON} {shlex.quote(str(path))}"


HELLO = ('sys.stdin.readline(); print(json.dumps({"type": "hello", "protocol": 1, '
         '"suites": ["account_keys"]}), flush=True)\n')


def _code(command: str, timeout: float = 10.0) -> str:
    with pytest.raises(ConformanceError) as info:
        drive(command, "account_keys", timeout=timeout)
    return info.value.code


def test_an_adapter_that_exits_after_hello_is_a_crash(tmp_path: Path) -> None:
    assert _code(_script(tmp_path, HELLO + "sys.exit(3)\n")) == "conformance.adapter_crashed"


def test_a_bad_hello_is_a_bad_handshake(tmp_path: Path) -> None:
    script = _script(tmp_path, 'sys.stdin.readline(); print("hello?", flush=True)\n')
    assert _code(script) == "conformance.bad_handshake"
    script = _script(tmp_path, 'sys.stdin.readline(); print(json.dumps({"type": "hello", '
                     '"protocol": 2, "suites": []}), flush=True)\n')
    assert _code(script) == "conformance.bad_handshake"


def test_a_silent_adapter_times_out_and_is_killed(tmp_path: Path) -> None:
    adapter = Adapter(_script(tmp_path, HELLO + "time.sleep(60)\n"), timeout=0.5)
    try:
        assert adapter.hello(["account_keys"])[1] == ["account_keys"]
        # the largest case (a ~220 kB transaction) does not fit in the pipe: the write
        # must not block the runner when the adapter has stopped reading
        case = max(runner.plan("transaction")[0][0].cases, key=lambda c: len(str(c.input)))
        with pytest.raises(ConformanceError) as info:
            adapter.ask(case)
        assert info.value.code == "conformance.adapter_timeout"
    finally:
        adapter.close()
    assert adapter.process.poll() is not None


def test_a_command_that_cannot_start_is_a_typed_error(tmp_path: Path) -> None:
    assert _code(str(tmp_path / "no-such-adapter")) == "conformance.adapter_not_started"
    assert _code("") == "conformance.adapter_not_started"


def test_every_case_id_names_its_file_and_is_unique() -> None:
    plans, _, _ = runner.plan()
    ids = [case.id for p in plans for case in p.cases]
    assert len(ids) == len(set(ids))
    assert all(case.id.startswith(p.rel + "#") and suite_of(p.rel) for p in plans
               for case in p.cases)


def test_the_example_adapter_of_the_docs_passes_its_suite(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs/conformance.md").read_text()
    block = doc.split("<!-- example-adapter -->\n```python\n", 1)[1].split("```", 1)[0]
    assert len(block.splitlines()) <= 45
    script = tmp_path / "example_adapter.py"
    script.write_text(block)
    result = drive(f"{PYTHON} {shlex.quote(str(script))}", "core")
    assert result.ok and result.implementation == "example 0.1"
    assert result.report.totals()["passed"] == 60 and result.report.totals()["pending"] == 0
