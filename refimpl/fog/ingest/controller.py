"""The ingest controller: one block at a time through the ingest enclave into the recovery DB.

MobileCoin ``fog/ingest/server/src/controller.rs`` (``IngestController``: ``new`` with the
state file, ``process_next_block``, ``activate``, ``retire``, ``unretire``, ``new_keys``,
``new_egress_key``, ``set_pubkey_expiry_window``, ``report_lost_ingress_key``,
``get_missed_block_ranges``, ``get_ingress_key_records``, ``publish_report``,
``write_state_file``, ``restore_state_from_summary``).

For each block while active (:meth:`IngestController.process_next_block`):

1. publish the report: the enclave's evidence binding its ingress key as custom identity, under
   ``--fog-report-id``, with ``pubkey_expiry = block index + pubkey_expiry_window``; when the
   database says the key is retired and the block is past its expiry, go idle (and rotate the
   egress key, decommissioning the invocation);
2. create an ingest invocation (the egress ``KexRngPubkey``, starting at this block) if there
   is none;
3. run the block's outputs through the enclave in chunks of ``--max-transactions``; when the
   enclave rotated its egress key (RNG store overflow), start a new invocation that
   decommissions the old one;
4. ``add_block_data``; when the block was already scanned with this ingress key (another
   active server), go idle and rotate the egress key, else advance to the next block;
5. write the state file.

The invariant (MobileCoin's comment on ``process_next_block``): an invocation's RNGs must be
published without gaps. Database I/O failures are retried (1, 2, ... 30 s apart) until the
server stops; if a block cannot be stored after the enclave ran it, the invocation is
decommissioned and the egress key rotated, so the retry starts a fresh RNG sequence
(MobileCoin retries forever instead).

Deviations: no peers (key backup over IX sessions, ``SetPeers``, ``SyncKeysFromRemote``: refused
with ``fog.ingest_not_supported``); restoring an Active state resumes at the later of the state
file's next block and one past the last block the database holds for the key (a crash between
``add_block_data`` and the state-file write would otherwise make the restart meet its own block
and go idle); the state file is also written when the expiry window changes; ``retire`` and
``unretire`` of a key that was never activated are refused (``fog.ingest_key_not_registered``)
where MobileCoin's update of no row succeeds; a lost key that is not a point is refused.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from refimpl.account.public_address import decode_compressed_ristretto, encode_compressed_ristretto
from refimpl.crypto.ristretto import Point
from refimpl.errors import FogError, RefImplError
from refimpl.fog.api import ingest_common_pb2
from refimpl.fog.block_source import BlockData
from refimpl.fog.enclave import FogEnclave
from refimpl.fog.ingest.config import IngestConfig
from refimpl.fog.ingest.state import IngestControllerState, IngestMode, StateFile
from refimpl.fog.ingest_enclave import IngestEnclave
from refimpl.fog.recovery_db import (
    IngestInvocationId,
    IngressPublicKeyRecord,
    IngressPublicKeyRecordFilters,
    IngressPublicKeyStatus,
    ReportData,
    SqlRecoveryDb,
)
from refimpl.fog.types import BlockRange, ETxOutRecord, KexRngPubkey
from refimpl.transaction.tx_out import TxOut

log = logging.getLogger("refimpl.fog.ingest")

T = TypeVar("T")
#: Seconds between retries of a failed database call: 1, 2, ... up to this.
MAX_RETRY_S = 30
INGRESS_KEY_LEN = 32


class Stopped(Exception):
    """The server is stopping: a retry loop gave up."""


class IngestController:
    """The ingest server's state, its enclave and its database. Thread-safe: one lock is held
    by every operation (the worker's blocks and the admin API's calls)."""

    def __init__(self, config: IngestConfig, host: FogEnclave, db: SqlRecoveryDb, *,
                 stop: threading.Event | None = None,
                 rng: Callable[[int], bytes] = os.urandom) -> None:
        """``IngestController::new``: read the state file (a bad one is moved to ``.bak``),
        start the enclave with its sealed ingress key (a new key without one, or with
        ``--new-keys``), restore the saved mode and counters, write the state file."""
        self.config = config
        self._db = db
        self._stop = stop if stop is not None else threading.Event()
        self._lock = threading.RLock()
        self._state = IngestControllerState(config.pubkey_expiry_window)
        self._state_file = StateFile(config.state_file) if config.state_file else None
        self._sealed: tuple[bytes, Point] | None = None
        saved = self._read_state_file()
        sealed_key = saved.sealed_ingress_key if saved is not None else b""
        try:
            self.enclave = IngestEnclave(host, user_capacity=config.user_capacity,
                                         sealed_ingress_key=sealed_key or None, rng=rng)
        except RefImplError:
            log.error("the enclave refused the sealed ingress key; moving the state file away")
            if self._state_file is not None:
                self._state_file.move_to_bak()
            raise
        if saved is not None and saved.HasField("summary"):
            self._restore(saved.summary)
        with self._lock:
            self._write_state_file()
        log.info("ingest controller starting %s at block %d, ingress key %s",
                 self._state.mode.name, self._state.next_block_index,
                 self.ingress_public_key().to_bytes().hex())

    # --- state file ---------------------------------------------------------------------------
    def _read_state_file(self) -> ingest_common_pb2.IngestStateFile | None:
        if self._state_file is None or self.config.new_keys:
            return None
        try:
            return self._state_file.read()
        except FogError as err:
            log.error("%s; starting without it", err.one_line())
            self._state_file.move_to_bak()
            return None

    def _restore(self, summary: ingest_common_pb2.IngestSummary) -> None:
        """``restore_state_from_summary``: an Active summary must name our ingress key."""
        with self._lock:
            ours = self.ingress_public_key()
            if summary.mode != IngestMode.IDLE.value:
                try:
                    theirs = decode_compressed_ristretto(summary.ingress_pubkey)
                except RefImplError:
                    theirs = None
                if theirs != ours:
                    log.error("the state file's ingress key is not the enclave's; starting idle")
                    return
            self._state.set_pubkey_expiry_window(summary.pubkey_expiry_window)
            self._state.set_next_block_index(summary.next_block_index)
            if summary.mode == IngestMode.ACTIVE.value:
                last = self._db.get_last_scanned_block_index(ours.to_bytes())
                if last is not None and last + 1 > summary.next_block_index:
                    log.warning("the database already holds block %d for our key; resuming "
                                "at %d", last, last + 1)
                    self._state.set_next_block_index(last + 1)
                self._state.set_mode(IngestMode.ACTIVE)

    def _write_state_file(self) -> None:
        """``write_state_file``: the summary and the (cached) sealed ingress key."""
        if self._state_file is None:
            return
        ours = self.ingress_public_key()
        if self._sealed is None or self._sealed[1] != ours:
            self._sealed = self.enclave.sealed_ingress_private_key()
        self._state_file.write(ingest_common_pb2.IngestStateFile(
            summary=self._summary_locked(), sealed_ingress_key=self._sealed[0]))

    # --- status -------------------------------------------------------------------------------
    def ingress_public_key(self) -> Point:
        return self.enclave.ingress_public_key()

    def summary(self) -> ingest_common_pb2.IngestSummary:
        """``get_ingest_summary``."""
        with self._lock:
            return self._summary_locked()

    def _summary_locked(self) -> ingest_common_pb2.IngestSummary:
        summary = self._state.summary()
        kex = self.enclave.kex_rng_pubkey()
        summary.ingress_pubkey = encode_compressed_ristretto(self.ingress_public_key())
        summary.egress_pubkey = kex.public_key
        summary.kex_rng_version = kex.version
        return summary

    def next_block_index(self) -> tuple[int, bool]:
        """``get_next_block_index``: the next block and whether the server is idle."""
        with self._lock:
            return self._state.next_block_index, self._state.is_idle

    # --- retries ------------------------------------------------------------------------------
    def _retry(self, what: str, call: Callable[[], T]) -> T:
        """``call()``, retried while the database is unreachable (``fog.recovery_db_io``)."""
        wait = 1
        while True:
            try:
                return call()
            except FogError as err:
                if err.code != "fog.recovery_db_io":
                    raise
                log.error("%s failed, retrying in %d s: %s", what, wait, err.one_line())
            if self._stop.wait(wait):
                raise Stopped(what)
            wait = min(wait + 1, MAX_RETRY_S)

    # --- the report -----------------------------------------------------------------------------
    def _publish_report(self, ingress: Point) -> IngressPublicKeyStatus:
        """``publish_report``: the evidence must bind ``ingress`` (else ``fog.bad_message``
        would mean the enclave changed keys under us: a logic error, so it asserts)."""
        evidence = self.enclave.ingress_evidence()
        assert evidence.report_data is not None
        assert evidence.report_data.custom_identity == ingress.to_bytes(), "ingress key changed"
        data = ReportData(
            ingest_invocation_id=(IngestInvocationId(self._state.ingest_invocation_id)
                                  if self._state.ingest_invocation_id is not None else None),
            attestation_evidence=evidence.encode(),
            pubkey_expiry=self._state.next_block_index + self._state.pubkey_expiry_window)
        return self._retry("publishing the report", lambda: self._db.set_report(
            ingress.to_bytes(), self.config.fog_report_id, data))

    # --- blocks ---------------------------------------------------------------------------------
    def process_next_block(self, data: BlockData) -> None:
        """Ingest ``data`` (which must be the next block) while active; see the module doc."""
        with self._lock:
            block = data.block
            if not self._state.is_active:
                return
            assert block.index == self._state.next_block_index, "asked for the wrong block"
            ingress = self.ingress_public_key()
            status = self._publish_report(ingress)
            if status.retired and block.index > status.pubkey_expiry:
                log.warning("block %d is past the retired key's expiry %d: going idle",
                            block.index, status.pubkey_expiry)
                self._state.set_mode(IngestMode.IDLE)
                self._new_egress_key()
                return
            if self._state.ingest_invocation_id is None:
                self._start_invocation(ingress, self.enclave.kex_rng_pubkey(), block.index)
            try:
                records = self._ingest(data, ingress)
                iid = self._state.ingest_invocation_id
                assert iid is not None
                added = self._retry("add_block_data", lambda: self._db.add_block_data(
                    IngestInvocationId(iid), block, data.timestamp, records))
            except BaseException:
                self._abandon_invocation()
                raise
            if added.block_already_scanned_with_this_key:
                log.info("another active server stored block %d for this key: going idle",
                         block.index)
                self._state.set_mode(IngestMode.IDLE)
                self._new_egress_key()
            else:
                log.info("ingested block %d (%d records, invocation %d)", block.index,
                         len(records), iid)
                self._state.increment_next_block_index()
            self._write_state_file()

    def _ingest(self, data: BlockData, ingress: Point) -> list[ETxOutRecord]:
        """The block's records, chunk by chunk; a new invocation when the egress key rotates."""
        outputs: Sequence[TxOut] = data.contents.outputs
        records: list[ETxOutRecord] = []
        first = data.first_global_index
        step = self.config.max_transactions
        for start in range(0, len(outputs), step):
            chunk = outputs[start:start + step]
            result = self.enclave.ingest_txs(data.block.index, first + start, chunk,
                                             data.timestamp)
            records.extend(result.records)
            if result.rotated_to is not None:
                log.warning("the RNG store overflowed at block %d: new egress key",
                            data.block.index)
                self._start_invocation(ingress, result.rotated_to, data.block.index)
        return records

    def _start_invocation(self, ingress: Point, kex: KexRngPubkey, start_block: int) -> None:
        """``new_ingest_invocation``: record the egress key from ``start_block``, replacing
        (decommissioning) the current invocation if any."""
        previous = self._state.ingest_invocation_id
        self._state.ingest_invocation_id = self._retry(
            "recording an ingest invocation", lambda: self._db.new_ingest_invocation(
                IngestInvocationId(previous) if previous is not None else None,
                ingress.to_bytes(), kex, start_block))

    def _decommission(self) -> None:
        """Decommission the current invocation (best effort: it leaks if the DB refuses)."""
        iid = self._state.ingest_invocation_id
        self._state.ingest_invocation_id = None
        if iid is None:
            return
        try:
            self._db.decommission_ingest_invocation(IngestInvocationId(iid))
        except RefImplError as err:
            log.error("could not decommission ingest invocation %d: %s", iid, err.one_line())

    def _new_egress_key(self) -> None:
        """``new_egress_key`` (idle only): decommission, new egress key, write the state."""
        assert self._state.is_idle
        self._decommission()
        self.enclave.new_egress_key()
        self._write_state_file()

    def _abandon_invocation(self) -> None:
        """The enclave ran records that were not stored: end their RNG sequence."""
        log.error("block %d was not stored; decommissioning invocation %s and rotating the "
                  "egress key", self._state.next_block_index, self._state.ingest_invocation_id)
        self._decommission()
        self.enclave.new_egress_key()

    # --- admin operations -----------------------------------------------------------------------
    def activate(self, ledger_num_blocks: int) -> ingest_common_pb2.IngestSummary:
        """``activate``: register the key (new keys start at the ledger's end or past the
        highest known block; known ones resume past their last scanned block), publish a
        report and go active. ``fog.ingest_key_retired`` when a retired key has nothing left."""
        with self._lock:
            if self._state.is_active:
                return self._summary_locked()
            ours = self.ingress_public_key().to_bytes()
            status = self._db.get_ingress_key_status(ours)
            if status is not None:
                last = self._db.get_last_scanned_block_index(ours)
                start = status.start_block if last is None else last + 1
            else:
                highest = self._db.get_highest_known_block_index()
                start = max(ledger_num_blocks, 0 if highest is None else highest + 1)
                start = self._db.new_ingress_key(ours, start)
            self._state.set_next_block_index(start)
            status = self._publish_report(self.ingress_public_key())
            if status.retired and start > status.pubkey_expiry:
                raise FogError("fog.ingest_key_retired",
                               f"the key is retired with expiry {status.pubkey_expiry} and the "
                               f"next block is {start}: nothing to scan")
            self._state.set_mode(IngestMode.ACTIVE)
            self._write_state_file()
            log.info("activated at block %d", start)
            return self._summary_locked()

    def retire(self) -> ingest_common_pb2.IngestSummary:
        """``retire``: no new reports; scan up to the published expiry, then go idle.
        ``fog.ingest_key_not_registered`` before the key was first activated."""
        with self._lock:
            self._db.retire_ingress_key(self._registered_key("retire"), True)
            return self._summary_locked()

    def unretire(self) -> ingest_common_pb2.IngestSummary:
        """``unretire`` (``fog.ingest_key_not_registered`` as :meth:`retire`)."""
        with self._lock:
            self._db.retire_ingress_key(self._registered_key("unretire"), False)
            return self._summary_locked()

    def _registered_key(self, what: str) -> bytes:
        """Our ingress key, which must be in the database. MobileCoin's update of no row
        succeeds silently, so a retire before the first activation is lost: the key is
        registered unretired by the activation that follows."""
        ours = self.ingress_public_key().to_bytes()
        if self._db.get_ingress_key_status(ours) is None:
            raise FogError("fog.ingest_key_not_registered",
                           f"cannot {what} ingress key {ours.hex()}: activate it first")
        return ours

    def new_keys(self) -> ingest_common_pb2.IngestSummary:
        """``new_keys`` (idle only, ``fog.ingest_not_idle``): new ingress and egress keys."""
        with self._lock:
            if not self._state.is_idle:
                raise FogError("fog.ingest_not_idle", "new keys only while idle")
            self._decommission()
            self.enclave.new_keys()
            self._write_state_file()
            return self._summary_locked()

    def set_pubkey_expiry_window(self, window: int) -> ingest_common_pb2.IngestSummary:
        with self._lock:
            self._state.set_pubkey_expiry_window(window)
            self._write_state_file()
            return self._summary_locked()

    def report_lost_ingress_key(self, key: bytes) -> None:
        """``report_lost_ingress_key``: ``fog.ingest_bad_ingress_pubkey`` unless 32 bytes of
        a ristretto point; ``fog.recovery_db_unknown_ingress_key`` for a key never used."""
        if len(key) != INGRESS_KEY_LEN:
            raise FogError("fog.ingest_bad_ingress_pubkey",
                           f"an ingress public key is {INGRESS_KEY_LEN} bytes, got {len(key)}")
        try:
            Point.from_bytes(key)
        except RefImplError as err:
            raise FogError("fog.ingest_bad_ingress_pubkey", err.message) from None
        self._db.report_lost_ingress_key(key)

    def get_missed_block_ranges(self) -> list[BlockRange]:
        return self._db.get_missed_block_ranges()

    def get_ingress_key_records(self, start_block_at_least: int,
                                filters: IngressPublicKeyRecordFilters
                                ) -> list[IngressPublicKeyRecord]:
        return self._db.get_ingress_key_records(start_block_at_least, filters)
