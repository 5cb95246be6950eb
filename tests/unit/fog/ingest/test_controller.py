"""The ingest controller over a real LMDB ledger and a SQLite recovery database
(MobileCoin fog/ingest/server/src/controller.rs): blocks in order, records a recipient finds,
the report and its expiry, restarts with and without the state file's key, retirement, lost
keys, egress rotation and two servers racing on one key."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import decode_compressed_ristretto
from refimpl.errors import FogError
from refimpl.fog.api import ingest_common_pb2
from refimpl.fog.block_source import BlockSource
from refimpl.fog.enclave import SIM_FOG_INGEST_CODE, FogEnclave
from refimpl.fog.ingest.controller import IngestController
from refimpl.fog.recovery_db import SqlRecoveryDb
from refimpl.fog.report.messages import decode_report_evidence
from refimpl.fog.types import BlockRange, DecommissionedIngestInvocation, RngRecord
from refimpl.ledger.block import BlockContents
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.transaction.tx_out import TxOut

from ._ledger import (
    BASE_TIMESTAMP,
    activate_on,
    append_blocks,
    contents,
    find_outputs,
    fog_output,
    recipient,
    run_blocks,
)
from .conftest import SGX_SEED, MakeConfig

BOB, ALICE = recipient(1), recipient(2)


def _rngs(db: SqlRecoveryDb) -> list[RngRecord]:
    return [e for e in db.search_user_events(0)[0] if isinstance(e, RngRecord)]


def _decommissioned(db: SqlRecoveryDb) -> list[DecommissionedIngestInvocation]:
    return [e for e in db.search_user_events(0)[0]
            if isinstance(e, DecommissionedIngestInvocation)]


class Plan:
    """Blocks with outputs to Bob and Alice under one ingress key."""

    def __init__(self, controller: IngestController, seed: bytes = b"plan") -> None:
        self.ingress = controller.ingress_public_key()
        self.src = SyntheticSource(seed)
        self.n = 0
        self.sent: dict[str, list[TxOut]] = {"bob": [], "alice": []}

    def block(self, bob: int = 0, alice: int = 0, others: int = 1) -> BlockContents:
        fog = []
        for name, account, count in (("bob", BOB, bob), ("alice", ALICE, alice)):
            for _ in range(count):
                self.n += 1
                out = fog_output(self.ingress, account, 100 + self.n, self.n)
                self.sent[name].append(out)
                fog.append(out)
        return contents(self.src, fog, others)


def _found(db: SqlRecoveryDb, account: AccountKey) -> list[bytes]:
    return sorted(t.public_key.to_bytes() for _, _, t in find_outputs(db, account))


def _keys(outs: Sequence[TxOut]) -> list[bytes]:
    return sorted(o.public_key.to_bytes() for o in outs)


def test_blocks_are_ingested_in_order_into_findable_records(
        make_config: MakeConfig, host: FogEnclave, db: SqlRecoveryDb, ledger: Path) -> None:
    controller = IngestController(make_config(), host, db)
    assert controller.summary().mode == ingest_common_pb2.Idle
    summary = activate_on(controller, ledger)
    assert (summary.mode, summary.next_block_index) == (ingest_common_pb2.Active, 1)
    ingress = controller.ingress_public_key()
    assert decode_compressed_ristretto(summary.ingress_pubkey) == ingress

    # the report is published at activation: evidence binding the key, expiry 1 + 10
    [(report_id, data)] = db.get_all_reports()
    evidence = decode_report_evidence(data.attestation_evidence)
    assert evidence.report_data is not None
    assert (report_id, data.pubkey_expiry) == ("", 11)
    assert evidence.report_data.custom_identity == ingress.to_bytes()

    plan = Plan(controller)
    blocks = [plan.block(bob=2, alice=1), plan.block(bob=1, others=2), plan.block()]
    append_blocks(ledger, blocks)
    source = BlockSource(ledger)
    try:
        for index in (1, 2, 3):
            controller.process_next_block(source.block_data(index))
            assert controller.next_block_index() == (index + 1, False)
            # each block's records land in the DB, one per output, and the report follows
            records = db.get_tx_outs_by_block_and_key(ingress.to_bytes(), index)
            assert records is not None and len(records) == len(blocks[index - 1].outputs)
            assert db.get_all_reports()[0][1].pubkey_expiry == index + 10
            assert db.get_block_signature_timestamp_for_block(index) == BASE_TIMESTAMP + index
            assert db.get_cumulative_txo_count_for_block(index) == \
                source.block(index).cumulative_txo_count
    finally:
        source.close()
    assert db.get_last_scanned_block_index(ingress.to_bytes()) == 3

    # one invocation from block 1 with the enclave's egress key; the recipients find their
    # outputs with their KexRng and open them
    [rng] = _rngs(db)
    assert (rng.start_block, rng.pubkey) == (1, controller.enclave.kex_rng_pubkey())
    found = find_outputs(db, BOB)
    assert sorted(b for b, _, _ in found) == [1, 1, 2]
    assert _found(db, BOB) == _keys(plan.sent["bob"])
    assert _found(db, ALICE) == _keys(plan.sent["alice"])
    source = BlockSource(ledger)
    try:
        for _, global_index, tx_out in found:
            assert source.tx_out(global_index).public_key == tx_out.public_key
    finally:
        source.close()


def test_restart_with_the_state_file_keeps_the_key_and_resumes(
        make_config: MakeConfig, host: FogEnclave, db: SqlRecoveryDb, ledger: Path,
        tmp_path: Path) -> None:
    first = IngestController(make_config(), host, db)
    activate_on(first, ledger)
    plan = Plan(first)
    append_blocks(ledger, [plan.block(bob=1), plan.block(alice=1)])
    run_blocks(first, ledger, 3)
    ingress = first.ingress_public_key()
    saved = ingest_common_pb2.IngestStateFile.FromString((tmp_path / "ingest-state").read_bytes())
    assert saved.summary.next_block_index == 3 and saved.sealed_ingress_key

    second = IngestController(make_config(), host, db)
    assert second.ingress_public_key() == ingress
    assert second.next_block_index() == (3, False)
    append_blocks(ledger, [plan.block(bob=1)])
    run_blocks(second, ledger, 4)
    assert second.next_block_index() == (4, False)
    assert db.get_last_scanned_block_index(ingress.to_bytes()) == 3
    # the restarted enclave has a new egress key: a second invocation from block 3
    assert [r.start_block for r in _rngs(db)] == [1, 3]
    assert _found(db, BOB) == _keys(plan.sent["bob"])
    assert _found(db, ALICE) == _keys(plan.sent["alice"])


def test_restart_resumes_past_blocks_the_database_already_holds(
        make_config: MakeConfig, host: FogEnclave, db: SqlRecoveryDb, ledger: Path,
        tmp_path: Path) -> None:
    """A crash between add_block_data and the state-file write: resume after the DB's block."""
    first = IngestController(make_config(), host, db)
    activate_on(first, ledger)
    stale = (tmp_path / "ingest-state").read_bytes()
    plan = Plan(first)
    append_blocks(ledger, [plan.block(bob=1), plan.block(bob=1)])
    run_blocks(first, ledger, 3)
    (tmp_path / "ingest-state").write_bytes(stale)  # says: next block 1
    second = IngestController(make_config(), host, db)
    assert second.next_block_index() == (3, False)


