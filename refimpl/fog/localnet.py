"""Fog beside a local validator network: the processes, their flags, the state clients read.

MobileCoin ``tools/fog-local-network/fog_local_network.py`` starts, next to a local consensus
network, one fog ingest, a report server, view (router and stores) and ledger servers over a
PostgreSQL recovery database and a ledger kept in sync from the nodes. Here
:func:`generate_local_fog` writes the operator's signing chain and decides every port and flag
under ``<network>/fog/``; :func:`add_fog_services` registers the processes with the network's
:class:`~refimpl.node.supervisor.Supervisor` (``mcref fog serve <role> ...`` each, logs in
``fog/<name>.log``) and the ``fog`` section of ``network-state.json`` tells clients where fog is
(schema: :mod:`refimpl.fog.client.network_state`).

Layout under ``<network>/fog/``::

    chain.pem, signing-key.pem   the operator's X.509 chain (Ed25519 leaf) and the leaf key
    recovery.db                  the SQLite recovery database (unless a PostgreSQL URL is given)
    ingest-state.json            ingest's state file (summary + sealed ingress key)
    <process>.log                each process's output

Processes (``fog-index`` = the simulated fog platform of each, distinct per process):

* ``fog-ingest``: reads node ``ledger_node``'s LMDB ledger, starts active (``--activate``),
  admin API on its own port (its health is the process's readiness);
* ``fog-report``: serves the recovery database's reports, signed with the chain;
* ``fog-view-store-<k>``: ``view_shards`` stores, store ``k`` serving blocks
  ``[k * shard_blocks, (k + 1) * shard_blocks)``, the last one open-ended;
* ``fog-view-router``: the clients' ``FogViewAPI``, over every store;
* ``fog-ledger``: key images, outputs with proofs, blocks, TxOuts over node ``ledger_node``'s
  ledger.

Fog-enabled demo accounts are the network's demo accounts with the report url and the chain's
root key (:meth:`LocalFog.account`); the origin block pays their non-fog form, so fog finds
only what is paid to them after ingest started.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import attrs

from refimpl.account.keys import AccountKey
from refimpl.errors import FogError
from refimpl.fog.report.operator import fog_account_key, make_operator_chain
from refimpl.node.localnet import HOST, LocalNetwork, free_ports
from refimpl.node.supervisor import ServiceProcess, Supervisor

FOG_DIR = "fog"
RECOVERY_DB_FILE = "recovery.db"
INGEST_STATE_FILE = "ingest-state.json"
#: Blocks per view shard on a local network (MobileCoin's deployments use 400 000).
DEFAULT_SHARD_BLOCKS = 8
DEFAULT_VIEW_SHARDS = 2
#: Poll intervals of a local network's fog (MobileCoin's default is 250 ms).
LOCAL_POLL_INTERVAL_MS = 100
#: Oblivious-map capacities of a local network (lazily allocated: only what is used costs).
LOCAL_OMAP_CAPACITY = 1 << 16
LOCAL_USER_CAPACITY = 1 << 14
_U64_MAX = 2**64 - 1
#: ports: report, ingest admin, router, router admin, ledger, then one per store
_FIXED_PORTS = 5


@attrs.frozen
class LocalFog:
    """Where a local network's fog lives and how each process is started."""

    directory: Path
    sgx_seed: bytes
    recovery_db: str
    ledger_db: Path
    report_port: int
    ingest_admin_port: int
    router_port: int
    router_admin_port: int
    ledger_port: int
    store_ports: tuple[int, ...]
    shard_blocks: int
    chain: tuple[bytes, ...]

    @property
    def report_url(self) -> str:
        return f"insecure-fog://{HOST}:{self.report_port}/"

    def shard_range(self, k: int) -> str:
        """Store ``k``'s ``START-END`` (the last store ends at ``u64::MAX``)."""
        start = k * self.shard_blocks
        end = _U64_MAX if k == len(self.store_ports) - 1 else start + self.shard_blocks
        return f"{start}-{end}"

    def account(self, root_entropy: bytes) -> AccountKey:
        """A fog-enabled account naming this fog's report server and operator root."""
        return fog_account_key(root_entropy, self.report_url, self.chain)

    def _serve(self, role: str, *flags: str) -> tuple[str, ...]:
        return (sys.executable, "-m", "refimpl.cli", "fog", "serve", role, *flags)

    def services(self) -> dict[str, ServiceProcess]:
        """Every fog process, by name."""
        seed = self.sgx_seed.hex()
        d = self.directory
        out = {
            "fog-ingest": ServiceProcess(self._serve(
                "ingest", "--ledger-db", str(self.ledger_db), "--recovery-db", self.recovery_db,
                "--sgx-seed", seed, "--fog-index", "0",
                "--admin-listen-uri", f"{HOST}:{self.ingest_admin_port}",
                "--local-node-id", f"{HOST}:{self.ingest_admin_port}",
                "--state-file", str(d / INGEST_STATE_FILE), "--activate",
                "--poll-interval-ms", str(LOCAL_POLL_INTERVAL_MS),
                "--user-capacity", str(LOCAL_USER_CAPACITY)),
                d / "fog-ingest.log", f"{HOST}:{self.ingest_admin_port}"),
            "fog-report": ServiceProcess(self._serve(
                "report", "--client-listen-uri", f"{HOST}:{self.report_port}",
                "--recovery-db", self.recovery_db, "--signing-chain", str(d / "chain.pem"),
                "--signing-key", str(d / "signing-key.pem")),
                d / "fog-report.log", f"{HOST}:{self.report_port}"),
        }
        shard_uris = []
        for k, port in enumerate(self.store_ports):
            out[f"fog-view-store-{k}"] = ServiceProcess(self._serve(
                "view-store", "--client-listen-uri", f"{HOST}:{port}",
                "--recovery-db", self.recovery_db, "--sgx-seed", seed,
                "--fog-index", str(2 + k), "--sharding-strategy", self.shard_range(k),
                "--omap-capacity", str(LOCAL_OMAP_CAPACITY),
                "--db-polling-interval-ms", str(LOCAL_POLL_INTERVAL_MS)),
                d / f"fog-view-store-{k}.log", f"{HOST}:{port}")
            shard_uris.append(f"insecure-fog-view-store://{HOST}:{port}/"
                              f"?sharding_strategy={self.shard_range(k)}")
        out["fog-view-router"] = ServiceProcess(self._serve(
            "view-router", "--client-listen-uri", f"{HOST}:{self.router_port}",
            "--admin-listen-uri", f"{HOST}:{self.router_admin_port}",
            "--shard-uris", ",".join(shard_uris), "--sgx-seed", seed, "--fog-index", "1"),
            d / "fog-view-router.log", f"{HOST}:{self.router_port}")
        out["fog-ledger"] = ServiceProcess(self._serve(
            "ledger", "--client-listen-uri", f"{HOST}:{self.ledger_port}",
            "--ledger-db", str(self.ledger_db), "--sgx-seed", seed,
            "--fog-index", str(2 + len(self.store_ports)),
            "--omap-capacity", str(LOCAL_OMAP_CAPACITY),
            "--poll-interval-ms", str(LOCAL_POLL_INTERVAL_MS)),
            d / "fog-ledger.log", f"{HOST}:{self.ledger_port}")
        return out

    def state_section(self) -> dict[str, Any]:
        """The ``fog`` section of ``network-state.json``."""
        return {
            "view": f"{HOST}:{self.router_port}",
            "ledger": f"{HOST}:{self.ledger_port}",
            "report_url": self.report_url,
            "report_id": "",
            "signing_chain": str(self.directory / "chain.pem"),
            "recovery_db": self.recovery_db,
            "ingest_admin": f"{HOST}:{self.ingest_admin_port}",
            "view_stores": [{"address": f"{HOST}:{p}", "range": self.shard_range(k)}
                            for k, p in enumerate(self.store_ports)],
        }


