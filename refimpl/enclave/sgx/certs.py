"""X.509 material of SGX attestation: strict PEM chains, DER certificates and CRLs, the PCK
SGX extension.

Intel's PCK certificate profile ("Intel SGX PCK Certificate and CRL Profile") defines the SGX
extension ``1.2.840.113741.1.13.1``; MobileCoin reads it in
``mobilecoinfoundation/attestation: verifier/src/x509/*``. Parsing only: the rules a chain and
its CRLs must meet are in ``chain_rules.py`` and ``crl_rules.py``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
import warnings

import attrs
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from refimpl.errors import AttestError

SGX_EXTENSION_OID = x509.ObjectIdentifier("1.2.840.113741.1.13.1")
DER = Encoding.DER
#: what cryptography raises on malformed or unsupported ASN.1 (fields are parsed lazily)
PARSE_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm, x509.UnsupportedGeneralNameType,
                x509.DuplicateExtension, x509.InvalidVersion)
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\n(.*?)-----END CERTIFICATE-----\n", re.S)


def _bad_cert(message: str) -> AttestError:
    return AttestError("attest.bad_certificate", message)


def _canonical_pem(der: bytes) -> bytes:
    text = base64.b64encode(der)
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"


def load_der_certificate(der: bytes) -> x509.Certificate:
    """A DER certificate, fully parsed (typed error otherwise) and canonically encoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography warns about some malformed attributes
        return _load_der_certificate(der)


def _load_der_certificate(der: bytes) -> x509.Certificate:
    try:
        cert = x509.load_der_x509_certificate(der)
        # cryptography parses fields lazily: touch every field used later, here
        _ = (cert.subject, cert.issuer, cert.serial_number, cert.not_valid_before_utc,
             cert.not_valid_after_utc, cert.public_key(), cert.extensions,
             cert.signature_hash_algorithm, cert.tbs_certificate_bytes, cert.signature)
    except PARSE_ERRORS as exc:
        raise _bad_cert(f"malformed DER certificate: {exc}") from None
    check_signed_der(der, "certificate")
    return cert


def check_signed_der(der: bytes, what: str) -> None:
    """The outer layout of a signed X.509 object: exactly SEQUENCE { SEQUENCE tbs, SEQUENCE
    algorithm, BIT STRING signature with 0 unused bits }, nothing after it. cryptography
    ignores the unused-bits octet, which would leave one unsigned, unchecked byte."""
    outer = _der_items(der)
    if len(outer) != 1 or outer[0][0] != 0x30:
        raise _bad_cert(f"{what} is not one DER SEQUENCE")
    parts = _der_items(outer[0][1])
    if ([tag for tag, _ in parts] != [0x30, 0x30, 0x03] or not parts[2][1]
            or parts[2][1][0] != 0):
        raise _bad_cert(f"{what} signature is not a BIT STRING with 0 unused bits")


def load_pem_certificates(pem: bytes) -> list[x509.Certificate]:
    """Load PEM certificates from a collateral file (lenient about text around the blocks:
    only the DER inside each block is signed content)."""
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except PARSE_ERRORS as exc:
        raise _bad_cert(f"malformed PEM certificate: {exc}") from None
    return [load_der_certificate(c.public_bytes(DER)) for c in certs]


def parse_pem_chain(pem: bytes, *, allow_trailing_nul: bool = False) -> list[x509.Certificate]:
    """Parse concatenated PEM certificates in Intel's exact layout (64-column base64).

    The input must be byte-identical to the canonical PEM of the DER certificates it holds
    (optionally followed by one NUL, as PCK chains in quotes are), so every byte is meaningful.
    """
    ders: list[bytes] = []
    for match in _PEM_BLOCK.finditer(pem):
        try:
            ders.append(base64.b64decode(match.group(1).replace(b"\n", b""), validate=True))
        except (binascii.Error, ValueError):
            raise _bad_cert("PEM certificate holds invalid base64") from None
    canonical = b"".join(_canonical_pem(d) for d in ders)
    if not ders or (pem != canonical and not (allow_trailing_nul and pem == canonical + b"\0")):
        raise _bad_cert("certificate chain is not in canonical PEM form")
    return [load_der_certificate(d) for d in ders]


