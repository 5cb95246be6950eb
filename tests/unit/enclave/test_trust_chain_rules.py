"""Issue 12: the trust-chain rules of Intel's Quote Verification Library, one refusal each.

With the simulated PKI (refimpl/enclave/sim_pki.py) every test crafts collateral or a quote
that breaks exactly one rule and checks it is refused with that rule's own code, next to a
control built the same way with the rule kept, which verifies. The rules (docs/attestation.md,
"Trust-chain rules"): G1 the TCB signing chain, G2 the CRLs, G3 basicConstraints / keyUsage /
subject along every chain, G4 the QE vendor id, G5 Revoked never allowed, G6 CRL windows
(reported by default, as MobileCoin; refused under ``--strict``, as Intel). A Hypothesis
property puts arbitrary certificates of the simulated PKI in arbitrary chain positions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography import x509
from hypothesis import assume, example, given
from hypothesis import strategies as st

from refimpl.cli import main as cli_main
from refimpl.enclave.evidence import Collateral
from refimpl.enclave.platform_sim import (
    DEFAULT_COMPONENTS,
    DEFAULT_PCE_SVN,
    SimulatedEnclave,
    SimulatedPlatform,
    seeded_rng,
)
from refimpl.enclave.sgx.collateral import collateral_from_files
from refimpl.enclave.sgx.trust import DCAP_DIR
from refimpl.enclave.sgx.verify import VerifiedQuote, verify_quote
from refimpl.enclave.sim_pki import (
    SGX_EXTENSION_OID,
    CertifiedKey,
    TcbLevel,
    issue_certificate,
    issue_crl,
    sign_raw,
)
from refimpl.enclave.verifier import Policy, verify_evidence
from refimpl.errors import AttestError
from tests.unit.enclave.dcap_data import AT as REAL_AT
from tests.unit.enclave.dcap_data import FILES, PRODUCTION, QUOTE, ROOT

AT = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
START = dt.datetime(2024, 12, 31, tzinfo=dt.UTC)
END = START + dt.timedelta(days=20 * 365)
_RNG = seeded_rng(b"issue 12 crafted certificates")

#: the codes of the certificate-chain and CRL-issuer rules
CHAIN_RULE_CODES = {
    "attest.bad_subject", "attest.bad_basic_constraints", "attest.bad_key_usage",
    "attest.bad_certificate", "attest.untrusted_root", "attest.wrong_signing_chain",
    "attest.crl_issuer_mismatch",
}


# --- building honest and crafted evidence ----------------------------------------------------


@cache
def honest() -> SimulatedPlatform:
    return SimulatedPlatform.create(seeded_rng(b"issue 12 trust chain rules"))


def enclave(platform: SimulatedPlatform) -> SimulatedEnclave:
    return SimulatedEnclave(b"consensus enclave", b"config", b"signer", platform)


def policy(platform: SimulatedPlatform, *, enforce_crl_windows: bool = False) -> Policy:
    return Policy(mr_enclaves=frozenset({enclave(platform).mrenclave}),
                  enforce_crl_windows=enforce_crl_windows)


def cert(subject: str, issuer: CertifiedKey | None, *, ca: bool, path_length: int | None = None,
         key_usage: frozenset[str] | None = None, omit: frozenset[str] = frozenset(),
         extra: Sequence[x509.ExtensionType] = ()) -> CertifiedKey:
    return issue_certificate(_RNG, subject, issuer, START, END, ca=ca, path_length=path_length,
                             key_usage=key_usage, omit=omit, extra=extra)


def pck_leaf(issuer: CertifiedKey, subject: str = "Simulated SGX PCK Certificate", *,
             ca: bool = False, key_usage: frozenset[str] | None = None,
             omit: frozenset[str] = frozenset()) -> CertifiedKey:
    """A leaf carrying the honest platform's SGX extension (so only the crafted rule fails)."""
    extension = x509.UnrecognizedExtension(x509.ObjectIdentifier(SGX_EXTENSION_OID),
                                           honest().tcb.sgx_extension_der())
    return cert(subject, issuer, ca=ca, path_length=0 if ca else None, key_usage=key_usage,
                omit=omit, extra=(extension,))


