"""The ingest server's mode and counters, and the state file it resumes from.

MobileCoin ``fog/ingest/server/src/controller_state.rs`` (``IngestControllerState``: Idle or
Active, the next block to scan, the pubkey expiry window, the current ingest invocation id; the
next block index may only be set while idle, the window only grow while active) and
``state_file.rs`` (``StateFile``: an ``ingest_common.IngestStateFile { IngestSummary summary;
bytes sealed_ingress_key }`` written after every change; an unreadable file is moved to
``.bak`` so a bad file cannot crash-loop the server).

The state file is written to a temporary file, synced and renamed over the old one, so a crash
leaves the old or the new file, never half of one (MobileCoin truncates and rewrites in place).
"""

from __future__ import annotations

import enum
import logging
import os
from pathlib import Path

import attrs
from google.protobuf.message import DecodeError

from refimpl.errors import FogError
from refimpl.fog.api import ingest_common_pb2
from refimpl.fog.ingest.config import MAX_PUBKEY_EXPIRY_WINDOW

log = logging.getLogger("refimpl.fog.ingest")


class IngestMode(enum.Enum):
    """``IngestMode``: an active server scans blocks and publishes its report; an idle one
    waits (a standby, or a server whose key is retired and expired)."""

    IDLE = ingest_common_pb2.Idle
    ACTIVE = ingest_common_pb2.Active


class IngestControllerState:
    """``IngestControllerState`` (callers hold the controller's lock)."""

    def __init__(self, pubkey_expiry_window: int) -> None:
        self.mode = IngestMode.IDLE
        self.next_block_index = 0
        self.pubkey_expiry_window = pubkey_expiry_window
        self.ingest_invocation_id: int | None = None

    @property
    def is_idle(self) -> bool:
        return self.mode is IngestMode.IDLE

    @property
    def is_active(self) -> bool:
        return self.mode is IngestMode.ACTIVE

    def set_mode(self, mode: IngestMode) -> None:
        if mode is not self.mode:
            log.info("ingest mode %s -> %s at block %d (pubkey_expiry_window %d)",
                     self.mode.name, mode.name, self.next_block_index,
                     self.pubkey_expiry_window)
        self.mode = mode

    def increment_next_block_index(self) -> None:
        assert self.is_active, "the next block index only advances while active"
        self.next_block_index += 1

    def set_next_block_index(self, value: int) -> None:
        """Only while idle (``CannotSetNextBlockIndex``: a logic error)."""
        assert self.is_idle, "the next block index is set only while idle"
        self.next_block_index = value

    def set_pubkey_expiry_window(self, value: int) -> None:
        """Any value while idle; while active it may only grow
        (``fog.ingest_cannot_reduce_expiry_window``): reports already published promise the
        longer window. ``fog.ingest_bad_config`` beyond :data:`MAX_PUBKEY_EXPIRY_WINDOW`."""
        if not 0 <= value <= MAX_PUBKEY_EXPIRY_WINDOW:
            raise FogError("fog.ingest_bad_config",
                           f"pubkey_expiry_window {value} is not in 0..{MAX_PUBKEY_EXPIRY_WINDOW}")
        if self.is_active and value < self.pubkey_expiry_window:
            raise FogError("fog.ingest_cannot_reduce_expiry_window",
                           f"cannot reduce pubkey_expiry_window from "
                           f"{self.pubkey_expiry_window} to {value} while active")
        self.pubkey_expiry_window = value

    def summary(self) -> ingest_common_pb2.IngestSummary:
        """``get_ingest_summary`` without the keys (the controller adds them)."""
        return ingest_common_pb2.IngestSummary(
            mode=self.mode.value, next_block_index=self.next_block_index,
            pubkey_expiry_window=self.pubkey_expiry_window,
            ingest_invocation_id=self.ingest_invocation_id or 0)


@attrs.frozen
class StateFile:
    """``StateFile``: where the ingest server keeps its summary and sealed ingress key."""

    path: Path

    def read(self) -> ingest_common_pb2.IngestStateFile | None:
        """The saved state; ``None`` when there is no file; ``fog.ingest_bad_state_file``
        when it cannot be read or parsed."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise FogError("fog.ingest_bad_state_file",
                           f"cannot read {self.path}: {exc.strerror}") from None
        try:
            return ingest_common_pb2.IngestStateFile.FromString(data)
        except DecodeError as exc:
            raise FogError("fog.ingest_bad_state_file",
                           f"{self.path} is not an IngestStateFile: {exc}") from None

    def write(self, state: ingest_common_pb2.IngestStateFile) -> None:
        """Replace the file atomically with ``state``."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(state.SerializeToString())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def move_to_bak(self) -> None:
        """Rename the file to ``*.bak`` (kept for debugging; the server starts without it)."""
        try:
            os.replace(self.path, self.path.with_suffix(".bak"))
        except OSError as exc:
            log.error("could not move the state file %s to .bak: %s", self.path, exc)