def test_restart_with_new_keys_makes_a_new_ingress_key_and_invocation(
        make_config: MakeConfig, host: FogEnclave, db: SqlRecoveryDb, ledger: Path) -> None:
    first = IngestController(make_config(), host, db)
    activate_on(first, ledger)
    old = first.ingress_public_key()
    plan = Plan(first)
    append_blocks(ledger, [plan.block(bob=1), plan.block()])
    run_blocks(first, ledger, 3)

    second = IngestController(make_config(new_keys=True), host, db)
    new = second.ingress_public_key()
    assert new != old and second.next_block_index() == (0, True)
    summary = activate_on(second, ledger)
    assert summary.next_block_index == 3  # past the highest block any key scanned
    assert db.get_ingress_key_status(new.to_bytes()) is not None
    assert db.get_ingress_key_status(new.to_bytes()).start_block == 3  # type: ignore[union-attr]
    new_plan = Plan(second, b"new plan")
    append_blocks(ledger, [new_plan.block(alice=1)])
    run_blocks(second, ledger, 4)
    rngs = _rngs(db)
    assert [r.start_block for r in rngs] == [1, 3]
    assert db.get_tx_outs_by_block_and_key(new.to_bytes(), 3) is not None
    assert db.get_tx_outs_by_block_and_key(old.to_bytes(), 3) is None
    assert _found(db, ALICE) == _keys(new_plan.sent["alice"])
    # and the state file now holds the new key
    third = IngestController(make_config(), host, db)
    assert third.ingress_public_key() == new and third.next_block_index() == (4, False)


def test_new_keys_only_while_idle(make_config: MakeConfig, host: FogEnclave,
                                  db: SqlRecoveryDb, ledger: Path) -> None:
    controller = IngestController(make_config(), host, db)
    before = controller.summary()
    after = controller.new_keys()
    assert after.ingress_pubkey != before.ingress_pubkey
    assert after.egress_pubkey != before.egress_pubkey
    activate_on(controller, ledger)
    with pytest.raises(FogError) as info:
        controller.new_keys()
    assert info.value.code == "fog.ingest_not_idle"
    with pytest.raises(FogError) as info:
        controller.set_pubkey_expiry_window(5)
    assert info.value.code == "fog.ingest_cannot_reduce_expiry_window"
    assert controller.set_pubkey_expiry_window(12).pubkey_expiry_window == 12


