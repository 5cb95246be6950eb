"""The ``mcref check`` entry for simulated SGX (entry of :data:`refimpl.enclave.check.CHECKS`).

Shows the property of the simulated platform (refimpl/enclave/platform_sim.py): the verifier that
checks hardware quotes accepts a simulated quote under the simulation's test root only, and the
production policy refuses a simulated debug enclave.
"""

from __future__ import annotations

import datetime

from refimpl.checks import CheckResult
from refimpl.enclave.platform_sim import SimulatedEnclave, SimulatedPlatform, seeded_rng
from refimpl.enclave.sgx.trust import intel_sgx_root_ca
from refimpl.enclave.verifier import Policy, verify_evidence
from refimpl.errors import AttestError

SIM_AT = datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC)


def simulated_quote_check() -> CheckResult:
    """A simulated quote: accepted under the test root, refused (typed) under Intel's root;
    a debug simulated enclave refused by the production policy."""
    platform = SimulatedPlatform.create(seeded_rng(b"mcref check simulated platform"))
    enclave = SimulatedEnclave(b"consensus enclave", b"config", b"signer", platform)
    debug = SimulatedEnclave(b"consensus enclave", b"config", b"signer", platform, debug=True)
    policy = Policy(mr_enclaves=frozenset({enclave.mrenclave}))
    quote = enclave.quote(bytes(64))
    accepted = verify_evidence(quote, platform.collateral, platform.root_cert_der, policy, SIM_AT)
    try:
        verify_evidence(quote, platform.collateral, intel_sgx_root_ca(), policy, SIM_AT)
        intel = "ACCEPTED"
    except AttestError as exc:
        intel = f"refused ({exc.code})"
    refused = verify_evidence(debug.quote(bytes(64)), platform.collateral,
                              platform.root_cert_der, policy, SIM_AT)
    debug_codes = [r.code for r in refused.reasons]
    ok = accepted.accepted and intel != "ACCEPTED" and debug_codes == ["attest.debug_enclave"]
    doc = accepted.to_json()
    lines = [
        f"simulated quote ({len(quote)} B), test root: "
        f"{'accepted' if accepted.accepted else 'REFUSED'}, MRENCLAVE {doc['mrenclave'][:8]}…, "
        f"{doc['tcb_status']}, FMSPC {doc['fmspc']}",
        f"same quote, Intel SGX Root CA: {intel}",
        f"simulated debug enclave, production policy: refused ({', '.join(debug_codes)})"
        if debug_codes else "simulated debug enclave, production policy: ACCEPTED",
    ]
    return CheckResult(ok, lines, {"accepted": doc, "intel_root": intel,
                                   "debug": refused.to_json()})
