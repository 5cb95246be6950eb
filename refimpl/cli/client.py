"""``mcref client balance|pay``: a thin wallet talking to a validator's client port.

``mcref client balance [--node URI|NAME] [--network-state FILE] (--account N | --root-entropy
HEX) [--json]``: scan the node's ledger (``mcref_ledger.LedgerAccessAPI``) for the account's
outputs on its default and change subaddresses; print the address, the unspent balance and
outputs, and the blocks scanned.

``mcref client pay ... --to B58 --amount N [--fee N] [--tombstone-delta N] [--timeout S]
[--json]``: attest to the node's enclave (Noise NX), build a payment (rings of 11 with
membership proofs from the node), submit it with ``ClientTxPropose`` and wait until its key
images are in a block; print the block index and the latency. The fee defaults to the node's
minimum (``GetLastBlockInfo``). A refusal prints ``error[client.tx_rejected]`` naming
MobileCoin's ``ProposeTxResult``.

The network state file is the ``network-state.json`` that ``mcref network up`` writes
(``refimpl/node/localnet.py``; a directory holding one may be named instead). It supplies the
demo accounts' root entropies (``--account N``), the nodes' client URIs and responder ids
(``--node`` may then be a node name; the default is the first node) and the simulated SGX
seed from which the enclave verifier derives (``refimpl/node/enclave.py``
``network_verifier``). Without a state file, ``--node`` must be a URI and ``pay`` needs
``--sgx-seed``; ``--client-responder-id`` defaults to the URI's ``host:port``, as a node's
does.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refimpl.cli.inputs import input_path
from refimpl.cli.output import print_json
from refimpl.client.defaults import DEFAULT_TIMEOUT_S, DEFAULT_TOMBSTONE_DELTA
from refimpl.codec import parse_hex
from refimpl.errors import ClientError, CliError

if TYPE_CHECKING:
    from refimpl.account.keys import AccountKey
    from refimpl.node.localnet import LocalNetwork

PICOMOB_PER_MOB = 10**12


def register(sub: Any) -> None:
    parser = sub.add_parser("client", help="a wallet client of a validator node")
    inner = parser.add_subparsers(dest="client_command", required=True)
    balance = inner.add_parser("balance", help="the unspent balance of an account")
    _common(balance)
    balance.set_defaults(handler=_balance)
    send = inner.add_parser("pay", help="pay an address and wait for the block")
    _common(send)
    add_payment_arguments(send)
    send.add_argument("--client-responder-id", metavar="ID",
                      help="the node's client responder id (default: from the state or URI)")
    send.add_argument("--sgx-seed", metavar="HEX",
                      help="the simulated SGX network's seed (default: from the state file)")
    send.set_defaults(handler=_pay)


def add_payment_arguments(parser: argparse.ArgumentParser,
                          tombstone_help: str = "blocks the tx may wait to land") -> None:
    """``--to --amount --fee --tombstone-delta --timeout`` (``mcref client pay``, ``mcref fog
    pay``)."""
    parser.add_argument("--to", required=True, metavar="B58", help="the recipient's b58 address")
    parser.add_argument("--amount", required=True, type=int, metavar="N", help="picoMOB")
    parser.add_argument("--fee", type=int, metavar="N",
                        help="picoMOB (default: node's minimum)")
    parser.add_argument("--tombstone-delta", type=int, default=DEFAULT_TOMBSTONE_DELTA,
                        metavar="N", help=tombstone_help)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                        help="seconds to wait for the block")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--node", metavar="URI",
                        help="insecure-mc://HOST:PORT/, or a node name of the state file")
    parser.add_argument("--network-state", metavar="FILE", type=input_path,
                        help="network-state.json (or dir)")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--account", type=int, metavar="N", help="demo account N of the state")
    who.add_argument("--root-entropy", metavar="HEX", help="the account's 32-byte root entropy")
    parser.add_argument("--json", action="store_true")


# --- inputs -------------------------------------------------------------------------------


def _state(args: argparse.Namespace) -> LocalNetwork | None:
    from refimpl import safe_json
    from refimpl.node.localnet import LocalNetwork, load_local_network

    if args.network_state is None:
        return None
    path = Path(args.network_state)
    if path.is_dir():
        return load_local_network(path)
    try:
        document = safe_json.parse(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ClientError("client.bad_network_state",
                          f"{path}: cannot read the network state ({type(exc).__name__})") from None
    return LocalNetwork.from_json(document)


def _account(args: argparse.Namespace, state: LocalNetwork | None) -> AccountKey:
    from refimpl.account.keys import AccountKey

    if args.root_entropy is not None:
        return AccountKey.from_root_entropy(parse_hex(args.root_entropy, 32, "root entropy"))
    if state is None:
        raise CliError("cli.usage", "--account N needs --network-state")
    entropies = state.account_root_entropies
    if not 0 <= args.account < len(entropies):
        raise ClientError("client.bad_network_state",
                          f"no account {args.account}: the network has {len(entropies)}")
    return AccountKey.from_root_entropy(entropies[args.account])


def _node(args: argparse.Namespace, state: LocalNetwork | None) -> tuple[str, str | None]:
    """The node's client URI and, when the state names it, its client responder id."""
    from refimpl.client.connection import parse_client_uri

    if args.node is not None and "://" in args.node:
        parse_client_uri(args.node)
        if state is not None:
            for node in state.nodes:
                if node.client_uri == args.node:
                    return args.node, node.client_responder_id
        return args.node, None
    if state is None:
        raise CliError("cli.usage", "--node must be a URI without --network-state")
    if not state.nodes:
        raise ClientError("client.bad_network_state", "the network has no nodes")
    node = state.nodes[0] if args.node is None else state.node(args.node)
    return node.client_uri, node.client_responder_id


