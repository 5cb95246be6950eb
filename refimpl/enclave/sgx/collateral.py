"""DCAP collateral: signed TCB info (v3), signed QE identity (v2), CRLs and issuer chains.

Formats: Intel PCS API v4 ("TCB info", "enclave identity"); MobileCoin carries them in
``Collateral`` (``api/proto/external.proto``, mirror of ``sgx_ql_qve_collateral_t`` v3.1) and checks
them in ``mobilecoinfoundation/attestation: verifier/src/{tcb,qe_identity}.rs``; the checks are
steps 4-6 of docs/attestation.md#two-layers-valid-then-accepted. The signature covers the exact raw
bytes of the ``tcbInfo`` / ``enclaveIdentity`` JSON value as it appears in the file, so the raw
bytes are kept next to the parsed values. The bundle type is
:class:`refimpl.enclave.evidence.Collateral` (DER chains, raw JSON and CRL bytes).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from cryptography.hazmat.primitives.serialization import Encoding

from refimpl import safe_json
from refimpl.enclave.evidence import Collateral
from refimpl.enclave.sgx import certs
from refimpl.errors import AttestError

TCB_STATUSES = (
    "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
    "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked",
)


def _bad(message: str) -> AttestError:
    return AttestError("attest.bad_collateral", message)


def parse_time(text: object) -> datetime.datetime:
    """An ISO-8601 UTC time as Intel writes it (``2023-07-12T19:56:44Z``)."""
    if not isinstance(text, str) or not text.endswith("Z"):
        raise _bad(f"time {text!r} is not an ISO-8601 UTC time")
    try:
        value = datetime.datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:
        raise _bad(f"time {text!r} is not an ISO-8601 UTC time") from None
    return value


def _signed_json(data: bytes, body_key: str) -> tuple[dict[str, Any], bytes, bytes]:
    """Split ``{"<body_key>": {...}, "signature": "<hex>"}`` into (body, raw body, signature)."""
    try:
        text = data.decode("utf-8")
        document = safe_json.parse(text)
    except ValueError:
        raise _bad(f"{body_key} file is not valid UTF-8 JSON") from None
    if not isinstance(document, dict) or set(document) != {body_key, "signature"}:
        raise _bad(f"{body_key} file must hold exactly {body_key!r} and 'signature'")
    marker = f'"{body_key}":'
    if text.count(marker) != 1:
        raise _bad(f"{body_key} file must name {body_key!r} once, without spaces")
    start = text.index(marker) + len(marker)
    try:
        body, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError:
        raise _bad(f"{body_key} value is not JSON") from None
    if not isinstance(body, dict):
        raise _bad(f"{body_key} value is not an object")
    signature_hex = document["signature"]
    if not isinstance(signature_hex, str) or len(signature_hex) != 128:
        raise _bad(f"{body_key} signature must be 64 bytes of hex")
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        raise _bad(f"{body_key} signature is not hex") from None
    return body, text[start:end].encode("utf-8"), signature


def _field(obj: dict[str, Any], key: str, kind: type) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(f"field {key!r} is missing or not a {kind.__name__}")
    return value


def _hex(obj: dict[str, Any], key: str, length: int) -> bytes:
    text = _field(obj, key, str)
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise _bad(f"field {key!r} is not hex") from None
    if len(value) != length:
        raise _bad(f"field {key!r} must be {length} bytes")
    return value


def _status(obj: dict[str, Any]) -> str:
    status: str = _field(obj, "tcbStatus", str)
    if status not in TCB_STATUSES:
        raise _bad(f"unknown TCB status {status!r}")
    return status


def _advisories(obj: dict[str, Any]) -> tuple[str, ...]:
    ids = obj.get("advisoryIDs", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _bad("advisoryIDs must be a list of strings")
    return tuple(ids)


@attrs.frozen
class TcbLevel:
    component_svns: tuple[int, ...]
    pce_svn: int
    status: str
    advisory_ids: tuple[str, ...]


@attrs.frozen
class TcbInfo:
    """Signed TCB info v3 for one FMSPC (type 0 = SGX)."""

    fmspc: bytes
    pce_id: bytes
    issue_date: datetime.datetime
    next_update: datetime.datetime
    levels: tuple[TcbLevel, ...]
    signed_body: bytes
    signature: bytes

    @classmethod
    def parse(cls, data: bytes) -> TcbInfo:
        body, raw, signature = _signed_json(data, "tcbInfo")
        if _field(body, "id", str) != "SGX" or _field(body, "version", int) != 3:
            raise _bad("TCB info must be id SGX, version 3")
        levels = []
        for level in _field(body, "tcbLevels", list):
            if not isinstance(level, dict):
                raise _bad("a TCB level is not an object")
            tcb = _field(level, "tcb", dict)
            components = _field(tcb, "sgxtcbcomponents", list)
            if len(components) != 16 or not all(isinstance(c, dict) for c in components):
                raise _bad("a TCB level must list 16 SGX TCB components")
            svns = tuple(_field(c, "svn", int) for c in components)
            levels.append(TcbLevel(svns, _field(tcb, "pcesvn", int), _status(level),
                                   _advisories(level)))
        return cls(
            fmspc=_hex(body, "fmspc", 6), pce_id=_hex(body, "pceId", 2),
            issue_date=parse_time(body.get("issueDate")),
            next_update=parse_time(body.get("nextUpdate")),
            levels=tuple(levels), signed_body=raw, signature=signature,
        )


@attrs.frozen
class QeTcbLevel:
    isv_svn: int
    status: str
    advisory_ids: tuple[str, ...]


@attrs.frozen
class QeIdentity:
    """Signed QE identity (enclave identity v2, id QE)."""

    issue_date: datetime.datetime
    next_update: datetime.datetime
    miscselect: int
    miscselect_mask: int
    attributes: bytes
    attributes_mask: bytes
    mr_signer: bytes
    isv_prod_id: int
    levels: tuple[QeTcbLevel, ...]
    signed_body: bytes
    signature: bytes

    @classmethod
    def parse(cls, data: bytes) -> QeIdentity:
        body, raw, signature = _signed_json(data, "enclaveIdentity")
        if _field(body, "id", str) != "QE" or _field(body, "version", int) != 2:
            raise _bad("QE identity must be id QE, version 2")
        levels = []
        for level in _field(body, "tcbLevels", list):
            if not isinstance(level, dict):
                raise _bad("a QE TCB level is not an object")
            tcb = _field(level, "tcb", dict)
            levels.append(QeTcbLevel(_field(tcb, "isvsvn", int), _status(level),
                                     _advisories(level)))
        return cls(
            issue_date=parse_time(body.get("issueDate")),
            next_update=parse_time(body.get("nextUpdate")),
            miscselect=int.from_bytes(_hex(body, "miscselect", 4), "big"),
            miscselect_mask=int.from_bytes(_hex(body, "miscselectMask", 4), "big"),
            attributes=_hex(body, "attributes", 16),
            attributes_mask=_hex(body, "attributesMask", 16),
            mr_signer=_hex(body, "mrsigner", 32), isv_prod_id=_field(body, "isvprodid", int),
            levels=tuple(levels), signed_body=raw, signature=signature,
        )


#: file names looked up by :func:`load_collateral_dir` (those of the shared DCAP test data).
COLLATERAL_FILES = {
    "tcb_info": "attestation_fmspc_*.json",
    "qe_identity": "attestation_qe_identity.json",
    "tcb_signer": "attestation_tcb_signer.pem",
    "root_ca_crl": "attestation_root_crl.der",
    "pck_crl": "attestation_processor_crl.der",
    "pck_crl_issuer": "attestation_processor_ca.pem",
}


def load_collateral_dir(directory: Path) -> Collateral:
    """Read a collateral directory named as in :data:`COLLATERAL_FILES` (exactly one
    ``attestation_fmspc_*.json``), then :func:`collateral_from_files`."""
    tcb_files = sorted(directory.glob(COLLATERAL_FILES["tcb_info"]))
    if len(tcb_files) != 1:
        raise _bad(f"{directory} must hold exactly one {COLLATERAL_FILES['tcb_info']} file, "
                   f"found {len(tcb_files)}")
    files = {}
    for role, name in COLLATERAL_FILES.items():
        path = tcb_files[0] if role == "tcb_info" else directory / name
        try:
            files[role] = path.read_bytes()
        except OSError:
            raise _bad(f"collateral file {path} cannot be read") from None
    return collateral_from_files(files)


def collateral_from_files(files: Mapping[str, bytes]) -> Collateral:
    """Build the collateral from file contents keyed by the roles of :data:`COLLATERAL_FILES`.

    The TCB signing certificate is the issuer chain of both the TCB info and the QE identity
    (Intel signs both with the "Intel SGX TCB Signing" key); the processor CA certificate is
    the PCK CRL's issuer.
    """
    signer = _pem_ders(files["tcb_signer"])
    return Collateral(
        tcb_info=files["tcb_info"], qe_identity=files["qe_identity"],
        tcb_info_issuer_chain=signer, qe_identity_issuer_chain=signer,
        root_ca_crl=files["root_ca_crl"], pck_crl=files["pck_crl"],
        pck_crl_issuer_chain=_pem_ders(files["pck_crl_issuer"]),
    )


def _pem_ders(pem: bytes) -> tuple[bytes, ...]:
    return tuple(c.public_bytes(Encoding.DER) for c in certs.load_pem_certificates(pem))
