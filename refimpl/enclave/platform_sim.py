"""A simulated SGX platform: a quoting enclave and enclaves producing real-format DCAP quote v3.

An honest software stand-in for SGX hardware (MobileCoin's own simulation is
``attest/untrusted/src/sim.rs`` with ``attest/verifier/build.rs``). The quotes are byte-for-byte in
Intel's quote v3 format (``sgx_quote_3.h`` of Intel's DCAP quote library) and are checked by the
same verifier as hardware quotes; only the trusted root differs (the simulation's test root CA from
:mod:`refimpl.enclave.sim_pki`, never Intel's).

* :class:`SimulatedPlatform` holds a PCK key certified by the simulated processor CA, and a
  quoting enclave (QE) that (a) has an ECDSA-P256 attestation key, (b) emits a QE report whose
  REPORTDATA is SHA-256(attestation key ‖ QE authentication data) ‖ 0³², signed by the PCK key,
  (c) signs quote header ‖ application report body with the attestation key, and (d) appends
  certification data type 5: the PEM chain PCK leaf ‖ processor CA ‖ root CA.
* :class:`SimulatedEnclave` has MRENCLAVE = SHA-256 over its code identity and configuration
  and MRSIGNER = SHA-256 of its signer key, plus ISVPRODID, ISVSVN and a DEBUG flag; it quotes
  any 64-byte REPORTDATA it is given (the enclave boundary — which keys may be bound — is the
  attested channel's business, :mod:`refimpl.enclave.channel`). It also seals data under an
  MRENCLAVE-policy key: AES-256-GCM under HKDF(platform secret, MRENCLAVE ‖ key id).

All randomness comes from the injected ``rng(n) -> bytes``; one seed gives identical bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from collections.abc import Sequence
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding

from refimpl.enclave.evidence import REPORT_DATA_LEN, Collateral, Evidence, ReportDataContents
from refimpl.enclave.sgx.collateral import COLLATERAL_FILES
from refimpl.enclave.sim_pki import (
    SIM_FMSPC_PREFIX,
    CertifiedKey,
    PlatformTcb,
    QeIdentityLevel,
    QeIdentitySpec,
    Rng,
    SimulatedPki,
    TcbLevel,
    p256_key,
    raw_public_key,
    sign_raw,
)
from refimpl.errors import AttestError

QUOTE_VERSION = 3
ATTESTATION_KEY_TYPE_ECDSA_P256 = 2
TEE_TYPE_SGX = 0
CERT_DATA_TYPE_PCK_CHAIN = 5
INTEL_QE_VENDOR_ID = bytes.fromhex("939a7233f79c4ca9940a0db3957f0607")
REPORT_BODY_LEN = 384

FLAG_INIT = 0x1
FLAG_DEBUG = 0x2
FLAG_MODE64BIT = 0x4
FLAG_PROVISIONKEY = 0x10

# Simulation-only hash prefixes for measurements (not MobileCoin domain separators).
_MRENCLAVE_PREFIX = b"mc-refimpl-sim MRENCLAVE v1"
_MRSIGNER_PREFIX = b"mc-refimpl-sim MRSIGNER v1"
_SEAL_SECRET_PREFIX = b"mc-refimpl-sim platform seal secret v1"
_SEAL_KEY_INFO = b"mc-refimpl-sim MRENCLAVE seal key v1"
SEAL_NONCE_LEN = 12

DEFAULT_ISSUED_AT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
DEFAULT_COMPONENTS = (7, 7, 2, 4, 1, 128, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0)
DEFAULT_PCE_SVN = 13
QE_MRSIGNER = hashlib.sha256(_MRSIGNER_PREFIX + b" quoting enclave").digest()
QE_ISV_PROD_ID = 1
QE_ISV_SVN = 8
# QE attributes: INIT | PROVISIONKEY, xfrm x87|SSE (masked out by the QE identity's mask).
QE_ATTRIBUTES = struct.pack("<QQ", FLAG_INIT | FLAG_PROVISIONKEY, 0x3)
QE_AUTH_DATA = bytes(range(32))


def _bad(message: str) -> AttestError:
    return AttestError("attest.sim_bad_parameter", message)


def seeded_rng(seed: bytes) -> Rng:
    """A deterministic ``rng(n)``: SHA-512(seed ‖ counter) blocks, for tests and demos."""
    state = {"counter": 0, "buffer": b""}

    def rng(n: int) -> bytes:
        buffer = state["buffer"]
        assert isinstance(buffer, bytes)
        while len(buffer) < n:
            counter = state["counter"]
            assert isinstance(counter, int)
            buffer += hashlib.sha512(seed + counter.to_bytes(8, "little")).digest()
            state["counter"] = counter + 1
        state["buffer"] = buffer[n:]
        return buffer[:n]

    return rng


def report_body(
    *,
    cpu_svn: bytes,
    miscselect: int,
    attributes: bytes,
    mrenclave: bytes,
    mrsigner: bytes,
    isv_prod_id: int,
    isv_svn: int,
    report_data: bytes,
) -> bytes:
    """A 384-byte SGX REPORT BODY (``sgx_report_body_t`` offsets; reserved and KSS fields zero)."""
    if len(report_data) != REPORT_DATA_LEN:
        raise _bad(f"report data must be {REPORT_DATA_LEN} bytes, got {len(report_data)}")
    if not (0 <= isv_prod_id < 1 << 16 and 0 <= isv_svn < 1 << 16):
        raise _bad("ISVPRODID and ISVSVN are 16-bit values")
    body = bytearray(REPORT_BODY_LEN)
    body[0:16] = cpu_svn
    struct.pack_into("<I", body, 16, miscselect)
    body[48:64] = attributes
    body[64:96] = mrenclave
    body[128:160] = mrsigner
    struct.pack_into("<HH", body, 256, isv_prod_id, isv_svn)
    body[320:384] = report_data
    return bytes(body)


def default_tcb_levels(tcb: PlatformTcb) -> tuple[TcbLevel, ...]:
    """TCB levels where the platform's own TCB is UpToDate and older ones are OutOfDate."""
    older = tuple(max(svn - 1, 0) for svn in tcb.components)
    return (
        TcbLevel(tcb.components, tcb.pce_svn, "UpToDate", tcb_date="2024-11-01T00:00:00Z"),
        TcbLevel(
            older,
            tcb.pce_svn,
            "OutOfDate",
            ("INTEL-SA-00615",),
            tcb_date="2023-02-15T00:00:00Z",
        ),
    )