def generate_local_fog(network: LocalNetwork, *, recovery_db: str | None = None,
                       view_shards: int = DEFAULT_VIEW_SHARDS,
                       shard_blocks: int = DEFAULT_SHARD_BLOCKS,
                       ledger_node: str = "n0") -> LocalFog:
    """Write ``<network>/fog/`` (chain, key) and the ``fog`` section of the network state;
    return the plan. ``recovery_db``: a ``postgresql://`` URL, default a SQLite file there."""
    if not 1 <= view_shards <= 16:
        raise FogError("fog.localnet_bad_parameter", f"view shards {view_shards}: 1..16")
    if not 1 <= shard_blocks <= 2**32:
        raise FogError("fog.localnet_bad_parameter", f"shard blocks {shard_blocks}: 1..2^32")
    node = network.node(ledger_node)
    directory = network.base_dir / FOG_DIR
    directory.mkdir(parents=True, exist_ok=True)
    chain = make_operator_chain(network.seed + b" fog operator")
    chain.write(directory)
    ports = free_ports(_FIXED_PORTS + view_shards)
    fog = LocalFog(
        directory=directory, sgx_seed=network.sgx_seed,
        recovery_db=recovery_db or f"sqlite:///{directory / RECOVERY_DB_FILE}",
        ledger_db=node.directory / "ledger", report_port=ports[0],
        ingest_admin_port=ports[1], router_port=ports[2], router_admin_port=ports[3],
        ledger_port=ports[4], store_ports=tuple(ports[_FIXED_PORTS:]),
        shard_blocks=shard_blocks, chain=chain.chain)
    state_path = network.base_dir / "network-state.json"
    document = json.loads(state_path.read_text(encoding="utf-8"))
    document["fog"] = fog.state_section()
    state_path.write_text(json.dumps(document, indent=2) + "\n")
    return fog


def add_fog_services(supervisor: Supervisor, fog: LocalFog) -> list[str]:
    """Register every fog process with ``supervisor``; returns their names."""
    services = fog.services()
    for name, service in services.items():
        supervisor.add_service(name, service)
    return list(services)
