"""The consensus enclave of one node process: simulated SGX, sealed block-signing key,
well-formed check, forming and signing blocks.

MobileCoin ``consensus/enclave/impl/src/lib.rs`` (``SgxConsensusEnclave``: ``enclave_init``,
``tx_is_well_formed``, ``form_block``), ``consensus/enclave/api/src/config.rs``
(``BlockchainConfigWithDigest``) and ``transaction/core/src/fee_map.rs``
(``canonical_digest``). The enclave logic itself is
:class:`refimpl.enclave.consensus_api.ConsensusEnclave` (sans-I/O); :class:`NodeEnclave` holds
one behind a lock for the gRPC threads and adds what lives inside a real enclave:

* **Identity.** Every node of a network runs on a :class:`SimulatedPlatform` under one test
  PKI derived from the network's ``sgx_seed``; node ``i``'s platform is derived from the seed
  and ``i`` (:func:`simulated_platform`), so each process derives it alone. The enclave's
  MRENCLAVE hashes its code identity (:data:`SIM_CONSENSUS_CODE`) and the build-time
  constants (:data:`ENCLAVE_BUILD_CONFIG`: the fee recipient, compiled into MobileCoin's
  enclave). :func:`network_verifier` allows exactly that MRENCLAVE, under the seed's root, at
  :data:`SIM_CLOCK`; an enclave built from other code (``enclave_code``) has another
  MRENCLAVE and is refused by honest peers (``attest.measurement_not_allowed``).
* **Blockchain config.** The peer responder id used in IX handshakes is
  ``"<peer_responder_id>-<hex digest of (fee map, block version)>"``
  (:func:`blockchain_config_digest`), both our own and the one we dial: a peer with another
  fee map or block version answers under another prologue, so the handshake fails instead of
  the network forking.
* **Block-signing key** (Ed25519). :meth:`NodeEnclave.enclave_init` unseals it from the
  sealed-key file or, when there is none, makes one from the enclave's randomness; either way
  it seals the key again and writes the file atomically (MobileCoin ``main.rs`` writes back
  what ``enclave_init`` returns). The key leaves this object only sealed. A file that does
  not unseal (another MRENCLAVE, another machine, tampering) is ``node.enclave_unseal_failed``
  as MobileCoin's start-up panics ("enclave_init failed"); the operator fix is to move the file
  away so that a new key is made, and to publish the new block-signing public key.
* **form_block** re-validates (only the ledger rules for a transaction whose ledger-free
  verdict is cached: see :mod:`refimpl.enclave.consensus_api`), combines, adds fee outputs,
  sorts, refuses a root element other than the ledger's current one, and signs the block
  with ``signed_at = 0`` (the signature does not cover ``signed_at``; the host sets the
  wall-clock time, as ``worker.rs`` does).
"""

from __future__ import annotations

import datetime
import hashlib
import os
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from refimpl.crypto.digestible import DigestWriter, digest32_with
from refimpl.crypto.noise import Rng
from refimpl.crypto.ristretto import RandomSource
from refimpl.enclave.channel import (
    AttestedSession,
    EvidenceVerifier,
    Frame,
    LocalEnclave,
    Variant,
    dcap_verifier,
)
from refimpl.enclave.consensus_api import (
    SIM_CONSENSUS_CODE,
    SIM_SIGNER_KEY,
    ConsensusEnclave,
    TxContext,
)
from refimpl.enclave.platform_sim import (
    DEFAULT_ISSUED_AT,
    SimulatedEnclave,
    SimulatedPlatform,
    measure_mrenclave,
    seeded_rng,
)
from refimpl.enclave.sim_pki import SimulatedPki
from refimpl.enclave.verifier import Policy
from refimpl.errors import AttestError, LedgerError, NodeError
from refimpl.ledger.apply import (
    DEMO_FEE_RECIPIENT,
    LedgerReader,
    WellFormedTxContext,
    check_fee_map,
)
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.signature import (
    BlockSignature,
    public_key_bytes,
    sign,
    signing_key_from_bytes,
)
from refimpl.transaction import block_version as bv
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement, TxOutMembershipProof
from refimpl.transaction.tx import Tx

