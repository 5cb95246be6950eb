"""Verification policy: identities, report-data binding, the policy file (verifier.py)."""

from __future__ import annotations

import json

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.enclave.evidence import ReportDataContents
from refimpl.enclave.sgx.collateral import collateral_from_files
from refimpl.enclave.sgx.quote import parse_quote
from refimpl.enclave.verifier import (
    Policy,
    SignerIdentity,
    enclave_refusals,
    verify_evidence,
)
from refimpl.errors import CODES, AttestError
from tests.unit.enclave.dcap_data import AT, FILES, PRODUCTION, QUOTE, ROOT

BODY = parse_quote(QUOTE).report_body
COLLATERAL = collateral_from_files(FILES)


def test_report_data_hash_matches_mobilecoin_kat() -> None:
    # attest/verifier/src/dcap.rs test constant (report_data_hash_verifier_succeeds)
    digest = ReportDataContents(b"\x01" * 16, b"\x02" * 32, b"\x03" * 32).sha256()
    assert digest.hex().upper().startswith("C33924B6") and digest.hex().upper().endswith("85C5")
    assert ReportDataContents(b"\x01" * 16, b"\x02" * 32).sha256() != ReportDataContents(
        b"\x01" * 16, b"\x02" * 32, bytes(32)).sha256()


def test_signer_identity_with_minimum_svn() -> None:
    ok = SignerIdentity(BODY.mr_signer, BODY.isv_prod_id, 0)
    assert enclave_refusals(Policy(signers=(ok,)), BODY) == []
    too_new = attrs.evolve(ok, min_svn=1)
    wrong_product = attrs.evolve(ok, product_id=1)
    for signer in (too_new, wrong_product):
        codes = [r.code for r in enclave_refusals(Policy(signers=(signer,)), BODY)]
        assert codes == ["attest.measurement_not_allowed"]


def test_report_data_binding_is_checked() -> None:
    binding = ReportDataContents(b"\x01" * 16, b"\x02" * 32)
    policy = attrs.evolve(PRODUCTION, report_data=binding)
    codes = [r.code for r in verify_evidence(QUOTE, COLLATERAL, ROOT, policy, AT).reasons]
    assert codes == ["attest.report_data_mismatch"]  # the real quote's REPORTDATA is all zero
    forged = attrs.evolve(BODY, report_data=binding.report_data())
    assert enclave_refusals(policy, forged) == []


def test_policy_file_round_trip() -> None:
    document = {
        "mrenclave": [BODY.mr_enclave.hex()],
        "mrsigner": [{"mrsigner": BODY.mr_signer.hex(), "product_id": 0, "min_svn": 0}],
        "allowed_tcb_statuses": ["UpToDate", "SWHardeningNeeded"],
        "allowed_advisories": ["INTEL-SA-00334", "INTEL-SA-00615"],
        "allow_debug": False,
        "report_data": {"nonce": "01" * 16, "key": "02" * 32},
    }
    policy = Policy.from_json(json.dumps(document).encode())
    assert policy.mr_enclaves == {BODY.mr_enclave}
    assert policy.signers == (SignerIdentity(BODY.mr_signer, 0, 0),)
    assert policy.report_data == ReportDataContents(b"\x01" * 16, b"\x02" * 32)
    assert policy.allowed_advisories == PRODUCTION.allowed_advisories


@pytest.mark.parametrize("text", [
    b"[]", b"{", b'{"mrenclave": ["00"]}', b'{"allowed_tcb_statuses": ["Fine"]}',
    b'{"allow_debug": 1}', b'{"surprise": true}', b'{"mrsigner": [{"mrsigner": "00"}]}',
    b"\xff",
])
def test_malformed_policy_files_are_typed(text: bytes) -> None:
    with pytest.raises(AttestError) as info:
        Policy.from_json(text)
    assert info.value.code == "attest.bad_policy"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=70),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(
                        ["mrenclave", "mrsigner", "allow_debug", "report_data", "nonce", "key",
                         "allowed_tcb_statuses", "allowed_advisories", "product_id",
                         "min_svn", "any_measurement"]), inner, max_size=4),
                    max_leaves=8))
def test_any_json_policy_parses_or_is_typed(document: object) -> None:
    try:
        Policy.from_json(json.dumps(document).encode())
    except AttestError as exc:
        assert exc.code in CODES
