"""TLC's distributed mode: ``tlc2.tool.distributed.TLCServer`` and ``TLCWorker`` over Java RMI.

The server (one per model) parses the spec, computes the initial states, keeps the fingerprint
set and the state queue, and hands batches of states to every worker that registers with it;
it prints the usual ``-tool`` messages and the result (so :func:`run_server` returns an
ordinary :class:`TlcResult`). A worker needs only the same ``tla2tools.jar`` and the server's
address: it fetches the spec and its modules from the server over RMI. TLC 2.15 reads its
settings from system properties named after the class (found in the jar):
``tlc2.tool.distributed.TLCServer.port`` (the RMI registry port, default 10997; workers must use
the same), ``tlc2.tool.distributed.TLCServer.report`` (milliseconds between the server's
progress reports, default 60000) and ``tlc2.tool.distributed.TLCWorker.threadCount`` (threads
per worker, default the number of cores). ``java.rmi.server.hostname`` is the address each
process gives the other side for calls back to it. docs/tlc.md ("Distributed TLC") says how
to run it across machines.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import attrs

from refimpl.errors import FormalError
from refimpl.formal import tlc_process
from refimpl.formal.tlc import TlcOptions, java_command, model_arguments, scratch_dir, state_dir
from refimpl.formal.tlc_output import TlcProgress, TlcResult, parse_tool_output
from refimpl.formal.tlc_process import ProgressCallback

SERVER_CLASS = "tlc2.tool.distributed.TLCServer"
WORKER_CLASS = "tlc2.tool.distributed.TLCWorker"
DEFAULT_PORT = 10997


@attrs.frozen
class Endpoint:
    """Where the server's RMI registry listens (``HOST[:PORT]``)."""

    host: str
    port: int = DEFAULT_PORT

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        host, colon, port = text.rpartition(":")
        if not colon:
            return cls(host=text)
        if not port.isdigit() or not 0 < int(port) < 65536 or not host:
            raise ValueError(f"{text!r}: expected HOST or HOST:PORT")
        return cls(host=host, port=int(port))


def _properties(hostname: str | None, port: int) -> dict[str, str]:
    """The registry port, and the address this JVM gives the other side (None: Java's guess,
    the address of the local host name)."""
    props = {"tlc2.tool.distributed.TLCServer.port": str(port)}
    if hostname:
        props["java.rmi.server.hostname"] = hostname
    return props


def worker_command(server: Endpoint, options: TlcOptions, javatmp: Path, *,
                   threads: int, hostname: str | None) -> list[str]:
    """``java ... TLCWorker HOST``: a worker with ``threads`` threads for the server at
    ``server``, calling back to this machine at ``hostname``."""
    props = {**_properties(hostname, server.port),
             "tlc2.tool.distributed.TLCWorker.threadCount": str(threads)}
    return [*java_command(WORKER_CLASS, options, javatmp, props), server.host]


def run_server(spec: Path, cfg: Path, options: TlcOptions, *, port: int = DEFAULT_PORT,
               hostname: str = "127.0.0.1", local_workers: int = 0,
               worker_threads: int = 1, report_seconds: float = 10.0,
               on_progress: ProgressCallback | None = None) -> TlcResult:
    """Run TLCServer on ``spec``/``cfg`` listening on ``port``, plus ``local_workers`` worker
    processes on this machine; return the server's result when it finishes (or the partial
    result at the timeout). Every process started here is stopped before returning.

    Remote workers join with ``mcref tlc worker --server HOSTNAME:PORT``; ``hostname`` must be
    the address under which they reach this machine."""
    spec, cfg = spec.resolve(), cfg.resolve()
    workers: list[subprocess.Popen[str]] = []
    with scratch_dir("tlc-server-") as scratch:
        metadir, keep = state_dir(options, scratch)
        props = {**_properties(hostname, port),
                 "tlc2.tool.distributed.TLCServer.report": str(round(report_seconds * 1000))}
        command = [*java_command(SERVER_CLASS, options, scratch / "java", props),
                   *model_arguments(spec, cfg, options, metadir, keep)]
        server = tlc_process.start(command, spec.parent)
        try:
            for index in range(local_workers):
                javatmp = scratch / f"worker{index}"
                log = (scratch / f"worker{index}.log").open("w")
                workers.append(subprocess.Popen(
                    worker_command(Endpoint("127.0.0.1", port), options, javatmp,
                                   threads=worker_threads, hostname="127.0.0.1"),
                    cwd=scratch, stdout=log, stderr=subprocess.STDOUT, text=True,
                    start_new_session=True))
                log.close()
            finished = tlc_process.stream(server, timeout_s=options.timeout_s or None,
                                          on_progress=WorkerWatch(workers, scratch, on_progress))
        finally:
            tlc_process.stop(server)
            for worker in workers:
                tlc_process.stop(worker)
    return parse_tool_output(finished.output, finished.exit_code, finished.seconds)


class WorkerWatch:
    """Passes reports on, and stops the run when every local worker exited before any worker
    registered (a wrong port, a jar that does not start): otherwise the server would wait for
    workers until the timeout."""

    def __init__(self, workers: list[subprocess.Popen[str]], logs: Path,
                 on_progress: ProgressCallback | None) -> None:
        self.workers, self.logs, self.on_progress = workers, logs, on_progress
        self.registered = 0

    def __call__(self, report: TlcProgress) -> None:
        if self.on_progress is not None:
            self.on_progress(report)
        self.registered += report.kind == "worker"
        if self.registered or not self.workers or report.kind != "progress":
            return
        if all(worker.poll() is not None for worker in self.workers):
            tail = " | ".join((self.logs / "worker0.log").read_text().splitlines()[-3:])
            raise FormalError("formal.tlc_failed",
                              f"the {len(self.workers)} local TLC workers exited before "
                              f"registering with the server: {tail[:300]}")


def run_worker(server: Endpoint, options: TlcOptions, *, threads: int,
               hostname: str | None) -> int:
    """Run one TLCWorker in the foreground (its output goes to this process's stdout) until
    the server's model is done; Ctrl-C stops it. Returns the worker's exit status."""
    with scratch_dir("tlc-worker-") as scratch:
        command = worker_command(server, options, scratch / "java", threads=threads,
                                 hostname=hostname)
        process = subprocess.Popen(command, cwd=scratch, start_new_session=True)
        try:
            with tlc_process.signals_raise():
                return process.wait()
        finally:
            tlc_process.stop(process)


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)
