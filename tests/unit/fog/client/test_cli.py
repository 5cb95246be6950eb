"""``mcref fog address`` and the network state's fog section (no fog server needed); balance
and pay against running servers are in test_integration.py and tests/network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refimpl.account import b58
from refimpl.cli import main
from refimpl.errors import FogError
from refimpl.fog.client.network_state import FogNetworkState
from refimpl.fog.client.uri import FogUri
from refimpl.fog.report.operator import make_operator_chain
from refimpl.node.localnet import STATE_FILE, generate_local_network

CHAIN = make_operator_chain(b"fog client cli test")
REPORT_URL = "insecure-fog://127.0.0.1:4567/"


def _fog_section(**changes: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "view": "127.0.0.1:4568", "ledger": "insecure-fog-ledger://127.0.0.1:4569/",
        "report_url": REPORT_URL, "authority_spki": CHAIN.root_spki.hex(),
    }
    section.update(changes)
    return {k: v for k, v in section.items() if v is not None}


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("fogcli") / "net"
    generate_local_network(base, 1, "ring", b"fog-cli-test", accounts=2)
    return base


def _with_fog(state_dir: Path, tmp_path: Path, section: dict[str, Any] | None) -> Path:
    document = json.loads((state_dir / STATE_FILE).read_text())
    if section is not None:
        document["fog"] = section
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document))
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_fog_address_names_the_report_server_and_signs_the_authority(
        state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _with_fog(state_dir, tmp_path, _fog_section(report_id="r1"))
    code, out, err = _run(capsys, "fog", "address", "--network-state", str(path), "--account",
                          "1")
    assert code == 0, err
    address = b58.decode_public_address(out.strip(), CHAIN.root_spki)  # verifies the signature
    assert (address.fog_report_url, address.fog_report_id) == (REPORT_URL, "r1")
    code, out, err = _run(capsys, "fog", "address", "--network-state", str(path), "--account",
                          "0", "--json")
    assert code == 0 and json.loads(out)["fog_report_url"] == REPORT_URL


def test_the_authority_may_be_named_by_the_signing_chain(tmp_path: Path) -> None:
    chain_file = tmp_path / "chain.pem"
    chain_file.write_bytes(CHAIN.chain_pem())
    fog = FogNetworkState.from_json({"fog": _fog_section(authority_spki=None,
                                                         signing_chain=str(chain_file))})
    assert fog.authority_spki == CHAIN.root_spki
    assert fog.endpoints.view == FogUri("insecure-fog-view", "127.0.0.1", 4568)
    assert fog.endpoints.ledger.port == 4569 and fog.report_id == ""
    tls = FogNetworkState.from_json({"fog": _fog_section(view="fog-view://127.0.0.1:1/")})
    with pytest.raises(FogError) as info:  # a TLS view parses but is refused when dialled
        tls.endpoints.view.grpc_target()
    assert info.value.code == "fog.client_tls_unsupported"


@pytest.mark.parametrize("section", [
    None,
    _fog_section(view=None),
    _fog_section(ledger="http://x:1/"),
    _fog_section(report_url="https://x/"),
    _fog_section(authority_spki="zz"),
    _fog_section(authority_spki=None),
    _fog_section(view_responder_id=5),
])
def test_a_bad_fog_section_is_one_error_line(state_dir: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              section: dict[str, Any] | None) -> None:
    path = _with_fog(state_dir, tmp_path, section)
    code, out, err = _run(capsys, "fog", "balance", "--network-state", str(path), "--account",
                          "0")
    assert code == 2 and out == ""
    assert err.startswith("error[fog.client_bad_network_state]") and err.count("\n") == 1


def test_an_unknown_account_and_a_missing_file_are_refused(
        state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _with_fog(state_dir, tmp_path, _fog_section())
    code, _out, err = _run(capsys, "fog", "address", "--network-state", str(path), "--account",
                           "7")
    assert code == 2 and err.startswith("error[client.bad_network_state]")
    code, _out, err = _run(capsys, "fog", "address", "--network-state",
                           str(tmp_path / "none.json"), "--account", "0")
    assert code == 2 and err.startswith("error[cli.file_not_found]")


def test_pay_refuses_a_bad_recipient_before_dialling(
        state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _with_fog(state_dir, tmp_path, _fog_section())
    code, out, err = _run(capsys, "fog", "pay", "--network-state", str(path), "--account", "0",
                          "--to", "not-an-address", "--amount", "5")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error[encoding.")
