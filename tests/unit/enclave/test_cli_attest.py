"""``mcref attest verify-quote``: exit 0 / 3 / 2 and the printed fields (issue 6, item 7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refimpl.cli import main
from refimpl.enclave.sgx.trust import DCAP_DIR

QUOTE = str(DCAP_DIR / "attestation_hw_quote.dat")
DEBUG_QUOTE = str(DCAP_DIR / "sgx_dcap_types_hw_quote_debug.dat")
BASE = ["attest", "verify-quote", "--collateral", str(DCAP_DIR), "--at", "2023-07-20T00:00:00Z"]
ADVISORIES = ["--allow-advisory", "INTEL-SA-00334", "--allow-advisory", "INTEL-SA-00615"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*BASE, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_accepted_with_both_advisories(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, QUOTE, *ADVISORIES, "--json")
    doc: dict[str, Any] = json.loads(out)
    assert code == 0
    assert doc["verdict"] == "accepted" and doc["tcb_status"] == "SWHardeningNeeded"
    assert doc["advisory_ids"] == ["INTEL-SA-00334", "INTEL-SA-00615"]
    assert doc["mrenclave"].startswith("840d61b0") and doc["mrenclave"].endswith("23f4")
    assert (doc["product_id"], doc["svn"], doc["debug"]) == (0, 0, False)
    assert doc["qe_tcb_status"] == "UpToDate"


def test_refused_without_the_advisories(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, QUOTE)
    assert code == 3
    for field in ("TCB status:       SWHardeningNeeded", "INTEL-SA-00334, INTEL-SA-00615",
                  "MRENCLAVE:        840d61b0", "MRSIGNER:         9f06df5c", "product id:",
                  "SVN:", "debug:            no", "policy decision:  refused",
                  "refused[attest.tcb_status_not_allowed]"):
        assert field in out


def test_debug_quote_refused_unless_allowed(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    code, out, _ = run(capsys, DEBUG_QUOTE, *ADVISORIES)
    assert code == 3 and "refused[attest.debug_enclave]" in out
    code, out, _ = run(capsys, DEBUG_QUOTE, *ADVISORIES, "--allow-debug")
    assert "attest.debug_enclave" not in out


def test_policy_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"mrenclave": ["00" * 32]}))
    code, out, _ = run(capsys, QUOTE, "--policy", str(policy), *ADVISORIES)
    assert code == 3 and "attest.measurement_not_allowed" in out


def test_stale_time_is_a_policy_refusal(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*BASE[:-2], QUOTE, *ADVISORIES, "--at", "2024-01-01T00:00:00Z"])
    assert code == 3 and "refused[attest.collateral_expired]" in capsys.readouterr().out


def test_corrupted_quote_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "quote.dat"
    data = bytearray(Path(QUOTE).read_bytes())
    data[100] ^= 1
    bad.write_bytes(bytes(data))
    code, out, err = run(capsys, str(bad))
    assert code == 2 and out == ""
    assert err.startswith("error[attest.bad_quote_signature]") and err.count("\n") == 1


@pytest.mark.parametrize("argv", [["--at", "yesterday"], ["--collateral", "/nonexistent"],
                                  ["--policy", "/nonexistent"]])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main([*BASE, QUOTE, *argv]) == 2
    assert capsys.readouterr().err.startswith("error[cli.")
