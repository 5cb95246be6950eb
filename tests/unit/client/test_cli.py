"""``mcref client balance|pay`` (refimpl/cli/client.py) with a network state written by
refimpl/node/localnet.py, against the in-test node over the network's origin ledger, whose
enclave runs on node 0's simulated SGX platform (so the CLI's verifier, derived from the
state's SGX seed, accepts it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from refimpl.account import b58
from refimpl.account.keys import AccountKey
from refimpl.cli import main
from refimpl.enclave.channel import LocalEnclave
from refimpl.enclave.consensus_api import SIM_CONSENSUS_CODE, SIM_SIGNER_KEY
from refimpl.enclave.platform_sim import SimulatedEnclave
from refimpl.ledger.store import LedgerStore
from refimpl.node.enclave import ENCLAVE_BUILD_CONFIG, simulated_platform
from refimpl.node.localnet import STATE_FILE, LocalNetwork, generate_local_network
from tests.unit.client._mini_node import RESPONDER_ID, MiniNode
from tests.unit.client._serving import serving_at
from tests.unit.transaction._txbuild import rng_from

OUTPUTS = 6


@attrs.frozen
class Net:
    state: LocalNetwork
    state_file: Path
    uri: str
    ledger: LedgerStore


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    base = tmp_path_factory.mktemp("cli") / "net"
    state = generate_local_network(base, 1, "ring", b"cli-test", accounts=2,
                                   outputs_per_account=OUTPUTS)
    platform = simulated_platform(state.sgx_seed, 0)
    local = LocalEnclave.create(
        SimulatedEnclave(SIM_CONSENSUS_CODE, ENCLAVE_BUILD_CONFIG, SIM_SIGNER_KEY, platform),
        rng_from("cli-enclave"),
    )
    ledger = LedgerStore.open(state.origin_ledger)
    try:
        with serving_at(MiniNode(local, ledger).handlers()) as (_channel, port):
            yield Net(state, base / STATE_FILE, f"insecure-mc://127.0.0.1:{port}/", ledger)
    finally:
        ledger.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def balance(net: Net, capsys: pytest.CaptureFixture[str], account: int) -> dict[str, object]:
    code, out, err = run(capsys, "client", "balance", "--node", net.uri, "--network-state",
                         str(net.state_file), "--account", str(account), "--json")
    assert code == 0, err
    document: dict[str, object] = json.loads(out)
    return document


def address(net: Net, account: int) -> str:
    key = AccountKey.from_root_entropy(net.state.account_root_entropies[account])
    return b58.encode_public_address(key.default_subaddress())


def test_balance_of_a_demo_account(net: Net, capsys: pytest.CaptureFixture[str]) -> None:
    document = balance(net, capsys, 0)
    assert document["balance"] == OUTPUTS * net.state.value_per_output
    assert document["unspent_outputs"] == OUTPUTS
    assert document["address"] == address(net, 0)
    code, out, _ = run(capsys, "client", "balance", "--node", net.uri, "--root-entropy",
                       net.state.account_root_entropies[1].hex())
    assert code == 0 and address(net, 1) in out and f"in {OUTPUTS} unspent outputs" in out


def test_pay_prints_the_block_and_the_recipient_sees_it(
    net: Net, capsys: pytest.CaptureFixture[str]
) -> None:
    before = balance(net, capsys, 1)["balance"]
    assert isinstance(before, int)
    code, out, err = run(
        capsys, "client", "pay", "--node", net.uri, "--network-state", str(net.state_file),
        "--client-responder-id", RESPONDER_ID, "--account", "0", "--to", address(net, 1),
        "--amount", "5000", "--timeout", "10", "--json",
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["result"] == "Ok" and document["fee"] == net.state.minimum_fee
    assert document["block_index"] == net.ledger.num_blocks() - 1
    assert document["latency_s"] >= 0
    assert balance(net, capsys, 1)["balance"] == before + 5000
    code, out, err = run(
        capsys, "client", "pay", "--node", net.uri, "--network-state", str(net.state_file),
        "--client-responder-id", RESPONDER_ID, "--account", "1", "--to", address(net, 0),
        "--amount", "7", "--fee", str(2 * net.state.minimum_fee), "--timeout", "10",
    )
    assert code == 0, err
    assert out.startswith(f"block {net.ledger.num_blocks() - 1}  latency ")


@pytest.mark.parametrize(("extra", "code"), [
    (("--account", "9"), "client.bad_network_state]"),
    (("--account", "0", "--sgx-seed", "00" * 32), "attest."),  # another network's PKI
    (("--account", "0", "--client-responder-id", "127.0.0.1:1"), "crypto.noise_decrypt_failed]"),
    (("--account", "0", "--to", "0OIl"), "encoding.bad_base58]"),
])
def test_pay_refusals_are_one_line_errors(
    net: Net, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], code: str
) -> None:
    argv = ["client", "pay", "--node", net.uri, "--network-state", str(net.state_file),
            "--client-responder-id", RESPONDER_ID, "--to", address(net, 1), "--amount", "1"]
    status, out, err = run(capsys, *argv, *extra)
    assert status == 2 and out == ""
    assert err.startswith(f"error[{code}") and err.count("\n") == 1


@pytest.mark.parametrize(("argv", "code"), [
    (("--node", "mc://127.0.0.1:1/", "--root-entropy", "00" * 32), "client.bad_uri"),
    (("--node", "insecure-mc://127.0.0.1:1/", "--account", "0"), "cli.usage"),
    (("--root-entropy", "00" * 32), "cli.usage"),
    (("--node", "insecure-mc://127.0.0.1:1/", "--root-entropy", "00"), "encoding.bad_length"),
])
def test_balance_refusals(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], code: str
) -> None:
    status, _out, err = run(capsys, "client", "balance", *argv)
    assert status == 2 and err.startswith(f"error[{code}]")


def test_a_missing_state_file_is_typed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run(capsys, "client", "balance", "--network-state",
                            str(tmp_path / "absent.json"), "--account", "0")
    assert status == 2 and err.startswith("error[cli.file_not_found]")
