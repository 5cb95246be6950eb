"""The simulated DCAP PKI and collateral service: a test root CA and what Intel's PCS serves.

Mirrors DCAP's trust structure (Intel's "SGX PCK Certificate and CRL Profile"; the real
certificates under ``data/attestation/dcap/``) rather than MobileCoin's simpler simulation
(``attest/verifier/build.rs``: one self-signed root and one signer):

* a P-256 root CA ("Simulated SGX Root CA"), a "processor" intermediate CA that issues PCK
  leaves, and a TCB-signing certificate issued by the root (as Intel's ``tcb_signer.pem``),
  each with the subject-CN phrase, basicConstraints, pathLen and keyUsage of its Intel
  counterpart and the extensions Intel's Quote Verification Library requires
  (:data:`REQUIRED_EXTENSIONS`), so simulated quotes pass the same trust-chain rules
  (``refimpl/enclave/sgx/chain_rules.py``);
* root and processor CRLs (DER, ECDSA-SHA256) with thisUpdate/nextUpdate, cRLNumber and
  authorityKeyIdentifier;
* PCK leaf certificates carrying the SGX extension ``1.2.840.113741.1.13.1`` with PPID (.1),
  TCB (.2: .2.1–.2.16 component SVNs, .2.17 PCESVN, .2.18 CPUSVN), PCE-ID (.3), FMSPC (.4) and
  SGX type (.5, ENUMERATED) — the layout of Intel's PCK certificates (the real leaf in
  ``data/attestation/dcap/attestation_leaf_cert.pem``), under the correct OIDs (MobileCoin's
  simulation, ``attest/verifier/build.rs``, emits the SGX type under .4);
* TCB info v3 and QE identity v2 JSON documents, signed (ECDSA-P256 over SHA-256, raw r‖s in
  hex) by the TCB-signing key over the exact bytes of the ``tcbInfo`` / ``enclaveIdentity``
  value, which is emitted compactly; the served document is ``{"tcbInfo":…,"signature":"…"}``.

For tests that craft refused collateral, :func:`issue_certificate` takes any subject CN,
issuer, CA flag, pathLen, keyUsage and omitted extension, :func:`issue_crl` any issuer (name)
and thisUpdate/nextUpdate window, and :meth:`SimulatedPki.collateral` any document signer.

Everything is derived from an injected RNG and an explicit issue time; ECDSA signatures are
deterministic (RFC 6979), so one seed gives byte-identical certificates, CRLs and collateral.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from refimpl.enclave.evidence import Collateral
from refimpl.errors import AttestError

Rng = Callable[[int], bytes]

SGX_EXTENSION_OID = "1.2.840.113741.1.13.1"
# Simulation marker: FMSPCs of simulated platforms start with this byte (no Intel FMSPC does).
SIM_FMSPC_PREFIX = b"\xf5"
TCB_COMPONENTS = 16
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_ORG = "MobileCoin refimpl SGX simulation"
_TCB_STATUSES = (
    "UpToDate",
    "SWHardeningNeeded",
    "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded",
    "OutOfDate",
    "OutOfDateConfigurationNeeded",
    "Revoked",
)


def _bad(message: str) -> AttestError:
    return AttestError("attest.sim_bad_parameter", message)


# --- keys and raw ECDSA ---------------------------------------------------------------------


def p256_key(rng: Rng) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from 48 RNG bytes (reduced into 1..n-1; bias below 2^-128)."""
    scalar = int.from_bytes(rng(48), "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def raw_public_key(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """The 64-byte x‖y form SGX quotes use (the uncompressed point without its 0x04 prefix)."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    point = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return point[1:]


def sign_raw(key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """ECDSA-P256-SHA256 (RFC 6979 deterministic) as the 64-byte r‖s SGX quotes and PCS use."""
    der = key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# --- minimal DER for the SGX extension --------------------------------------------------------


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def _der_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _der(0x06, bytes(body))


def _der_uint(value: int, tag: int = 0x02) -> bytes:
    return _der(tag, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _entry(oid: str, value: bytes) -> bytes:
    return _der(0x30, _der_oid(oid) + value)


@attrs.frozen
class PlatformTcb:
    """What a PCK certificate states about its platform (SGX extension fields)."""

    ppid: bytes
    components: tuple[int, ...]
    pce_svn: int
    cpu_svn: bytes
    pce_id: bytes
    fmspc: bytes
    sgx_type: int = 0

    def __attrs_post_init__(self) -> None:
        if len(self.components) != TCB_COMPONENTS or not all(0 <= c < 256 for c in self.components):
            raise _bad("a TCB has 16 component SVNs, each 0..255")
        if not 0 <= self.pce_svn < 1 << 16:
            raise _bad("PCESVN is a 16-bit value")
        lengths = {"ppid": (self.ppid, 16), "cpu_svn": (self.cpu_svn, 16)}
        lengths |= {"pce_id": (self.pce_id, 2), "fmspc": (self.fmspc, 6)}
        for name, (value, size) in lengths.items():
            if len(value) != size:
                raise _bad(f"{name} must be {size} bytes")

    def sgx_extension_der(self) -> bytes:
        """The DER value of extension 1.2.840.113741.1.13.1, laid out as Intel's PCK leaves."""
        base = SGX_EXTENSION_OID
        tcb = b"".join(
            _entry(f"{base}.2.{i + 1}", _der_uint(svn)) for i, svn in enumerate(self.components)
        )
        tcb += _entry(f"{base}.2.17", _der_uint(self.pce_svn))
        tcb += _entry(f"{base}.2.18", _der(0x04, self.cpu_svn))
        return _der(
            0x30,
            _entry(f"{base}.1", _der(0x04, self.ppid))
            + _entry(f"{base}.2", _der(0x30, tcb))
            + _entry(f"{base}.3", _der(0x04, self.pce_id))
            + _entry(f"{base}.4", _der(0x04, self.fmspc))
            + _entry(f"{base}.5", _der_uint(self.sgx_type, tag=0x0A)),
        )


# --- collateral documents ------------------------------------------------------------------


@attrs.frozen
class TcbLevel:
    """One ``tcbLevels`` entry of a TCB info v3 document."""

    components: tuple[int, ...]
    pce_svn: int
    status: str
    advisory_ids: tuple[str, ...] = ()
    tcb_date: str = "2024-01-01T00:00:00Z"

    def __attrs_post_init__(self) -> None:
        if len(self.components) != TCB_COMPONENTS or self.status not in _TCB_STATUSES:
            raise _bad("a TCB level has 16 component SVNs and a known status")

    def to_json(self) -> dict[str, object]:
        level: dict[str, object] = {
            "tcb": {
                "sgxtcbcomponents": [{"svn": svn} for svn in self.components],
                "pcesvn": self.pce_svn,
            },
            "tcbDate": self.tcb_date,
            "tcbStatus": self.status,
        }
        if self.advisory_ids:
            level["advisoryIDs"] = list(self.advisory_ids)
        return level


@attrs.frozen
class QeIdentityLevel:
    """One ``tcbLevels`` entry of a QE identity v2 document."""

    isv_svn: int
    status: str
    advisory_ids: tuple[str, ...] = ()
    tcb_date: str = "2024-01-01T00:00:00Z"

    def to_json(self) -> dict[str, object]:
        level: dict[str, object] = {
            "tcb": {"isvsvn": self.isv_svn},
            "tcbDate": self.tcb_date,
            "tcbStatus": self.status,
        }
        if self.advisory_ids:
            level["advisoryIDs"] = list(self.advisory_ids)
        return level


@attrs.frozen
class QeIdentitySpec:
    """The quoting enclave's identity as the QE identity document publishes it."""

    mrsigner: bytes
    isv_prod_id: int
    miscselect: int
    attributes: bytes  # 16 bytes: flags u64 LE ‖ xfrm u64 LE
    levels: tuple[QeIdentityLevel, ...]
    miscselect_mask: int = 0xFFFFFFFF
    attributes_mask: bytes = bytes.fromhex("FBFFFFFFFFFFFFFF0000000000000000")


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _signed_document(field: str, body: dict[str, object], key: ec.EllipticCurvePrivateKey) -> bytes:
    text = json.dumps(body, separators=(",", ":")).encode()
    signature = sign_raw(key, text).hex()
    return b'{"' + field.encode() + b'":' + text + b',"signature":"' + signature.encode() + b'"}'


# --- certificates --------------------------------------------------------------------------


# --- certificates --------------------------------------------------------------------------

#: The extensions every certificate of Intel's PKI carries; QVL refuses a certificate missing
#: one (``AttestationParsers/src/X509Constants.h`` ``REQUIRED_X509_EXTENSIONS``). ``omit`` in
#: :func:`issue_certificate` names those to leave out (to craft refused certificates).
REQUIRED_EXTENSIONS = (
    "authority_key_identifier",
    "crl_distribution_points",
    "subject_key_identifier",
    "key_usage",
    "basic_constraints",
)
#: keyUsage of Intel's CA certificates (root, PCK processor CA) and of its leaves (PCK, TCB
#: signing), as in the real certificates under data/attestation/dcap/.
CA_KEY_USAGE = frozenset({"key_cert_sign", "crl_sign"})
LEAF_KEY_USAGE = frozenset({"digital_signature", "content_commitment"})
_KEY_USAGE_BITS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)
_CRL_URL = "https://pcs.sgx-sim.invalid/crl/"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORG),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        ]
    )