def default_qe_identity() -> QeIdentitySpec:
    """The simulated QE's published identity: UpToDate at ISVSVN 8, OutOfDate below."""
    return QeIdentitySpec(
        mrsigner=QE_MRSIGNER,
        isv_prod_id=QE_ISV_PROD_ID,
        miscselect=0,
        attributes=bytes.fromhex("11000000000000000000000000000000"),
        levels=(
            QeIdentityLevel(QE_ISV_SVN, "UpToDate", tcb_date="2024-11-01T00:00:00Z"),
            QeIdentityLevel(6, "OutOfDate", ("INTEL-SA-00615",), tcb_date="2021-11-10T00:00:00Z"),
        ),
    )


@attrs.frozen
class SimulatedPlatform:
    """One simulated SGX machine: its PKI, PCK certificate, quoting enclave and collateral.

    ``collateral`` is what the simulated PCS serves for this platform at ``pki.issued_at``;
    :meth:`collateral_at` re-issues it at another time (for expiry tests). ``tcb_levels`` and
    ``qe_identity`` are the published documents' content (statuses and advisories to test).
    """

    pki: SimulatedPki
    tcb: PlatformTcb
    pck: CertifiedKey
    attestation_key: ec.EllipticCurvePrivateKey
    qe_svn: int
    qe_id: bytes
    tcb_levels: tuple[TcbLevel, ...]
    qe_identity: QeIdentitySpec
    collateral: Collateral

    @classmethod
    def create(
        cls,
        rng: Rng,
        *,
        issued_at: dt.datetime = DEFAULT_ISSUED_AT,
        components: Sequence[int] = DEFAULT_COMPONENTS,
        pce_svn: int = DEFAULT_PCE_SVN,
        qe_svn: int = QE_ISV_SVN,
        tcb_levels: Sequence[TcbLevel] | None = None,
        qe_identity: QeIdentitySpec | None = None,
        pki: SimulatedPki | None = None,
    ) -> SimulatedPlatform:
        """A platform with a fresh PKI (unless one is shared) and collateral at ``issued_at``.

        The FMSPC starts with :data:`SIM_FMSPC_PREFIX`, a simulation marker no Intel FMSPC has.
        """
        if not 0 <= qe_svn < 1 << 16:
            raise _bad("QE SVN is a 16-bit value")
        if len(components) != 16 or not all(0 <= svn < 256 for svn in components):
            raise _bad("a platform TCB has 16 component SVNs, each 0..255")
        pki = pki if pki is not None else SimulatedPki.create(rng, issued_at)
        cpu_svn = bytes(components)
        tcb = PlatformTcb(
            ppid=rng(16),
            components=tuple(components),
            pce_svn=pce_svn,
            cpu_svn=cpu_svn,
            pce_id=bytes(2),
            fmspc=SIM_FMSPC_PREFIX + rng(5),
        )
        pck = pki.issue_pck(rng, tcb)
        levels = tuple(tcb_levels) if tcb_levels is not None else default_tcb_levels(tcb)
        identity = qe_identity if qe_identity is not None else default_qe_identity()
        collateral = pki.collateral(
            fmspc=tcb.fmspc,
            pce_id=tcb.pce_id,
            tcb_levels=levels,
            qe_identity=identity,
            issue_date=pki.issued_at,
        )
        return cls(
            pki=pki,
            tcb=tcb,
            pck=pck,
            attestation_key=p256_key(rng),
            qe_svn=qe_svn,
            qe_id=rng(16),
            tcb_levels=levels,
            qe_identity=identity,
            collateral=collateral,
        )

    @property
    def root_cert_der(self) -> bytes:
        """The simulation's trust anchor: pass it to the verifier as the trusted root."""
        return self.pki.root.der

    def collateral_at(
        self, issue_date: dt.datetime, *, validity: dt.timedelta = dt.timedelta(days=30)
    ) -> Collateral:
        """The collateral as the simulated PCS would serve it at another time."""
        return self.pki.collateral(
            fmspc=self.tcb.fmspc,
            pce_id=self.tcb.pce_id,
            tcb_levels=self.tcb_levels,
            qe_identity=self.qe_identity,
            issue_date=issue_date,
            validity=validity,
        )

    def seal_secret(self) -> bytes:
        """The platform's sealing root (the CPU fuse key's stand-in), derived from the PCK key
        so that it costs no RNG draw; it never leaves the simulated platform's objects."""
        scalar = self.pck.key.private_numbers().private_value.to_bytes(32, "big")
        return hashlib.sha256(_SEAL_SECRET_PREFIX + scalar).digest()

    def qe_report_body(self) -> bytes:
        """The QE's REPORT BODY binding the attestation key (REPORTDATA = SHA-256(key ‖ auth))."""
        binding = hashlib.sha256(raw_public_key(self.attestation_key) + QE_AUTH_DATA).digest()
        return report_body(
            cpu_svn=self.tcb.cpu_svn,
            miscselect=0,
            attributes=QE_ATTRIBUTES,
            mrenclave=hashlib.sha256(_MRENCLAVE_PREFIX + b" quoting enclave").digest(),
            mrsigner=QE_MRSIGNER,
            isv_prod_id=QE_ISV_PROD_ID,
            isv_svn=self.qe_svn,
            report_data=binding + bytes(32),
        )

    def quote(self, app_report_body: bytes) -> bytes:
        """Quote v3 over an application enclave's 384-byte REPORT BODY (``sgx_quote_3.h``)."""
        if len(app_report_body) != REPORT_BODY_LEN:
            raise _bad(f"a report body is {REPORT_BODY_LEN} bytes")
        header = struct.pack(
            "<HHIHH",
            QUOTE_VERSION,
            ATTESTATION_KEY_TYPE_ECDSA_P256,
            TEE_TYPE_SGX,
            self.qe_svn,
            self.tcb.pce_svn,
        )
        header += INTEL_QE_VENDOR_ID + self.qe_id + bytes(4)
        signed = header + app_report_body
        qe_body = self.qe_report_body()
        cert_data = self.pck.pem + self.pki.processor_ca.pem + self.pki.root.pem
        signature_data = (
            sign_raw(self.attestation_key, signed)
            + raw_public_key(self.attestation_key)
            + qe_body
            + sign_raw(self.pck.key, qe_body)
            + struct.pack("<H", len(QE_AUTH_DATA))
            + QE_AUTH_DATA
            + struct.pack("<HI", CERT_DATA_TYPE_PCK_CHAIN, len(cert_data))
            + cert_data
        )
        return signed + struct.pack("<I", len(signature_data)) + signature_data


