"""Attestation checks for ``mcref check`` (``make run``), picked up by refimpl/cli/check.py.

Each entry of :data:`CHECKS` is ``(name, fn)`` with ``fn() -> (ok, summary_lines, detail)``;
other attestation parts append their entries here.
"""

from __future__ import annotations

import datetime

import attrs

from refimpl.checks import Check, CheckResult
from refimpl.enclave.channel_check import handshake_check
from refimpl.enclave.sgx.collateral import load_collateral_dir
from refimpl.enclave.sgx.trust import DCAP_DIR, intel_sgx_root_ca
from refimpl.enclave.sim_check import simulated_quote_check
from refimpl.enclave.verifier import Policy, verify_evidence

REAL_QUOTE_AT = datetime.datetime(2023, 7, 20, tzinfo=datetime.UTC)
REAL_MRENCLAVE = bytes.fromhex("840d61b0585dc8b4dc90f53af293c760fda06bee75978a6a86263ffb296423f4")
REAL_ADVISORIES = frozenset({"INTEL-SA-00334", "INTEL-SA-00615"})


def real_dcap_quote_check() -> CheckResult:
    """The real hardware quote (data/attestation/PROVENANCE.md) verifies to the Intel SGX Root
    CA; a policy allowing its two advisories accepts it, one allowing neither refuses it, the
    same policy with Intel's CRL-window rule (``--strict``) refuses it for its expired PCK
    processor CA CRL; the debug-enclave quote is refused by the production policy."""
    collateral = load_collateral_dir(DCAP_DIR)
    root = intel_sgx_root_ca()
    quote = (DCAP_DIR / "attestation_hw_quote.dat").read_bytes()
    debug_quote = (DCAP_DIR / "sgx_dcap_types_hw_quote_debug.dat").read_bytes()
    production = Policy(mr_enclaves=frozenset({REAL_MRENCLAVE}),
                        allowed_tcb_statuses=frozenset({"UpToDate", "SWHardeningNeeded"}),
                        allowed_advisories=REAL_ADVISORIES)
    narrow = Policy(mr_enclaves=frozenset({REAL_MRENCLAVE}),
                    allowed_tcb_statuses=production.allowed_tcb_statuses)
    accepted = verify_evidence(quote, collateral, root, production, REAL_QUOTE_AT)
    refused = verify_evidence(quote, collateral, root, narrow, REAL_QUOTE_AT)
    strict = verify_evidence(quote, collateral, root,
                             attrs.evolve(production, enforce_crl_windows=True), REAL_QUOTE_AT)
    strict_codes = [r.code for r in strict.reasons]
    debug = verify_evidence(debug_quote, collateral, root, production, REAL_QUOTE_AT)
    doc = accepted.to_json()
    ok = (accepted.accepted and doc["mrenclave"] == REAL_MRENCLAVE.hex()
          and doc["tcb_status"] == "SWHardeningNeeded"
          and set(doc["advisory_ids"]) == REAL_ADVISORIES and doc["qe_tcb_status"] == "UpToDate"
          and not refused.accepted and not debug.accepted
          and not strict.accepted and strict_codes == ["attest.crl_expired"]
          and "attest.debug_enclave" in {r.code for r in debug.reasons})
    lines = [
        f"hw quote at {REAL_QUOTE_AT.date()}: MRENCLAVE {doc['mrenclave'][:8]}…"
        f"{doc['mrenclave'][-4:]}, {doc['tcb_status']} {sorted(doc['advisory_ids'])}, "
        f"QE {doc['qe_tcb_status']}",
        f"policy allowing both advisories: {'accepted' if accepted.accepted else 'REFUSED'}",
        "policy allowing none: " + ("refused (" + ", ".join(r.code for r in refused.reasons)
                                     + ")" if not refused.accepted else "ACCEPTED"),
        "same policy with Intel's CRL windows (--strict): "
        + ("refused (" + ", ".join(strict_codes) + ")" if not strict.accepted else "ACCEPTED"),
        "debug-enclave quote, production policy: "
        + ("refused (" + ", ".join(r.code for r in debug.reasons) + ")"
           if not debug.accepted else "ACCEPTED"),
    ]
    return CheckResult(ok, lines, {"accepted": doc, "narrow": refused.to_json(),
                                   "strict": strict.to_json(), "debug": debug.to_json()})


CHECKS: list[Check] = [
    ("attestation: real DCAP quote", real_dcap_quote_check),
    ("attestation: simulated SGX quote", simulated_quote_check),
    ("attestation: attested Noise handshakes", handshake_check),
]