def collateral_of(platform: SimulatedPlatform, *, signer: CertifiedKey | None = None,
                  signer_chain: Sequence[bytes] | None = None,
                  revoked_pck_serials: Sequence[int] = (),
                  revoked_ca_serials: Sequence[int] = ()) -> Collateral:
    """The platform's collateral from its PKI, with :meth:`SimulatedPki.collateral` options."""
    return platform.pki.collateral(fmspc=platform.tcb.fmspc, pce_id=platform.tcb.pce_id,
                                   tcb_levels=platform.tcb_levels,
                                   qe_identity=platform.qe_identity,
                                   issue_date=platform.pki.issued_at, signer=signer,
                                   signer_chain=signer_chain,
                                   revoked_pck_serials=revoked_pck_serials,
                                   revoked_ca_serials=revoked_ca_serials)


def rebuilt(*, root: CertifiedKey | None = None, processor_ca: CertifiedKey | None = None,
            tcb_signer: CertifiedKey | None = None,
            pck: CertifiedKey | None = None) -> SimulatedPlatform:
    """The honest platform with some PKI certificates replaced; the collateral is re-issued by
    the resulting PKI, so every signature is valid and only the crafted rule can fail."""
    base = honest()
    pki = attrs.evolve(base.pki, root=root or base.pki.root,
                       processor_ca=processor_ca or base.pki.processor_ca,
                       tcb_signer=tcb_signer or base.pki.tcb_signer)
    platform = attrs.evolve(base, pki=pki, pck=pck or base.pck)
    return attrs.evolve(platform, collateral=collateral_of(platform))


def verify(platform: SimulatedPlatform, collateral: Collateral | None = None,
           quote: bytes | None = None) -> VerifiedQuote:
    return verify_quote(quote if quote is not None else enclave(platform).quote(bytes(64)),
                        collateral if collateral is not None else platform.collateral,
                        platform.root_cert_der, AT)


def refused(code: str, platform: SimulatedPlatform, collateral: Collateral | None = None,
            quote: bytes | None = None) -> str:
    with pytest.raises(AttestError) as info:
        verify(platform, collateral, quote)
    assert info.value.code == code, info.value.message
    return info.value.message


def test_the_honest_simulated_quote_verifies_and_is_accepted() -> None:
    platform = honest()
    assert verify(platform).tcb_status == "UpToDate"
    assert verify(rebuilt()).tcb_status == "UpToDate"  # the crafting helpers are honest
    verdict = verify_evidence(enclave(platform).quote(bytes(64)), platform.collateral,
                              platform.root_cert_der, policy(platform, enforce_crl_windows=True),
                              AT)
    assert verdict.accepted, verdict.reasons


# --- G1: the TCB signing chain ---------------------------------------------------------------


@pytest.mark.parametrize("chain", ["pck, ca", "pck, ca, root", "pck"])
def test_g1_collateral_signed_by_a_pck_key_is_refused(chain: str) -> None:
    """The issue's G1: TCB info and QE identity signed by the platform's own PCK key."""
    p = honest()
    ders = {"pck": p.pck.der, "ca": p.pki.processor_ca.der, "root": p.pki.root.der}
    forged = collateral_of(p, signer=p.pck,
                           signer_chain=tuple(ders[n] for n in chain.split(", ")))
    refused("attest.wrong_signing_chain", p, forged)


@pytest.mark.parametrize("document", ["tcb_info", "qe_identity"])
def test_g1_each_document_needs_the_tcb_signing_chain(document: str) -> None:
    p = honest()
    forged = collateral_of(p, signer=p.pck, signer_chain=(p.pck.der, p.pki.processor_ca.der))
    chain = f"{document}_issuer_chain"
    swap: dict[str, Any] = {document: getattr(forged, document),
                            chain: getattr(forged, chain)}
    mixed = attrs.evolve(p.collateral, **swap)
    refused("attest.wrong_signing_chain", p, mixed)


def test_g1_a_tcb_signer_not_issued_directly_by_the_root_is_refused() -> None:
    p = honest()
    under_ca = cert("Simulated SGX TCB Signing", p.pki.processor_ca, ca=False)
    for chain in [(under_ca.der, p.pki.root.der),
                  (under_ca.der, p.pki.processor_ca.der, p.pki.root.der)]:
        forged = collateral_of(p, signer=under_ca, signer_chain=chain)
        refused("attest.wrong_signing_chain", p, forged)


