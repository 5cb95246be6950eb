"""The consensus enclave API boundary (``consensus/enclave/api``, ``consensus/enclave/impl``).

MobileCoin ``consensus/enclave/api/src/lib.rs`` (``ConsensusEnclave``). The untrusted node calls
these entry points; the enclave keeps its Noise sessions and the transactions proposed to it. This
reference keeps the API shape and the attestation rules exactly and the transaction logic minimal
but real:

* ``client_accept`` / ``peer_init`` / ``peer_connect`` / ``peer_accept`` run the attested NX
  and IX handshakes of :mod:`refimpl.enclave.channel` (peer ResponderId =
  ``"<responder_id>-<hex config digest>"``, ``consensus/enclave/api/src/config.rs``; here the
  caller passes the full string).
* ``client_tx_propose`` decrypts a ``Tx`` from a client session; ``peer_tx_propose`` a
  ``TxList {repeated Tx txs = 1}`` from a peer session. Both refuse a non-empty
  ``fee_map_digest`` that differs from the configured one and return a :class:`TxContext`
  (tx hash, key images, output public keys, highest membership-proof indices, tombstone) for
  the host. MobileCoin re-encrypts the tx under an in-enclave key and hands the ciphertext to
  the host; here the enclave state keeps the tx itself (the value is immutable, so nothing
  the host does can change it).
* ``txs_for_peer`` encrypts a ``TxList`` of proposed transactions to a peer session (``GetTxs``).
* ``well_formed`` is ``tx_is_well_formed``: the root proofs the host fetched imply one root,
  the fee token and output tokens are configured, ``validate`` passes at the given block index;
  it returns the :class:`~refimpl.ledger.apply.WellFormedTxContext` (priority
  ``fee / (minimum_fee >> 7)``).
* ``form_block`` re-validates each chosen transaction against the ledger the host supplies
  (:func:`refimpl.ledger.apply.validate_against_ledger`; the signatures of those without a
  verdict in one batch, :func:`refimpl.transaction.batch_verify.preverified`, same verdicts)
  and forms the block (:func:`refimpl.ledger.apply.form_block`: combine, fee outputs, sorted
  contents).

Verdict cache (a deviation: MobileCoin re-runs all of ``validate`` in ``form_block``):
``verified`` holds the hashes of proposed transactions known to pass
:func:`refimpl.transaction.validation.validate_without_ledger` under this enclave's block
version and fee map (every rule but the membership proofs and the tombstone; ring signatures,
range proofs and balance among them). The tx hash digests every field of the transaction, so
the verdict belongs to those bytes; for such a transaction only the ledger rules run again,
which gives the verdict full validation gives (see ``validate_ledger_rules``). Only a
successful ``well_formed`` records a verdict; a failing transaction is never cached.

Every call returns the next enclave state; nothing is mutated (sans-I/O).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

import attrs

from refimpl.crypto.noise import Rng
from refimpl.crypto.ristretto import RandomSource
from refimpl.enclave.channel import (
    AttestedSession,
    EvidenceVerifier,
    Frame,
    LocalEnclave,
    PendingInitiator,
    Variant,
    client_accept,
    dcap_verifier,
    peer_accept,
    peer_init,
)
from refimpl.enclave.platform_sim import (
    DEFAULT_ISSUED_AT,
    SimulatedEnclave,
    SimulatedPlatform,
    seeded_rng,
)
from refimpl.enclave.verifier import Policy
from refimpl.errors import AttestError, EncodingError
from refimpl.ledger.apply import (
    LedgerReader,
    WellFormedTxContext,
    form_block,
    implied_root,
    membership_proof_highest_indices,
    minimum_fee_for,
    priority,
    validate_against_ledger,
)
from refimpl.ledger.block import Block, BlockContents
from refimpl.protobuf import WIRE_LEN, bytes_field, parse_fields
from refimpl.transaction.batch_verify import preverified
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.tx import Tx
from refimpl.transaction.validation import validate, validate_ledger_rules


@attrs.frozen
class TxContext:
    """MobileCoin ``TxContext``: what the host learns of a proposed transaction."""

    tx_hash: bytes
    key_images: tuple[bytes, ...]
    output_public_keys: tuple[bytes, ...]
    highest_indices: tuple[int, ...]
    tombstone_block: int

    @classmethod
    def of(cls, tx: Tx) -> TxContext:
        return cls(
            tx_hash=tx.hash(),
            key_images=tuple(p.to_bytes() for p in tx.key_images()),
            output_public_keys=tuple(p.to_bytes() for p in tx.output_public_keys()),
            highest_indices=membership_proof_highest_indices(tx),
            tombstone_block=tx.prefix.tombstone_block,
        )


def decode_tx_list(data: bytes) -> tuple[Tx, ...]:
    return tuple(tx for tx, _ in decode_tx_list_with_bytes(data))


def decode_tx_list_with_bytes(data: bytes) -> tuple[tuple[Tx, bytes], ...]:
    """Each ``Tx`` of a ``TxList`` with the bytes it was decoded from."""
    fields = parse_fields(data)
    if any(f.tag != 1 or f.wire_type != WIRE_LEN for f in fields):
        raise EncodingError("encoding.bad_protobuf", "TxList holds only field 1 (Tx)")
    return tuple((Tx.from_protobuf(f.value), f.value) for f in fields
                 if isinstance(f.value, bytes))


@attrs.frozen
class ConsensusEnclave:
    """One consensus enclave's state: identity, configuration, sessions and proposed txs."""

    client_responder_id: str
    peer_responder_id: str
    local: LocalEnclave
    verifier: EvidenceVerifier
    block_version: int
    fee_map: Mapping[int, int]
    fee_map_digest: bytes = b""
    variant: Variant = "correct"
    clients: Mapping[bytes, AttestedSession] = attrs.field(factory=dict)
    peers: Mapping[bytes, AttestedSession] = attrs.field(factory=dict)
    pending: Mapping[str, PendingInitiator] = attrs.field(factory=dict)
    proposed: Mapping[bytes, Tx] = attrs.field(factory=dict)
    #: The protobuf bytes each proposed tx arrived as (forwarded to peers without re-encoding:
    #: they decode to the same ``Tx``, whose hash is computed from the decoded value).
    wire: Mapping[bytes, bytes] = attrs.field(factory=dict)
    #: Proposed txs that passed ``validate_without_ledger`` (this block version and fee map).
    verified: frozenset[bytes] = frozenset()

    # --- handshakes ----------------------------------------------------------------------------

    def client_accept(self, message1: bytes, rng: Rng) -> tuple[ConsensusEnclave, bytes]:
        """NX responder: answer a client's auth request with our evidence."""
        session, message2 = client_accept(self.client_responder_id, self.local, message1, rng)
        clients = {**self.clients, session.channel_id: session}
        return attrs.evolve(self, clients=clients), message2

    def peer_init(self, peer_id: str, rng: Rng) -> tuple[ConsensusEnclave, bytes]:
        """IX initiator towards the peer whose ResponderId is ``peer_id``."""
        pending, message1 = peer_init(peer_id, self.local, self.verifier, rng)
        return attrs.evolve(self, pending={**self.pending, peer_id: pending}), message1

    def peer_connect(self, peer_id: str, message2: bytes) -> tuple[ConsensusEnclave, bytes]:
        """IX initiator: finish with the peer's msg 2; returns the channel id."""
        pending = self.pending.get(peer_id)
        if pending is None:
            raise AttestError("attest.unknown_channel", f"no pending handshake with {peer_id}")
        session = pending.finish(message2)
        rest = {k: v for k, v in self.pending.items() if k != peer_id}
        peers = {**self.peers, session.channel_id: session}
        return attrs.evolve(self, pending=rest, peers=peers), session.channel_id

    def peer_accept(self, message1: bytes, rng: Rng) -> tuple[ConsensusEnclave, bytes]:
        """IX responder (``variant`` selects MobileCoin's missing key-binding check)."""
        session, message2 = peer_accept(
            self.peer_responder_id, self.local, message1, self.verifier, rng, self.variant
        )
        return attrs.evolve(self, peers={**self.peers, session.channel_id: session}), message2

    # --- transactions --------------------------------------------------------------------------

    def _open(
        self, sessions: Mapping[bytes, AttestedSession], frame: Frame
    ) -> tuple[dict[bytes, AttestedSession], bytes]:
        session = sessions.get(frame.channel_id)
        if session is None:
            raise AttestError("attest.unknown_channel", "no session with that channel id")
        session, plaintext = session.open(frame)
        return {**sessions, frame.channel_id: session}, plaintext

    def _accept_wire(
        self, txs: Sequence[tuple[Tx, bytes]]
    ) -> tuple[ConsensusEnclave, tuple[TxContext, ...]]:
        proposed, contexts = self._accept_txs([tx for tx, _ in txs])
        wire = {**self.wire, **{c.tx_hash: raw for c, (_, raw) in zip(contexts, txs, strict=True)}}
        return attrs.evolve(self, proposed=proposed, wire=wire), contexts

    def _accept_txs(self, txs: Sequence[Tx]) -> tuple[dict[bytes, Tx], tuple[TxContext, ...]]:
        for tx in txs:
            if tx.fee_map_digest and tx.fee_map_digest != self.fee_map_digest:
                raise AttestError("attest.fee_map_mismatch", "the tx names another fee map")
        contexts = tuple(TxContext.of(tx) for tx in txs)
        fresh = {c.tx_hash: tx for c, tx in zip(contexts, txs, strict=True)}
        return {**self.proposed, **fresh}, contexts

    def tx_propose(self, txs: Sequence[Tx]) -> tuple[ConsensusEnclave, tuple[TxContext, ...]]:
        """Transactions the host hands in directly (a local tool, a test): the checks of
        ``client_tx_propose`` after decryption. The host gains nothing it could not get by
        opening a client session itself."""
        return self._accept_wire([(tx, tx.to_protobuf()) for tx in txs])

    def client_discard_message(self, frame: Frame) -> ConsensusEnclave:
        """``client_discard_message``: decrypt and drop a client frame (the node refuses the
        request but keeps the session's nonces in step)."""
        clients, _plaintext = self._open(self.clients, frame)
        return attrs.evolve(self, clients=clients)

    def client_tx_propose(self, frame: Frame) -> tuple[ConsensusEnclave, TxContext]:
        clients, plaintext = self._open(self.clients, frame)
        state, (context,) = self._accept_wire([(Tx.from_protobuf(plaintext), plaintext)])
        return attrs.evolve(state, clients=clients), context

    def peer_tx_propose(self, frame: Frame) -> tuple[ConsensusEnclave, tuple[TxContext, ...]]:
        peers, plaintext = self._open(self.peers, frame)
        state, contexts = self._accept_wire(decode_tx_list_with_bytes(plaintext))
        return attrs.evolve(state, peers=peers), contexts

    def txs_for_peer(
        self, tx_hashes: Sequence[bytes], channel_id: bytes, aad: bytes = b""
    ) -> tuple[ConsensusEnclave, Frame]:
        """``GetTxs``: the named proposed transactions, encrypted to a peer session."""
        session = self.peers.get(channel_id)
        if session is None:
            raise AttestError("attest.unknown_channel", "no peer session with that channel id")
        missing = [h.hex() for h in tx_hashes if h not in self.proposed]
        if missing:
            raise AttestError("attest.unknown_tx", f"not proposed here: {missing[0]}")
        tx_list = b"".join(bytes_field(1, self.wire[h]) for h in tx_hashes)
        session, frame = session.seal(tx_list, aad)
        return attrs.evolve(self, peers={**self.peers, channel_id: session}), frame

    def _proposed(self, tx_hash: bytes) -> Tx:
        tx = self.proposed.get(tx_hash)
        if tx is None:
            raise AttestError("attest.unknown_tx", f"not proposed here: {tx_hash.hex()}")
        return tx

    def well_formed(
        self,
        tx_hash: bytes,
        root_proofs: Sequence[TxOutMembershipProof],
        block_index: int,
        rng: RandomSource,
    ) -> WellFormedTxContext:
        """``tx_is_well_formed``: one root implied by ``root_proofs``, fee token and output
        tokens configured, then ``validate`` at ``block_index`` (only its ledger rules when
        the tx is in ``verified``). Record the verdict with :meth:`remember_verified`."""
        tx = self._proposed(tx_hash)
        implied_root(root_proofs)
        minimum = minimum_fee_for(tx, self.fee_map)
        if tx_hash in self.verified:
            validate_ledger_rules(tx, block_index, root_proofs)
        else:
            validate(tx, block_index, self.block_version, root_proofs, minimum, rng)
        return WellFormedTxContext.from_tx(tx, priority(tx, minimum))

    def remember_verified(self, tx_hash: bytes) -> ConsensusEnclave:
        """Keep the verdict of a successful :meth:`well_formed` (a tx no longer proposed is
        not remembered)."""
        if tx_hash not in self.proposed or tx_hash in self.verified:
            return self
        return attrs.evolve(self, verified=self.verified | {tx_hash})

    def discard(self, tx_hashes: Sequence[bytes]) -> ConsensusEnclave:
        """Forget proposed transactions (expired, or in a block) and their verdicts."""
        gone = set(tx_hashes)
        return attrs.evolve(
            self,
            proposed={h: tx for h, tx in self.proposed.items() if h not in gone},
            wire={h: raw for h, raw in self.wire.items() if h not in gone},
            verified=self.verified - gone,
        )

    def form_block(
        self, ledger: LedgerReader, tx_hashes: Sequence[bytes], rng: RandomSource
    ) -> tuple[Block, BlockContents]:
        """Re-validate the chosen transactions against ``ledger`` (for a tx in ``verified``,
        only the ledger-dependent checks) and form the next block."""
        txs = []
        # the signatures not verified before, in one batch (refimpl/transaction/batch_verify)
        unverified = [
            self.proposed[h] for h in tx_hashes if h in self.proposed and h not in self.verified
        ]
        with preverified(unverified, self.block_version, rng):
            for tx_hash in tx_hashes:
                tx = self._proposed(tx_hash)
                minimum = minimum_fee_for(tx, self.fee_map)
                validate_against_ledger(
                    tx,
                    ledger,
                    self.block_version,
                    minimum,
                    rng,
                    passed_without_ledger=tx_hash in self.verified,
                )
                txs.append(tx)
        return form_block(ledger, txs, self.block_version, self.fee_map, tx_hashes=tx_hashes)


