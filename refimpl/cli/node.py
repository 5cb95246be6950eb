"""``mcref node run --config node.toml``: one validator node process.

The configuration is MobileCoin's ``consensus-service`` flags as a TOML file
(refimpl/node/config.py; docs/operator-guide.md lists every field). Start-up validates every
field and file first: a refusal is one ``error[node.config_*]`` line naming the field, exit 2.
The node then serves until SIGTERM or SIGINT and exits 0 after a clean stop.
"""

from __future__ import annotations

import argparse
from typing import Any

from refimpl.cli.inputs import input_file


def register(sub: Any) -> None:
    parser = sub.add_parser("node", help="run a validator node process",
                            description="A consensus validator node (client, peer and admin "
                                        "gRPC ports, SCP worker, LMDB ledger, archive).")
    inner = parser.add_subparsers(dest="node_command", required=True)
    run = inner.add_parser(
        "run", help="run one node until SIGTERM/SIGINT",
        description="Validate the configuration, then serve until SIGTERM or SIGINT.",
        epilog="example: mcref node run --config net/node0/node.toml")
    run.add_argument("--config", type=input_file, required=True, metavar="FILE",
                     help="the node's TOML configuration")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from refimpl.node.process import run_node

    return run_node(args.config)
