"""Fog end to end on a local network of real processes: validators, ingest, report, a view
router over two block-range stores, ledger; phone-style clients that never download a block.

Alice and Bob are fog-enabled demo accounts (their addresses name the network's report server
and sign the operator's root key). Alice is funded by a full-ledger wallet paying her fog
address (the sender validates the report and encrypts the hint to the ingest key); from then
on Alice and Bob use only fog (view, ledger, report) plus the node's ``GetLastBlockInfo`` and
``ClientTxPropose``. The nodes' own request counters show that no block, TxOut or key image
was read from a validator while they did so.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from refimpl.account.keys import CHANGE_SUBADDRESS_INDEX, AccountKey
from refimpl.cli import main as cli_main
from refimpl.client.wallet import Owned
from refimpl.fog.client.client import FogClient
from refimpl.fog.client.connections import FogViewConnection
from refimpl.fog.client.memos import authenticated_sender, output_memo
from refimpl.fog.client.polling import Query
from refimpl.fog.client.uri import parse_endpoint
from refimpl.fog.enclave import SIM_FOG_VIEW_CODE, fog_verifier
from refimpl.fog.kex_rng import VersionedKexRng
from refimpl.fog.localnet import LocalFog, add_fog_services, generate_local_fog
from refimpl.fog.scenario import (
    fog_account,
    fog_client,
    fund_fog_account,
    node_ledger_reads,
    validator_ledger_calls,
    wait_fog_balance,
)
from refimpl.fog.types import BlockRange, TxOutSearchResultCode
from refimpl.node.localnet import LocalNetwork, free_ports
from refimpl.node.supervisor import ServiceProcess, Supervisor
from refimpl.transaction.memos import AuthenticatedSenderMemo
from refimpl.transaction.memos.destination import DestinationMemo
from tests.network._net import WAIT_S, running_network
from tests.pg import PostgresCluster, postgres_server  # noqa: F401 (session fixture)

pytestmark = pytest.mark.slow

FUNDING = 5_000_000_000


@contextlib.contextmanager
def fog_network(tmp_path: Path, recovery_db: str | None = None
                ) -> Iterator[tuple[LocalNetwork, Supervisor, LocalFog]]:
    """A 3-node network with fog (two view shards of 3 blocks, then one more store serving
    every block, for comparison with the router); every process is stopped (and checked
    stopped) at the end."""
    with running_network(tmp_path / "net", 3, accounts=4, outputs_per_account=3) as (
            network, supervisor):
        fog = generate_local_fog(network, recovery_db=recovery_db, view_shards=2,
                                 shard_blocks=3)
        names = add_fog_services(supervisor, fog)
        supervisor.add_service(WHOLE_STORE, whole_range_store(fog))
        names.append(WHOLE_STORE)
        try:
            supervisor.start_services()
            supervisor.wait_serving(names, timeout_s=WAIT_S)
            yield network, supervisor, fog
        finally:
            for name in names:
                supervisor.stop(name)
            assert not set(names) & set(supervisor.running())


WHOLE_STORE = "fog-view-store-whole"


def whole_range_store(fog: LocalFog) -> ServiceProcess:
    """A view store serving blocks [0, u64::MAX) on its own port: a one-store view."""
    shard = fog.services()["fog-view-store-0"]
    (port,) = free_ports(1)
    argv = list(shard.argv)
    for flag, value in (("--client-listen-uri", f"127.0.0.1:{port}"),
                        ("--sharding-strategy", f"0-{2**64 - 1}"), ("--fog-index", "50")):
        argv[argv.index(flag) + 1] = value
    return ServiceProcess(tuple(argv), fog.directory / f"{WHOLE_STORE}.log", f"127.0.0.1:{port}")


def view_connection(network: LocalNetwork, address: str) -> FogViewConnection:
    return FogViewConnection(parse_endpoint(address, "fog-view"),
                             fog_verifier(network.sgx_seed, SIM_FOG_VIEW_CODE), Counter())


def assert_router_answers_as_one_store(network: LocalNetwork, fog: LocalFog,
                                       supervisor: Supervisor, client: FogClient) -> None:
    """The router over the two shard processes and the one whole-range store process give the
    same QueryResponse (events, counters, every search result) to the same query: the
    client's next search keys, found and not found."""
    keys = tuple(  # every key the client's RNGs issued so far, and the next two of each
        k for rng in client.rng_set.rngs.values()
        for k in VersionedKexRng(rng.to_stored().secret, version=rng.version_id)
        .peek_ahead(rng.index + 2))
    keys += (bytes(range(16)),)  # never issued
    queries = [Query(0, 0, ()), Query(2**63 - 1, 0, keys)]
    router = view_connection(network, f"127.0.0.1:{fog.router_port}")
    whole = view_connection(network, supervisor.services[WHOLE_STORE].health_address)
    try:
        deadline = time.monotonic() + WAIT_S
        while True:  # both have loaded the same database state
            answers = [(router.query(q), whole.query(q)) for q in queries]
            if all(a == b for a, b in answers) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for via_router, via_store in answers:
            assert via_router == via_store
        codes = [r.result_code for r in answers[1][0].fixed_tx_out_search_results]
        assert TxOutSearchResultCode.FOUND in codes and TxOutSearchResultCode.NOT_FOUND in codes
    finally:
        router.close()
        whole.close()