def test_g1_a_tcb_signing_chain_ending_in_another_root_is_refused() -> None:
    p = honest()
    other_root = cert("Simulated SGX Root CA", None, ca=True, path_length=1)
    other_signer = cert("Simulated SGX TCB Signing", other_root, ca=False)
    forged = collateral_of(p, signer=other_signer, signer_chain=(other_signer.der,
                                                                 other_root.der))
    refused("attest.wrong_signing_chain", p, forged)
    # control: the honest signer, with or without the root in its chain, verifies
    alone = collateral_of(p, signer=p.pki.tcb_signer, signer_chain=(p.pki.tcb_signer.der,))
    assert verify(p, alone).tcb_status == "UpToDate"


def test_g1_a_revoked_tcb_signer_is_refused() -> None:
    p = honest()
    revoked = collateral_of(p, revoked_ca_serials=(p.pki.tcb_signer.cert.serial_number,))
    assert "TCB signing" in refused("attest.revoked", p, revoked)


# --- G2: CRLs ---------------------------------------------------------------------------------


@cache
def other_ca() -> CertifiedKey:
    """Another CA the root issued (a "platform CA"), fit for the PCK CA role."""
    return cert("Simulated SGX PCK Platform CA", honest().pki.root, ca=True, path_length=0)


def _crl(issuer: CertifiedKey, *, issuer_name: x509.Name | None = None,
         omit: frozenset[str] = frozenset()) -> bytes:
    return issue_crl(issuer, (), START, END, issuer_name=issuer_name, omit=omit)


def test_g2_a_revoked_pck_with_another_cas_empty_crl_is_refused() -> None:
    """The issue's G2: the PCK is revoked by its CA; the collateral carries another
    root-issued CA's empty CRL instead (with or without that CA as the CRL issuer chain)."""
    p = honest()
    revoked = collateral_of(p, revoked_pck_serials=(p.pck.cert.serial_number,))
    refused("attest.revoked", p, revoked)
    swapped_crl = attrs.evolve(revoked, pck_crl=_crl(other_ca()))
    refused("attest.crl_issuer_mismatch", p, swapped_crl)
    swapped_both = attrs.evolve(swapped_crl,
                                pck_crl_issuer_chain=(other_ca().der, p.pki.root.der))
    refused("attest.crl_issuer_mismatch", p, swapped_both)


def test_g2_a_crl_under_the_right_name_but_another_key_is_refused() -> None:
    p = honest()
    impostor = _crl(other_ca(), issuer_name=p.pki.processor_ca.cert.subject)
    refused("attest.bad_crl_signature", p, attrs.evolve(p.collateral, pck_crl=impostor))


@pytest.mark.parametrize("field", ["pck_crl", "root_ca_crl", "pck_crl_issuer_chain"])
def test_g2_a_missing_crl_is_refused(field: str) -> None:
    p = honest()
    empty: dict[str, Any] = {field: () if field == "pck_crl_issuer_chain" else b""}
    refused("attest.missing_crl", p, attrs.evolve(p.collateral, **empty))


def test_g2_the_root_ca_crl_must_be_the_roots() -> None:
    p = honest()
    by_ca = attrs.evolve(p.collateral, root_ca_crl=_crl(p.pki.processor_ca))
    refused("attest.crl_issuer_mismatch", p, by_ca)
    by_root = attrs.evolve(p.collateral, root_ca_crl=_crl(p.pki.root))
    assert verify(p, by_root).tcb_status == "UpToDate"


def test_g2_the_crl_issuer_chain_must_name_the_pcks_ca() -> None:
    p = honest()
    for chain in [(p.pki.root.der,), (p.pki.tcb_signer.der, p.pki.root.der),
                  (p.pki.processor_ca.der, p.pki.tcb_signer.der),
                  (p.pki.processor_ca.der, p.pki.root.der, p.pki.root.der)]:
        bad = attrs.evolve(p.collateral, pck_crl_issuer_chain=chain)
        refused("attest.crl_issuer_mismatch", p, bad)
    alone = attrs.evolve(p.collateral, pck_crl_issuer_chain=(p.pki.processor_ca.der,))
    assert verify(p, alone).tcb_status == "UpToDate"


@pytest.mark.parametrize("omit", ["crl_number", "authority_key_identifier"])
def test_g2_a_crl_without_intels_required_extensions_is_refused(omit: str) -> None:
    p = honest()
    bad = attrs.evolve(p.collateral, pck_crl=_crl(p.pki.processor_ca, omit=frozenset({omit})))
    refused("attest.bad_certificate", p, bad)


