"""The fog client against real fog servers over a real LMDB ledger and a SQLite recovery DB.

Fog ingest runs in a child process (LMDB allows one environment per path and process, and the
fog ledger server reads the same ledger here); the view store, the fog ledger server and the
report server run in this process on loopback. Blocks are appended from child processes, as a
node would. Bob receives three outputs with real fog hints; his client finds them through fog
view, learns their spent status from fog ledger, and builds a payment to Alice (rings and
proofs from ``GetOutputs``, fog keys from the report server) that validates against the ledger.
Once that payment is in a block, Alice finds it, and Bob sees his input spent and finds his
change, all through fog. Then the ingress key is reported lost, and Bob finds an output of a
later block by scanning the missed block range fog ledger serves. Every server and process
started is stopped."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest

from refimpl.account import b58
from refimpl.account.keys import CHANGE_SUBADDRESS_INDEX, AccountKey
from refimpl.account.public_address import decode_compressed_ristretto
from refimpl.cli import main
from refimpl.client.connection import GET_BLOCKS as BLOCKCHAIN_GET_BLOCKS
from refimpl.crypto.ristretto import Point
from refimpl.errors import RefImplError
from refimpl.fog.api import ingest_common_pb2
from refimpl.fog.client.client import FogClient, FogEndpoints
from refimpl.fog.client.connections import CHECK_KEY_IMAGES, GET_OUTPUTS, VIEW_QUERY
from refimpl.fog.client.connections import GET_BLOCKS as FOG_GET_BLOCKS
from refimpl.fog.client.uri import parse_endpoint
from refimpl.fog.ingest.client import IngestAdminClient
from refimpl.fog.ledger.server import LedgerConfig, LedgerServer
from refimpl.fog.report.client import GET_REPORTS
from refimpl.fog.report.operator import make_operator_chain
from refimpl.fog.report.server import ReportConfig, ReportServer
from refimpl.fog.view.server import ViewStoreConfig, ViewStoreServer
from refimpl.ledger.block import BlockContents
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.node.localnet import STATE_FILE, free_ports, generate_local_network
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx import Tx
from refimpl.transaction.validation import validate_in
from refimpl.transaction.validation_context import LedgerContext
from tests.unit.fog._shared import start_python, wait_for
from tests.unit.fog.client._fog import hinted_tx_out, rng
from tests.unit.fog.ingest._ledger import (
    append_in_child,
    contents,
    create_ledger,
    fog_output,
)

SGX_SEED = b"fog client integration test"
EXPIRY_WINDOW = 40
FEE = 400
TIMEOUT_S = 60.0
#: how often a wait asks again (each ask is a fog poll or an admin call)
POLL_S = 0.05

_INGEST = """
import argparse, sys
from refimpl.fog.ingest.server import IngestServer, add_arguments, config_from_args
parser = argparse.ArgumentParser()
add_arguments(parser)
server = IngestServer(config_from_args(parser.parse_args(sys.argv[1:])))
server.start()
sys.stdin.read()  # until the test closes our stdin
server.stop()
"""


@attrs.frozen
class Fog:
    ledger_dir: Path
    endpoints: FogEndpoints
    report_url: str
    authority_spki: bytes
    ingress_key: Point
    ledger: LedgerServer
    view: ViewStoreServer
    ingest_admin: str

    def account(self, seed: int) -> AccountKey:
        return AccountKey.from_root_entropy(bytes([seed]) * 32, self.report_url, "",
                                            self.authority_spki)

    def client(self, account: AccountKey) -> FogClient:
        return FogClient.connect(account, self.endpoints, SGX_SEED)


def _ingest_process(tmp: Path, ledger: Path, db_url: str, admin_port: int
                    ) -> subprocess.Popen[bytes]:
    return start_python(
        _INGEST, "--ledger-db", str(ledger), "--recovery-db", db_url,
        "--sgx-seed", SGX_SEED.hex(), "--admin-listen-uri", f"127.0.0.1:{admin_port}",
        "--state-file", str(tmp / "ingest-state"), "--activate",
        "--pubkey-expiry-window", str(EXPIRY_WINDOW), "--poll-interval-ms", "20",
        "--user-capacity", "64")


def _active_ingress_key(admin: IngestAdminClient) -> bytes:
    def active() -> bool:
        try:
            return admin.get_status().mode == ingest_common_pb2.Active
        except RefImplError:
            return False  # not listening yet

    wait_for("fog ingest to be active", active, TIMEOUT_S, POLL_S)
    return admin.get_status().ingress_pubkey


@pytest.fixture(scope="module")
def fog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fog]:
    tmp = tmp_path_factory.mktemp("fog-client")
    ledger_dir = tmp / "ledger"
    create_ledger(ledger_dir)
    db_url = f"sqlite:///{tmp / 'recovery.db'}"
    chain = make_operator_chain(b"fog client integration")
    chain_file, key_file = chain.write(tmp / "operator")
    admin_port, view_port, ledger_port = free_ports(3)
    ingest = _ingest_process(tmp, ledger_dir, db_url, admin_port)
    started: list[Callable[[], None]] = []
    try:
        with IngestAdminClient(f"127.0.0.1:{admin_port}") as admin:
            ingress = decode_compressed_ristretto(_active_ingress_key(admin))
        report = ReportServer(ReportConfig("127.0.0.1:0", db_url, chain_file, key_file))
        report.start()
        started.append(report.stop)
        view = ViewStoreServer(ViewStoreConfig(
            recovery_db=db_url, sgx_seed=SGX_SEED,
            client_listen_uri=f"insecure-fog-view-store://127.0.0.1:{view_port}/",
            omap_capacity=1024, db_polling_interval_ms=20))
        view.start()
        started.append(view.stop)
        ledger = LedgerServer(LedgerConfig(
            ledger_db=ledger_dir, sgx_seed=SGX_SEED,
            client_listen_uri=f"insecure-fog-ledger://127.0.0.1:{ledger_port}/",
            omap_capacity=1024, poll_interval_ms=20))
        ledger.start()
        started.append(ledger.stop)
        endpoints = FogEndpoints(parse_endpoint(view.address, "fog-view"),
                                 parse_endpoint(f"127.0.0.1:{ledger_port}", "fog-ledger"))
        yield Fog(ledger_dir, endpoints, f"insecure-fog://{report.address}/",
                  chain.root_spki, ingress, ledger, view, f"127.0.0.1:{admin_port}")
    finally:
        for stop in reversed(started):
            stop()
        assert ingest.stdin is not None
        ingest.stdin.close()
        try:
            ingest.wait(timeout=30)
        except subprocess.TimeoutExpired:
            ingest.kill()
            ingest.wait()


def _poll_until(client: FogClient, blocks: int) -> None:
    """Poll until the client's balance is valid as of ``blocks`` blocks (view and ledger
    have processed them)."""
    def caught_up() -> bool:
        return client.poll().num_blocks >= blocks

    wait_for(f"fog to process {blocks} blocks", caught_up, TIMEOUT_S, POLL_S)


def _validate(fog: Fog, tx: Tx, block_version: int) -> None:
    """Consensus's checks of ``tx`` against the ledger fog ledger reads."""
    source = fog.ledger.source
    highest = [p.highest_index for tx_in in tx.prefix.inputs for p in tx_in.proofs]
    root_proofs = tuple(proof for _t, proof in source.tx_outs_with_proofs(highest))
    context = LedgerContext(source.num_blocks(), block_version, root_proofs, FEE)
    validate_in(tx, context, rng(77))


