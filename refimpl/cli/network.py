"""``mcref network up|status|down``: a local network of validator node processes.

``up`` generates the network (refimpl/node/localnet.py: configs, keys, origin ledger with
funded demo accounts), starts one ``mcref node run`` per node on 127.0.0.1, prints the
endpoints and a live status line, and stops every node on Ctrl-C (or after ``--duration``).
``status`` prints each node's height, sync state and pending values (AdminAPI/GetInfo);
``down`` stops the processes of a network started elsewhere (the pids in ``pids.json``).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Any

from refimpl.cli.inputs import input_dir, input_file
from refimpl.cli.output import print_json
from refimpl.cli.topology_note import no_fault_tolerance_note


def register(sub: Any) -> None:
    parser = sub.add_parser("network", help="run a local network of node processes")
    inner = parser.add_subparsers(dest="network_command", required=True)
    up = inner.add_parser(
        "up", help="generate and start a local network",
        description="Generate a local network under DIR and run it until Ctrl-C.",
        epilog="example: mcref network up --dir net --nodes 5 --topology dense5")
    up.add_argument("--dir", type=Path, default=Path("mcref-network"),
                    help="where to write configs, ledgers and logs (default: %(default)s)")
    up.add_argument("--nodes", type=int, default=5, help="validators (default: %(default)s)")
    up.add_argument("--topology", default="dense5",
                    help="dense | denseN | ring | ringN (N: the number of nodes) | FILE.json "
                         "(default: %(default)s)")
    up.add_argument("--seed", default="mcref-network", help="text all keys derive from")
    up.add_argument("--accounts", type=int, default=20, help="funded demo accounts")
    up.add_argument("--outputs-per-account", type=int, default=1)
    up.add_argument("--timebase-ms", type=int, default=None,
                    help="real duration of SCP's 1000 ms base interval")
    up.add_argument("--duration", type=float, default=None,
                    help="stop after this many seconds (default: until Ctrl-C)")
    up.add_argument("--fog", action="store_true",
                    help="also run fog: ingest, report, view router + stores, ledger")
    up.add_argument("--fog-recovery-db", metavar="URL", default=None,
                    help="postgresql://... (default: SQLite under DIR/fog)")
    up.add_argument("--fog-view-shards", type=int, default=2, metavar="N",
                    help="view stores, each a block range (default: %(default)s)")
    up.set_defaults(handler=_up)
    status = inner.add_parser("status", help="each node's height, sync state, pending values")
    status.add_argument("--dir", type=input_dir, default=Path("mcref-network"),
                        help="the network's directory (network up --dir)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)
    down = inner.add_parser("down", help="stop a network started by `mcref network up`")
    down.add_argument("--dir", type=Path, default=Path("mcref-network"))
    down.set_defaults(handler=_down)


def _topology(text: str) -> str | Path:
    """A topology name, or a FILE.json that must exist (``cli.file_not_found``)."""
    return input_file(text) if text.endswith(".json") else text


def _up(args: argparse.Namespace) -> int:
    from refimpl.node.localnet import generate_local_network, topology_quorum_sets
    from refimpl.node.supervisor import Supervisor

    extra = {} if args.timebase_ms is None else {"scp_timebase_ms": args.timebase_ms}
    network = generate_local_network(
        args.dir, args.nodes, _topology(args.topology), args.seed.encode(),
        accounts=args.accounts, outputs_per_account=args.outputs_per_account,
        trace_epoch_ms=int(time.time() * 1000), **extra)
    note = no_fault_tolerance_note(topology_quorum_sets(_topology(args.topology), args.nodes))
    if note:
        print(note)
    supervisor = Supervisor(network)
    fog_names: list[str] = []
    if args.fog:
        from refimpl.fog.localnet import add_fog_services, generate_local_fog

        fog = generate_local_fog(network, recovery_db=args.fog_recovery_db,
                                 view_shards=args.fog_view_shards)
        fog_names = add_fog_services(supervisor, fog)
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops the nodes as Ctrl-C does
    supervisor.start_all()
    try:
        supervisor.wait_serving(timeout_s=120)
        for node in network.nodes:
            print(f"{node.name}: client {node.client_uri}  peer 127.0.0.1:{node.peer_port}  "
                  f"admin {node.admin_uri}  (log {node.directory / 'node.log'})")
        if fog_names:
            supervisor.start_services()
            supervisor.wait_serving(fog_names, timeout_s=120)
            for name in fog_names:
                service = supervisor.services[name]
                print(f"{name}: {service.health_address}  (log {service.log})")
        print(f"state: {network.base_dir / 'network-state.json'}; pay with `mcref client pay "
              f"--network-state {network.base_dir} ...`; Ctrl-C stops the network")
        deadline = None if args.duration is None else time.monotonic() + args.duration
        while deadline is None or time.monotonic() < deadline:
            sys.stdout.write("\r" + supervisor.status_line()[:200])
            sys.stdout.flush()
            time.sleep(1.0)
        print()
    except KeyboardInterrupt:
        print()
    finally:
        supervisor.stop_all()
        print("network stopped")
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _status(args: argparse.Namespace) -> int:
    from refimpl.node.localnet import load_local_network
    from refimpl.node.supervisor import admin_info

    network = load_local_network(args.dir)
    rows = []
    for node in network.nodes:
        info = admin_info(node, 2.0)
        rows.append({"node": node.name, "up": info is not None,
                     **({} if info is None else info["status"])})
    if args.json:
        print_json({"nodes": rows})
        return 0
    for row in rows:
        if not row["up"]:
            print(f"{row['node']}: down")
        else:
            print(f"{row['node']}: height {row['block_height']} {row['sync_status']} "
                  f"pending {row['pending_values']} slot {row['cur_slot']} {row['cur_slot_phase']}")
    return 0


def _down(args: argparse.Namespace) -> int:
    from refimpl.node.supervisor import stop_pids

    stopped = stop_pids(args.dir)
    print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
    return 0