def test_g2_a_revoked_pck_ca_is_refused() -> None:
    p = honest()
    revoked = collateral_of(p, revoked_ca_serials=(p.pki.processor_ca.cert.serial_number,))
    assert "PCK CA" in refused("attest.revoked", p, revoked)


# --- G3: basicConstraints, pathLen, keyUsage, subject along every chain -----------------------

CA_NAME = "Simulated SGX PCK Processor CA"


def _ca(*, subject: str = CA_NAME, ca: bool = True, path_length: int | None = 0,
        key_usage: frozenset[str] | None = None,
        omit: frozenset[str] = frozenset()) -> CertifiedKey:
    return cert(subject, honest().pki.root, ca=ca, path_length=path_length,
                key_usage=key_usage, omit=omit)


def _with_ca(ca: CertifiedKey) -> SimulatedPlatform:
    return rebuilt(processor_ca=ca, pck=pck_leaf(ca))


def _with_root(*, subject: str = "Simulated SGX Root CA",
               path_length: int | None = 1) -> SimulatedPlatform:
    root = cert(subject, None, ca=True, path_length=path_length)
    ca = cert(CA_NAME, root, ca=True, path_length=0)
    signer = cert("Simulated SGX TCB Signing", root, ca=False)
    return rebuilt(root=root, processor_ca=ca, tcb_signer=signer, pck=pck_leaf(ca))


def _with_pck(*, subject: str = "Simulated SGX PCK Certificate", ca: bool = False,
              key_usage: frozenset[str] | None = None,
              omit: frozenset[str] = frozenset()) -> SimulatedPlatform:
    return rebuilt(pck=pck_leaf(honest().pki.processor_ca, subject, ca=ca,
                                key_usage=key_usage, omit=omit))


def _with_signer(*, ca: bool = False, key_usage: frozenset[str]) -> SimulatedPlatform:
    signer = cert("Simulated SGX TCB Signing", honest().pki.root, ca=ca,
                  path_length=0 if ca else None, key_usage=key_usage)
    return rebuilt(tcb_signer=signer)


G3_CASES: dict[str, tuple[str | None, Callable[[], SimulatedPlatform]]] = {
    # name: (expected code or None for a control that verifies, platform builder)
    "honest CA, leaf, root and signer rebuilt": (None, lambda: _with_ca(_ca())),
    "PCK CA with CA:FALSE": ("attest.bad_basic_constraints",
                             lambda: _with_ca(_ca(ca=False, path_length=None,
                                                  key_usage=frozenset({"key_cert_sign",
                                                                       "crl_sign"})))),
    "PCK CA without basicConstraints": ("attest.bad_basic_constraints", lambda: _with_ca(
        _ca(omit=frozenset({"basic_constraints"})))),
    "root with pathLen 0 above the PCK CA": ("attest.bad_basic_constraints",
                                             lambda: _with_root(path_length=0)),
    "root without pathLen": (None, lambda: _with_root(path_length=None)),
    "PCK leaf with CA:TRUE": ("attest.bad_basic_constraints",
                              lambda: _with_pck(ca=True, key_usage=frozenset(
                                  {"digital_signature"}))),
    "TCB signer with CA:TRUE": ("attest.bad_basic_constraints", lambda: _with_signer(
        ca=True, key_usage=frozenset({"digital_signature"}))),
    "PCK CA without keyCertSign": ("attest.bad_key_usage",
                                   lambda: _with_ca(_ca(key_usage=frozenset({"crl_sign"})))),
    "PCK CA without keyUsage": ("attest.bad_key_usage",
                                lambda: _with_ca(_ca(omit=frozenset({"key_usage"})))),
    "PCK leaf without digitalSignature": ("attest.bad_key_usage", lambda: _with_pck(
        key_usage=frozenset({"content_commitment"}))),
    "PCK leaf with keyCertSign": ("attest.bad_key_usage", lambda: _with_pck(
        key_usage=frozenset({"digital_signature", "key_cert_sign"}))),
    "TCB signer with cRLSign": ("attest.bad_key_usage", lambda: _with_signer(
        key_usage=frozenset({"digital_signature", "crl_sign"}))),
    "PCK leaf named otherwise": ("attest.bad_subject", lambda: _with_pck(
        subject="Simulated SGX Enclave Certificate")),
    "PCK CA named otherwise": ("attest.bad_subject",
                               lambda: _with_ca(_ca(subject="Simulated SGX Intermediate CA"))),
    "root named otherwise": ("attest.bad_subject",
                             lambda: _with_root(subject="Simulated Enclave Root")),
    "PCK CA without cRLDistributionPoints": ("attest.bad_certificate", lambda: _with_ca(
        _ca(omit=frozenset({"crl_distribution_points"})))),
    "PCK leaf without authorityKeyIdentifier": ("attest.bad_certificate", lambda: _with_pck(
        omit=frozenset({"authority_key_identifier"}))),
}


