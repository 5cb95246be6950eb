"""``mcref fog serve <role>``: run one fog service process until SIGTERM or Ctrl-C.

Roles, as MobileCoin deploys fog (one binary each there):

==============  ==========================================  ===============================
role            module                                      MobileCoin
==============  ==========================================  ===============================
``report``      :mod:`refimpl.fog.report.server`            ``fog/report/server``
``ingest``      :mod:`refimpl.fog.ingest.server`            ``fog/ingest/server``
``view-store``  :mod:`refimpl.fog.view.server`              ``fog/view/server`` (store)
``view-router`` :mod:`refimpl.fog.view.server`              ``fog/view/server`` (router)
``ledger``      :mod:`refimpl.fog.ledger.server`            ``fog/ledger/server``
==============  ==========================================  ===============================

Each role takes MobileCoin's flag names where they exist (``mcref fog serve ROLE --help``).
A bad flag value is one ``error[fog.*]`` line and exit 2, before anything binds; once serving,
the process prints ``ready: <role> <what> HOST:PORT`` lines (so a parent that asked for port
0 learns the port) and stops every thread and port on SIGTERM.

A role's flags live in its server module, which imports gRPC and the fog stack; they are added
to the role's parser the first time it parses or prints help (:class:`RoleParser`), so that
building ``mcref``'s parser imports none of that (docs/architecture.md, "Start-up").
"""

from __future__ import annotations

import argparse
import importlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from refimpl.cli import _Parser


class _Server(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class Role(NamedTuple):
    """Where a role's flags, config and server live (imported when the role runs)."""

    config_module: str
    server_module: str
    add_arguments: str
    config_from_args: str
    server: str
    help: str
    #: (label, attribute of the started server holding a port) printed on the ready lines
    ports: tuple[tuple[str, str], ...]


ROLES: dict[str, Role] = {
    "report": Role("refimpl.fog.report.server", "refimpl.fog.report.server",
                   "add_arguments", "config_from_args",
                   "ReportServer", "the fog report server (signed ingest reports)",
                   (("client", "port"),)),
    "ingest": Role("refimpl.fog.ingest.config", "refimpl.fog.ingest.server",
                   "add_arguments", "config_from_args",
                   "IngestServer", "fog ingest (fog hints -> encrypted TxOut records)",
                   (("admin", "admin_port"),)),
    "view-store": Role("refimpl.fog.view.server", "refimpl.fog.view.server",
                       "add_store_arguments",
                       "store_config_from_args", "ViewStoreServer",
                       "a fog view store (one block-range shard)", (("client", "port"),)),
    "view-router": Role("refimpl.fog.view.server", "refimpl.fog.view.server",
                        "add_router_arguments",
                        "router_config_from_args", "ViewRouterServer",
                        "the fog view router (clients' FogViewAPI over the stores)",
                        (("client", "port"), ("admin", "admin_port"))),
    "ledger": Role("refimpl.fog.ledger.server", "refimpl.fog.ledger.server",
                   "add_arguments", "config_from_args",
                   "LedgerServer", "fog ledger (key images, outputs, blocks, TxOuts)",
                   (("client", "port"),)),
}


def _config_attribute(role: Role, name: str) -> Any:
    return getattr(importlib.import_module(role.config_module), name)


class RoleParser(_Parser):
    """A role's parser whose flags are added on first use: before it parses, or prints its
    usage or help (then the help gets its defaults like every other sub-command's)."""

    role: Role | None = None

    def add_role_flags(self) -> None:
        """Add the role's flags now (once)."""
        role, self.role = self.role, None
        if role is not None:
            from refimpl.cli.help_text import explain

            _config_attribute(role, role.add_arguments)(self)
            explain(self, self.prog.removeprefix("mcref "))

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self.add_role_flags()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self.add_role_flags()
        return super().format_usage()

    def format_help(self) -> str:
        self.add_role_flags()
        return super().format_help()


def register_serve(inner: Any) -> None:
    """Add ``serve`` with one sub-command per role to the ``fog`` sub-command group."""
    serve = inner.add_parser("serve", help="run a fog service process",
                             description="Run one fog service until SIGTERM or Ctrl-C.")
    roles = serve.add_subparsers(dest="fog_role", required=True, parser_class=RoleParser)
    for name, role in ROLES.items():
        parser = roles.add_parser(name, help=role.help, description=role.help)
        parser.role = role
        parser.set_defaults(handler=_runner(name, role))


def _runner(name: str, role: Role) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from refimpl.cli.inputs import input_file
        from refimpl.fog.grpc_host import wait_for_termination

        for value in vars(args).values():  # the roles' Path flags are input files (PEM)
            if isinstance(value, Path):
                input_file(str(value))  # cli.file_not_found like every missing input
        config = _config_attribute(role, role.config_from_args)(args)
        server_class = getattr(importlib.import_module(role.server_module), role.server)
        server: _Server = server_class(config)
        server.start()
        try:
            for label, attribute in role.ports:
                port = getattr(server, attribute, 0)
                if port:
                    print(f"ready: {name} {label} 127.0.0.1:{port}", flush=True)
            wait_for_termination(threading.Event())
        finally:
            server.stop()
        return 0

    return run
