"""The simulated SGX enclave a fog service runs in: identity, evidence, sealing and the
attested sessions of its clients.

MobileCoin ``crypto/ake/enclave/src/lib.rs`` (``AkeEnclaveState``: ``client_accept`` for NX
clients, ``frontend_accept`` for a router's explicit-nonce sessions, ``client_encrypt`` /
``client_decrypt``), ``fog/view/enclave/impl/src/lib.rs`` and ``fog/ledger/enclave/impl`` (the
enclaves that own those sessions), ``fog/ingest/enclave/impl/src/lib.rs`` (``new_ereport``
with the ingress public key as the report data's ``custom_identity``).

Every fog enclave of a local network runs on the network's simulated SGX PKI (the
``sgx_seed`` of the network file, :func:`refimpl.node.enclave.simulated_pki`); fog platform
``k`` is :func:`refimpl.node.enclave.simulated_platform` at index :data:`FOG_PLATFORM_BASE`
``+ k`` so no fog machine shares a platform with a validator. Each service kind has its own
code identity, hence its own MRENCLAVE, and a client's verifier
(:func:`fog_verifier`) allows exactly the MRENCLAVE of the service it dials: a view client
refuses a ledger enclave and vice versa. As in MobileCoin, a router and its stores run the
same enclave (view or ledger).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

from refimpl.crypto.noise import Rng, x25519_public
from refimpl.enclave.channel import (
    AttestedSession,
    EvidenceVerifier,
    Frame,
    LocalEnclave,
    client_accept,
    dcap_verifier,
)
from refimpl.enclave.evidence import Evidence, ReportDataContents
from refimpl.enclave.platform_sim import SimulatedEnclave, measure_mrenclave
from refimpl.enclave.verifier import Policy
from refimpl.errors import AttestError
from refimpl.node.enclave import SIM_CLOCK, simulated_pki, simulated_platform

SIM_FOG_INGEST_CODE = b"mcref fog ingest enclave (simulated)"
SIM_FOG_VIEW_CODE = b"mcref fog view enclave (simulated)"
SIM_FOG_LEDGER_CODE = b"mcref fog ledger enclave (simulated)"
#: Fog enclaves are signed by another key than the consensus enclave (MRSIGNER differs too).
SIM_FOG_SIGNER_KEY = b"mcref simulated fog enclave signer"
#: Build-time configuration measured into every fog enclave.
FOG_BUILD_CONFIG = b"mcref fog enclave build v1"
#: Platform index of fog machine 0 on the network's simulated PKI.
FOG_PLATFORM_BASE = 1000
#: Client sessions an enclave keeps; the oldest is dropped beyond this (its client re-attests).
MAX_CLIENT_SESSIONS = 4096


def fog_mrenclave(code: bytes) -> bytes:
    """The MRENCLAVE of a fog enclave running ``code``."""
    return measure_mrenclave(code, FOG_BUILD_CONFIG)


def fog_verifier(sgx_seed: bytes, code: bytes) -> EvidenceVerifier:
    """Evidence checked under the seed's root at the simulated clock, allowing exactly the
    MRENCLAVE of ``code`` (a client's ``TrustedIdentity`` for one fog service)."""
    policy = Policy(mr_enclaves=frozenset({fog_mrenclave(code)}))
    return dcap_verifier(policy, simulated_pki(sgx_seed).root.der, SIM_CLOCK)


class FogEnclave:
    """One fog enclave: its simulated SGX identity and its client sessions. Thread-safe.

    ``responder_id`` is the host:port clients dial (``--client-responder-id``): it is the
    Noise prologue, so a client that dials another name fails the handshake.
    """

    def __init__(self, *, code: bytes, sgx_seed: bytes, index: int, responder_id: str,
                 rng: Rng = os.urandom) -> None:
        self._rng = rng
        self._lock = threading.Lock()
        platform = simulated_platform(sgx_seed, FOG_PLATFORM_BASE + index)
        self._sgx = SimulatedEnclave(code, FOG_BUILD_CONFIG, SIM_FOG_SIGNER_KEY, platform)
        self._local = LocalEnclave.create(self._sgx, rng)
        self.responder_id = responder_id
        self._clients: OrderedDict[bytes, AttestedSession] = OrderedDict()

    @property
    def mrenclave(self) -> bytes:
        return self._sgx.mrenclave

    @property
    def evidence_bytes(self) -> bytes:
        """The evidence clients receive in the handshake (binds the static X25519 key)."""
        return self._local.evidence.encode()

    def evidence(self, custom_identity: bytes | None = None) -> Evidence:
        """Fresh evidence binding the enclave's static key and ``custom_identity`` (32 bytes;
        the ingest enclave puts its ingress public key there for the fog report)."""
        contents = ReportDataContents(
            self._rng(16), x25519_public(self._local.static_private), custom_identity
        )
        return self._sgx.evidence(contents)

    def seal(self, key_id: bytes, data: bytes) -> bytes:
        """Seal ``data`` to this enclave build on this platform (MRENCLAVE policy)."""
        return self._sgx.seal(self._rng, key_id, data)

    def unseal(self, key_id: bytes, sealed: bytes) -> bytes:
        """Open :meth:`seal`'s output; another build, platform or key id, or any tampering,
        is ``attest.sim_unseal_failed``."""
        return self._sgx.unseal(key_id, sealed)

    # --- client sessions ----------------------------------------------------------------------

    def client_accept(self, message1: bytes) -> tuple[bytes, bytes]:
        """NX responder (``client_accept`` / ``frontend_accept``): (msg 2, channel id)."""
        session, message2 = client_accept(self.responder_id, self._local, message1, self._rng)
        with self._lock:
            self._clients[session.channel_id] = session
            while len(self._clients) > MAX_CLIENT_SESSIONS:
                self._clients.popitem(last=False)
        return message2, session.channel_id

    def has_session(self, channel_id: bytes) -> bool:
        with self._lock:
            return channel_id in self._clients

    def drop_session(self, channel_id: bytes) -> None:
        with self._lock:
            self._clients.pop(channel_id, None)

    def _session(self, channel_id: bytes) -> AttestedSession:
        session = self._clients.get(channel_id)
        if session is None:
            raise AttestError("attest.unknown_channel", "no session with that channel id")
        return session

    def client_open(self, aad: bytes, channel_id: bytes, data: bytes) -> bytes:
        """Decrypt an ``attest.Message`` from a client; the nonce is the session's next one
        (MobileCoin's message carries none: calls on one session are ordered)."""
        with self._lock:
            session = self._session(channel_id)
            frame = Frame(aad, channel_id, data, session.recv.cipher.n)
            self._clients[channel_id], plaintext = session.open(frame)
        return plaintext

    def nonce_open(self, frame: Frame) -> bytes:
        """Decrypt an ``attest.NonceMessage`` (a router's explicit-nonce session)."""
        with self._lock:
            session = self._session(frame.channel_id)
            self._clients[frame.channel_id], plaintext = session.open(frame)
        return plaintext

    def client_seal(self, channel_id: bytes, plaintext: bytes, aad: bytes = b"") -> Frame:
        """Encrypt a response on the session ``channel_id`` (the frame carries its nonce, for
        ``NonceMessage``; an ``attest.Message`` drops it)."""
        with self._lock:
            session = self._session(channel_id)
            self._clients[channel_id], frame = session.seal(plaintext, aad)
        return frame
