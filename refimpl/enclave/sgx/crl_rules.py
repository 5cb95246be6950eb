"""Intel's CRL rules for DCAP collateral, one small function per rule.

Rules and status codes of Intel's Quote Verification Library (QVL; paths under
``Src/AttestationLibrary/src/`` of ``intel/SGX-TDX-DCAP-QuoteVerificationLibrary``, status
names of ``include/SgxEcdsaAttestation/QuoteVerification.h``):

* both CRLs are required: the root CA CRL (revokes the PCK CA and the TCB signing
  certificate) and the PCK CRL (revokes PCK certificates) — QVL's ``sgxAttestationVerifyQuote``
  takes the PCK CRL as a required parameter (``STATUS_MISSING_PARAMETERS``) and
  ``PckCertVerifier::verify`` / ``TCBSigningChain::verify`` check both; a missing CRL is
  ``attest.missing_crl``, never a skipped revocation check;
* each CRL is issued by the CA whose certificates it covers: the root CA CRL by the trusted
  root, the PCK CRL by the PCK certificate's issuer (``Verifiers/QuoteVerifier.cpp`` step
  4.1.2.4.6, ``STATUS_INVALID_PCK_CRL``; ``Verifiers/PckCrlVerifier.cpp``,
  ``STATUS_SGX_CRL_UNKNOWN_ISSUER``): ``attest.crl_issuer_mismatch``;
* it carries cRLNumber and authorityKeyIdentifier (``CRL_REQUIRED_EXTENSIONS``,
  ``STATUS_SGX_CRL_INVALID_EXTENSIONS``): ``attest.bad_certificate``;
* it is signed by that CA (``STATUS_SGX_CRL_INVALID_SIGNATURE``): ``attest.bad_crl_signature``;
* a certificate listed is revoked (``STATUS_SGX_INTERMEDIATE_CA_REVOKED``,
  ``STATUS_SGX_PCK_REVOKED``, ``STATUS_SGX_TCB_SIGNING_CERT_REVOKED``): ``attest.revoked``;
* thisUpdate ≤ t ≤ nextUpdate (``PckCertVerifier::verify``, ``TCBInfoVerifier::verify``,
  ``EnclaveIdentityVerifier::verify``: ``STATUS_SGX_CRL_EXPIRED``). MobileCoin does not check
  CRL windows, so the verifier only *reports* them (:func:`crl_window`); a strict policy
  applies :func:`check_crl_window` (``attest.crl_expired``).
"""

from __future__ import annotations

import datetime

import attrs
from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from refimpl.enclave.evidence import Collateral
from refimpl.enclave.sgx import certs
from refimpl.enclave.sgx.chain_rules import (
    PLATFORM_CA_CN,
    PROCESSOR_CA_CN,
    ROOT_CA_CN,
    PckChain,
)
from refimpl.enclave.sgx.windows import TimeWindow
from refimpl.errors import AttestError

#: QVL ``CertVerification/X509Constants.cpp`` ``CRL_REQUIRED_EXTENSIONS``.
CRL_REQUIRED_EXTENSIONS = {
    ExtensionOID.CRL_NUMBER: "cRLNumber",
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: "authorityKeyIdentifier",
}


def crl_name(issuer: x509.Name) -> str:
    """How refusals name a CRL: by its issuer's role and CN (e.g. ``PCK processor CA CRL
    (issuer 'Intel SGX PCK Processor CA')``)."""
    cn = certs.common_name(issuer)
    if ROOT_CA_CN in cn:
        role = "root CA CRL"
    elif PROCESSOR_CA_CN in cn:
        role = "PCK processor CA CRL"
    elif PLATFORM_CA_CN in cn:
        role = "PCK platform CA CRL"
    else:
        role = "CRL"
    return f"{role} (issuer {cn!r})"


def require_crl(der: bytes, what: str) -> None:
    """The CRL is present (``STATUS_MISSING_PARAMETERS``). Refusal: ``attest.missing_crl``."""
    if not der:
        raise AttestError("attest.missing_crl", f"the collateral carries no {what}")


def check_crl_issuer(crl: x509.CertificateRevocationList, issuer: x509.Name, what: str) -> None:
    """The CRL's issuer is the expected CA (QuoteVerifier step 4.1.2.4.6,
    ``STATUS_INVALID_PCK_CRL``; ``PckCrlVerifier::verify``, ``STATUS_SGX_CRL_UNKNOWN_ISSUER``).
    Refusal: ``attest.crl_issuer_mismatch``."""
    if crl.issuer != issuer:
        raise AttestError("attest.crl_issuer_mismatch",
                          f"the {what} is issued by {certs.common_name(crl.issuer)!r}, not by "
                          f"{certs.common_name(issuer)!r}")


def check_crl_extensions(crl: x509.CertificateRevocationList, what: str) -> None:
    """cRLNumber and authorityKeyIdentifier are present (``CRL_REQUIRED_EXTENSIONS``,
    ``STATUS_SGX_CRL_INVALID_EXTENSIONS``). Refusal: ``attest.bad_certificate``."""
    present = {ext.oid for ext in crl.extensions}
    for oid, name in CRL_REQUIRED_EXTENSIONS.items():
        if oid not in present:
            raise AttestError("attest.bad_certificate", f"the {what} lacks {name}")


