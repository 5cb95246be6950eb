"""The DCAP evidence an attested handshake carries: quote, collateral, report-data contents.

Modelled on MobileCoin's ``DcapEvidence { Quote3 quote = 1; Collateral collateral = 2;
EnclaveReportDataContents report_data = 3 }`` (``api/proto/external.proto``). ``Collateral`` mirrors
Intel's ``sgx_ql_qve_collateral_t`` v3.1 as MobileCoin's protobuf does: the PCK CRL issuer chain
(DER certificates), the root CA CRL, the PCK CRL, the TCB-info issuer chain, the signed TCB info
JSON text, the QE-identity issuer chain and the signed QE identity JSON text. The bytes are kept
exactly as served: signatures cover the exact JSON text, so nothing here re-serialises it.

Canonical encoding: protobuf wire format with the field numbers above, fields in ascending tag
order, empty bytes fields omitted (proto3). ``decode(encode(e)) == e`` for every evidence, and
``encode(decode(b)) == b`` for every ``b`` that :func:`decode_evidence` accepts (non-canonical
input — unknown fields, repeated singular fields, wrong order — is refused with
``attest.bad_evidence``, so one evidence has one encoding).

``report_data`` holds ``EnclaveReportDataContents { nonce (16), key (32, X25519 public key),
custom_identity (32, optional) }``; the quote's REPORTDATA[0..32] must equal
SHA-256(nonce ‖ key ‖ custom_identity-if-present) (``attest/verifier/src/dcap.rs``).
"""

from __future__ import annotations

import hashlib

import attrs

from refimpl.errors import AttestError, EncodingError
from refimpl.protobuf import WIRE_LEN, bytes_field, parse_fields

NONCE_LEN = 16
KEY_LEN = 32
CUSTOM_ID_LEN = 32
REPORT_DATA_LEN = 64


def _bad(message: str) -> AttestError:
    return AttestError("attest.bad_evidence", message)


@attrs.frozen
class Collateral:
    """DCAP collateral as raw bytes (MobileCoin ``Collateral``, tags 1..7).

    Chains are tuples of DER certificates, leaf first. ``tcb_info`` and ``qe_identity`` are the
    complete signed JSON documents (``{"tcbInfo": …, "signature": …}`` and
    ``{"enclaveIdentity": …, "signature": …}``), UTF-8, byte for byte as served.
    """

    pck_crl_issuer_chain: tuple[bytes, ...]
    root_ca_crl: bytes
    pck_crl: bytes
    tcb_info_issuer_chain: tuple[bytes, ...]
    tcb_info: bytes
    qe_identity_issuer_chain: tuple[bytes, ...]
    qe_identity: bytes

    def encode(self) -> bytes:
        """The canonical protobuf encoding (ascending tags, empty fields omitted)."""
        out = bytearray()
        for cert in self.pck_crl_issuer_chain:
            out += bytes_field(1, cert)
        out += _opt(2, self.root_ca_crl) + _opt(3, self.pck_crl)
        for cert in self.tcb_info_issuer_chain:
            out += bytes_field(4, cert)
        out += _opt(5, self.tcb_info)
        for cert in self.qe_identity_issuer_chain:
            out += bytes_field(6, cert)
        out += _opt(7, self.qe_identity)
        return bytes(out)


@attrs.frozen
class ReportDataContents:
    """MobileCoin ``EnclaveReportDataContents``: what REPORTDATA[0..32] commits to."""

    nonce: bytes
    key: bytes
    custom_identity: bytes | None = None

    def __attrs_post_init__(self) -> None:
        if len(self.nonce) != NONCE_LEN:
            raise _bad(f"report-data nonce must be {NONCE_LEN} bytes, got {len(self.nonce)}")
        if len(self.key) != KEY_LEN:
            raise _bad(f"report-data key must be {KEY_LEN} bytes, got {len(self.key)}")
        if self.custom_identity is not None and len(self.custom_identity) != CUSTOM_ID_LEN:
            raise _bad(f"custom identity must be {CUSTOM_ID_LEN} bytes")

    def sha256(self) -> bytes:
        """SHA-256(nonce ‖ key ‖ custom_identity-if-present) (``attest/verifier/src/dcap.rs``)."""
        extra = self.custom_identity if self.custom_identity is not None else b""
        return hashlib.sha256(self.nonce + self.key + extra).digest()

    def report_data(self) -> bytes:
        """The 64-byte REPORTDATA an enclave quotes: the hash, then 32 zero bytes."""
        return self.sha256() + bytes(REPORT_DATA_LEN - 32)

    def encode(self) -> bytes:
        out = bytes_field(1, self.nonce) + bytes_field(2, self.key)
        if self.custom_identity is not None:
            out += bytes_field(3, self.custom_identity)
        return out


