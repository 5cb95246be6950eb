"""SGX DCAP quote v3: byte-exact parsing into frozen types.

Layout from Intel's "ECDSA Quote Library API" (quote v3, table 2); MobileCoin parses it in
``mobilecoinfoundation/sgx: dcap/types/src/quote3.rs`` and ``.../certification_data.rs``.
All integers are little-endian. Every malformed, truncated or over-long input raises
``AttestError("attest.bad_quote", ...)``; nothing else escapes :func:`parse_quote`.
"""

from __future__ import annotations

import struct

import attrs

from refimpl.errors import AttestError

HEADER_SIZE = 48
REPORT_BODY_SIZE = 384
SIGNED_SIZE = HEADER_SIZE + REPORT_BODY_SIZE  # the attestation key signs bytes [0, 432)
QUOTE_VERSION = 3
ATTESTATION_KEY_ECDSA_P256 = 2
CERT_DATA_PCK_CHAIN = 5  # PEM: PCK leaf || intermediate CA || root CA
INTEL_QE_VENDOR_ID = bytes.fromhex("939a7233f79c4ca9940a0db3957f0607")

FLAG_INIT = 0x1
FLAG_DEBUG = 0x2
FLAG_MODE64BIT = 0x4
FLAG_PROVISIONKEY = 0x10
FLAG_EINITTOKENKEY = 0x20
FLAG_KSS = 0x80


def _bad(message: str) -> AttestError:
    return AttestError("attest.bad_quote", message)


@attrs.frozen
class QuoteHeader:
    """The 48-byte quote header (offsets 0..48)."""

    version: int
    attestation_key_type: int
    tee_type: int
    qe_svn: int
    pce_svn: int
    qe_vendor_id: bytes
    user_data: bytes

    @classmethod
    def parse(cls, data: bytes) -> QuoteHeader:
        if len(data) != HEADER_SIZE:
            raise _bad(f"quote header must be {HEADER_SIZE} bytes, got {len(data)}")
        version, key_type, tee_type, qe_svn, pce_svn = struct.unpack_from("<HHIHH", data, 0)
        if version != QUOTE_VERSION:
            raise _bad(f"quote version {version} is not 3")
        if key_type != ATTESTATION_KEY_ECDSA_P256:
            raise _bad(f"attestation key type {key_type} is not ECDSA-P256 (2)")
        if tee_type != 0:
            raise _bad(f"TEE type {tee_type:#x} is not SGX (0)")
        return cls(version, key_type, tee_type, qe_svn, pce_svn, data[12:28], data[28:48])


@attrs.frozen
class ReportBody:
    """An SGX REPORT BODY (384 bytes), the enclave's measured identity and report data."""

    cpu_svn: bytes
    miscselect: int
    isv_ext_prod_id: bytes
    attributes_flags: int
    attributes_xfrm: int
    mr_enclave: bytes
    mr_signer: bytes
    config_id: bytes
    isv_prod_id: int
    isv_svn: int
    config_svn: int
    isv_family_id: bytes
    report_data: bytes
    raw: bytes

    @classmethod
    def parse(cls, data: bytes) -> ReportBody:
        if len(data) != REPORT_BODY_SIZE:
            raise _bad(f"report body must be {REPORT_BODY_SIZE} bytes, got {len(data)}")
        (miscselect,) = struct.unpack_from("<I", data, 16)
        flags, xfrm = struct.unpack_from("<QQ", data, 48)
        prod_id, svn, config_svn = struct.unpack_from("<HHH", data, 256)
        return cls(
            cpu_svn=data[0:16], miscselect=miscselect, isv_ext_prod_id=data[32:48],
            attributes_flags=flags, attributes_xfrm=xfrm, mr_enclave=data[64:96],
            mr_signer=data[128:160], config_id=data[192:256], isv_prod_id=prod_id,
            isv_svn=svn, config_svn=config_svn, isv_family_id=data[304:320],
            report_data=data[320:384], raw=data,
        )

    @property
    def attributes(self) -> bytes:
        """The 16 ATTRIBUTES bytes (flags || xfrm) as they appear in the report."""
        return self.raw[48:64]

    @property
    def debug(self) -> bool:
        return bool(self.attributes_flags & FLAG_DEBUG)


@attrs.frozen
class Quote:
    """A parsed DCAP quote v3 with ECDSA-P256 attestation key and a type-5 PCK chain."""

    header: QuoteHeader
    report_body: ReportBody
    signature: bytes  # r || s over bytes [0, 432) by the attestation key
    attestation_key: bytes  # x || y (64 bytes, no 0x04 prefix)
    qe_report_body: ReportBody
    qe_report_signature: bytes  # r || s over the QE report body by the PCK leaf key
    qe_auth_data: bytes
    certification_data_type: int
    pck_chain_pem: bytes
    signed_bytes: bytes
    raw: bytes


def check_qe_vendor_id(header: QuoteHeader) -> None:
    """The quote comes from Intel's quoting enclave: QE vendor id
    939A7233-F79C-4CA9-940A-0DB3957F0607 (Intel QVL ``QuoteVerification/QuoteConstants.h``
    ``INTEL_QE_VENDOR_ID``, checked by ``Quote::validate``, else
    ``STATUS_UNSUPPORTED_QUOTE_FORMAT``). Refusal: ``attest.bad_qe_vendor_id``."""
    if header.qe_vendor_id != INTEL_QE_VENDOR_ID:
        raise AttestError("attest.bad_qe_vendor_id",
                          f"QE vendor id {header.qe_vendor_id.hex().upper()} is not Intel's "
                          f"{INTEL_QE_VENDOR_ID.hex().upper()}")


def parse_quote(data: bytes) -> Quote:
    """Parse a quote v3; the input must be exactly one quote (no trailing bytes)."""
    if len(data) < 1020:
        raise _bad(f"quote is {len(data)} bytes, shorter than the 1020-byte minimum")
    header = QuoteHeader.parse(data[0:HEADER_SIZE])
    body = ReportBody.parse(data[HEADER_SIZE:SIGNED_SIZE])
    (sig_len,) = struct.unpack_from("<I", data, 432)
    sig_start = 436
    if sig_len != len(data) - sig_start:
        raise _bad(f"signature data length {sig_len} does not match the remaining "
                   f"{len(data) - sig_start} bytes")
    signature = data[436:500]
    attestation_key = data[500:564]
    qe_body = ReportBody.parse(data[564:948])
    qe_signature = data[948:1012]
    (auth_len,) = struct.unpack_from("<H", data, 1012)
    pos = 1014 + auth_len
    if pos + 6 > len(data):
        raise _bad(f"QE authentication data ({auth_len} bytes) runs past the end")
    qe_auth = data[1014:pos]
    cert_type, cert_len = struct.unpack_from("<HI", data, pos)
    if cert_type != CERT_DATA_PCK_CHAIN:
        raise _bad(f"certification data type {cert_type} is not 5 (PCK certificate chain)")
    cert_start = pos + 6
    if cert_start + cert_len != len(data):
        raise _bad(f"certification data length {cert_len} does not match the remaining "
                   f"{len(data) - cert_start} bytes")
    return Quote(
        header=header, report_body=body, signature=signature, attestation_key=attestation_key,
        qe_report_body=qe_body, qe_report_signature=qe_signature, qe_auth_data=qe_auth,
        certification_data_type=cert_type, pck_chain_pem=data[cert_start:],
        signed_bytes=data[:SIGNED_SIZE], raw=data,
    )