#: Build-time constants of the enclave, covered by its MRENCLAVE (MobileCoin compiles the fee
#: recipient into the enclave: ``consensus/enclave/impl/build.rs``).
ENCLAVE_BUILD_CONFIG = (
    b"fee_recipient="
    + DEMO_FEE_RECIPIENT.view_public.to_bytes().hex().encode()
    + b":"
    + DEMO_FEE_RECIPIENT.spend_public.to_bytes().hex().encode()
)
#: The sealing key id of the block-signing key (also the AES-GCM associated data).
SEALED_KEY_ID = b"mcref consensus block-signing key v1"
#: The simulated clock every node checks evidence at (one day after the PKI's issue date).
SIM_CLOCK = DEFAULT_ISSUED_AT + datetime.timedelta(days=1)

FEE_MAP_DIGEST_CONTEXT = b"mc-fee-map"
BLOCKCHAIN_CONFIG_DIGEST_CONTEXT = b"mc-blockchain-config"

_PKI_SEED_LABEL = b"mcref node sgx pki v1"
_PLATFORM_SEED_LABEL = b"mcref node sgx platform v1"


# --- blockchain config digests -------------------------------------------------------------------


def _append_fee_map(writer: DigestWriter, context: bytes, fee_map: Mapping[int, int]) -> None:
    """Digestible ``FeeMap { map: BTreeMap<TokenId, u64> }``: a sequence, in token order, of
    ``(TokenId, u64)`` tuples."""
    writer.agg_header(context, b"FeeMap")
    items = sorted(fee_map.items())
    if items:
        writer.seq_header(b"map", len(items))
        for token_id, minimum in items:

            def token(ctx: bytes, token_id: int = token_id) -> None:
                writer.agg_header(ctx, b"TokenId")
                writer.uint64(b"0", token_id)
                writer.agg_closer(ctx, b"TokenId")

            def fee(ctx: bytes, minimum: int = minimum) -> None:
                writer.uint64(ctx, minimum)

            writer.tuple2(b"", token, fee)
    writer.agg_closer(context, b"FeeMap")


def fee_map_digest(fee_map: Mapping[int, int]) -> bytes:
    """``FeeMap::canonical_digest``: ``digest32(fee_map, "mc-fee-map")``, the value a
    transaction's ``fee_map_digest`` must have when it is not empty."""
    return digest32_with(
        FEE_MAP_DIGEST_CONTEXT, lambda w, ctx: _append_fee_map(w, ctx, fee_map)
    )


def blockchain_config_digest(fee_map: Mapping[int, int], block_version: int) -> bytes:
    """``BlockchainConfig::digest32("mc-blockchain-config")`` over the fields this reference
    has: aggregate "BlockchainConfig" {fee_map, block_version: "BlockVersion" {"0": u32}}
    (MobileCoin's governors map and signature are absent: no minting here)."""

    def append(writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"BlockchainConfig")
        _append_fee_map(writer, b"fee_map", fee_map)
        writer.agg_header(b"block_version", b"BlockVersion")
        writer.uint32(b"0", block_version)
        writer.agg_closer(b"block_version", b"BlockVersion")
        writer.agg_closer(context, b"BlockchainConfig")

    return digest32_with(BLOCKCHAIN_CONFIG_DIGEST_CONTEXT, append)


def peer_responder_id_with_config(
    responder_id: str, fee_map: Mapping[int, int], block_version: int
) -> str:
    """``BlockchainConfigWithDigest::responder_id``: ``"<id>-<hex config digest>"``."""
    return f"{responder_id}-{blockchain_config_digest(fee_map, block_version).hex()}"


# --- the simulated SGX network -------------------------------------------------------------------


def _labelled_seed(label: bytes, *parts: bytes) -> bytes:
    h = hashlib.sha256(label)
    for part in parts:
        h.update(len(part).to_bytes(8, "little") + part)
    return h.digest()


