"""Cryptographic verification of a DCAP quote v3 against its collateral and a trusted root.

The checks of Intel's Quote Verification Library (``intel/SGX-TDX-DCAP-QuoteVerificationLibrary``
``Src/AttestationLibrary/src/Verifiers/QuoteVerifier.cpp``, ``PckCertVerifier.cpp``,
``TCBInfoVerifier.cpp``, ``EnclaveIdentityVerifier.cpp``) and of MobileCoin's
``mobilecoinfoundation/attestation: verifier/src/evidence.rs``, in this order:

1. the trusted root is a self-signed root CA (:func:`chain_rules.check_trusted_root`);
2. the quote parses (``quote.py``) and its QE vendor id is Intel's (G4);
3. the PCK chain in the quote: [PCK leaf, PCK CA, trusted root], every certificate fit for its
   role (``chain_rules.py``: basicConstraints, pathLen, keyUsage, subject CN — G3);
4. both CRLs: present, issued by the right CA (the PCK CRL by the PCK certificate's issuer),
   signed, not revoking the PCK CA or leaf (``crl_rules.py`` — G2);
5. the TCB info and the QE identity each signed by a TCB signing certificate issued directly
   by the trusted root, not revoked by the root CA CRL (``chain_rules.py`` — G1);
6. the QE report signed by the PCK leaf, binding the attestation key; the quote signature;
7. the QE identity and the platform TCB level from the PCK leaf's SGX extension.

Anything malformed or invalid raises an ``AttestError``; time windows are *reported*
(:class:`TimeWindow`) and judged by the policy (refimpl/enclave/verifier.py), so a caller can
tell "invalid" from "valid but stale". CRL windows are reported separately
(:attr:`VerifiedQuote.crl_windows`): like MobileCoin, the default policy does not enforce them
(the real test collateral's processor CRL expired before its TCB info was issued); a strict
policy applies Intel's rule.

Note for platform_sim.py (sgx-sim): simulated quotes go through :func:`verify_quote` unchanged;
only ``trusted_root`` differs (the simulation's test root CA). Keep this signature stable:
``verify_quote(quote_bytes, collateral, trusted_root_cert, at)``.
"""
from __future__ import annotations

import datetime
import hashlib

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from refimpl.enclave.evidence import Collateral
from refimpl.enclave.sgx import certs, chain_rules, crl_rules
from refimpl.enclave.sgx.collateral import QeIdentity, TcbInfo
from refimpl.enclave.sgx.quote import Quote, check_qe_vendor_id, parse_quote
from refimpl.enclave.sgx.windows import TimeWindow
from refimpl.errors import AttestError


@attrs.frozen
class VerifiedQuote:
    """A quote whose signatures, chains and collateral all verified."""

    quote: Quote
    tcb_status: str
    advisory_ids: tuple[str, ...]
    qe_tcb_status: str
    qe_advisory_ids: tuple[str, ...]
    fmspc: bytes
    windows: tuple[TimeWindow, ...]
    at: datetime.datetime
    crl_windows: tuple[TimeWindow, ...] = ()

    def expired_windows(self) -> tuple[TimeWindow, ...]:
        """Collateral and certificate windows that do not hold at ``at`` (CRLs apart)."""
        return tuple(w for w in self.windows if not w.contains(self.at))

    def expired_crl_windows(self) -> tuple[TimeWindow, ...]:
        """CRL windows that do not hold at ``at`` (judged only by a strict policy)."""
        return tuple(w for w in self.crl_windows if not w.contains(self.at))


def ecdsa_p256_verify(key: ec.EllipticCurvePublicKey, signature: bytes, message: bytes,
                      code: str, what: str) -> None:
    """Verify a raw r||s P-256/SHA-256 signature; failure raises ``AttestError(code)``."""
    if len(signature) != 64:
        raise AttestError(code, f"{what}: signature must be 64 bytes")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                               int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AttestError(code, f"{what} does not verify") from None


def attestation_public_key(raw: bytes) -> ec.EllipticCurvePublicKey:
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + raw)
    except ValueError:
        raise AttestError("attest.bad_quote", "attestation key is not a P-256 point") from None


def verify_quote_signatures(quote: Quote, pck_leaf: x509.Certificate) -> None:
    """The quote-internal checks (QVL ``QuoteVerifier.cpp`` steps 4.1.2.4.12, .13, .16): the
    QE report signed by the PCK leaf, QE report data = SHA-256(attestation key || QE auth data)
    || 32 zeros, and the quote signature over header+report body."""
    ecdsa_p256_verify(certs.ec_public_key(pck_leaf), quote.qe_report_signature,
                      quote.qe_report_body.raw, "attest.bad_qe_report_signature",
                      "QE report signature")
    expected = hashlib.sha256(quote.attestation_key + quote.qe_auth_data).digest() + bytes(32)
    if quote.qe_report_body.report_data != expected:
        raise AttestError("attest.bad_qe_binding",
                          "QE report data is not SHA-256(attestation key || QE auth data)")
    ecdsa_p256_verify(attestation_public_key(quote.attestation_key), quote.signature,
                      quote.signed_bytes, "attest.bad_quote_signature", "quote signature")


def collateral_signer(issuer_chain: tuple[bytes, ...], root: x509.Certificate,
                      root_crl: x509.CertificateRevocationList) -> x509.Certificate:
    """The TCB signing certificate of one collateral document: the TCB signing chain rules
    (G1) and not revoked by the root CA CRL (``STATUS_SGX_TCB_SIGNING_CERT_REVOKED``)."""
    chain = [certs.load_der_certificate(d) for d in issuer_chain]
    signer = chain_rules.verify_tcb_signing_chain(chain, root)
    crl_rules.check_not_revoked(signer, root_crl, "TCB signing certificate")
    return signer


