"""Attested Noise channels as MobileCoin uses them: IX between enclaves, NX for clients.

Mirrors ``attest/ake`` (``initiator.rs``, ``responder.rs``) and ``attest/enclave-api``:

* Prologue = the responder's ResponderId (UTF-8). A mismatch makes msg 2 undecryptable for the
  initiator, so the ResponderId is bound into the handshake hash and every key.
* Peer (IX): msg 1 = e, s, payload = the initiator's bare ``DcapEvidence`` (cleartext);
  msg 2 = e, ee, se, s, es, payload = the responder's evidence in the ``EvidenceKind``
  wrapper (field 4), encrypted.
* Client (NX): msg 1 = e, empty payload; msg 2 = e, ee, s, es, payload = the enclave's
  evidence in the ``EvidenceKind`` wrapper.
  The responder verifies nothing (the client is anonymous).
* Whoever receives evidence checks that it binds the handshake's static key (``rs`` equals the
  key in the evidence's report-data contents, and the quote's REPORTDATA commits to that key),
  then verifies the evidence with the injected :data:`EvidenceVerifier`.

``variant="mobilecoin"`` reproduces MobileCoin's current IX responder (``responder.rs``,
``Start + NodeAuthRequestInput`` since PR #3612): it verifies the initiator's evidence against
the report-data contents the evidence itself carries and never compares them with ``rs``, so
anyone can present a real enclave's public evidence with their own static key
(docs/findings.md#ix-responder-binding).
The default ``variant="correct"`` refuses that with ``attest.static_key_mismatch``.

Transport (``attest.NonceMessage``, ``attest/api/proto/attest.proto``): each frame carries the
channel id (the handshake hash), an explicit nonce, host-visible AAD and the AES-GCM ciphertext
with AD = AAD. Unlike MobileCoin's NonceMessage reader (which *sets* its counter from the frame,
accepting replays), the reader here requires exactly the next nonce: replays, drops and
reorderings are refused with ``crypto.noise_nonce_reused``. Both directions REKEY (Noise §11.2)
every ``rekey_interval`` messages, in lockstep, and a direction is closed after
``max_bytes`` plaintext bytes (MobileCoin's 2⁵⁶+4) or ``max_messages``.

Message size: handshake messages keep Noise's 65535-byte limit; a transport message may be
larger, as in MobileCoin (``crypto/noise/src/cipher_state.rs``: ``encrypt_with_ad`` bounds
only the bytes sent per key, not one message). Its ceiling here is :data:`MAX_TRANSPORT_MESSAGE`,
what a gRPC channel receives by default, so every sealed message can travel in one call.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Literal, Protocol

import attrs

from refimpl.crypto.noise import (
    TAGLEN,
    CipherState,
    HandshakeState,
    Rng,
    x25519_public,
)
from refimpl.enclave.evidence import Evidence, ReportDataContents, decode_evidence
from refimpl.enclave.verifier import Policy, verify_evidence
from refimpl.errors import AttestError, CryptoError, EncodingError
from refimpl.protobuf import WIRE_FIXED64, WIRE_LEN, bytes_field, fixed64_field, parse_fields

Variant = Literal["correct", "mobilecoin"]

EvidenceVerifier = Callable[[Evidence, ReportDataContents], object]
"""(evidence, expected report-data contents) -> the peer's verified identity.