def measure_mrenclave(code_identity: bytes, config: bytes) -> bytes:
    """Simulated MRENCLAVE: SHA-256 over the length-prefixed code identity and configuration."""
    return hashlib.sha256(
        _MRENCLAVE_PREFIX
        + len(code_identity).to_bytes(8, "little")
        + code_identity
        + len(config).to_bytes(8, "little")
        + config
    ).digest()


def measure_mrsigner(signer_key: bytes) -> bytes:
    """Simulated MRSIGNER: SHA-256 of the signer's public key bytes (SGX hashes the modulus)."""
    return hashlib.sha256(_MRSIGNER_PREFIX + signer_key).digest()


@attrs.frozen
class SimulatedEnclave:
    """An enclave loaded on a simulated platform; its measurement is a hash of what it runs."""

    code_identity: bytes
    config: bytes
    signer_key: bytes
    platform: SimulatedPlatform
    isv_prod_id: int = 0
    isv_svn: int = 0
    debug: bool = False

    @property
    def mrenclave(self) -> bytes:
        return measure_mrenclave(self.code_identity, self.config)

    @property
    def mrsigner(self) -> bytes:
        return measure_mrsigner(self.signer_key)

    @property
    def attributes(self) -> bytes:
        """Flags INIT | MODE64BIT (| DEBUG), xfrm x87|SSE|AVX, as 16 bytes."""
        flags = FLAG_INIT | FLAG_MODE64BIT | (FLAG_DEBUG if self.debug else 0)
        return struct.pack("<QQ", flags, 0x7)

    def report_body(self, report_data: bytes) -> bytes:
        return report_body(
            cpu_svn=self.platform.tcb.cpu_svn,
            miscselect=0,
            attributes=self.attributes,
            mrenclave=self.mrenclave,
            mrsigner=self.mrsigner,
            isv_prod_id=self.isv_prod_id,
            isv_svn=self.isv_svn,
            report_data=report_data,
        )

    def _seal_key(self, key_id: bytes) -> AESGCM:
        """MRENCLAVE-policy sealing key: HKDF-SHA256(platform secret, MRENCLAVE ‖ key id)
        (SGX's MRENCLAVE sealing policy): same code on the same platform gets the same key, nothing
        else does."""
        info = _SEAL_KEY_INFO + self.mrenclave + key_id
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info)
        return AESGCM(hkdf.derive(self.platform.seal_secret()))

    def seal(self, rng: Rng, key_id: bytes, plaintext: bytes) -> bytes:
        """AES-256-GCM under the sealing key: nonce (12) ‖ ciphertext ‖ tag; AAD = key id."""
        nonce = rng(SEAL_NONCE_LEN)
        return nonce + self._seal_key(key_id).encrypt(nonce, plaintext, key_id)

    def unseal(self, key_id: bytes, sealed: bytes) -> bytes:
        """Open :meth:`seal`'s output; ``attest.sim_unseal_failed`` for another enclave,
        platform or key id, or any tampering."""
        if len(sealed) < SEAL_NONCE_LEN + 16:
            raise AttestError("attest.sim_unseal_failed", "sealed blob is too short")
        nonce, body = sealed[:SEAL_NONCE_LEN], sealed[SEAL_NONCE_LEN:]
        try:
            return self._seal_key(key_id).decrypt(nonce, body, key_id)
        except InvalidTag:
            raise AttestError("attest.sim_unseal_failed", "sealed blob does not open") from None

    def quote(self, report_data: bytes) -> bytes:
        """A quote v3 whose application report carries ``report_data`` (64 bytes)."""
        return self.platform.quote(self.report_body(report_data))

    def evidence(self, report_data: bytes | ReportDataContents) -> Evidence:
        """Quote and collateral; given :class:`ReportDataContents`, quotes their hash and
        carries them, as MobileCoin's ``DcapEvidence`` does."""
        if isinstance(report_data, ReportDataContents):
            quote = self.quote(report_data.report_data())
            return Evidence(quote, self.platform.collateral, report_data)
        return Evidence(self.quote(report_data), self.platform.collateral)


