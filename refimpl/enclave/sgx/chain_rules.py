"""Intel's certificate-chain rules for DCAP, one small function per rule.

The rules and the status codes cited are those of Intel's Quote Verification Library (QVL,
``github.com/intel/SGX-TDX-DCAP-QuoteVerificationLibrary``, the ``QuoteVerification/QVL``
submodule of ``intel/SGXDataCenterAttestationPrimitives``; paths below are under
``Src/AttestationLibrary/src/`` unless they name ``AttestationParsers``). Status names are
those of ``include/SgxEcdsaAttestation/QuoteVerification.h``.

Four roles, told apart by the subject CN phrase QVL looks for
(``CertVerification/X509Constants.cpp``) and by the extensions of Intel's "PCK Certificate and
CRL Profile" (the real certificates in ``data/attestation/dcap/``):

============================ ============================ ======= ==========================
role                         CN contains                  CA      keyUsage
============================ ============================ ======= ==========================
root CA                      ``SGX Root CA``              yes     keyCertSign, cRLSign
PCK CA (processor/platform)  ``SGX PCK Processor CA`` or  yes,    keyCertSign, cRLSign
                             ``SGX PCK Platform CA``      path 0
PCK certificate (leaf)       ``SGX PCK Certificate``      no      digitalSignature
TCB signing certificate      ``SGX TCB Signing``          no      digitalSignature
============================ ============================ ======= ==========================

A PCK chain is exactly [PCK certificate, PCK CA, root] with the root equal to the trusted
root; a TCB signing chain (which signs both the TCB info and the QE identity) is [TCB signing
certificate] or [TCB signing certificate, root], the signer issued directly by the trusted
root. Checks run per certificate in the order basicConstraints, keyUsage, subject, then the
signature link, so each broken rule has its own code (``attest.bad_basic_constraints``,
``attest.bad_key_usage``, ``attest.bad_subject``, ``attest.bad_certificate``;
``attest.wrong_signing_chain`` for the TCB signing chain's shape; ``attest.untrusted_root``).

QVL requires basicConstraints and keyUsage to be present (``REQUIRED_X509_EXTENSIONS``) and
tells roles apart by CN; the values checked here (CA flag, pathLen, key usage bits) are those
of Intel's profile and RFC 5280 §4.2.1.3, §4.2.1.9 and §6.1.4 (k)-(n): a certificate that
issues another must be a CA allowed to sign certificates, within its path length.
"""

from __future__ import annotations

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtensionOID

from refimpl.enclave.sgx import certs
from refimpl.errors import AttestError

#: QVL ``SGX_ROOT_CA_CN_PHRASE``, ``SGX_PCK_CN_PHRASE``, ``SGX_TCB_SIGNING_CN_PHRASE`` and the
#: CNs of ``PROCESSOR_CA_SUBJECT`` / ``PLATFORM_CA_SUBJECT`` (``X509Constants.cpp``).
ROOT_CA_CN = "SGX Root CA"
PROCESSOR_CA_CN = "SGX PCK Processor CA"
PLATFORM_CA_CN = "SGX PCK Platform CA"
PCK_CN = "SGX PCK Certificate"
TCB_SIGNING_CN = "SGX TCB Signing"

#: QVL ``AttestationParsers/src/X509Constants.h`` ``REQUIRED_X509_EXTENSIONS``.
REQUIRED_EXTENSIONS = {
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: "authorityKeyIdentifier",
    ExtensionOID.CRL_DISTRIBUTION_POINTS: "cRLDistributionPoints",
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: "subjectKeyIdentifier",
    ExtensionOID.KEY_USAGE: "keyUsage",
    ExtensionOID.BASIC_CONSTRAINTS: "basicConstraints",
}


@attrs.frozen
class Role:
    """A place in Intel's PKI: the CN phrases that name it and whether it is a CA."""

    name: str
    cn_phrases: tuple[str, ...]
    ca: bool


ROOT = Role("root CA", (ROOT_CA_CN,), ca=True)
PCK_CA = Role("PCK CA", (PROCESSOR_CA_CN, PLATFORM_CA_CN), ca=True)
PCK_LEAF = Role("PCK certificate", (PCK_CN,), ca=False)
TCB_SIGNER = Role("TCB signing certificate", (TCB_SIGNING_CN,), ca=False)


def _describe(cert: x509.Certificate) -> str:
    return f"certificate {certs.common_name(cert.subject)!r}"


