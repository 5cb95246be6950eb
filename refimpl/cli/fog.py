"""``mcref fog ...``: the fog client (and, from the lead's work, the fog services).

``mcref fog address --network-state DIR (--account N | --root-entropy HEX) [--json]``: the
account's fog-enabled b58 address (its default subaddress naming the network's report server
and signed over the fog authority's key).

``mcref fog balance --network-state DIR (--account N | --root-entropy HEX) [--json]``: poll fog
view (RNGs, found outputs), scan the blocks ingest missed (fog ledger ``GetBlocks``), check key
images (fog ledger), and print the balance with the block count it is valid as of.

``mcref fog pay ... --to B58 --amount N [--fee N] [--tombstone-delta N] [--timeout S] [--node
NAME|URI] [--json]``: the same poll, then inputs from the found outputs, rings of 11 and proofs
from fog ledger ``GetOutputs``, the recipient's (and our change's) fog key from their report
servers, the fee and block version from the node's ``GetLastBlockInfo``; submit with
``ClientTxPropose`` and wait until fog ledger sees the key images spent.

The network state is the ``network-state.json`` of ``mcref network up --fog`` (or its
directory): the demo accounts, the simulated SGX seed, the nodes, and the ``fog`` section
(:mod:`refimpl.fog.client.network_state`). No block is read from a validator: ``--json`` lists
every call made, by gRPC method path.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refimpl.cli.client import PICOMOB_PER_MOB, _node, add_payment_arguments
from refimpl.cli.inputs import input_path
from refimpl.cli.output import print_json
from refimpl.codec import parse_hex
from refimpl.errors import ClientError, RefImplError

if TYPE_CHECKING:
    from refimpl.account.keys import AccountKey
    from refimpl.client.wallet import Owned
    from refimpl.fog.client.client import FogClient
    from refimpl.fog.client.network_state import FogNetworkState
    from refimpl.node.localnet import LocalNetwork


def register(sub: Any) -> None:
    parser = sub.add_parser("fog", help="fog: a phone-style client (and the fog services)")
    inner = parser.add_subparsers(dest="fog_command", required=True)
    address = inner.add_parser("address", help="the account's fog-enabled b58 address")
    _common(address)
    address.set_defaults(handler=_address)
    balance = inner.add_parser("balance", help="the balance, found through fog")
    _common(balance)
    balance.set_defaults(handler=_balance)
    pay = inner.add_parser("pay", help="pay an address through fog and wait for the block")
    _common(pay)
    add_payment_arguments(pay, "blocks the tx may wait to land (at most the fog key's expiry)")
    pay.add_argument("--node", metavar="NAME|URI",
                     help="the node to submit to (a name of the state file, or its client URI; "
                     "default: the first node)")
    pay.set_defaults(handler=_pay)
    # --- fog services: `mcref fog serve <role>` and `mcref fog ingest <action>`
    register_serve(inner)
    from refimpl.cli.fog_ingest import register_ingest_admin

    register_ingest_admin(inner)


def register_serve(inner: Any) -> None:
    """``mcref fog serve <role>`` (:mod:`refimpl.cli.fog_serve`)."""
    from refimpl.cli import fog_serve

    fog_serve.register_serve(inner)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network-state", required=True, metavar="FILE", type=input_path,
                        help="network-state.json of `mcref network up --fog` (or its dir)")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--account", type=int, metavar="N", help="demo account N of the state")
    who.add_argument("--root-entropy", metavar="HEX", help="the account's 32-byte root entropy")
    parser.add_argument("--json", action="store_true")


# --- inputs -------------------------------------------------------------------------------


def _document(args: argparse.Namespace) -> Any:
    from refimpl import safe_json
    from refimpl.node.localnet import STATE_FILE

    path = Path(args.network_state)
    if path.is_dir():
        path = path / STATE_FILE
    try:
        return safe_json.parse(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ClientError("client.bad_network_state",
                          f"{path}: cannot read the network state ({type(exc).__name__})") from None


def _inputs(args: argparse.Namespace) -> tuple[LocalNetwork, FogNetworkState, AccountKey]:
    from refimpl.fog.client.network_state import FogNetworkState
    from refimpl.node.localnet import LocalNetwork

    document = _document(args)
    state = LocalNetwork.from_json(document)
    fog = FogNetworkState.from_json(document)
    if args.root_entropy is not None:
        entropy = parse_hex(args.root_entropy, 32, "root entropy")
    else:
        entropies = state.account_root_entropies
        if not 0 <= args.account < len(entropies):
            raise ClientError("client.bad_network_state",
                              f"no account {args.account}: the network has {len(entropies)}")
        entropy = entropies[args.account]
    return state, fog, fog.account(entropy)


def _connect(state: LocalNetwork, fog: FogNetworkState, account: AccountKey,
             consensus: Any = None) -> FogClient:
    from refimpl.fog.client.client import FogClient

    return FogClient.connect(account, fog.endpoints, state.sgx_seed, consensus=consensus)


def _calls(client: FogClient) -> dict[str, int]:
    return dict(sorted(client.calls.items()))


# --- commands ------------------------------------------------------------------------------


def _address(args: argparse.Namespace) -> int:
    from refimpl.account import b58

    _state, fog, account = _inputs(args)
    address = b58.encode_public_address(account.default_subaddress())
    if args.json:
        print_json({"address": address, "fog_report_url": fog.report_url,
                    "fog_report_id": fog.report_id})
    else:
        print(address)
    return 0


def _balance(args: argparse.Namespace) -> int:
    from refimpl.account import b58

    state, fog, account = _inputs(args)
    with _connect(state, fog, account) as client:
        balance = client.balance()
        data = client.tx_data
        document = {
            "address": b58.encode_public_address(account.default_subaddress()),
            "balance": balance.value,
            "num_blocks": balance.num_blocks,
            "unspent_outputs": len(balance.unspent),
            "outputs": [
                {"index": o.index, "block": o.block_index, "value": o.value,
                 "subaddress": o.subaddress_index, "spent_at": data.spent_at(o.index),
                 "memo": _memo(account, o)}
                for _i, o in sorted(data.owned.items())
            ],
            "missed_block_ranges": [str(r) for r in data.missed_block_ranges],
            "calls": _calls(client),
        }
    if args.json:
        print_json(document)
    else:
        print(f"address  {document['address']}")
        print(f"balance  {balance.value} picoMOB ({balance.value / PICOMOB_PER_MOB} MOB) in "
              f"{len(balance.unspent)} unspent outputs, as of {balance.num_blocks} blocks")
    return 0


def _memo(account: AccountKey, owned: Owned) -> dict[str, Any]:
    """The output's memo as JSON (its type and fields; an undecodable one as its error)."""
    from refimpl.fog.client.memos import memo_json, output_memo

    try:
        return memo_json(account, owned, output_memo(account, owned))
    except RefImplError as exc:
        return {"error": exc.code}


def _pay(args: argparse.Namespace) -> int:
    from refimpl.account import b58
    from refimpl.client.connection import ConsensusClient, parse_client_uri
    from refimpl.node.enclave import network_verifier

    state, fog, account = _inputs(args)
    recipient = b58.decode_public_address(args.to)
    uri, responder_id = _node(args, state)
    with ConsensusClient(uri, responder_id or parse_client_uri(uri),
                         network_verifier(state.sgx_seed)) as node, \
            _connect(state, fog, account, node) as client:
        payment = client.pay(recipient, args.amount, fee=args.fee,
                             tombstone_delta=args.tombstone_delta, timeout_s=args.timeout)
        calls = _calls(client)
    document = {"node": uri, "to": args.to, **payment.to_json(), "calls": calls}
    if args.json:
        print_json(document)
    else:
        print(f"block {payment.block_index}  latency {payment.latency_s:.3f} s  "
              f"tx {payment.tx_hash.hex()}  fee {payment.fee}")
    return 0
