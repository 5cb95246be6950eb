"""DCAP verification benchmark (issue 6; run by `make bench`, not by `make test`).

A full verification of the real hardware quote (data/attestation/dcap) with its collateral at
2023-07-20 under the production policy: quote and collateral parsing, PCK chain and both
issuer chains to the Intel SGX Root CA, both CRLs, the TCB-info and QE-identity signatures,
the QE report signature and key binding, the quote signature, the TCB levels and the policy
(refimpl/enclave/verifier.py ``verify_evidence``).
"""

from __future__ import annotations

import datetime
from typing import Any

from refimpl.enclave.check import REAL_ADVISORIES, REAL_MRENCLAVE
from refimpl.enclave.sgx.collateral import load_collateral_dir
from refimpl.enclave.sgx.trust import DCAP_DIR, intel_sgx_root_ca
from refimpl.enclave.verifier import Policy, verify_evidence

AT = datetime.datetime(2023, 7, 20, tzinfo=datetime.UTC)
POLICY = Policy(mr_enclaves=frozenset({REAL_MRENCLAVE}),
                allowed_tcb_statuses=frozenset({"UpToDate", "SWHardeningNeeded"}),
                allowed_advisories=REAL_ADVISORIES)


def test_dcap_verify_real_quote(benchmark: Any) -> None:
    quote = (DCAP_DIR / "attestation_hw_quote.dat").read_bytes()
    collateral = load_collateral_dir(DCAP_DIR)
    root = intel_sgx_root_ca()
    verdict = benchmark(verify_evidence, quote, collateral, root, POLICY, AT)
    assert verdict.accepted