@pytest.mark.parametrize("case", sorted(G3_CASES))
def test_g3_each_certificate_fits_its_role(case: str) -> None:
    code, build = G3_CASES[case]
    platform = build()
    if code is None:
        assert verify(platform).tcb_status == "UpToDate"
    else:
        refused(code, platform)


def test_g3_a_fake_leaf_issued_by_the_real_pck_leaf_is_refused() -> None:
    """The issue's G3: a leaf issued by the real PCK leaf (CA:FALSE) in the PCK chain, the QE
    report signed by the fake leaf's key."""
    p = honest()
    fake = pck_leaf(p.pck)
    forged = attrs.evolve(p, pck=fake, pki=attrs.evolve(p.pki, processor_ca=p.pck))
    assert "CA:FALSE" in refused("attest.bad_basic_constraints", forged, p.collateral)


# --- G4: the QE vendor id ---------------------------------------------------------------------


def _with_vendor_id(platform: SimulatedPlatform, vendor_id: bytes) -> bytes:
    """The platform's quote with another QE vendor id, re-signed by its attestation key."""
    data = bytearray(enclave(platform).quote(bytes(64)))
    data[12:28] = vendor_id
    data[436:500] = sign_raw(platform.attestation_key, bytes(data[:432]))
    return bytes(data)


def test_g4_a_quote_from_another_qe_vendor_is_refused() -> None:
    p = honest()
    refused("attest.bad_qe_vendor_id", p, quote=_with_vendor_id(p, bytes(16)))
    intel = bytes.fromhex("939A7233F79C4CA9940A0DB3957F0607")
    assert verify(p, quote=_with_vendor_id(p, intel)).tcb_status == "UpToDate"
    real = bytearray(QUOTE)
    real[12:28] = bytes(16)
    with pytest.raises(AttestError) as info:
        verify_quote(bytes(real), collateral_from_files(FILES), ROOT, REAL_AT)
    assert info.value.code == "attest.bad_qe_vendor_id"


# --- G5: Revoked is never allowed -------------------------------------------------------------


def test_g5_no_policy_file_may_allow_revoked() -> None:
    with pytest.raises(AttestError) as info:
        Policy.from_json(json.dumps({"allowed_tcb_statuses": ["UpToDate", "Revoked"]}).encode())
    assert info.value.code == "attest.bad_policy"
    with pytest.raises(AttestError) as info:
        Policy(allowed_tcb_statuses=frozenset({"Revoked"}))
    assert info.value.code == "attest.bad_policy"
    allowed = Policy.from_json(json.dumps({"allowed_tcb_statuses": ["OutOfDate"]}).encode())
    assert allowed.allowed_tcb_statuses == {"OutOfDate"}


def test_g5_the_verdict_never_accepts_revoked() -> None:
    revoked = SimulatedPlatform.create(
        seeded_rng(b"issue 12 revoked platform"),
        tcb_levels=(TcbLevel(DEFAULT_COMPONENTS, DEFAULT_PCE_SVN, "Revoked"),))
    quote = enclave(revoked).quote(bytes(64))
    assert verify(revoked, quote=quote).tcb_status == "Revoked"  # valid, reported
    sneaky = policy(revoked)
    object.__setattr__(sneaky, "allowed_tcb_statuses", frozenset({"UpToDate", "Revoked"}))
    verdict = verify_evidence(quote, revoked.collateral, revoked.root_cert_der, sneaky, AT)
    assert [r.code for r in verdict.reasons] == ["attest.tcb_status_not_allowed"]
    assert "Revoked" in verdict.reasons[0].message