def check_required_extensions(cert: x509.Certificate, role: Role) -> None:
    """QVL ``AttestationParsers`` ``Certificate::setExtensions``: every certificate carries
    authorityKeyIdentifier, cRLDistributionPoints, subjectKeyIdentifier, keyUsage and
    basicConstraints, else ``STATUS_SGX_{ROOT_CA,INTERMEDIATE_CA,PCK,TCB_SIGNING_CERT}_INVALID_
    EXTENSIONS`` (``CertVerification/CertificateChain.cpp``). A missing basicConstraints is
    ``attest.bad_basic_constraints``, a missing keyUsage ``attest.bad_key_usage``, any other
    ``attest.bad_certificate``."""
    present = {ext.oid for ext in cert.extensions}
    for oid, name in REQUIRED_EXTENSIONS.items():
        if oid in present:
            continue
        code = {ExtensionOID.BASIC_CONSTRAINTS: "attest.bad_basic_constraints",
                ExtensionOID.KEY_USAGE: "attest.bad_key_usage"}.get(oid, "attest.bad_certificate")
        raise AttestError(code, f"{_describe(cert)} ({role.name}) lacks the {name} "
                                "extension Intel's profile requires")


def check_basic_constraints(cert: x509.Certificate, role: Role, cas_below: int) -> None:
    """basicConstraints fits the role: ``CA:TRUE`` for the root and PCK CAs, ``CA:FALSE`` for
    the PCK and TCB signing leaves (Intel's profile; RFC 5280 §6.1.4 (k): only a CA issues);
    a CA's pathLen, if present, allows the ``cas_below`` CA certificates between it and the
    leaf (RFC 5280 §4.2.1.9, §6.1.4 (l)-(m)). QVL status: ``STATUS_SGX_*_INVALID_EXTENSIONS``.
    Refusal: ``attest.bad_basic_constraints``."""
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    if constraints.ca != role.ca:
        raise AttestError("attest.bad_basic_constraints",
                          f"{_describe(cert)} has CA:{'TRUE' if constraints.ca else 'FALSE'}, "
                          f"a {role.name} must have CA:{'TRUE' if role.ca else 'FALSE'}")
    if role.ca and constraints.path_length is not None and constraints.path_length < cas_below:
        raise AttestError("attest.bad_basic_constraints",
                          f"{_describe(cert)} has pathLen {constraints.path_length} but "
                          f"{cas_below} CA certificate(s) below it")


def check_key_usage(cert: x509.Certificate, role: Role) -> None:
    """keyUsage fits the role (Intel's profile; RFC 5280 §4.2.1.3): a CA signs certificates
    and CRLs (keyCertSign, cRLSign); a leaf signs data (digitalSignature: the PCK key signs
    the QE report, the TCB signing key the collateral) and never certificates or CRLs.
    QVL status: ``STATUS_SGX_*_INVALID_EXTENSIONS``. Refusal: ``attest.bad_key_usage``."""
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    if role.ca:
        ok = usage.key_cert_sign and usage.crl_sign
        wanted = "keyCertSign and cRLSign"
    else:
        ok = usage.digital_signature and not (usage.key_cert_sign or usage.crl_sign)
        wanted = "digitalSignature and neither keyCertSign nor cRLSign"
    if not ok:
        raise AttestError("attest.bad_key_usage",
                          f"{_describe(cert)} ({role.name}) must have keyUsage {wanted}")


def subject_names_role(cert: x509.Certificate, role: Role) -> bool:
    """QVL ``BaseVerifier::commonNameContains``: the subject CN contains one of the role's
    phrases."""
    cn = certs.common_name(cert.subject)
    return any(phrase in cn for phrase in role.cn_phrases)


def check_subject(cert: x509.Certificate, role: Role) -> None:
    """The subject CN names the role: QVL ``Verifiers/PckCertVerifier.cpp``
    (``STATUS_SGX_ROOT_CA_MISSING``, ``STATUS_SGX_INTERMEDIATE_CA_MISSING``,
    ``STATUS_SGX_PCK_MISSING``) and ``Verifiers/QuoteVerifier.cpp`` step 4.1.2.4.4
    (``STATUS_INVALID_PCK_CERT``). Refusal: ``attest.bad_subject``."""
    if not subject_names_role(cert, role):
        raise AttestError("attest.bad_subject",
                          f"{_describe(cert)} is not a {role.name} (its CN must contain "
                          + " or ".join(repr(p) for p in role.cn_phrases) + ")")


def check_role(cert: x509.Certificate, role: Role, cas_below: int = 0) -> None:
    """Every per-certificate rule, in order: required extensions, basicConstraints, keyUsage,
    subject CN."""
    check_required_extensions(cert, role)
    check_basic_constraints(cert, role, cas_below)
    check_key_usage(cert, role)
    check_subject(cert, role)