def _serial(rng: Rng) -> int:
    return int.from_bytes(rng(16), "big") >> 1 | 1


@attrs.frozen
class CertifiedKey:
    """A private key and the certificate binding it (the certificate also as DER and PEM)."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _key_usage(bits: frozenset[str]) -> x509.KeyUsage:
    unknown = bits - set(_KEY_USAGE_BITS)
    if unknown:
        raise _bad(f"unknown keyUsage bits {sorted(unknown)}")
    flags = {bit: bit in bits for bit in _KEY_USAGE_BITS}
    return x509.KeyUsage(**flags, encipher_only=False, decipher_only=False)


def issue_certificate(
    rng: Rng,
    subject: str,
    issuer: CertifiedKey | None,
    not_before: dt.datetime,
    not_after: dt.datetime,
    *,
    ca: bool,
    path_length: int | None = None,
    key_usage: frozenset[str] | None = None,
    omit: frozenset[str] = frozenset(),
    issuer_name: x509.Name | None = None,
    extra: Sequence[x509.ExtensionType] = (),
) -> CertifiedKey:
    """A P-256 certificate with subject CN ``subject``, signed by ``issuer`` (self-signed if
    None), carrying the extensions of Intel's profile (:data:`REQUIRED_EXTENSIONS`).

    Defaults follow Intel's certificates: basicConstraints ``CA:ca, pathlen:path_length``
    (critical), keyUsage :data:`CA_KEY_USAGE` or :data:`LEAF_KEY_USAGE` (critical). To craft
    refused certificates, ``key_usage`` picks other bits, ``omit`` leaves extensions out and
    ``issuer_name`` writes another issuer name than the signer's subject.
    """
    unknown = omit - set(REQUIRED_EXTENSIONS)
    if unknown:
        raise _bad(f"unknown extensions to omit {sorted(unknown)}")
    key = p256_key(rng)
    signing_key = issuer.key if issuer is not None else key
    if issuer_name is None:
        issuer_name = issuer.cert.subject if issuer is not None else _name(subject)
    usage = key_usage if key_usage is not None else (CA_KEY_USAGE if ca else LEAF_KEY_USAGE)
    extensions: dict[str, tuple[x509.ExtensionType, bool]] = {
        "basic_constraints": (x509.BasicConstraints(ca=ca, path_length=path_length), True),
        "key_usage": (_key_usage(usage), True),
        "subject_key_identifier": (
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        "authority_key_identifier": (
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), False),
        "crl_distribution_points": (_crl_distribution_points(issuer_name), False),
    }
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(_serial(rng))
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for name in REQUIRED_EXTENSIONS:
        if name not in omit:
            value, critical = extensions[name]
            builder = builder.add_extension(value, critical=critical)
    for ext in extra:
        builder = builder.add_extension(ext, critical=False)
    cert = builder.sign(signing_key, hashes.SHA256(), ecdsa_deterministic=True)
    return CertifiedKey(key, cert)


def _crl_distribution_points(issuer_name: x509.Name) -> x509.CRLDistributionPoints:
    """Where the issuer's CRL would be served (a ``.invalid`` URL: nothing is fetched)."""
    cn = issuer_name.get_attributes_for_oid(NameOID.COMMON_NAME)
    slug = str(cn[0].value if cn else "ca").lower().replace(" ", "-")
    point = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(_CRL_URL + slug + ".der")],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return x509.CRLDistributionPoints([point])


