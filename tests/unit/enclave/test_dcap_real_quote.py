"""The real hardware DCAP quotes and their collateral (data/attestation/PROVENANCE.md)."""

from __future__ import annotations

import datetime
from typing import Any

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from refimpl.enclave.check import REAL_ADVISORIES, REAL_MRENCLAVE, real_dcap_quote_check
from refimpl.enclave.sgx import certs, crl_rules
from refimpl.enclave.sgx.collateral import collateral_from_files, load_collateral_dir
from refimpl.enclave.sgx.quote import parse_quote
from refimpl.enclave.sgx.trust import DCAP_DIR
from refimpl.enclave.sgx.verify import verify_quote
from refimpl.enclave.verifier import Policy, verify_evidence
from refimpl.errors import AttestError
from tests.unit.enclave.dcap_data import (
    AT,
    DEBUG_QUOTE,
    FILES,
    PRODUCTION,
    QUOTE,
    ROOT,
)

COLLATERAL = collateral_from_files(FILES)


def test_quote_fields_match_the_known_facts() -> None:
    quote = parse_quote(QUOTE)
    assert (quote.header.version, quote.header.qe_svn, quote.header.pce_svn) == (3, 9, 14)
    assert quote.report_body.mr_enclave == REAL_MRENCLAVE
    assert quote.report_body.mr_signer.hex().startswith("9f06df5c")
    assert quote.report_body.attributes_flags == 0x5 and not quote.report_body.debug
    assert quote.report_body.report_data == bytes(64)
    assert quote.qe_report_body.mr_signer.hex().endswith("c57bff")
    assert (quote.qe_report_body.isv_prod_id, quote.qe_report_body.isv_svn) == (1, 9)
    assert parse_quote(DEBUG_QUOTE).report_body.debug


def test_real_quote_verifies_with_known_tcb_status() -> None:
    verified = verify_quote(QUOTE, COLLATERAL, ROOT, AT)
    assert verified.tcb_status == "SWHardeningNeeded"
    assert set(verified.advisory_ids) == REAL_ADVISORIES
    assert verified.qe_tcb_status == "UpToDate" and verified.qe_advisory_ids == ()
    assert verified.fmspc.hex().upper() == "00906ED50000"
    assert verified.expired_windows() == ()
    assert load_collateral_dir(DCAP_DIR) == COLLATERAL


def test_accepted_by_a_policy_allowing_both_advisories() -> None:
    verdict = verify_evidence(QUOTE, COLLATERAL, ROOT, PRODUCTION, AT)
    assert verdict.accepted and verdict.reasons == ()


@pytest.mark.parametrize("allowed", [set(), {"INTEL-SA-00334"}, {"INTEL-SA-00615"}])
def test_refused_by_any_narrower_advisory_list(allowed: set[str]) -> None:
    policy = attrs.evolve(PRODUCTION, allowed_advisories=frozenset(allowed))
    verdict = verify_evidence(QUOTE, COLLATERAL, ROOT, policy, AT)
    assert [r.code for r in verdict.reasons] == ["attest.tcb_status_not_allowed"]


def test_refused_when_the_status_is_not_allowed() -> None:
    policy = attrs.evolve(PRODUCTION, allowed_tcb_statuses=frozenset({"UpToDate"}))
    codes = [r.code for r in verify_evidence(QUOTE, COLLATERAL, ROOT, policy, AT).reasons]
    assert codes == ["attest.tcb_status_not_allowed"]


def test_debug_quote_refused_by_the_production_policy() -> None:
    verdict = verify_evidence(DEBUG_QUOTE, COLLATERAL, ROOT, PRODUCTION, AT)
    codes = {r.code for r in verdict.reasons}
    assert not verdict.accepted and "attest.debug_enclave" in codes
    # the same platform, an older TCB: the QE and the platform are out of date too
    assert verdict.verified.tcb_status == "OutOfDate"
    assert "attest.qe_out_of_date" in codes
    allowing_debug = attrs.evolve(PRODUCTION, allow_debug=True)
    codes = {r.code for r in verify_evidence(DEBUG_QUOTE, COLLATERAL, ROOT, allowing_debug,
                                             AT).reasons}
    assert "attest.debug_enclave" not in codes