@cache
def simulated_pki(sgx_seed: bytes) -> SimulatedPki:
    """The network's test PKI (root, processor and TCB-signing CAs) from its ``sgx_seed``."""
    rng = seeded_rng(_labelled_seed(_PKI_SEED_LABEL, sgx_seed))
    return SimulatedPki.create(rng, DEFAULT_ISSUED_AT)


@cache
def simulated_platform(sgx_seed: bytes, index: int) -> SimulatedPlatform:
    """Node ``index``'s simulated SGX machine: under :func:`simulated_pki`, derived from the
    seed and the index alone (the same bytes in every process)."""
    if not 0 <= index < 2**32:
        raise AttestError("attest.sim_bad_parameter", "a node index is a u32")
    rng = seeded_rng(_labelled_seed(_PLATFORM_SEED_LABEL, sgx_seed, index.to_bytes(4, "little")))
    return SimulatedPlatform.create(rng, pki=simulated_pki(sgx_seed))


def consensus_mrenclave(enclave_code: bytes = SIM_CONSENSUS_CODE) -> bytes:
    """The MRENCLAVE of a consensus enclave running ``enclave_code``."""
    return measure_mrenclave(enclave_code, ENCLAVE_BUILD_CONFIG)


def network_policy() -> Policy:
    """The policy every honest node applies: exactly the honest consensus MRENCLAVE."""
    return Policy(mr_enclaves=frozenset({consensus_mrenclave()}))


def network_verifier(sgx_seed: bytes) -> EvidenceVerifier:
    """Peers' evidence checked under the seed's root, :func:`network_policy`, at
    :data:`SIM_CLOCK`."""
    return dcap_verifier(network_policy(), simulated_pki(sgx_seed).root.der, SIM_CLOCK)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, rename it over ``path``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise NodeError(
            "node.enclave_sealed_key_io", f"cannot write the sealed key {path}: {exc}"
        ) from exc


# --- the node's enclave --------------------------------------------------------------------------