def issue_crl(
    issuer: CertifiedKey,
    revoked: Sequence[int],
    this_update: dt.datetime,
    next_update: dt.datetime,
    *,
    issuer_name: x509.Name | None = None,
    omit: frozenset[str] = frozenset(),
) -> bytes:
    """A DER CRL signed by ``issuer``'s key listing ``revoked`` serials, valid
    ``this_update`` .. ``next_update``, with the extensions Intel's CRLs carry (cRLNumber and
    authorityKeyIdentifier; QVL ``CertVerification/X509Constants.cpp``
    ``CRL_REQUIRED_EXTENSIONS``). ``issuer_name`` (default: the issuer's subject) and ``omit``
    (``"crl_number"``, ``"authority_key_identifier"``) craft refused CRLs."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_name if issuer_name is not None else issuer.cert.subject)
        .last_update(this_update)
        .next_update(next_update)
    )
    if "crl_number" not in omit:
        builder = builder.add_extension(x509.CRLNumber(1), critical=False)
    if "authority_key_identifier" not in omit:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())
        builder = builder.add_extension(aki, critical=False)
    for serial in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(this_update)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    crl = builder.sign(issuer.key, hashes.SHA256(), ecdsa_deterministic=True)
    return crl.public_bytes(serialization.Encoding.DER)


@attrs.frozen
class SimulatedPki:
    """Test root CA, processor CA and TCB signer; issues PCK leaves, CRLs and collateral."""

    root: CertifiedKey
    processor_ca: CertifiedKey
    tcb_signer: CertifiedKey
    issued_at: dt.datetime

    @classmethod
    def create(cls, rng: Rng, issued_at: dt.datetime) -> SimulatedPki:
        """A fresh PKI; certificates valid from ``issued_at`` − 1 day for 20 years."""
        if issued_at.tzinfo is None:
            raise _bad("issued_at must be timezone-aware")
        start, end = issued_at - dt.timedelta(days=1), issued_at + dt.timedelta(days=20 * 365)
        root = issue_certificate(
            rng, "Simulated SGX Root CA", None, start, end, ca=True, path_length=1
        )
        processor = issue_certificate(
            rng, "Simulated SGX PCK Processor CA", root, start, end, ca=True, path_length=0
        )
        signer = issue_certificate(rng, "Simulated SGX TCB Signing", root, start, end, ca=False)
        return cls(root, processor, signer, issued_at)

    def issue_pck(self, rng: Rng, tcb: PlatformTcb) -> CertifiedKey:
        """A PCK leaf for a platform, valid for 7 years from the PKI's issue time (as Intel's)."""
        extension = x509.UnrecognizedExtension(
            x509.ObjectIdentifier(SGX_EXTENSION_OID), tcb.sgx_extension_der()
        )
        start = self.issued_at - dt.timedelta(hours=1)
        return issue_certificate(
            rng,
            "Simulated SGX PCK Certificate",
            self.processor_ca,
            start,
            start + dt.timedelta(days=7 * 365),
            ca=False,
            extra=(extension,),
        )

    def collateral(
        self,
        *,
        fmspc: bytes,
        pce_id: bytes,
        tcb_levels: Sequence[TcbLevel],
        qe_identity: QeIdentitySpec,
        issue_date: dt.datetime,
        validity: dt.timedelta = dt.timedelta(days=30),
        revoked_pck_serials: Sequence[int] = (),
        revoked_ca_serials: Sequence[int] = (),
        tcb_evaluation_data_number: int = 17,
        signer: CertifiedKey | None = None,
        signer_chain: Sequence[bytes] | None = None,
    ) -> Collateral:
        """Signed TCB info v3, QE identity v2 and both CRLs, issued at ``issue_date``.

        Both documents are signed by the TCB signing key with issuer chain [TCB signer, root];
        ``signer`` / ``signer_chain`` sign them with another key and chain (to craft refused
        collateral, e.g. documents signed by a PCK key)."""
        next_update = issue_date + validity
        tcb_info: dict[str, object] = {
            "id": "SGX",
            "version": 3,
            "issueDate": _iso(issue_date),
            "nextUpdate": _iso(next_update),
            "fmspc": fmspc.hex().upper(),
            "pceId": pce_id.hex().upper(),
            "tcbType": 0,
            "tcbEvaluationDataNumber": tcb_evaluation_data_number,
            "tcbLevels": [level.to_json() for level in tcb_levels],
        }
        qe = qe_identity
        qe_body: dict[str, object] = {
            "id": "QE",
            "version": 2,
            "issueDate": _iso(issue_date),
            "nextUpdate": _iso(next_update),
            "tcbEvaluationDataNumber": tcb_evaluation_data_number,
            "miscselect": qe.miscselect.to_bytes(4, "big").hex().upper(),
            "miscselectMask": qe.miscselect_mask.to_bytes(4, "big").hex().upper(),
            "attributes": qe.attributes.hex().upper(),
            "attributesMask": qe.attributes_mask.hex().upper(),
            "mrsigner": qe.mrsigner.hex().upper(),
            "isvprodid": qe.isv_prod_id,
            "tcbLevels": [level.to_json() for level in qe.levels],
        }
        key = (signer if signer is not None else self.tcb_signer).key
        chain = tuple(signer_chain) if signer_chain is not None else (
            self.tcb_signer.der, self.root.der)
        return Collateral(
            pck_crl_issuer_chain=(self.processor_ca.der, self.root.der),
            root_ca_crl=issue_crl(self.root, revoked_ca_serials, issue_date, next_update),
            pck_crl=issue_crl(self.processor_ca, revoked_pck_serials, issue_date, next_update),
            tcb_info_issuer_chain=chain,
            tcb_info=_signed_document("tcbInfo", tcb_info, key),
            qe_identity_issuer_chain=chain,
            qe_identity=_signed_document("enclaveIdentity", qe_body, key),
        )