@attrs.frozen
class Evidence:
    """Quote v3 bytes, their collateral and (optionally) the report-data contents they bind."""

    quote: bytes
    collateral: Collateral
    report_data: ReportDataContents | None = None

    def __attrs_post_init__(self) -> None:
        if not self.quote:
            raise _bad("evidence without a quote")

    def encode(self) -> bytes:
        """The canonical encoding (see the module docstring)."""
        out = _opt(1, _opt(1, self.quote)) + bytes_field(2, self.collateral.encode())
        if self.report_data is not None:
            out += bytes_field(3, self.report_data.encode())
        return out


def _opt(tag: int, data: bytes) -> bytes:
    return bytes_field(tag, data) if data else b""


def _len_fields(
    data: bytes, allowed: set[int], repeated: set[int], what: str
) -> dict[int, list[bytes]]:
    """Split ``data`` into length-delimited fields, refusing anything non-canonical."""
    try:
        fields = parse_fields(data)
    except EncodingError as exc:
        raise _bad(f"{what}: {exc.message}") from exc
    out: dict[int, list[bytes]] = {}
    last_tag = 0
    for f in fields:
        if f.tag not in allowed or f.wire_type != WIRE_LEN or not isinstance(f.value, bytes):
            raise _bad(f"{what}: unexpected field {f.tag} (wire type {f.wire_type})")
        if f.tag < last_tag or (f.tag == last_tag and f.tag not in repeated):
            raise _bad(f"{what}: field {f.tag} out of order or repeated")
        last_tag = f.tag
        out.setdefault(f.tag, []).append(f.value)
    return out


def _one(
    fields: dict[int, list[bytes]], tag: int, what: str, *, required: bool, empty_ok: bool = False
) -> bytes:
    values = fields.get(tag)
    if not values:
        if required:
            raise _bad(f"{what}: field {tag} is missing")
        return b""
    if not values[0] and not empty_ok:
        raise _bad(f"{what}: empty field {tag} must be omitted")
    return values[0]


def decode_collateral(data: bytes) -> Collateral:
    """Parse the canonical encoding of :class:`Collateral`; ``attest.bad_evidence`` otherwise."""
    what = "collateral"
    f = _len_fields(data, set(range(1, 8)), {1, 4, 6}, what)
    for tag in (1, 4, 6):
        if any(not cert for cert in f.get(tag, [])):
            raise _bad(f"{what}: empty certificate in field {tag}")
    return Collateral(
        pck_crl_issuer_chain=tuple(f.get(1, [])),
        root_ca_crl=_one(f, 2, what, required=False),
        pck_crl=_one(f, 3, what, required=False),
        tcb_info_issuer_chain=tuple(f.get(4, [])),
        tcb_info=_one(f, 5, what, required=False),
        qe_identity_issuer_chain=tuple(f.get(6, [])),
        qe_identity=_one(f, 7, what, required=False),
    )


def decode_report_data(data: bytes) -> ReportDataContents:
    """Parse the canonical encoding of :class:`ReportDataContents`."""
    what = "report data"
    f = _len_fields(data, {1, 2, 3}, set(), what)
    custom = _one(f, 3, what, required=False)
    return ReportDataContents(
        nonce=_one(f, 1, what, required=True),
        key=_one(f, 2, what, required=True),
        custom_identity=custom if 3 in f else None,
    )


def decode_evidence(data: bytes) -> Evidence:
    """Parse the canonical encoding of :class:`Evidence`; ``attest.bad_evidence`` otherwise."""
    what = "evidence"
    f = _len_fields(data, {1, 2, 3}, set(), what)
    quote3 = _len_fields(_one(f, 1, what, required=True), {1}, set(), "quote")
    report = f.get(3)
    return Evidence(
        quote=_one(quote3, 1, "quote", required=True),
        collateral=decode_collateral(_one(f, 2, what, required=True, empty_ok=True)),
        report_data=decode_report_data(report[0]) if report else None,
    )