# --- G6: CRL windows: reported by default (MobileCoin), refused with --strict (Intel) ---------


@pytest.mark.parametrize(("crl", "name"), [("pck_crl", "PCK processor CA CRL"),
                                           ("root_ca_crl", "root CA CRL")])
@pytest.mark.parametrize(("this_update", "next_update", "in_force"), [
    (START, AT - dt.timedelta(seconds=1), False),   # expired a second before
    (START, AT, True),                               # nextUpdate itself is inside (QVL)
    (AT + dt.timedelta(seconds=1), END, False),      # not yet issued
])
def test_g6_crl_windows_are_reported_and_judged_only_when_strict(
        crl: str, name: str, this_update: dt.datetime, next_update: dt.datetime,
        in_force: bool) -> None:
    p = honest()
    issuer = p.pki.processor_ca if crl == "pck_crl" else p.pki.root
    swap: dict[str, Any] = {crl: issue_crl(issuer, (), this_update, next_update)}
    collateral = attrs.evolve(p.collateral, **swap)
    quote = enclave(p).quote(bytes(64))
    default = verify_evidence(quote, collateral, p.root_cert_der, policy(p), AT)
    assert default.accepted
    windows = {w["crl"].split(" (")[0]: w["in_force"] for w in default.to_json()["crl_windows"]}
    assert windows[name] is in_force and len(windows) == 2
    strict = verify_evidence(quote, collateral, p.root_cert_der,
                             policy(p, enforce_crl_windows=True), AT)
    if in_force:
        assert strict.accepted
    else:
        assert [r.code for r in strict.reasons] == ["attest.crl_expired"]
        assert strict.reasons[0].message.startswith(name)


def test_g6_real_quote_default_accepts_and_strict_names_the_expired_crl() -> None:
    collateral = collateral_from_files(FILES)
    default = verify_evidence(QUOTE, collateral, ROOT, PRODUCTION, REAL_AT)
    assert default.accepted and default.reasons == ()
    assert set(default.verified.advisory_ids) == {"INTEL-SA-00334", "INTEL-SA-00615"}
    strict = verify_evidence(QUOTE, collateral, ROOT,
                             attrs.evolve(PRODUCTION, enforce_crl_windows=True), REAL_AT)
    assert [r.code for r in strict.reasons] == ["attest.crl_expired"]
    message = strict.reasons[0].message
    assert message.startswith("PCK processor CA CRL (issuer 'Intel SGX PCK Processor CA')")
    assert "2023-05-21T22:00:36" in message and "root CA" not in message


REAL_CLI = ["attest", "verify-quote", str(DCAP_DIR / "attestation_hw_quote.dat"),
            "--collateral", str(DCAP_DIR), "--at", "2023-07-20T00:00:00Z",
            "--allow-advisory", "INTEL-SA-00334", "--allow-advisory", "INTEL-SA-00615"]


