"""Shared fixtures data for the DCAP tests: the real quotes and collateral in data/attestation/."""

from __future__ import annotations

import datetime

from refimpl.enclave.check import REAL_ADVISORIES, REAL_MRENCLAVE
from refimpl.enclave.sgx.collateral import COLLATERAL_FILES
from refimpl.enclave.sgx.trust import DCAP_DIR, intel_sgx_root_ca
from refimpl.enclave.verifier import Policy

AT = datetime.datetime(2023, 7, 20, tzinfo=datetime.UTC)
QUOTE = (DCAP_DIR / "attestation_hw_quote.dat").read_bytes()
DEBUG_QUOTE = (DCAP_DIR / "sgx_dcap_types_hw_quote_debug.dat").read_bytes()
DEBUG_MRENCLAVE = bytes.fromhex("1dd0df84810e53e26b2b167dfe0f97cc4364085fe0bd41d5e18a759c21d5c189")
ROOT = intel_sgx_root_ca()
FILES = {
    role: (DCAP_DIR / ("attestation_fmspc_00906ED50000_2023_07_12.json" if role == "tcb_info"
                       else name)).read_bytes()
    for role, name in COLLATERAL_FILES.items()
}
PRODUCTION = Policy(mr_enclaves=frozenset({REAL_MRENCLAVE, DEBUG_MRENCLAVE}),
                    allowed_tcb_statuses=frozenset({"UpToDate", "SWHardeningNeeded"}),
                    allowed_advisories=REAL_ADVISORIES)