def ec_public_key(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise _bad_cert(f"certificate {cert.subject.rfc4514_string()} has no P-256 key")
    return key


def parse_crl(der: bytes) -> x509.CertificateRevocationList:
    """A DER CRL, fully parsed and canonically encoded (typed error otherwise). Who issued it
    and whether it is in force are the rules of refimpl/enclave/sgx/crl_rules.py."""
    try:
        crl = x509.load_der_x509_crl(der)
        canonical = crl.public_bytes(DER)
        _ = (crl.issuer, crl.last_update_utc, crl.next_update_utc, crl.extensions,
             [(r.serial_number, r.extensions) for r in crl], crl.signature_hash_algorithm)
    except PARSE_ERRORS as exc:
        raise _bad_cert(f"malformed DER CRL: {exc}") from None
    if canonical != der:
        raise _bad_cert("CRL DER is not canonical")
    check_signed_der(der, "CRL")
    return crl


def common_name(name: x509.Name) -> str:
    """The (first) CN of a name, or "" if it has none."""
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def validity_window(cert: x509.Certificate) -> tuple[datetime.datetime, datetime.datetime]:
    return cert.not_valid_before_utc, cert.not_valid_after_utc


@attrs.frozen
class PckExtension:
    """The values of the PCK leaf's SGX extension the TCB evaluation needs."""

    ppid: bytes
    component_svns: tuple[int, ...]  # 16 entries
    pce_svn: int
    cpu_svn: bytes
    pce_id: bytes
    fmspc: bytes


def _der_items(data: bytes) -> list[tuple[int, bytes]]:
    """Split DER TLVs (definite short/long lengths only)."""
    items: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise _bad_cert("truncated DER in the SGX extension")
        tag, length = data[pos], data[pos + 1]
        pos += 2
        if length & 0x80:
            n = length & 0x7F
            if n == 0 or n > 3 or pos + n > len(data):
                raise _bad_cert("bad DER length in the SGX extension")
            length = int.from_bytes(data[pos:pos + n], "big")
            pos += n
        if pos + length > len(data):
            raise _bad_cert("truncated DER in the SGX extension")
        items.append((tag, data[pos:pos + length]))
        pos += length
    return items


def _decode_oid(body: bytes) -> str:
    if not body:
        raise _bad_cert("empty OID in the SGX extension")
    parts = [body[0] // 40, body[0] % 40]
    value = 0
    for byte in body[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _named_values(seq_body: bytes) -> dict[str, tuple[int, bytes]]:
    out: dict[str, tuple[int, bytes]] = {}
    for tag, body in _der_items(seq_body):
        pair = _der_items(body)
        if tag != 0x30 or len(pair) != 2 or pair[0][0] != 0x06:
            raise _bad_cert("SGX extension entry is not SEQUENCE{OID, value}")
        out[_decode_oid(pair[0][1])] = pair[1]
    return out


def pck_extension(cert: x509.Certificate) -> PckExtension:
    """Read PPID, TCB (16 component SVNs, PCESVN, CPUSVN), PCE-ID and FMSPC from the leaf."""
    try:
        ext = cert.extensions.get_extension_for_oid(SGX_EXTENSION_OID).value
    except (x509.ExtensionNotFound, *PARSE_ERRORS):
        raise _bad_cert("the PCK certificate has no SGX extension") from None
    if not isinstance(ext, x509.UnrecognizedExtension):
        raise _bad_cert("the SGX extension is not readable")
    outer = _der_items(ext.value)
    if len(outer) != 1 or outer[0][0] != 0x30:
        raise _bad_cert("the SGX extension is not a SEQUENCE")
    base = "1.2.840.113741.1.13.1"
    values = _named_values(outer[0][1])
    try:
        tcb_body = values[f"{base}.2"][1]
        tcb = _named_values(tcb_body)
        svns = tuple(int.from_bytes(tcb[f"{base}.2.{i}"][1], "big") for i in range(1, 17))
        pce_svn = int.from_bytes(tcb[f"{base}.2.17"][1], "big")
        cpu_svn = tcb[f"{base}.2.18"][1]
        return PckExtension(ppid=values[f"{base}.1"][1], component_svns=svns, pce_svn=pce_svn,
                            cpu_svn=cpu_svn, pce_id=values[f"{base}.3"][1],
                            fmspc=values[f"{base}.4"][1])
    except KeyError as exc:
        raise _bad_cert(f"the SGX extension lacks {exc}") from None