def _block_of(tx: Tx) -> BlockContents:
    """The block consensus would make of ``tx`` alone (key images and outputs sorted)."""
    return BlockContents(tuple(sorted(KeyImage(p) for p in tx.key_images())),
                         tuple(sorted(tx.prefix.outputs, key=lambda o: o.public_key.to_bytes())))


def test_find_spend_and_pay_through_fog(fog: Fog) -> None:
    bob, alice = fog.account(11), fog.account(12)
    ingress = fog.ingress_key
    src = SyntheticSource(b"fog client integration")
    to_bob = [fog_output(ingress, bob, 1000, 1), fog_output(ingress, bob, 2000, 2)]
    # a change output as a fog sender makes it: to the change subaddress, hint naming default
    to_bob_change = hinted_tx_out(ingress, bob.change_subaddress(), 300, 3,
                                  hint_for=bob.default_subaddress(), block_version=0)
    append_in_child(fog.ledger_dir, [contents(src, to_bob[:1], others=6),
                                     contents(src, [to_bob[1], to_bob_change], others=6)])
    with fog.client(bob) as client, fog.client(alice) as alice_client:
        _poll_until(client, 3)
        balance = client.balance()
        assert (balance.value, balance.num_blocks) == (3300, 3)
        by_value = {o.value: o for o in balance.unspent}
        assert set(by_value) == {1000, 2000, 300}
        assert by_value[300].subaddress_index == CHANGE_SUBADDRESS_INDEX
        assert by_value[1000].block_index == 1 and by_value[2000].block_index == 2
        assert alice_client.balance().value == 0

        # a payment to Alice, built through fog alone, validates against the ledger
        version = client.tx_data.latest_block_version
        tx = client.build_transaction(alice.default_subaddress(), 1500, fee=FEE,
                                      block_version=version, tombstone_delta=1000,
                                      rng=rng(4))
        assert 3 < tx.prefix.tombstone_block <= 3 + EXPIRY_WINDOW  # the fog key's expiry
        _validate(fog, tx, version)
        assert client.calls[GET_REPORTS] == 1  # Alice's and Bob's report server: one fetch
        assert client.calls[GET_OUTPUTS] == 1  # real inputs and ring members in one call
        assert BLOCKCHAIN_GET_BLOCKS not in client.calls
        assert client.calls[VIEW_QUERY] > 0 and client.calls[CHECK_KEY_IMAGES] > 0

        # consensus lands it: Alice finds 1500, Bob's input is spent and his change found
        append_in_child(fog.ledger_dir, [_block_of(tx)])
        _poll_until(client, 4)
        _poll_until(alice_client, 4)
        assert alice_client.balance().value == 1500
        after = client.balance()
        spent = [o for o in client.tx_data.owned.values() if client.tx_data.spent_at(o.index)]
        assert [client.tx_data.spent_at(o.index) for o in spent] == [3]
        assert after.value == 3300 - 1500 - FEE
        assert any(o.block_index == 3 and o.subaddress_index == CHANGE_SUBADDRESS_INDEX
                   for o in after.unspent)

        # the ingress key is reported lost: its unscanned blocks become a missed range, which
        # the client downloads from fog ledger (FogBlockAPI) and scans with its view key
        with IngestAdminClient(fog.ingest_admin) as admin:
            admin.report_lost_ingress_key(ingress.to_bytes())
        unseen = hinted_tx_out(None, bob.default_subaddress(), 77, 5, block_version=0)
        append_in_child(fog.ledger_dir, [contents(src, [unseen], others=2)])

        def scanned() -> bool:
            client.poll()
            return any(o.value == 77 for o in client.tx_data.owned.values())

        wait_for("the missed block to be scanned", scanned, TIMEOUT_S, POLL_S)
        assert client.calls[FOG_GET_BLOCKS] >= 1
        (found,) = [o for o in client.tx_data.owned.values() if o.value == 77]
        assert (found.block_index, found.tx_out) == (4, unseen)
        missed = client.tx_data.missed_block_ranges
        assert missed and missed[0].start_block == 5  # what is not in the ledger yet
        assert client.tx_data.num_blocks() <= 5
        assert BLOCKCHAIN_GET_BLOCKS not in client.calls



