"""The fog ingest enclave: turns each TxOut of a block into an encrypted, findable record.

MobileCoin ``fog/ingest/enclave/impl/src/lib.rs`` (``SgxIngestEnclave``: ``ingest_txs``,
``attempt_ingest_txs``, ``new_keys``, ``new_egress_key``, ``get_kex_rng_pubkey``,
``get_sealed_ingress_private_key``, ``get_ingress_private_key``, ``set_ingress_private_key``)
and ``fog/ingest/enclave/api`` (``MAX_CHUNK_RETRIES``, ``ChunkTooBig``, ``InvalidBlockData``).

The enclave holds two ristretto255 private keys:

* the *ingress* key, whose public half is in the fog report: senders seal each TxOut's fog hint
  (the recipient's subaddress view public key) to it. It may be sealed to this enclave build and
  platform (:meth:`FogEnclave.seal`, the host running ``SIM_FOG_INGEST_CODE``) and handed to a
  peer ingest enclave, so a backup can take over without changing the report;
* the *egress* key, whose public half is the ``KexRngPubkey`` of the ``RngRecord``: it is never
  sealed or exported, and a new one starts a new RNG sequence for every user.

For each TxOut (:meth:`IngestEnclave.ingest_txs`): start from a random valid point, try to open
the fog hint with the ingress key and keep the random point when that fails (a TxOut for a user
without fog or of another fog deployment, or a malformed hint); key-exchange the point with the
egress key; take that user's next search key from the :class:`RngStore`; seal the TxOut's
record to the point. Every TxOut yields a record of the same size, so the records do not tell
which outputs belong to this fog's users. The work done per TxOut is the same on both paths
(hint decryption is attempted and a random point drawn each time), in the spirit of MobileCoin's
``ct_decrypt``; Python itself gives no constant-time guarantee.

If the RNG store overflows during a chunk, the enclave draws a new egress key, clears the store
and ingests the whole chunk again, at most :data:`MAX_CHUNK_RETRIES` times, then reports the
new ``KexRngPubkey`` with the records (``fog.ingest_chunk_too_big`` when it still overflows).

Deviation: MobileCoin skips a TxOut whose hint opens with the right magic bytes but does not
hold a valid point (only a broken client makes one); here it falls back to the random point,
so even then every TxOut yields a record.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

import attrs

from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.enclave.evidence import Evidence
from refimpl.errors import FogError, RefImplError
from refimpl.fog.enclave import FogEnclave
from refimpl.fog.kex_rng import kex_rng_pubkey, shared_secret
from refimpl.fog.oram.trace import AccessTrace
from refimpl.fog.records import record_plaintext, seal_record_plaintext
from refimpl.fog.rng_store import RngStore
from refimpl.fog.types import ETxOutRecord, KexRngPubkey
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.tx_out_record import FogTxOut, FogTxOutMetadata, TxOutRecord

#: Chunk attempts after the first before giving up (``MAX_CHUNK_RETRIES``).
MAX_CHUNK_RETRIES = 10
#: Key id of the sealed ingress private key.
INGRESS_KEY_SEAL_ID = b"mcref fog ingest: ingress private key"


@attrs.frozen
class IngestResult:
    """What one chunk yields: a record per TxOut, in order, and the new ``KexRngPubkey`` when
    the egress key was rotated while ingesting it (records are then under the new key)."""

    records: tuple[ETxOutRecord, ...]
    rotated_to: KexRngPubkey | None


@attrs.frozen
class SetIngressKeyResult:
    """``SetIngressPrivateKeyResult``: the new public key, the key sealed for restarts, and
    whether it differs from the key held before."""

    new_public_key: Point
    sealed_key: bytes
    did_private_key_change: bool


@attrs.frozen
class _PreparedTxOut:
    """A TxOut and its record plaintext, built before any secret-dependent work."""

    e_fog_hint: EncryptedFogHint
    plaintext: bytes


def _prepare(block_index: int, first_global_index: int, tx_outs: Sequence[TxOut],
             timestamp: int) -> list[_PreparedTxOut]:
    """``PreparedBlockData::try_from``: every failure happens here, before any key is used."""
    prepared = []
    for offset, tx_out in enumerate(tx_outs):
        try:
            fog_tx_out = FogTxOut.from_tx_out(tx_out)
        except RefImplError as exc:
            raise FogError("fog.ingest_invalid_block_data",
                           f"TxOut {first_global_index + offset}: {exc.message}") from exc
        meta = FogTxOutMetadata(first_global_index + offset, block_index, timestamp)
        plaintext = record_plaintext(TxOutRecord.new(fog_tx_out, meta))
        prepared.append(_PreparedTxOut(tx_out.e_fog_hint, plaintext))
    return prepared


def _decode_ingress_key(data: bytes) -> Scalar:
    try:
        return Scalar.from_canonical_bytes(data)
    except RefImplError as exc:
        raise FogError("fog.bad_ingress_key", f"ingress private key: {exc.message}") from exc


class IngestEnclave:
    """The ingest enclave's logic inside a simulated fog enclave host. Thread-safe: every
    operation holds one lock, as MobileCoin takes the ingress, egress and store locks."""

    def __init__(self, host: FogEnclave, *, user_capacity: int,
                 sealed_ingress_key: bytes | None = None,
                 rng: Callable[[int], bytes] = os.urandom,
                 oram_trace: AccessTrace | None = None) -> None:
        """``enclave_init``: fresh keys and an empty RNG store of ``user_capacity`` entries;
        the ingress key is unsealed from ``sealed_ingress_key`` when given (a restart).
        ``oram_trace`` records the RNG store's untrusted bucket accesses (what the host sees)."""
        self._host = host

        def random(n: int) -> bytes:
            return rng(n)

        self._rng: RandomSource = random
        self._lock = threading.Lock()
        self._ingress = (Scalar.random(random) if sealed_ingress_key is None
                         else self._unseal_ingress_key(sealed_ingress_key))
        self._egress = Scalar.random(random)
        self._rng_store = RngStore(user_capacity, rng=rng, trace=oram_trace)

    # --- keys ---------------------------------------------------------------------------------
    def _seal_ingress_key(self, key: Scalar) -> bytes:
        return self._host.seal(INGRESS_KEY_SEAL_ID, key.to_bytes())

    def _unseal_ingress_key(self, sealed: bytes) -> Scalar:
        try:
            raw = self._host.unseal(INGRESS_KEY_SEAL_ID, sealed)
        except RefImplError as exc:
            raise FogError("fog.bad_sealed_ingress_key",
                           f"the sealed ingress key does not open: {exc.message}") from exc
        return _decode_ingress_key(raw)

    def ingress_public_key(self) -> Point:
        """``get_ingress_pubkey``: the key fog hints are sealed to (in the fog report)."""
        with self._lock:
            return Point.mul_base(self._ingress)

    def ingress_evidence(self) -> Evidence:
        """Attestation evidence whose report data names the ingress public key as its custom
        identity (``new_ereport``), for the fog report."""
        return self._host.evidence(self.ingress_public_key().to_bytes())

    def kex_rng_pubkey(self) -> KexRngPubkey:
        """``get_kex_rng_pubkey``: the egress public key and the store's KexRng version."""
        with self._lock:
            return self._kex_rng_pubkey_locked()

    def _kex_rng_pubkey_locked(self) -> KexRngPubkey:
        return kex_rng_pubkey(Point.mul_base(self._egress), self._rng_store.kex_rng_algo_version)

    def new_keys(self) -> None:
        """``new_keys``: a new ingress key, a new egress key and an empty RNG store."""
        with self._lock:
            self._ingress = Scalar.random(self._rng)
            self._egress = Scalar.random(self._rng)
            self._rng_store.clear()

    def new_egress_key(self) -> None:
        """``new_egress_key``: a new egress key and an empty RNG store."""
        with self._lock:
            self._rotate_egress_key_locked()

    def _rotate_egress_key_locked(self) -> None:
        self._egress = Scalar.random(self._rng)
        self._rng_store.clear()

    def sealed_ingress_private_key(self) -> tuple[bytes, Point]:
        """``get_sealed_ingress_private_key``: the ingress key sealed to this enclave build on
        this platform (to restart with), and its public key."""
        with self._lock:
            key = self._ingress
        return self._seal_ingress_key(key), Point.mul_base(key)

    def get_ingress_private_key_for_peer(self) -> tuple[bytes, Point]:
        """``get_ingress_private_key``: the 32 bytes of the ingress private key and its public
        key. MobileCoin encrypts them for an attested peer enclave session; the caller must
        carry them only over such a session (the ingest server's peer channel)."""
        with self._lock:
            key = self._ingress
        return key.to_bytes(), Point.mul_base(key)

    def set_ingress_private_key(self, key_bytes: bytes) -> SetIngressKeyResult:
        """``set_ingress_private_key``: adopt a peer's ingress key (the 32 bytes
        :meth:`get_ingress_private_key_for_peer` gave it) and seal it for restarts."""
        key = _decode_ingress_key(key_bytes)
        sealed = self._seal_ingress_key(key)
        with self._lock:
            changed = key != self._ingress
            self._ingress = key
        return SetIngressKeyResult(Point.mul_base(key), sealed, changed)

    # --- the RNG store ------------------------------------------------------------------------
    @property
    def user_capacity(self) -> int:
        return self._rng_store.user_capacity

    @property
    def rng_store_capacity(self) -> int:
        """The real capacity of the RNG store's oblivious map."""
        return self._rng_store.capacity

    # --- ingest -------------------------------------------------------------------------------
    def ingest_txs(self, block_index: int, first_global_index: int, tx_outs: Sequence[TxOut],
                   timestamp: int) -> IngestResult:
        """``ingest_txs``: one :class:`ETxOutRecord` per TxOut of a chunk (a block's outputs
        from global index ``first_global_index``), rotating the egress key on overflow.

        ``fog.ingest_invalid_block_data`` for a TxOut without masked amount (before any key is
        used); ``fog.ingest_chunk_too_big`` when the chunk overflows an empty store.
        """
        prepared = _prepare(block_index, first_global_index, tx_outs, timestamp)
        with self._lock:
            rotated_to: KexRngPubkey | None = None
            retries = MAX_CHUNK_RETRIES
            while True:
                records = self._attempt_ingest(prepared)
                if records is not None:
                    return IngestResult(tuple(records), rotated_to)
                if retries == 0:
                    raise FogError(
                        "fog.ingest_chunk_too_big",
                        f"{len(prepared)} TxOuts overflow an RNG store of capacity "
                        f"{self._rng_store.capacity} after {MAX_CHUNK_RETRIES} retries",
                    )
                retries -= 1
                self._rotate_egress_key_locked()
                rotated_to = self._kex_rng_pubkey_locked()

    def _attempt_ingest(self, prepared: list[_PreparedTxOut]) -> list[ETxOutRecord] | None:
        """``attempt_ingest_txs``: the records, or ``None`` when the RNG store overflowed."""
        records = []
        for item in prepared:
            view_public = self._recipient_or_random(item.e_fog_hint)
            secret = shared_secret(self._egress, view_public)
            overflowed, search_key = self._rng_store.next_rng_output(secret)
            if overflowed:
                return None
            payload = seal_record_plaintext(self._rng, view_public, item.plaintext)
            records.append(ETxOutRecord(search_key, payload))
        return records

    def _recipient_or_random(self, hint: EncryptedFogHint) -> Point:
        """The view public key in ``hint``, or a fresh random point when it does not open with
        the ingress key. Both are computed every time."""
        fallback = Point.random(self._rng)
        try:
            return hint.decrypt(self._ingress)
        except RefImplError:
            return fallback