It must check the quote and its collateral, the policy (measurement, TCB, debug) and that the
quote's REPORTDATA[0..32] is SHA-256 of the expected contents; it raises AttestError otherwise.
"""

DEFAULT_MAX_BYTES = 2**56 + 4  # per direction (``crypto/noise/src/cipher_state.rs``)
DEFAULT_MAX_MESSAGES = 2**64 - 1
DEFAULT_REKEY_INTERVAL = 2**20
#: The largest transport ciphertext: gRPC's default receive limit (4 MiB) less room for the
#: ``attest.Message`` around it (AAD, channel id and field headers).
MAX_TRANSPORT_MESSAGE = 4 * 1024 * 1024 - 4096
MAX_PLAINTEXT = MAX_TRANSPORT_MESSAGE - TAGLEN


class Quoter(Protocol):
    """An enclave that can produce evidence for report-data contents (``SimulatedEnclave``)."""

    def evidence(self, report_data: bytes | ReportDataContents) -> Evidence: ...


@attrs.frozen
class LocalEnclave:
    """What an enclave brings to a handshake: its X25519 static key and its evidence."""

    static_private: bytes = attrs.field(repr=False)
    evidence: Evidence

    @classmethod
    def create(cls, enclave: Quoter, rng: Rng) -> LocalEnclave:
        """A fresh static key and evidence binding it (``get_identity`` + ``new_ereport``):
        REPORTDATA = SHA-256(nonce(16) ‖ X25519 public key)."""
        static = rng(32)
        contents = ReportDataContents(rng(16), x25519_public(static))
        return cls(static, enclave.evidence(contents))


@attrs.frozen
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_messages: int = DEFAULT_MAX_MESSAGES
    rekey_interval: int = DEFAULT_REKEY_INTERVAL


DEFAULT_LIMITS = Limits()


@attrs.frozen
class Frame:
    """``attest.NonceMessage {aad = 1; channel_id = 2; data = 3; fixed64 nonce = 4}``."""

    aad: bytes
    channel_id: bytes
    data: bytes
    nonce: int

    def encode(self) -> bytes:
        out = bytes_field(1, self.aad) if self.aad else b""
        return (
            out
            + bytes_field(2, self.channel_id)
            + bytes_field(3, self.data)
            + (fixed64_field(4, self.nonce))
        )

    @classmethod
    def decode(cls, data: bytes) -> Frame:
        """Parse a frame; anything else than the four fields once each is a typed error."""
        try:
            fields = parse_fields(data)
        except EncodingError as exc:
            raise CryptoError("crypto.noise_bad_message", f"frame: {exc.message}") from exc
        values: dict[int, bytes | int] = {}
        for f in fields:
            wire = WIRE_FIXED64 if f.tag == 4 else WIRE_LEN
            if f.tag not in (1, 2, 3, 4) or f.wire_type != wire or f.tag in values:
                raise CryptoError("crypto.noise_bad_message", f"frame: bad field {f.tag}")
            values[f.tag] = f.value
        aad, channel_id, body, nonce = (values.get(t) for t in (1, 2, 3, 4))
        if not isinstance(channel_id, bytes) or not isinstance(body, bytes):
            raise CryptoError("crypto.noise_bad_message", "frame: channel id or data missing")
        if not isinstance(nonce, int):
            raise CryptoError("crypto.noise_bad_message", "frame: nonce missing")
        return cls(aad if isinstance(aad, bytes) else b"", channel_id, body, nonce)


@attrs.frozen
class Direction:
    """One direction of a session: its cipher state and what it has carried."""

    cipher: CipherState
    messages: int = 0
    bytes_carried: int = 0

    def _step(self, size: int, limits: Limits) -> tuple[Direction, CipherState]:
        if self.messages >= limits.max_messages or self.bytes_carried + size > limits.max_bytes:
            raise CryptoError("crypto.noise_nonce_exhausted", "direction exhausted: re-handshake")
        cipher = self.cipher
        if self.messages and self.messages % limits.rekey_interval == 0:
            cipher = cipher.rekey()
        return attrs.evolve(self, cipher=cipher), cipher


@attrs.frozen
class AttestedSession:
    """A ready channel: MobileCoin's ``Ready`` state, keyed by its binding (the handshake hash)."""

    channel_id: bytes
    peer_static: bytes
    peer_identity: object  # what the verifier returned; None for an enclave's NX client
    send: Direction
    recv: Direction
    limits: Limits = DEFAULT_LIMITS

    def seal(self, plaintext: bytes, aad: bytes = b"") -> tuple[AttestedSession, Frame]:
        """Encrypt ``plaintext`` at the next nonce; AAD travels in clear and is authenticated."""
        if len(plaintext) > MAX_PLAINTEXT:
            raise CryptoError("crypto.noise_message_too_long", f"{len(plaintext)} bytes")
        send, cipher = self.send._step(len(plaintext), self.limits)
        nonce = cipher.n
        cipher, ct = cipher.encrypt_with_ad(aad, plaintext)
        send = attrs.evolve(
            send,
            cipher=cipher,
            messages=send.messages + 1,
            bytes_carried=send.bytes_carried + len(plaintext),
        )
        return attrs.evolve(self, send=send), Frame(aad, self.channel_id, ct, nonce)

    def open(self, frame: Frame) -> tuple[AttestedSession, bytes]:
        """Decrypt the next frame; another channel, nonce or a forgery is a typed error."""
        if frame.channel_id != self.channel_id:
            raise AttestError("attest.unknown_channel", "frame for another channel")
        if frame.nonce != self.recv.cipher.n:
            raise CryptoError(
                "crypto.noise_nonce_reused", f"nonce {frame.nonce}, expected {self.recv.cipher.n}"
            )
        if len(frame.data) > MAX_TRANSPORT_MESSAGE:
            raise CryptoError("crypto.noise_message_too_long", f"{len(frame.data)} bytes")
        recv, cipher = self.recv._step(max(len(frame.data) - TAGLEN, 0), self.limits)
        cipher, pt = cipher.decrypt_with_ad(frame.aad, frame.data)
        recv = attrs.evolve(
            recv,
            cipher=cipher,
            messages=recv.messages + 1,
            bytes_carried=recv.bytes_carried + len(pt),
        )
        return attrs.evolve(self, recv=recv), pt