def check_crl_signature(crl: x509.CertificateRevocationList, issuer: x509.Certificate,
                        what: str) -> None:
    """The issuer's key signs the CRL (``STATUS_SGX_CRL_INVALID_SIGNATURE``). Refusal:
    ``attest.bad_crl_signature``."""
    try:
        valid = crl.is_signature_valid(certs.ec_public_key(issuer))
    except certs.PARSE_ERRORS:
        valid = False
    if not valid:
        raise AttestError("attest.bad_crl_signature",
                          f"the {what} is not signed by {certs.common_name(issuer.subject)!r}")


def load_crl(der: bytes, issuer: x509.Certificate, what: str) -> x509.CertificateRevocationList:
    """A CRL that is present, well formed, issued and signed by ``issuer``."""
    require_crl(der, what)
    crl = certs.parse_crl(der)
    check_crl_issuer(crl, issuer.subject, what)
    check_crl_extensions(crl, what)
    check_crl_signature(crl, issuer, what)
    return crl


def check_pck_crl_issuer_chain(ders: tuple[bytes, ...], pck: PckChain) -> None:
    """The collateral's PCK CRL issuer chain is [the PCK certificate's CA] or [that CA, the
    root] (QVL ``PckCrlVerifier::verifyCRLIssuerCertChain``: ``STATUS_SGX_CA_CERT_INVALID``,
    ``STATUS_SGX_ROOT_CA_UNTRUSTED``). Refusals: ``attest.missing_crl`` if empty,
    ``attest.crl_issuer_mismatch`` otherwise."""
    if not ders:
        raise AttestError("attest.missing_crl", "the collateral carries no PCK CRL issuer chain")
    chain = [certs.load_der_certificate(d) for d in ders]
    if chain[0] != pck.ca or len(chain) > 2 or (len(chain) == 2 and chain[1] != pck.root):
        names = ", ".join(repr(certs.common_name(c.subject)) for c in chain)
        raise AttestError("attest.crl_issuer_mismatch",
                          f"the PCK CRL issuer chain [{names}] is not [the PCK certificate's "
                          f"CA {certs.common_name(pck.ca.subject)!r}, root]")


def check_not_revoked(cert: x509.Certificate, crl: x509.CertificateRevocationList,
                      what: str) -> None:
    """The certificate is not listed in its issuer's CRL (``STATUS_SGX_INTERMEDIATE_CA_
    REVOKED``, ``STATUS_SGX_PCK_REVOKED``, ``STATUS_SGX_TCB_SIGNING_CERT_REVOKED``). The CRL
    must be the issuer's (:func:`check_crl_issuer`). Refusal: ``attest.revoked``."""
    if cert.issuer != crl.issuer:
        raise AttestError("attest.crl_issuer_mismatch",
                          f"the {what} is not covered by {crl_name(crl.issuer)}")
    if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
        raise AttestError("attest.revoked",
                          f"the {what} {certs.common_name(cert.subject)!r} is revoked by "
                          f"{crl_name(crl.issuer)}")


def crl_window(crl: x509.CertificateRevocationList) -> TimeWindow:
    """The CRL's thisUpdate .. nextUpdate window, named by :func:`crl_name`. A CRL without
    nextUpdate has no end (RFC 5280 §5.1.2.5 makes it mandatory; Intel's CRLs carry it)."""
    end = crl.next_update_utc or datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return TimeWindow(crl_name(crl.issuer), "crl", crl.last_update_utc, end)


def check_crl_window(window: TimeWindow, at: datetime.datetime) -> None:
    """Intel's rule: the CRL is in force at the verification time (``CrlStore::expired``,
    ``STATUS_SGX_CRL_EXPIRED``). Refusal: ``attest.crl_expired``, naming the CRL."""
    if not window.contains(at):
        raise AttestError("attest.crl_expired", window.describe(at))


@attrs.frozen
class CheckedCrls:
    """The root CA CRL and the PCK CRL after every rule, with their windows (root first)."""

    root: x509.CertificateRevocationList
    pck: x509.CertificateRevocationList

    @property
    def windows(self) -> tuple[TimeWindow, ...]:
        return (crl_window(self.root), crl_window(self.pck))


def verify_crls(collateral: Collateral, pck: PckChain) -> CheckedCrls:
    """Both CRLs of the collateral for a verified PCK chain: the root CA CRL issued by the
    root, the PCK CRL issued by the PCK certificate's issuer, neither listing the PCK CA or
    the PCK certificate. Windows are reported, not judged (see the module docstring)."""
    root_crl = load_crl(collateral.root_ca_crl, pck.root, "root CA CRL")
    check_pck_crl_issuer_chain(collateral.pck_crl_issuer_chain, pck)
    # the PCK CA's subject is the PCK certificate's issuer name (verify_pck_chain linked them)
    pck_crl = load_crl(collateral.pck_crl, pck.ca, "PCK CRL")
    check_not_revoked(pck.ca, root_crl, "PCK CA")
    check_not_revoked(pck.leaf, pck_crl, "PCK certificate")
    return CheckedCrls(root_crl, pck_crl)