def platform_tcb_level(tcb_info: TcbInfo, pck: certs.PckExtension) -> tuple[str, tuple[str, ...]]:
    """The first TCB level (file order) whose 16 component SVNs and PCESVN the PCK meets."""
    if pck.fmspc != tcb_info.fmspc or pck.pce_id != tcb_info.pce_id:
        raise AttestError("attest.fmspc_mismatch",
                          f"TCB info is for FMSPC {tcb_info.fmspc.hex().upper()}, PCE id "
                          f"{tcb_info.pce_id.hex()}; the PCK has {pck.fmspc.hex().upper()}, "
                          f"{pck.pce_id.hex()}")
    for level in tcb_info.levels:
        if (all(have >= need for have, need in zip(pck.component_svns, level.component_svns,
                                                   strict=True))
                and pck.pce_svn >= level.pce_svn):
            return level.status, level.advisory_ids
    raise AttestError("attest.no_tcb_level", "no TCB level matches the PCK's TCB")


def qe_tcb_level(quote: Quote, identity: QeIdentity) -> tuple[str, tuple[str, ...]]:
    """Check the QE report against the QE identity; return the QE's TCB status/advisories."""
    qe = quote.qe_report_body
    mismatch = []
    if qe.mr_signer != identity.mr_signer:
        mismatch.append("MRSIGNER")
    if qe.isv_prod_id != identity.isv_prod_id:
        mismatch.append("ISVPRODID")
    if qe.miscselect & identity.miscselect_mask != identity.miscselect & identity.miscselect_mask:
        mismatch.append("MISCSELECT")
    masked = bytes(a & m for a, m in zip(qe.attributes, identity.attributes_mask, strict=True))
    wanted = bytes(a & m for a, m in zip(identity.attributes, identity.attributes_mask,
                                         strict=True))
    if masked != wanted:
        mismatch.append("ATTRIBUTES")
    if mismatch:
        raise AttestError("attest.qe_identity_mismatch",
                          "QE report differs from the QE identity in " + ", ".join(mismatch))
    for level in identity.levels:
        if level.isv_svn <= qe.isv_svn:
            return level.status, level.advisory_ids
    raise AttestError("attest.qe_identity_mismatch", f"no QE TCB level for ISVSVN {qe.isv_svn}")


def verify_quote(quote_bytes: bytes, collateral: Collateral, trusted_root_cert: bytes,
                 at: datetime.datetime) -> VerifiedQuote:
    """Verify a quote v3 and its collateral against ``trusted_root_cert`` (DER or PEM).

    Raises ``AttestError`` on anything malformed, invalid or breaking a trust-chain rule (the
    steps of the module docstring). ``at`` is only recorded: the validity windows are returned
    for the policy to judge.
    """
    root = _trusted_root(trusted_root_cert)
    quote = parse_quote(quote_bytes)
    check_qe_vendor_id(quote.header)
    pck = chain_rules.verify_pck_chain(
        certs.parse_pem_chain(quote.pck_chain_pem, allow_trailing_nul=True), root)
    crls = crl_rules.verify_crls(collateral, pck)

    tcb_signer = collateral_signer(collateral.tcb_info_issuer_chain, root, crls.root)
    qe_signer = collateral_signer(collateral.qe_identity_issuer_chain, root, crls.root)
    tcb_info = TcbInfo.parse(collateral.tcb_info)
    ecdsa_p256_verify(certs.ec_public_key(tcb_signer), tcb_info.signature, tcb_info.signed_body,
                      "attest.bad_collateral_signature", "TCB info signature")
    identity = QeIdentity.parse(collateral.qe_identity)
    ecdsa_p256_verify(certs.ec_public_key(qe_signer), identity.signature, identity.signed_body,
                      "attest.bad_collateral_signature", "QE identity signature")

    verify_quote_signatures(quote, pck.leaf)
    qe_status, qe_advisories = qe_tcb_level(quote, identity)
    extension = certs.pck_extension(pck.leaf)
    status, advisories = platform_tcb_level(tcb_info, extension)

    windows = [
        TimeWindow("TCB info", "collateral", tcb_info.issue_date, tcb_info.next_update),
        TimeWindow("QE identity", "collateral", identity.issue_date, identity.next_update),
    ]
    for cert in [pck.leaf, pck.ca, pck.root, tcb_signer, qe_signer]:
        start, end = certs.validity_window(cert)
        window = TimeWindow(cert.subject.rfc4514_string(), "certificate", start, end)
        if window not in windows:
            windows.append(window)
    return VerifiedQuote(quote=quote, tcb_status=status, advisory_ids=advisories,
                         qe_tcb_status=qe_status, qe_advisory_ids=qe_advisories,
                         fmspc=extension.fmspc, windows=tuple(windows), at=at,
                         crl_windows=crls.windows)


def _trusted_root(data: bytes) -> x509.Certificate:
    if data.lstrip().startswith(b"-----BEGIN"):
        found = certs.load_pem_certificates(data)
        if len(found) != 1:
            raise AttestError("attest.bad_certificate", "trusted root must be one certificate")
        root = found[0]
    else:
        root = certs.load_der_certificate(data)
    chain_rules.check_trusted_root(root)
    return root