def test_mcref_fog_balance_and_address(fog: Fog, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI over a network state whose fog section names the running servers."""
    base = tmp_path / "net"
    generate_local_network(base, 1, "ring", b"fog client cli", accounts=1)
    document = json.loads((base / STATE_FILE).read_text())
    document["sgx_seed"] = SGX_SEED.hex()  # the simulated SGX network the servers run on
    document["fog"] = {"view": fog.endpoints.view.addr, "ledger": fog.endpoints.ledger.addr,
                       "report_url": fog.report_url, "authority_spki": fog.authority_spki.hex()}
    state = tmp_path / "state.json"
    state.write_text(json.dumps(document))
    bob = fog.account(11)
    entropy = (bytes([11]) * 32).hex()
    assert main(["fog", "balance", "--network-state", str(state), "--root-entropy", entropy,
                 "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    with fog.client(bob) as client:
        balance = client.balance()
    assert (shown["balance"], shown["num_blocks"]) == (balance.value, balance.num_blocks)
    assert shown["balance"] > 0 and len(shown["outputs"]) == len(client.tx_data.owned)
    assert shown["calls"][VIEW_QUERY] >= 1 and BLOCKCHAIN_GET_BLOCKS not in shown["calls"]
    assert main(["fog", "address", "--network-state", str(state), "--root-entropy",
                 entropy]) == 0
    assert capsys.readouterr().out.strip() == b58.encode_public_address(bob.default_subaddress())