def test_g6_cli_default_accepts_and_strict_refuses_naming_the_expired_crl(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli_main([*REAL_CLI, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "accepted"
    assert [(w["crl"].split(" (")[0], w["in_force"]) for w in doc["crl_windows"]] == [
        ("root CA CRL", True), ("PCK processor CA CRL", False)]
    assert cli_main([*REAL_CLI, "--strict"]) == 3
    out = capsys.readouterr().out
    assert ("refused[attest.crl_expired]: PCK processor CA CRL (issuer 'Intel SGX PCK "
            "Processor CA') is valid 2023-04-21T22:00:36+00:00 .. 2023-05-21T22:00:36+00:00, "
            "not at 2023-07-20T00:00:00+00:00") in out
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({"any_measurement": True,
                                       "allowed_tcb_statuses": ["SWHardeningNeeded"],
                                       "enforce_crl_windows": True}))
    assert cli_main([*REAL_CLI, "--policy", str(policy_file)]) == 3
    assert "refused[attest.crl_expired]" in capsys.readouterr().out


# --- property: any certificate in a wrong position or role is refused -------------------------


@cache
def pool() -> dict[str, tuple[CertifiedKey, str]]:
    """Certificates of the simulated PKI, honest and role-confused, each validly signed by the
    certificate named next to it (its issuer; a root names itself)."""
    p = honest()
    root, ca, signer = p.pki.root, p.pki.processor_ca, p.pki.tcb_signer
    signer_as_ca = cert("Simulated SGX TCB Signing", root, ca=True, path_length=0)
    pck_as_ca = pck_leaf(ca, ca=True, key_usage=frozenset({"key_cert_sign", "crl_sign"}))
    another_root = cert("Simulated SGX Root CA", None, ca=True, path_length=1)
    return {
        "root": (root, "root"),
        "processor CA": (ca, "root"),
        "TCB signer": (signer, "root"),
        "PCK leaf": (p.pck, "processor CA"),
        "another root": (another_root, "another root"),
        "CA of another root": (cert(CA_NAME, another_root, ca=True, path_length=0),
                               "another root"),
        "platform CA": (other_ca(), "root"),
        "leaf of the platform CA": (pck_leaf(other_ca()), "platform CA"),
        "leaf issued by the PCK leaf": (pck_leaf(p.pck), "PCK leaf"),
        "processor CA as a leaf": (cert(CA_NAME, root, ca=False), "root"),
        "root as a leaf": (cert("Simulated SGX Root CA", None, ca=False), "root as a leaf"),
        "TCB signer as a CA": (signer_as_ca, "root"),
        "leaf under the TCB signer as a CA": (pck_leaf(signer_as_ca), "TCB signer as a CA"),
        "PCK leaf as a CA": (pck_as_ca, "processor CA"),
        "leaf under the PCK leaf as a CA": (pck_leaf(pck_as_ca), "PCK leaf as a CA"),
        "TCB signer under the processor CA": (cert("Simulated SGX TCB Signing", ca, ca=False),
                                              "processor CA"),
        "TCB signer as a PCK leaf": (pck_leaf(ca, "Simulated SGX TCB Signing"), "processor CA"),
    }


NAMES = sorted(pool())
HONEST: dict[str, list[tuple[str, ...]]] = {
    "pck": [("PCK leaf", "processor CA", "root")],
    "tcb": [("TCB signer",), ("TCB signer", "root")],
    "crl": [("processor CA",), ("processor CA", "root")],
}


def _walk(start: str, length: int) -> tuple[str, ...]:
    """``start`` and its issuers: a chain whose every link is a valid signature."""
    chain = [start]
    while len(chain) < length:
        chain.append(pool()[chain[-1]][1])
    return tuple(chain)


def _chains(low: int, high: int) -> st.SearchStrategy[tuple[str, ...]]:
    """Chains of ``low``..``high`` pool certificates: mostly ones that link (every signature
    valid, so only the role and position rules can refuse them), and arbitrary ones."""
    arbitrary = st.lists(st.sampled_from(NAMES), min_size=low, max_size=high).map(tuple)
    linked = st.builds(_walk, st.sampled_from(NAMES), st.integers(low, high))
    return st.one_of(linked, linked, linked, arbitrary)


#: the chains of a quote and its collateral, their lengths, and their honest form
CHAINS = {"pck": (3, 3, HONEST["pck"][0]), "tcb": (1, 3, HONEST["tcb"][1]),
          "qe": (1, 3, HONEST["tcb"][1]), "crl": (1, 2, HONEST["crl"][1])}


@st.composite
def _assignments(draw: st.DrawFn) -> dict[str, tuple[str, ...]]:
    """The four chains, honest but for one (half the time) or several."""
    changed = {draw(st.sampled_from(sorted(CHAINS)))}
    if draw(st.booleans()):
        changed |= draw(st.sets(st.sampled_from(sorted(CHAINS))))
    return {name: draw(_chains(low, high)) if name in changed else honest_chain
            for name, (low, high, honest_chain) in CHAINS.items()}


def _honest_but(**chains: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {name: chains.get(name, honest_chain) for name, (_, _, honest_chain) in CHAINS.items()}


def forged_evidence(pck: tuple[str, ...], tcb: tuple[str, ...], qe: tuple[str, ...],
                    crl: tuple[str, ...]) -> tuple[bytes, Collateral]:
    """A quote and collateral with these chains; every signature is made by the key of the
    certificate in the signing position (the QE report by the PCK chain's leaf, each document
    by its chain's first certificate), so only the trust-chain rules can refuse them."""
    certs = {name: key for name, (key, _) in pool().items()}
    p = honest()
    leaf, ca, top = (certs[n] for n in pck)
    forged = attrs.evolve(p, pck=leaf, pki=attrs.evolve(p.pki, processor_ca=ca, root=top))
    tcb_docs = collateral_of(p, signer=certs[tcb[0]], signer_chain=[certs[n].der for n in tcb])
    qe_docs = collateral_of(p, signer=certs[qe[0]], signer_chain=[certs[n].der for n in qe])
    collateral = attrs.evolve(
        p.collateral, tcb_info=tcb_docs.tcb_info,
        tcb_info_issuer_chain=tcb_docs.tcb_info_issuer_chain, qe_identity=qe_docs.qe_identity,
        qe_identity_issuer_chain=qe_docs.qe_identity_issuer_chain,
        pck_crl_issuer_chain=tuple(certs[n].der for n in crl))
    return enclave(forged).quote(bytes(64)), collateral


def test_the_pool_links_as_it_says_and_the_honest_chains_verify() -> None:
    for key, issuer in pool().values():
        key.cert.verify_directly_issued_by(pool()[issuer][0].cert)  # raises if not
    for pck, tcb, qe, crl in [(HONEST["pck"][0], t, q, c) for t in HONEST["tcb"]
                              for q in HONEST["tcb"] for c in HONEST["crl"]]:
        quote, collateral = forged_evidence(pck, tcb, qe, crl)
        assert verify_quote(quote, collateral, honest().root_cert_der, AT).tcb_status == (
            "UpToDate")


@given(_assignments())
# the confusions the issue names, always tried: a PCK leaf as TCB signer, a CA as the leaf, the
# root in the middle, the TCB signing certificate as the PCK's issuer, a leaf as an issuer
@example(_honest_but(tcb=("PCK leaf", "processor CA")))
@example(_honest_but(qe=("PCK leaf", "processor CA", "root")))
@example(_honest_but(pck=("processor CA", "root", "root")))
@example(_honest_but(pck=("PCK leaf", "root", "root")))
@example(_honest_but(pck=("leaf under the TCB signer as a CA", "TCB signer as a CA", "root")))
@example(_honest_but(pck=("leaf issued by the PCK leaf", "PCK leaf", "processor CA")))
@example(_honest_but(pck=("PCK leaf as a CA", "processor CA", "root")))
@example(_honest_but(pck=("TCB signer as a PCK leaf", "processor CA", "root")))
@example(_honest_but(tcb=("TCB signer as a CA", "root")))
@example(_honest_but(pck=("leaf of the platform CA", "platform CA", "root")))
@example(_honest_but(crl=("platform CA", "root")))
def test_any_certificate_in_a_wrong_position_or_role_is_refused(
        chains: dict[str, tuple[str, ...]]) -> None:
    """Any assignment of pool certificates to the four chains but the honest ones is refused,
    by a trust-chain rule (never accepted, never refused by a signature check)."""
    pck, tcb, qe, crl = chains["pck"], chains["tcb"], chains["qe"], chains["crl"]
    assume(not (pck in HONEST["pck"] and tcb in HONEST["tcb"] and qe in HONEST["tcb"]
                and crl in HONEST["crl"]))
    quote, collateral = forged_evidence(pck, tcb, qe, crl)
    with pytest.raises(AttestError) as info:
        verify_quote(quote, collateral, honest().root_cert_der, AT)
    assert info.value.code in CHAIN_RULE_CODES, (info.value.code, info.value.message)


@pytest.mark.parametrize("start", NAMES)
def test_every_linked_chain_but_the_honest_one_is_refused(start: str) -> None:
    """The property's exhaustive core: from every pool certificate, the chain of its issuers
    as the PCK chain and as the TCB signing chain (every link a valid signature)."""
    honest_tcb, honest_crl = HONEST["tcb"][1], HONEST["crl"][1]
    for pck, tcb in [(_walk(start, 3), honest_tcb), (HONEST["pck"][0], _walk(start, 2)),
                     (HONEST["pck"][0], _walk(start, 1))]:
        if pck in HONEST["pck"] and tcb in HONEST["tcb"]:
            continue
        for qe in {tcb, honest_tcb}:
            quote, collateral = forged_evidence(pck, tcb, qe, honest_crl)
            with pytest.raises(AttestError) as info:
                verify_quote(quote, collateral, honest().root_cert_der, AT)
            assert info.value.code in CHAIN_RULE_CODES, (pck, tcb, info.value.message)
