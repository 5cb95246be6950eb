"""Test data for the recovery database: keys, blocks, records, a settable clock, and a raw dump
of every table (read through the driver, not through the code under test)."""

from __future__ import annotations

import datetime
import hashlib
import sqlite3
from typing import Any

import psycopg

from refimpl.fog.recovery_db import ReportData
from refimpl.fog.types import ETxOutRecord, KexRngPubkey
from refimpl.ledger.block import Block
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement

TABLES = ("ingress_keys", "ingest_invocations", "ingested_blocks", "user_events", "reports")
START_TIME = datetime.datetime(2026, 1, 1, 12, 0, 0)


def _h(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def ingress_key(n: int) -> bytes:
    """A distinct 32-byte ingress public key."""
    return _h(f"ingress {n}")


def egress_key(n: int, version: int = 0) -> KexRngPubkey:
    return KexRngPubkey(_h(f"egress {n}"), version)


def block(index: int, cumulative_txo_count: int | None = None) -> Block:
    """A block header with the given index (other fields are placeholders)."""
    count = 10 * (index + 1) if cumulative_txo_count is None else cumulative_txo_count
    return Block(_h(f"block {index}"), 3, _h(f"block {index - 1}"), index, count,
                 TxOutMembershipElement(), _h(f"contents {index}"))


def records(tag: str, count: int = 3) -> list[ETxOutRecord]:
    return [ETxOutRecord(_h(f"{tag} key {i}")[:16], _h(f"{tag} payload {i}") + bytes([i]))
            for i in range(count)]


def report(expiry: int, invocation: int | None = None, evidence: bytes = b"evidence") -> ReportData:
    return ReportData(invocation, evidence, expiry)  # type: ignore[arg-type]


class Clock:
    """A settable naive-UTC clock for ``last_active_at``."""

    def __init__(self) -> None:
        self.now = START_TIME

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in id (or key) order, through a separate connection."""
    order = {"ingress_keys": "ingress_public_key"}
    queries = {t: f"SELECT * FROM {t} ORDER BY {order.get(t, 'id')}" for t in TABLES}
    if url.startswith("sqlite:"):
        path = url.removeprefix("sqlite://") if url.startswith("sqlite://") else url[7:]
        conn = sqlite3.connect(path)
        try:
            return {t: conn.execute(q).fetchall() for t, q in queries.items()}
        finally:
            conn.close()
    with psycopg.connect(url) as pg:
        return {t: [tuple(r) for r in pg.execute(q).fetchall()] for t, q in queries.items()}


def raw_execute(url: str, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Run one statement through a separate connection (to corrupt data on purpose)."""
    if url.startswith("sqlite:"):
        conn = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            conn.execute(sql, params)
            conn.commit()
        finally:
            conn.close()
        return
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(sql.replace("?", "%s"), params)