def is_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """The issuer name equals the issuer's subject and the issuer's key signs the certificate
    (QVL ``CommonVerifier::verifyIntermediate`` / ``checkSignature``)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (*certs.PARSE_ERRORS, InvalidSignature):
        return False
    return True


def check_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> None:
    """QVL ``CommonVerifier::verifyIntermediate`` (``STATUS_SGX_INTERMEDIATE_CA_INVALID_
    ISSUER``) and ``PckCertVerifier::verifyPCKCert`` (``STATUS_SGX_PCK_INVALID_ISSUER``).
    Refusal: ``attest.bad_certificate`` (the chain does not link)."""
    if not is_issued_by(cert, issuer):
        raise AttestError("attest.bad_certificate",
                          f"{_describe(cert)} is not issued by {_describe(issuer)}")


def check_trusted_root(root: x509.Certificate) -> None:
    """The trusted root is a self-signed root CA: QVL ``CommonVerifier::verifyRootCACert``
    (``STATUS_SGX_ROOT_CA_INVALID_ISSUER``) and ``TCBSigningChain::verify`` /
    ``PckCertVerifier::verify`` (``STATUS_TRUSTED_ROOT_CA_INVALID``). Refusal:
    ``attest.untrusted_root``; then the root CA role rules."""
    if root.issuer != root.subject or not is_issued_by(root, root):
        raise AttestError("attest.untrusted_root",
                          f"the trusted root {_describe(root)} is not self-signed")
    check_role(root, ROOT)


def check_is_trusted_root(cert: x509.Certificate, trusted_root: x509.Certificate,
                          code: str, chain: str) -> None:
    """The chain's root is the trusted root (QVL compares their signatures:
    ``STATUS_SGX_PCK_CERT_CHAIN_UNTRUSTED``, ``STATUS_SGX_TCB_SIGNING_CERT_CHAIN_UNTRUSTED``);
    here the whole DER must be equal."""
    if cert != trusted_root:
        raise AttestError(code, f"the {chain} ends in {_describe(cert)}, not the trusted root")


@attrs.frozen
class PckChain:
    """A PCK chain that met every rule: the PCK leaf and the PCK CA that issued it."""

    leaf: x509.Certificate
    ca: x509.Certificate
    root: x509.Certificate


def verify_pck_chain(chain: list[x509.Certificate], trusted_root: x509.Certificate) -> PckChain:
    """The quote's PCK chain: exactly [PCK certificate, PCK CA, root] (QVL
    ``PckCertVerifier::verify``), the root the trusted root (``attest.untrusted_root``), each
    certificate fit for its role (:func:`check_role`; the root CA has one CA below it), each
    issued by the next (``attest.bad_certificate``)."""
    if len(chain) != 3:
        raise AttestError("attest.bad_certificate",
                          f"the PCK chain holds {len(chain)} certificates, not [PCK leaf, PCK "
                          "CA, root]")
    leaf, ca, top = chain
    check_is_trusted_root(top, trusted_root, "attest.untrusted_root", "PCK chain")
    check_role(leaf, PCK_LEAF)
    check_role(ca, PCK_CA, cas_below=0)
    check_role(top, ROOT, cas_below=1)
    check_issued_by(leaf, ca)
    check_issued_by(ca, top)
    return PckChain(leaf, ca, top)


def check_tcb_signing_chain_shape(chain: list[x509.Certificate],
                                  trusted_root: x509.Certificate) -> x509.Certificate:
    """QVL ``Verifiers/TCBSigningChain.cpp`` (used for the TCB info and the QE identity by
    ``TCBInfoVerifier`` and ``EnclaveIdentityVerifier``): the signer's CN contains
    "SGX TCB Signing" (``STATUS_SGX_TCB_SIGNING_CERT_MISSING``), it is issued directly by the
    root (``STATUS_SGX_TCB_SIGNING_CERT_INVALID_ISSUER``), and the chain's root is the trusted
    root (``STATUS_SGX_TCB_SIGNING_CERT_CHAIN_UNTRUSTED``). The chain is [signer] or
    [signer, root]. Refusal: ``attest.wrong_signing_chain``. Returns the signer."""
    def wrong(message: str) -> AttestError:
        return AttestError("attest.wrong_signing_chain", message)

    if not 1 <= len(chain) <= 2:
        raise wrong(f"a TCB signing chain is [signer] or [signer, root], not {len(chain)} "
                    "certificates")
    signer = chain[0]
    if len(chain) == 2 and chain[1] != trusted_root:
        raise wrong(f"the TCB signing chain ends in {_describe(chain[1])}, not the trusted root")
    if not subject_names_role(signer, TCB_SIGNER):
        raise wrong(f"the collateral is signed by {_describe(signer)}, not by a TCB signing "
                    f"certificate (CN containing {TCB_SIGNING_CN!r})")
    if not is_issued_by(signer, trusted_root):
        raise wrong(f"the TCB signing {_describe(signer)} is not issued directly by the "
                    "trusted root")
    return signer


def verify_tcb_signing_chain(chain: list[x509.Certificate],
                             trusted_root: x509.Certificate) -> x509.Certificate:
    """:func:`check_tcb_signing_chain_shape`, then the TCB signing role rules
    (:func:`check_role`). Returns the signer, whose key must sign the document."""
    signer = check_tcb_signing_chain_shape(chain, trusted_root)
    check_role(signer, TCB_SIGNER)
    return signer
