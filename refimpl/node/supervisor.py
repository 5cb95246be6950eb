"""Running a local network of node processes: start, stop, kill, restart, watch.

MobileCoin ``tools/local-network/local_network.py`` starts one ``consensus-service`` per node
and offers ``status`` / ``stop <node>`` / ``start <node>`` on a control port. Here a
:class:`Supervisor` owns the ``mcref node run`` child processes of a generated
:class:`refimpl.node.localnet.LocalNetwork`; ``mcref network up`` and the fault tests use it.
Each child writes its log to ``<node dir>/node.log``; the supervisor records the pids in
``<base>/pids.json`` so ``mcref network down`` can stop a network started by another process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import grpc
from grpc_health.v1 import health_pb2

from refimpl import safe_json
from refimpl.errors import NodeError
from refimpl.node.api import admin_pb2, consensus_common_pb2
from refimpl.node.grpc_util import unary_call
from refimpl.node.localnet import LocalNetwork, LocalNode

#: How long a node gets to stop after SIGTERM before it is killed.
STOP_GRACE_S = 10.0


def node_command(config: Path) -> list[str]:
    """The child process command line of one node."""
    return [sys.executable, "-m", "refimpl.cli", "node", "run", "--config", str(config)]


def admin_info(node: LocalNode, timeout_s: float = 2.0) -> dict[str, Any] | None:
    """The node's ``AdminAPI/GetInfo`` status (``config_json``), or None if unreachable."""
    with grpc.insecure_channel(f"127.0.0.1:{node.admin_port}") as channel:
        try:
            reply = unary_call(channel, "/admin.AdminAPI/GetInfo", consensus_common_pb2.Empty(),
                               admin_pb2.GetInfoResponse, timeout_s)
        except grpc.RpcError:
            return None
    status: dict[str, Any] = json.loads(reply.config_json)
    return status


def admin_metrics(node: LocalNode, timeout_s: float = 2.0) -> str | None:
    """The node's Prometheus text, or None if unreachable."""
    with grpc.insecure_channel(f"127.0.0.1:{node.admin_port}") as channel:
        try:
            reply = unary_call(channel, "/admin.AdminAPI/GetPrometheusMetrics",
                               consensus_common_pb2.Empty(),
                               admin_pb2.GetPrometheusMetricsResponse, timeout_s)
        except grpc.RpcError:
            return None
    return reply.metrics


def health_serving(address: str, timeout_s: float = 1.0) -> bool:
    """``grpc.health.v1.Health/Check`` at ``address`` (``HOST:PORT``) says SERVING."""
    with grpc.insecure_channel(address) as channel:
        try:
            reply = unary_call(channel, "/grpc.health.v1.Health/Check",
                               health_pb2.HealthCheckRequest(service=""),
                               health_pb2.HealthCheckResponse, timeout_s)
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def client_serving(node: LocalNode, timeout_s: float = 1.0) -> bool:
    """The node's client port is SERVING (it is not behind)."""
    return health_serving(f"127.0.0.1:{node.client_port}", timeout_s)


@attrs.frozen
class ServiceProcess:
    """A process beside the nodes (a fog service): its command line, its log file and the
    address whose gRPC health says it is ready."""

    argv: tuple[str, ...]
    log: Path
    health_address: str