class NodeEnclave:
    """One node's consensus enclave (``SgxConsensusEnclave``); every method is thread-safe.

    ``rng`` is the enclave's randomness (identity key, block-signing key, handshakes, sealing
    nonces, batched proof verification); tests inject a seeded one.
    """

    def __init__(
        self,
        *,
        sgx_seed: bytes,
        index: int,
        client_responder_id: str,
        peer_responder_id: str,
        block_version: int,
        fee_map: Mapping[int, int],
        enclave_code: bytes = SIM_CONSENSUS_CODE,
        variant: Variant = "correct",
        rng: Rng = os.urandom,
    ) -> None:
        bv.check_block_version(block_version)
        check_fee_map(fee_map)
        self._rng = rng

        def random(n: int) -> bytes:
            return rng(n)

        self._random: RandomSource = random
        self._lock = threading.Lock()
        self._sgx = SimulatedEnclave(
            enclave_code, ENCLAVE_BUILD_CONFIG, SIM_SIGNER_KEY, simulated_platform(sgx_seed, index)
        )
        fees = dict(fee_map)
        self._state = ConsensusEnclave(
            client_responder_id=client_responder_id,
            peer_responder_id=peer_responder_id_with_config(
                peer_responder_id, fees, block_version
            ),
            local=LocalEnclave.create(self._sgx, rng),
            verifier=network_verifier(sgx_seed),
            block_version=block_version,
            fee_map=fees,
            fee_map_digest=fee_map_digest(fees),
            variant=variant,
        )
        self._signing_key: Ed25519PrivateKey | None = None

    # --- identity and configuration -----------------------------------------------------------

    @property
    def client_responder_id(self) -> str:
        return self._state.client_responder_id

    @property
    def peer_responder_id(self) -> str:
        """Our responder id in IX handshakes, with the blockchain-config digest appended."""
        return self._state.peer_responder_id

    @property
    def block_version(self) -> int:
        return self._state.block_version

    @property
    def fee_map(self) -> dict[int, int]:
        return dict(self._state.fee_map)

    @property
    def fee_map_digest(self) -> bytes:
        return self._state.fee_map_digest

    @property
    def mrenclave(self) -> bytes:
        return self._sgx.mrenclave

    @property
    def evidence_bytes(self) -> bytes:
        """The enclave's DCAP evidence (quote + collateral + report-data contents) as peers
        receive it: for block metadata and ``GetNodeConfig``."""
        return self._state.local.evidence.encode()

    @property
    def block_signing_public_key(self) -> bytes:
        """The 32-byte Ed25519 public key blocks are signed with (``get_signer``)."""
        return public_key_bytes(self._key())

    def _key(self) -> Ed25519PrivateKey:
        key = self._signing_key
        if key is None:
            raise NodeError("node.enclave_not_initialized", "call enclave_init first")
        return key

    def enclave_init(self, sealed_key_path: str | Path) -> None:
        """Unseal the block-signing key at ``sealed_key_path`` (or make one if the file does
        not exist), then seal it again and write it back atomically."""
        path = Path(sealed_key_path)
        try:
            sealed: bytes | None = path.read_bytes()
        except FileNotFoundError:
            sealed = None
        except OSError as exc:
            raise NodeError(
                "node.enclave_sealed_key_io", f"cannot read the sealed key {path}: {exc}"
            ) from exc
        if sealed is None:
            seed = self._rng(32)
        else:
            try:
                seed = self._sgx.unseal(SEALED_KEY_ID, sealed)
            except AttestError as exc:
                raise NodeError(
                    "node.enclave_unseal_failed",
                    f"{path} was sealed by another enclave build or machine, or is damaged "
                    f"({exc.message}); move it away to make a new block-signing key",
                ) from exc
            if len(seed) != 32:
                raise NodeError("node.enclave_unseal_failed", f"{path} holds no Ed25519 key")
        key = signing_key_from_bytes(seed)
        _write_atomically(path, self._sgx.seal(self._rng, SEALED_KEY_ID, seed))
        with self._lock:
            self._signing_key = key

    # --- attested sessions ----------------------------------------------------------------------

    def client_accept(self, message1: bytes) -> tuple[bytes, bytes]:
        """NX responder: (auth response, channel id)."""
        with self._lock:
            before = self._state.clients
            self._state, message2 = self._state.client_accept(message1, self._rng)
            (channel_id,) = set(self._state.clients) - set(before)
        return message2, channel_id

    def peer_init(self, peer_id: str) -> bytes:
        """IX msg 1 towards the peer whose plain responder id is ``peer_id``."""
        full = self._with_config(peer_id)
        with self._lock:
            self._state, message1 = self._state.peer_init(full, self._rng)
        return message1

    def peer_connect(self, peer_id: str, message2: bytes) -> bytes:
        """Finish the IX handshake with ``peer_id``; returns the channel id."""
        full = self._with_config(peer_id)
        with self._lock:
            self._state, channel_id = self._state.peer_connect(full, message2)
        return channel_id

    def peer_accept(self, message1: bytes) -> tuple[bytes, bytes]:
        """IX responder: (msg 2, channel id)."""
        with self._lock:
            before = self._state.peers
            self._state, message2 = self._state.peer_accept(message1, self._rng)
            (channel_id,) = set(self._state.peers) - set(before)
        return message2, channel_id

    def _frame(self, sessions: Mapping[bytes, AttestedSession], aad: bytes, channel_id: bytes,
               data: bytes) -> Frame:
        session = sessions.get(channel_id)
        if session is None:
            raise AttestError("attest.unknown_channel", "no session with that channel id")
        return Frame(aad, channel_id, data, session.recv.cipher.n)

    def client_frame(self, aad: bytes, channel_id: bytes, data: bytes) -> Frame:
        """The frame of an ``attest.Message`` from a client: MobileCoin's message carries no
        nonce, the session's next expected one is implied (calls on a session are ordered)."""
        with self._lock:
            return self._frame(self._state.clients, aad, channel_id, data)

    def peer_frame(self, aad: bytes, channel_id: bytes, data: bytes) -> Frame:
        """As :meth:`client_frame`, for a peer session (either direction's initiator)."""
        with self._lock:
            return self._frame(self._state.peers, aad, channel_id, data)

    def has_peer_session(self, channel_id: bytes) -> bool:
        with self._lock:
            return channel_id in self._state.peers

    def drop_peer_session(self, channel_id: bytes) -> None:
        """Forget a peer session (the connection failed; the next call re-attests)."""
        with self._lock:
            peers = {k: v for k, v in self._state.peers.items() if k != channel_id}
            self._state = attrs.evolve(self._state, peers=peers)

    def _with_config(self, peer_id: str) -> str:
        return peer_responder_id_with_config(peer_id, self._state.fee_map, self.block_version)

    # --- transactions -------------------------------------------------------------------------

    def client_tx_propose(self, frame: Frame) -> TxContext:
        with self._lock:
            self._state, context = self._state.client_tx_propose(frame)
        return context

    def client_discard_message(self, frame: Frame) -> None:
        with self._lock:
            self._state = self._state.client_discard_message(frame)

    def peer_tx_propose(self, frame: Frame) -> tuple[TxContext, ...]:
        with self._lock:
            self._state, contexts = self._state.peer_tx_propose(frame)
        return contexts

    def tx_propose(self, tx: Tx) -> TxContext:
        """A transaction handed in by the host (tools, tests): as ``client_tx_propose``."""
        with self._lock:
            self._state, (context,) = self._state.tx_propose([tx])
        return context

    def txs_for_peer(self, tx_hashes: Sequence[bytes], channel_id: bytes, aad: bytes) -> Frame:
        with self._lock:
            self._state, frame = self._state.txs_for_peer(tx_hashes, channel_id, aad)
        return frame

    def discard(self, tx_hashes: Sequence[bytes]) -> None:
        """Forget transactions (expired or in a block) and their cached verdicts."""
        with self._lock:
            self._state = self._state.discard(tx_hashes)

    def is_verified(self, tx_hash: bytes) -> bool:
        """Whether the ledger-free verdict of ``tx_hash`` is cached (a passing one)."""
        return tx_hash in self._state.verified

    def tx_is_well_formed(
        self,
        tx: TxContext | Tx,
        root_proofs: Sequence[TxOutMembershipProof],
        block_index: int,
    ) -> WellFormedTxContext:
        """``tx_is_well_formed`` for a proposed transaction (a ``Tx`` is proposed first).
        The checks run outside the lock, on the state as it was; a pass is remembered."""
        tx_hash = self.tx_propose(tx).tx_hash if isinstance(tx, Tx) else tx.tx_hash
        state = self._state
        context = state.well_formed(tx_hash, root_proofs, block_index, self._random)
        with self._lock:
            self._state = self._state.remember_verified(tx_hash)
        return context

    def form_block(
        self,
        ledger: LedgerReader,
        tx_hashes: Sequence[bytes],
        parent_block: Block,
        root_element: TxOutMembershipElement | None = None,
    ) -> tuple[Block, BlockContents, BlockSignature]:
        """The next block from ``tx_hashes`` on ``parent_block`` (the ledger's last block),
        signed by the block-signing key with ``signed_at = 0`` (the host then sets the time:
        ``attrs.evolve(signature, signed_at=...)``; the signature does not cover it). A parent
        of a higher block version is ``ledger.form_block_bad_version``.

        ``root_element`` is the root the host read the proofs against (default: the ledger's
        current root); one other than the ledger's current root is refused
        (``ledger.invalid_local_membership_root_element``).
        """
        key = self._key()
        last = ledger.get_block(ledger.num_blocks() - 1)
        if parent_block != last:
            raise NodeError(
                "node.form_block_parent_mismatch",
                f"parent block {parent_block.index} is not the ledger's last block {last.index}",
            )
        if root_element is not None and root_element != ledger.root_element():
            raise LedgerError(
                "ledger.invalid_local_membership_root_element",
                "the root element given is not the ledger's current root",
            )
        state = self._state
        block, contents = state.form_block(ledger, tx_hashes, self._random)
        return block, contents, sign(block, key)
