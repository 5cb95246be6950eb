"""The ``mcref`` command line.

Every command follows one convention: a typed rejection prints ``error[CODE]: message`` on a
single stderr line and exits 2; no traceback ever reaches the user. Each sub-command group
lives in its own module with a ``register(subparsers)`` function; nothing imports this package.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from refimpl.errors import CliError, RefImplError

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and found a failure (a conformance failure, a broken ledger)
EXIT_REJECTED = 2  # bad input: a one-line error[CODE]
EXIT_BUG = 70  # an unexpected exception: a bug (EX_SOFTWARE; 3 means "refused by policy")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage mistakes as one ``error[cli.usage]`` line, exit 2."""

    def error(self, message: str) -> NoReturn:
        print(CliError("cli.usage", f"{self.prog}: {message}").one_line(), file=sys.stderr)
        sys.exit(EXIT_REJECTED)


def build_parser() -> argparse.ArgumentParser:
    from refimpl.cli import (
        address,
        attest,
        bench,
        check,
        client,
        conformance,
        fog,
        keys,
        ledger,
        network,
        node,
        quorum,
        scp,
        tlc,
        trace,
        tx,
    )

    parser = _Parser(prog="mcref", description="MobileCoin reference implementation")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in (check, conformance, keys, address, tx, ledger, scp, quorum, tlc, trace,
                   bench, attest, node, network, client, fog):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # gRPC's C core logs its own lines on stderr (a failed bind, a refused connection); the
    # CLI reports those as its one error line. GRPC_VERBOSITY=ERROR in the environment
    # brings them back.
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except RefImplError as exc:
        print(exc.one_line(), file=sys.stderr)
        return EXIT_REJECTED
    except BrokenPipeError:  # pragma: no cover - e.g. `mcref ... | head`
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - a bug, still reported on one line
        if os.environ.get("MCREF_DEBUG"):
            raise
        print(f"error[internal.bug]: {type(exc).__name__}: {exc} "
              "(set MCREF_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_BUG
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
