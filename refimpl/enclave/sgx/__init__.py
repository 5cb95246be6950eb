"""Intel SGX evidence: DCAP quote v3 and its collateral, legacy EPID/IAS reports (issue 6)."""