def _session(hs: HandshakeState, identity: object, limits: Limits) -> AttestedSession:
    keys = hs.transport()
    return AttestedSession(
        keys.handshake_hash,
        keys.remote_static,
        identity,
        Direction(keys.send),
        Direction(keys.recv),
        limits,
    )


def _check_and_verify(
    payload: bytes, rs: bytes, verifier: EvidenceVerifier, check_key: bool
) -> object:
    """Decode the peer's evidence, bind it to ``rs`` (when ``check_key``) and verify it."""
    if not payload:
        raise AttestError("attest.missing_evidence", "the handshake payload carries no evidence")
    evidence = decode_evidence(payload)
    contents = evidence.report_data
    if contents is None:
        raise AttestError("attest.missing_evidence", "the evidence has no report-data contents")
    if check_key:
        if contents.key != rs:
            raise AttestError(
                "attest.static_key_mismatch", "the evidence binds another X25519 key than rs"
            )
        expected = ReportDataContents(contents.nonce, rs, contents.custom_identity)
    else:
        expected = contents  # MobileCoin's IX responder: report data from the untrusted payload
    return verifier(evidence, expected)


EVIDENCE_KIND_DCAP_TAG = 4


def wrap_evidence_kind(evidence: Evidence) -> bytes:
    """``EvidenceKind`` as msg 2 carries it: field 4 holds the DcapEvidence
    (``attest/verifier/types/src/verification.rs``); IX msg 1 carries the bare evidence."""
    return bytes_field(EVIDENCE_KIND_DCAP_TAG, evidence.encode())


def unwrap_evidence_kind(payload: bytes) -> bytes:
    """The DcapEvidence bytes of a msg-2 payload. Legacy EPID reports (no field 4) are not
    accepted by this reference (docs/attestation.md#epid-legacy): ``attest.bad_evidence``."""
    try:
        fields = parse_fields(payload)
    except EncodingError as exc:
        raise AttestError("attest.bad_evidence", f"EvidenceKind: {exc.message}") from exc
    if (
        len(fields) != 1
        or fields[0].tag != EVIDENCE_KIND_DCAP_TAG
        or fields[0].wire_type != WIRE_LEN
        or not isinstance(fields[0].value, bytes)
    ):
        raise AttestError("attest.bad_evidence", "msg 2 payload is not EvidenceKind::Dcap")
    return fields[0].value


def _prologue(responder_id: str) -> bytes:
    return responder_id.encode("utf-8")


