"""Legacy EPID evidence: a signed Intel IAS attestation verification report (AVR).

``VerificationReport {sig, chain, http_body}`` (MobileCoin ``api/proto/external.proto``;
verified in ``attest/verifier/src/{lib,ias}.rs``): an RSA-2048 PKCS#1 v1.5 / SHA-256 signature
over the exact ``http_body`` bytes by ``chain[0]``, which chains to the IAS report signing CA
(``attest/verifier/data/AttestationReportSigningCACert.pem``). The body's
``isvEnclaveQuoteBody`` is a 432-byte quote v2 header + report body. Data:
data/attestation/PROVENANCE.md (epid/). Like MobileCoin, no timestamp check here.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from refimpl.enclave.sgx import certs
from refimpl.enclave.sgx.quote import ReportBody
from refimpl.errors import AttestError

EPID_QUOTE_BODY_SIZE = 432


def _bad(message: str) -> AttestError:
    return AttestError("attest.bad_epid_report", message)


@attrs.frozen
class IasReport:
    """A verified AVR: its body fields and the enclave report body inside."""

    id: str
    timestamp: str
    version: int
    quote_status: str
    advisory_ids: tuple[str, ...]
    nonce: str | None
    epid_group_id: bytes
    report_body: ReportBody
    body: dict[str, Any]


def _rsa_verify(cert: x509.Certificate, signature: bytes, message: bytes) -> bool:
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def verify_ias_report(signature: bytes, chain_der: list[bytes], http_body: bytes,
                      trusted_root_der: bytes) -> IasReport:
    """Verify the AVR signature and its chain to ``trusted_root_der``; parse the body."""
    root = certs.load_der_certificate(trusted_root_der)
    chain = [certs.load_der_certificate(d) for d in chain_der]
    if chain and chain[-1] == root:
        chain = chain[:-1]
    if not chain:
        raise _bad("the report carries no signing certificate")
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        if issuer.subject != cert.issuer or not _rsa_verify(
                issuer, cert.signature, cert.tbs_certificate_bytes):
            raise AttestError("attest.untrusted_root",
                              f"{cert.subject.rfc4514_string()} does not chain to the IAS root")
    if not _rsa_verify(chain[0], signature, http_body):
        raise _bad("the report signature does not verify over the body")
    try:
        body = json.loads(http_body)
        if not isinstance(body, dict):
            raise TypeError("not an object")
        quote = base64.b64decode(body["isvEnclaveQuoteBody"], validate=True)
        advisories = body.get("advisoryIDs", [])
        if not isinstance(advisories, list) or not all(isinstance(a, str) for a in advisories):
            raise TypeError("advisoryIDs")
        nonce = body.get("nonce")
        fields = (str(body["id"]), str(body["timestamp"]), body["version"],
                  str(body["isvEnclaveQuoteStatus"]))
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise _bad(f"the report body is malformed: {exc}") from None
    if len(quote) != EPID_QUOTE_BODY_SIZE or not isinstance(fields[2], int):
        raise _bad("isvEnclaveQuoteBody must be a 432-byte quote v2 header and report body")
    return IasReport(id=fields[0], timestamp=fields[1], version=fields[2],
                     quote_status=fields[3], advisory_ids=tuple(advisories),
                     nonce=nonce if isinstance(nonce, str) else None,
                     epid_group_id=quote[4:8], report_body=ReportBody.parse(quote[48:432]),
                     body=body)