def _pem_chain(ders: Sequence[bytes]) -> bytes:
    return b"".join(x509.load_der_x509_certificate(d).public_bytes(Encoding.PEM) for d in ders)


def collateral_files(collateral: Collateral, fmspc: bytes) -> dict[str, bytes]:
    """The collateral as the files ``mcref attest verify-quote --collateral DIR`` reads
    (names: :data:`refimpl.enclave.sgx.collateral.COLLATERAL_FILES`). The PEM files hold the
    whole issuer chain (leaf first, root last), so reading them back gives ``collateral``."""
    if collateral.tcb_info_issuer_chain != collateral.qe_identity_issuer_chain:
        raise _bad("a collateral directory has one TCB signer chain for both documents")
    tcb_name = COLLATERAL_FILES["tcb_info"].replace("*", fmspc.hex().upper() + "_sim")
    return {
        tcb_name: collateral.tcb_info,
        COLLATERAL_FILES["qe_identity"]: collateral.qe_identity,
        COLLATERAL_FILES["tcb_signer"]: _pem_chain(collateral.tcb_info_issuer_chain),
        COLLATERAL_FILES["root_ca_crl"]: collateral.root_ca_crl,
        COLLATERAL_FILES["pck_crl"]: collateral.pck_crl,
        COLLATERAL_FILES["pck_crl_issuer"]: _pem_chain(collateral.pck_crl_issuer_chain),
    }


def write_collateral_dir(collateral: Collateral, fmspc: bytes, directory: Path) -> None:
    """Write :func:`collateral_files` into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in collateral_files(collateral, fmspc).items():
        (directory / name).write_bytes(data)