def test_report_lost_ingress_key_makes_the_missed_range(
        make_config: MakeConfig, host: FogEnclave, db: SqlRecoveryDb, ledger: Path) -> None:
    controller = IngestController(make_config(), host, db)
    activate_on(controller, ledger)
    plan = Plan(controller)
    append_blocks(ledger, [plan.block(bob=1), plan.block()])
    run_blocks(controller, ledger, 3)
    key = controller.ingress_public_key().to_bytes()
    assert controller.get_missed_block_ranges() == []
    controller.report_lost_ingress_key(key)
    # scanned 1..2, published expiry 2 + 10: the promised blocks 3..11 are missed
    assert controller.get_missed_block_ranges() == [BlockRange(3, 12)]
    with pytest.raises(FogError) as info:
        controller.report_lost_ingress_key(key[:31])
    assert info.value.code == "fog.ingest_bad_ingress_pubkey"


def test_retired_key_scans_to_its_expiry_then_goes_idle(
        make_config: MakeConfig, host: FogEnclave, db: SqlRecoveryDb, ledger: Path) -> None:
    controller = IngestController(make_config(pubkey_expiry_window=2), host, db)
    activate_on(controller, ledger)  # report expiry 1 + 2 = 3
    plan = Plan(controller)
    append_blocks(ledger, [plan.block(bob=1) for _ in range(4)])
    run_blocks(controller, ledger, 2)
    assert db.get_all_reports()[0][1].pubkey_expiry == 3
    controller.retire()
    run_blocks(controller, ledger, 5)
    # blocks 2 and 3 are still scanned (a sender may have used the key up to 3); block 4 is not
    assert controller.next_block_index() == (4, True)
    assert db.get_last_scanned_block_index(controller.ingress_public_key().to_bytes()) == 3
    assert db.get_all_reports()[0][1].pubkey_expiry == 3  # no new report once retired
    assert [(d.last_ingested_block) for d in _decommissioned(db)] == [3]
    assert _found(db, BOB) == _keys(plan.sent["bob"][:3])
    with pytest.raises(FogError) as info:
        activate_on(controller, ledger)
    assert info.value.code == "fog.ingest_key_retired"
    controller.unretire()
    assert activate_on(controller, ledger).next_block_index == 4


def test_rng_store_overflow_rotates_the_egress_key(
        make_config: MakeConfig, host: FogEnclave, db: SqlRecoveryDb, ledger: Path) -> None:
    """Every synthetic output is a new user: the small store overflows, the enclave rotates
    its egress key, and the controller replaces the invocation (decommissioning the old)."""
    controller = IngestController(make_config(user_capacity=1), host, db)
    activate_on(controller, ledger)
    plan = Plan(controller)
    blocks = [plan.block(bob=1, others=20) for _ in range(5)]
    append_blocks(ledger, blocks)
    run_blocks(controller, ledger, 6)
    assert controller.next_block_index() == (6, False)
    rngs = _rngs(db)
    assert len(rngs) >= 2
    assert [d.ingest_invocation_id for d in _decommissioned(db)] == \
        [r.ingest_invocation_id for r in rngs[:-1]]
    assert rngs[-1].pubkey == controller.enclave.kex_rng_pubkey()
    assert _found(db, BOB) == _keys(plan.sent["bob"])


def test_two_active_servers_with_one_key_the_second_goes_idle(
        make_config: MakeConfig, host: FogEnclave, db: SqlRecoveryDb, ledger: Path,
        tmp_path: Path) -> None:
    first = IngestController(make_config(), host, db)
    activate_on(first, ledger)
    shutil.copy(tmp_path / "ingest-state", tmp_path / "copy")
    second = IngestController(make_config(state_file=tmp_path / "copy"), host, db)
    assert second.ingress_public_key() == first.ingress_public_key()
    assert second.next_block_index() == (1, False)
    plan = Plan(first)
    append_blocks(ledger, [plan.block(bob=1), plan.block(bob=1)])
    run_blocks(first, ledger, 2)
    run_blocks(second, ledger, 2)
    assert second.next_block_index() == (1, True)
    assert len(_decommissioned(db)) == 1
    run_blocks(first, ledger, 3)
    assert first.next_block_index() == (3, False)
    assert _found(db, BOB) == _keys(plan.sent["bob"])


def test_bad_state_files(make_config: MakeConfig, db: SqlRecoveryDb, ledger: Path,
                         tmp_path: Path) -> None:
    state = tmp_path / "ingest-state"
    state.write_bytes(b"\xff\xff not a state file")
    host = FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=SGX_SEED, index=0, responder_id="a:1")
    controller = IngestController(make_config(), host, db)  # starts without it, keeps a .bak
    assert (tmp_path / "ingest-state.bak").read_bytes().startswith(b"\xff\xff")
    assert controller.next_block_index() == (0, True)
    # the key sealed on this fog machine does not open on another one
    other = FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=SGX_SEED, index=1, responder_id="b:1")
    with pytest.raises(FogError) as info:
        IngestController(make_config(), other, db)
    assert info.value.code == "fog.bad_sealed_ingress_key"
    assert not state.exists()  # moved to .bak: the next start makes a new key
    assert IngestController(make_config(), other, db).ingress_public_key() != \
        controller.ingress_public_key()