# --- simulated consensus enclaves (demo, benchmarks, tests) ---------------------------------

#: The code identity simulated consensus enclaves run; MRENCLAVE hashes it with the config.
SIM_CONSENSUS_CODE = b"mcref consensus enclave (simulated)"
SIM_SIGNER_KEY = b"mcref simulated enclave signer"


@attrs.frozen
class SimulatedNetwork:
    """Simulated SGX machines (one shared test PKI), each running a consensus enclave, and the
    policy that allows exactly their MRENCLAVE, checked at ``at`` (one day after issue)."""

    enclaves: tuple[SimulatedEnclave, ...]
    locals: tuple[LocalEnclave, ...]
    policy: Policy
    trusted_root: bytes
    at: datetime.datetime

    @classmethod
    def create(
        cls, seed: bytes, count: int, config: bytes = b"block_version=3"
    ) -> SimulatedNetwork:
        rng = seeded_rng(seed)
        first = SimulatedPlatform.create(rng)
        platforms = [first] + [
            SimulatedPlatform.create(rng, pki=first.pki) for _ in range(count - 1)
        ]
        enclaves = tuple(
            SimulatedEnclave(SIM_CONSENSUS_CODE, config, SIM_SIGNER_KEY, p) for p in platforms
        )
        return cls(
            enclaves=enclaves,
            locals=tuple(LocalEnclave.create(e, rng) for e in enclaves),
            policy=Policy(mr_enclaves=frozenset({enclaves[0].mrenclave})),
            trusted_root=first.root_cert_der,
            at=DEFAULT_ISSUED_AT + datetime.timedelta(days=1),
        )

    def verifier(self) -> EvidenceVerifier:
        return dcap_verifier(self.policy, self.trusted_root, self.at)