class Supervisor:
    """The node processes of one local network, and the services added beside them."""

    def __init__(self, network: LocalNetwork, env: dict[str, str] | None = None) -> None:
        self.network = network
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.services: dict[str, ServiceProcess] = {}
        self._env = {**os.environ, **(env or {})}

    def add_service(self, name: str, service: ServiceProcess) -> None:
        """Register a service process (started by :meth:`start` / :meth:`start_services`)."""
        if name in self.services or any(n.name == name for n in self.network.nodes):
            raise NodeError("node.duplicate_process", f"a process named {name!r} already exists")
        self.services[name] = service

    def start_services(self) -> None:
        for name in self.services:
            self.start(name)

    def _node(self, name: str) -> LocalNode:
        for node in self.network.nodes:
            if node.name == name:
                return node
        raise NodeError("node.unknown_node", f"no node named {name!r} in this network")

    def _argv_and_log(self, name: str) -> tuple[list[str], Path]:
        service = self.services.get(name)
        if service is not None:
            return list(service.argv), service.log
        node = self._node(name)
        return node_command(node.config_path), node.config_path.parent / "node.log"

    def start(self, name: str) -> None:
        """Start (or restart) one node or service process."""
        argv, log_path = self._argv_and_log(name)
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            return
        log = log_path.open("ab")
        self.procs[name] = subprocess.Popen(argv, stdout=log,
                                            stderr=subprocess.STDOUT, env=self._env,
                                            start_new_session=True)
        log.close()
        self._write_pids()

    def start_all(self) -> None:
        for node in self.network.nodes:
            self.start(node.name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to one node (SIGKILL: no clean-up at all) and reap it."""
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        if sig == signal.SIGKILL:
            proc.wait(timeout=STOP_GRACE_S)

    def stop(self, name: str) -> None:
        """SIGTERM, then SIGKILL after :data:`STOP_GRACE_S`."""
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_GRACE_S)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name in list(self.procs):
            self.stop(name)
        self._write_pids()

    def running(self) -> list[str]:
        return [n for n, p in self.procs.items() if p.poll() is None]

    def _write_pids(self) -> None:
        pids = {n: p.pid for n, p in self.procs.items() if p.poll() is None}
        (self.network.base_dir / "pids.json").write_text(json.dumps(pids, sort_keys=True))

    def _serving(self, name: str) -> bool:
        service = self.services.get(name)
        if service is not None:
            return health_serving(service.health_address)
        return client_serving(self._node(name))

    def wait_serving(self, names: Sequence[str] | None = None, timeout_s: float = 60.0) -> None:
        """Wait until every named process is SERVING (nodes: the client port; services: their
        health address); default: every node (``node.not_ready``)."""
        deadline = time.monotonic() + timeout_s
        pending = list(names or [n.name for n in self.network.nodes])
        while pending:
            pending = [n for n in pending if not self._serving(n)]
            if not pending:
                return
            for n in pending:
                proc = self.procs.get(n)
                if proc is not None and proc.poll() is not None:
                    raise NodeError("node.not_ready", f"{n} exited with {proc.returncode}; "
                                    f"see {self._argv_and_log(n)[1]}")
            if time.monotonic() > deadline:
                raise NodeError("node.not_ready", f"not serving after {timeout_s} s: {pending}")
            time.sleep(0.2)

    def heights(self) -> dict[str, int | None]:
        """Each node's block height (None if unreachable)."""
        out: dict[str, int | None] = {}
        for node in self.network.nodes:
            info = admin_info(node, 1.0)
            out[node.name] = None if info is None else int(info["status"]["block_height"])
        return out

    def wait_heights_equal(self, minimum: int, timeout_s: float,
                           names: Sequence[str] | None = None) -> int:
        """Wait until the named nodes all report the same height >= ``minimum``."""
        wanted = set(names or [n.name for n in self.network.nodes])
        deadline = time.monotonic() + timeout_s
        while True:
            hs = {n: h for n, h in self.heights().items() if n in wanted}
            values = set(hs.values())
            if len(values) == 1 and None not in values:
                (h,) = values
                if h is not None and h >= minimum:
                    return h
            if time.monotonic() > deadline:
                raise NodeError("node.not_ready", f"heights did not converge: {hs}")
            time.sleep(0.25)

    def status_line(self) -> str:
        """One line: each node's height, sync status and pending values."""
        parts = []
        for node in self.network.nodes:
            info = admin_info(node, 1.0)
            if info is None:
                parts.append(f"{node.name}: down")
                continue
            s = info["status"]
            parts.append(f"{node.name}: h={s['block_height']} {s['sync_status']} "
                         f"pending={s['pending_values']}")
        return " | ".join(parts)


def _is_mcref_process(pid: int) -> bool:
    """Whether ``pid`` runs ``python -m refimpl.cli`` (a pid of pids.json may since have been
    reused by another program, which must not be signalled)."""
    try:
        return b"refimpl.cli" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def read_pids(path: Path) -> dict[str, int]:
    """The ``name -> pid`` map of pids.json: ``node.localnet_bad_state`` unless every pid is an
    integer above 1 (0 and -1 would make ``kill`` signal a process group or every process)."""
    try:
        pids = safe_json.parse(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise NodeError("node.localnet_bad_state", f"{path}: cannot read the pids ({exc})") \
            from None
    if not isinstance(pids, dict) or not all(
            isinstance(pid, int) and not isinstance(pid, bool) and 1 < pid < 2**31
            for pid in pids.values()):
        raise NodeError("node.localnet_bad_state",
                        f"{path}: expected {{\"name\": pid, ...}} with pids above 1")
    return pids


def stop_pids(base_dir: Path) -> list[str]:
    """``mcref network down`` for a network started by another process: SIGTERM each pid of
    ``pids.json`` that still runs ``refimpl.cli``, then SIGKILL those still alive after the
    grace period. No pids.json: nothing to stop."""
    path = base_dir / "pids.json"
    if not path.exists():
        return []
    pids = {name: pid for name, pid in read_pids(path).items()
            if pid != os.getpid() and _is_mcref_process(pid)}
    for pid in pids.values():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_GRACE_S
    alive = dict(pids)
    while alive and time.monotonic() < deadline:
        for name, pid in list(alive.items()):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                del alive[name]
        time.sleep(0.1)
    for pid in alive.values():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    path.write_text("{}")
    return sorted(pids)