@pytest.mark.parametrize(("at", "code"), [
    (datetime.datetime(2023, 7, 12, 19, 0, tzinfo=datetime.UTC), "attest.collateral_expired"),
    (datetime.datetime(2023, 8, 11, 19, 56, 44, tzinfo=datetime.UTC),
     "attest.collateral_expired"),
    (datetime.datetime(2051, 1, 1, tzinfo=datetime.UTC), "attest.certificate_expired"),
])
def test_time_outside_the_windows_is_refused_by_the_policy(at: datetime.datetime,
                                                           code: str) -> None:
    verdict = verify_evidence(QUOTE, COLLATERAL, ROOT, PRODUCTION, at)
    assert code in {r.code for r in verdict.reasons}


def test_the_last_second_inside_the_window_is_accepted() -> None:
    at = datetime.datetime(2023, 8, 11, 19, 56, 43, tzinfo=datetime.UTC)
    assert verify_evidence(QUOTE, COLLATERAL, ROOT, PRODUCTION, at).accepted


def test_intel_documentation_example_tcb_info_is_refused() -> None:
    files = dict(FILES, tcb_info=(DCAP_DIR / "attestation_example_tcb.json").read_bytes())
    with pytest.raises(AttestError) as info:
        verify_quote(QUOTE, collateral_from_files(files), ROOT, AT)
    assert info.value.code in {"attest.bad_collateral", "attest.bad_collateral_signature",
                               "attest.fmspc_mismatch"}


def test_another_root_is_refused() -> None:
    signer = FILES["tcb_signer"]
    with pytest.raises(AttestError) as info:
        verify_quote(QUOTE, COLLATERAL, signer, AT)
    assert info.value.code in {"attest.untrusted_root", "attest.bad_crl_signature"}


def _ca_and_leaf() -> tuple[Any, Any, Any]:
    key = ec.derive_private_key(7, ec.SECP256R1())
    leaf_key = ec.derive_private_key(11, ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(2040, 1, 1, tzinfo=datetime.UTC)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(key.public_key()).serial_number(1).not_valid_before(start)
          .not_valid_after(end).sign(key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(42)
            .not_valid_before(start).not_valid_after(end).sign(key, hashes.SHA256()))
    return key, ca, leaf


def test_a_certificate_listed_in_its_issuers_crl_is_revoked() -> None:
    key, ca, leaf = _ca_and_leaf()
    day = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
               .last_update(day).next_update(day + datetime.timedelta(days=30)))
    empty = certs.parse_crl(builder.sign(key, hashes.SHA256()).public_bytes(certs.DER))
    listed = certs.parse_crl(builder.add_revoked_certificate(
        x509.RevokedCertificateBuilder().serial_number(42).revocation_date(day).build()
    ).sign(key, hashes.SHA256()).public_bytes(certs.DER))
    crl_rules.check_crl_signature(listed, ca, "CRL")
    crl_rules.check_not_revoked(leaf, empty, "leaf")
    with pytest.raises(AttestError) as info:
        crl_rules.check_not_revoked(leaf, listed, "leaf")
    assert info.value.code == "attest.revoked"
    with pytest.raises(AttestError) as info:
        crl_rules.check_crl_signature(listed, leaf, "CRL")
    assert info.value.code == "attest.bad_crl_signature"
    with pytest.raises(AttestError) as info:
        crl_rules.check_crl_issuer(listed, leaf.subject, "CRL")
    assert info.value.code == "attest.crl_issuer_mismatch"


def test_mcref_check_entry_passes() -> None:
    ok, lines, detail = real_dcap_quote_check()
    assert ok, lines
    assert [r["code"] for r in detail["strict"]["reasons"]] == ["attest.crl_expired"]
    assert any("--strict): refused (attest.crl_expired)" in line for line in lines)


def test_policy_without_identity_accepts_no_enclave() -> None:
    verdict = verify_evidence(QUOTE, COLLATERAL, ROOT, Policy(
        allowed_tcb_statuses=PRODUCTION.allowed_tcb_statuses,
        allowed_advisories=PRODUCTION.allowed_advisories), AT)
    assert [r.code for r in verdict.reasons] == ["attest.measurement_not_allowed"]