def fund(network: LocalNetwork, to: AccountKey, amount: int = FUNDING) -> int:
    return fund_fog_account(network, 0, to, amount, WAIT_S)


def wait_balance(client: FogClient, value: int) -> int:
    return wait_fog_balance(client, value, WAIT_S)


def assert_memos(alice_key: AccountKey, bob_key: AccountKey, alice: FogClient, found: Owned,
                 fee: int, amount: int) -> None:
    """Bob's output carries Alice's authenticated sender memo (its HMAC verifies for Alice's
    address only); Alice's change carries the destination memo naming Bob, amount and fee."""
    alice_address, bob_address = alice_key.default_subaddress(), bob_key.default_subaddress()
    memo = output_memo(bob_key, found)
    assert isinstance(memo, AuthenticatedSenderMemo)
    assert authenticated_sender(bob_key, found, memo, [bob_address, alice_address]) \
        == alice_address
    assert authenticated_sender(bob_key, found, memo, [bob_address]) is None
    alice.poll()
    (change,) = [o for o in alice.tx_data.owned.values()
                 if o.subaddress_index == CHANGE_SUBADDRESS_INDEX]
    destination = output_memo(alice_key, change)
    assert isinstance(destination, DestinationMemo)
    assert destination.address_hash == bob_address.short_address_hash()
    assert (destination.fee, destination.total_outlay) == (fee, amount + fee)


def assert_no_validator_ledger_calls(*clients: FogClient) -> None:
    for client in clients:
        assert not validator_ledger_calls(client)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_alice_and_bob_pay_each_other_through_fog(tmp_path: Path, backend: str,
                                                  request: pytest.FixtureRequest) -> None:
    """Both fog-enabled; Alice funded by a full-ledger wallet; Alice pays Bob, Bob finds it
    unspent and pays part back, Alice finds it and her change; no ledger read from a node.
    The recovery database is SQLite, then a real PostgreSQL server (tests/pg.py)."""
    recovery_db = None
    if backend == "postgresql":
        server: PostgresCluster = request.getfixturevalue("postgres_server")
        recovery_db = server.create_schema(f"fog_e2e_{int(time.time() * 1000)}")
    with fog_network(tmp_path, recovery_db) as (network, supervisor, fog):
        alice_key, bob_key = fog_account(network, 1), fog_account(network, 2)
        fund(network, alice_key)
        before = node_ledger_reads(network)
        assert before > 0  # the full-ledger wallet that funded Alice read the ledger: counted
        with fog_client(network, alice_key) as alice, fog_client(network, bob_key) as bob:
            wait_balance(alice, FUNDING)
            paid = alice.pay(bob_key.default_subaddress(), 1_000_000_000, timeout_s=WAIT_S)
            fee = paid.fee
            wait_balance(bob, 1_000_000_000)
            (found,) = bob.balance().unspent
            assert bob.tx_data.spent_at(found.index) is None  # fog ledger: not spent
            assert_memos(alice_key, bob_key, alice, found, paid.fee, 1_000_000_000)
            back = bob.pay(alice_key.default_subaddress(), 300_000_000, timeout_s=WAIT_S)
            as_of = wait_balance(alice, FUNDING - 1_000_000_000 - fee + 300_000_000)
            assert as_of > back.block_index
            wait_balance(bob, 1_000_000_000 - 300_000_000 - back.fee)
            assert_no_validator_ledger_calls(alice, bob)
            assert_router_answers_as_one_store(network, fog, supervisor, bob)
            assert alice.calls["/fog_view.FogViewAPI/Query"] > 0
        assert node_ledger_reads(network) == before, "a fog client read the ledger from a node"


