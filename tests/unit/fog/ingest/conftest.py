"""Fixtures of the ingest tests: the simulated ingest enclave host, a ledger with an origin
block, a SQLite recovery database and a config builder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from refimpl.fog.enclave import SIM_FOG_INGEST_CODE, FogEnclave
from refimpl.fog.ingest.config import IngestConfig
from refimpl.fog.recovery_db import SqlRecoveryDb, open_recovery_db

from ._ledger import create_ledger

SGX_SEED = b"fog ingest server unit tests"

MakeConfig = Callable[..., IngestConfig]


@pytest.fixture(scope="session")
def host() -> FogEnclave:
    return FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=SGX_SEED, index=0,
                      responder_id="fog-ingest:3226")


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger"
    create_ledger(path)
    return path


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'recovery.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[SqlRecoveryDb]:
    with open_recovery_db(db_url) as opened:
        yield opened


@pytest.fixture
def make_config(tmp_path: Path, ledger: Path, db_url: str) -> MakeConfig:
    def make(**changes: Any) -> IngestConfig:
        settings: dict[str, Any] = {
            "ledger_db": ledger, "recovery_db": db_url, "sgx_seed": SGX_SEED,
            "state_file": tmp_path / "ingest-state", "user_capacity": 64,
            "poll_interval_ms": 20,
        }
        settings.update(changes)
        return IngestConfig(**settings)

    return make