# --- commands ------------------------------------------------------------------------------


def _balance(args: argparse.Namespace) -> int:
    import grpc

    from refimpl.account import b58
    from refimpl.client.connection import parse_client_uri
    from refimpl.client.ledger_source import GrpcLedgerSource
    from refimpl.client.wallet import Wallet

    state = _state(args)
    account = _account(args, state)
    uri, _responder_id = _node(args, state)
    with grpc.insecure_channel(parse_client_uri(uri)) as channel:  # no attestation needed
        wallet = Wallet(account)
        wallet.sync(GrpcLedgerSource(channel))
    unspent = wallet.unspent()
    document = {
        "node": uri,
        "address": b58.encode_public_address(account.default_subaddress()),
        "balance": wallet.balance(),
        "unspent_outputs": len(unspent),
        "blocks_scanned": wallet.next_block,
        "outputs": [
            {"index": o.index, "block": o.block_index, "value": o.value,
             "subaddress": o.subaddress_index, "spent_at": wallet.spent_at(o)}
            for o in wallet.owned
        ],
    }
    if args.json:
        print_json(document)
    else:
        print(f"address  {document['address']}")
        print(f"balance  {wallet.balance()} picoMOB ({wallet.balance() / PICOMOB_PER_MOB} MOB) "
              f"in {len(unspent)} unspent outputs; {wallet.next_block} blocks scanned")
    return 0


def _pay(args: argparse.Namespace) -> int:
    from refimpl.account import b58
    from refimpl.client.connection import ConsensusClient, parse_client_uri
    from refimpl.client.ledger_source import GrpcLedgerSource
    from refimpl.client.pay import pay
    from refimpl.client.wallet import Wallet
    from refimpl.node.enclave import network_verifier

    state = _state(args)
    account = _account(args, state)
    uri, state_responder_id = _node(args, state)
    responder_id = (args.client_responder_id or state_responder_id
                    or parse_client_uri(uri))
    if args.sgx_seed is not None:
        sgx_seed = parse_hex(args.sgx_seed, what="SGX seed")
    elif state is not None:
        sgx_seed = state.sgx_seed
    else:
        raise CliError("cli.usage", "pay needs --sgx-seed or --network-state")
    recipient = b58.decode_public_address(args.to)
    with ConsensusClient(uri, responder_id, network_verifier(sgx_seed)) as client:
        source = GrpcLedgerSource(client.channel)
        resolver = None
        if recipient.has_fog:  # the recipient's fog key, from its report server
            from refimpl.fog.report.client import fetch_reports
            from refimpl.fog.report.validate import ingest_report_verifier, resolve_fog_keys

            resolver = resolve_fog_keys([recipient], fetch_reports,
                                        ingest_report_verifier(sgx_seed), source.num_blocks())
        payment = pay(client, source, Wallet(account), recipient, args.amount, args.fee,
                      args.tombstone_delta, timeout_s=args.timeout, fog_resolver=resolver)
    document = {"node": uri, "to": args.to, **payment.to_json()}
    if args.json:
        print_json(document)
    else:
        print(f"block {payment.block_index}  latency {payment.latency_s:.3f} s  "
              f"tx {payment.tx_hash.hex()}  fee {payment.fee}")
    return 0