def ingest_admin(capsys: pytest.CaptureFixture[str], action: str, admin: str,
                 *args: str) -> dict[str, Any]:
    """``mcref fog ingest ACTION --admin ADMIN --json``, its JSON answer."""
    capsys.readouterr()
    assert cli_main(["fog", "ingest", action, *args, "--admin", admin, "--json"]) == 0
    answer: dict[str, Any] = json.loads(capsys.readouterr().out)
    return answer


def test_ingest_restart_with_a_new_key_and_a_lost_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ingest dies; Alice pays Bob under the old key while it is down; ingest restarts with a
    new key; the operator reports the old key lost. Bob finds the next payment (to the new key)
    through its new RNG record, and Alice's by scanning the missed block range."""
    with fog_network(tmp_path) as (network, supervisor, fog):
        alice_key, bob_key = fog_account(network, 1), fog_account(network, 2)
        fund(network, alice_key)
        admin_address = f"127.0.0.1:{fog.ingest_admin_port}"
        old_key = bytes.fromhex(ingest_admin(capsys, "status", admin_address)["ingress_pubkey"])
        with fog_client(network, alice_key) as alice, fog_client(network, bob_key) as bob:
            wait_balance(alice, FUNDING)
            wait_balance(bob, 0)
            rngs_before = len(bob.rng_set.rngs)

            supervisor.kill("fog-ingest")
            during = alice.pay(bob_key.default_subaddress(), 100_000_000, timeout_s=WAIT_S)

            service = supervisor.services["fog-ingest"]
            supervisor.services["fog-ingest"] = attrs.evolve(
                service, argv=(*service.argv, "--new-keys"))
            supervisor.start("fog-ingest")
            supervisor.wait_serving(["fog-ingest"], timeout_s=WAIT_S)
            status = ingest_admin(capsys, "status", admin_address)
            assert status["mode"] == "active" and status["ingress_pubkey"] != old_key.hex()
            # the operator's recovery, with the CLI (MobileCoin's fog_ingest_client)
            ingest_admin(capsys, "report-lost-key", admin_address, old_key.hex())
            missed = [BlockRange.parse(r) for r in ingest_admin(
                capsys, "missed-ranges", admin_address)["missed_block_ranges"]]
            assert any(r.contains(during.block_index) for r in missed), (missed, during)

            # a new block for the new key to ingest (the view vouches only for ingested blocks)
            after = fund(network, bob_key, 200_000_000)
            as_of = wait_balance(bob, 300_000_000)
            assert as_of > after
            assert len(bob.rng_set.rngs) > rngs_before, "the new RNG record was not learned"
            found_in = {o.block_index for o in bob.tx_data.owned.values()}
            assert {during.block_index, after} <= found_in
            assert bob.calls["/fog_ledger.FogBlockAPI/GetBlocks"] > 0
            assert_no_validator_ledger_calls(alice, bob)


def test_network_up_with_fog_starts_and_stops_every_process(tmp_path: Path) -> None:
    """``mcref network up --fog``: the README's command; every fog process reported serving,
    the state file's fog section written, every process (nodes and fog) gone afterwards."""
    base = tmp_path / "fognet"
    done = subprocess.run(
        [sys.executable, "-m", "refimpl.cli", "network", "up", "--dir", str(base), "--nodes", "3",
         "--topology", "dense", "--fog", "--duration", "3", "--timebase-ms", "200"],
        capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("fog-ingest", "fog-report", "fog-view-store-0", "fog-view-store-1",
                 "fog-view-router", "fog-ledger"):
        assert f"\n{name}: 127.0.0.1:" in done.stdout
    assert done.stdout.rstrip().endswith("network stopped")
    state = json.loads((base / "network-state.json").read_text())
    assert state["fog"]["view"].startswith("127.0.0.1:")
    for pid in json.loads((base / "pids.json").read_text()).values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