# --- initiator (peer_init/peer_connect, and a client's auth) -------------------------------


@attrs.frozen
class PendingInitiator:
    """An initiator waiting for msg 2 (MobileCoin ``AuthPending``)."""

    handshake: HandshakeState
    verifier: EvidenceVerifier
    limits: Limits

    def finish(self, message2: bytes) -> AttestedSession:
        """Read msg 2; the responder's evidence must bind ``rs`` and verify (both variants)."""
        hs, payload = self.handshake.read_message(message2)
        if not payload:
            raise AttestError("attest.missing_evidence", "msg 2 carries no evidence")
        evidence = unwrap_evidence_kind(payload)
        identity = _check_and_verify(evidence, hs.rs or b"", self.verifier, check_key=True)
        return _session(hs, identity, self.limits)


def peer_init(
    responder_id: str,
    local: LocalEnclave,
    verifier: EvidenceVerifier,
    rng: Rng,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[PendingInitiator, bytes]:
    """IX msg 1 = e ‖ s ‖ evidence (``peer_init``)."""
    hs = HandshakeState.initiator("IX", _prologue(responder_id), local.static_private)
    hs, message = hs.write_message(local.evidence.encode(), rng)
    return PendingInitiator(hs, verifier, limits), message


def client_init(
    responder_id: str, verifier: EvidenceVerifier, rng: Rng, limits: Limits = DEFAULT_LIMITS
) -> tuple[PendingInitiator, bytes]:
    """NX msg 1 = e ‖ empty payload (a client's ``AuthRequest``)."""
    hs = HandshakeState.initiator("NX", _prologue(responder_id))
    hs, message = hs.write_message(b"", rng)
    return PendingInitiator(hs, verifier, limits), message


# --- responder (peer_accept, client_accept) -------------------------------------------------


def peer_accept(
    responder_id: str,
    local: LocalEnclave,
    message1: bytes,
    verifier: EvidenceVerifier,
    rng: Rng,
    variant: Variant = "correct",
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[AttestedSession, bytes]:
    """Read IX msg 1, verify the initiator's evidence, answer with ours (``peer_accept``)."""
    hs = HandshakeState.responder("IX", _prologue(responder_id), local.static_private)
    hs, payload = hs.read_message(message1)
    identity = _check_and_verify(payload, hs.rs or b"", verifier, check_key=variant == "correct")
    hs, message2 = hs.write_message(wrap_evidence_kind(local.evidence), rng)
    return _session(hs, identity, limits), message2


def client_accept(
    responder_id: str,
    local: LocalEnclave,
    message1: bytes,
    rng: Rng,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[AttestedSession, bytes]:
    """Read NX msg 1 and answer with our evidence; the client is anonymous (``client_accept``)."""
    hs = HandshakeState.responder("NX", _prologue(responder_id), local.static_private)
    hs, payload = hs.read_message(message1)
    if payload:
        raise CryptoError("crypto.noise_bad_message", "NX msg 1 carries no payload")
    hs, message2 = hs.write_message(wrap_evidence_kind(local.evidence), rng)
    return _session(hs, None, limits), message2


# --- the real verifier, as an EvidenceVerifier ---------------------------------------------


def dcap_verifier(policy: Policy, trusted_root: bytes, at: datetime.datetime) -> EvidenceVerifier:
    """An :data:`EvidenceVerifier` over :func:`refimpl.enclave.verifier.verify_evidence`.

    The expected report-data contents become the policy's report-data binding; the first
    policy refusal is raised as an ``AttestError`` with its own code; the verified report body
    (MRENCLAVE, MRSIGNER, ...) is the peer's identity.
    """

    def verify(evidence: Evidence, expected: ReportDataContents) -> object:
        verdict = verify_evidence(
            evidence.quote,
            evidence.collateral,
            trusted_root,
            attrs.evolve(policy, report_data=expected),
            at,
        )
        if verdict.reasons:
            first = verdict.reasons[0]
            raise AttestError(first.code, first.message)
        return verdict.verified.quote.report_body

    return verify
