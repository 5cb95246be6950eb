"""The ``mcref`` command line.

Every command follows one convention: a typed rejection prints ``error[CODE]: message`` on a
single stderr line and exits 2; no traceback ever reaches the user. With ``--json`` (every
command that has the flag) the same error is also printed on stdout as one JSON document
``{"error": {"code": CODE, "message": MESSAGE}}``, so stdout is always one JSON document and
stderr always the one human line. A usage mistake is ``error[cli.usage]`` the same way, a
missing input file ``error[cli.file_not_found]`` for every command (refimpl/cli/inputs.py).

Exit codes: 0 success; 1 the command ran and found a failure (a conformance failure, a
broken ledger, quorums that do not intersect, a rejected trace); 2 bad input or usage; 3 a
valid input refused by a policy (``attest verify-quote``). 70 is reserved for a bug (an
exception that is not a typed error); no input may cause it (tests/unit/cli/
test_cli_no_internal_error.py).

Each sub-command group lives in its own module with a ``register(subparsers)`` function;
refimpl/cli/help_text.py adds every sub-command's description, defaults, example and exit
codes to its ``--help``.
"""

from __future__ import annotations

import argparse
import json
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
    """argparse that reports usage mistakes as a typed ``cli.usage`` error (``main`` prints
    it as one line and returns 2)."""

    def error(self, message: str) -> NoReturn:
        raise CliError("cli.usage", f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    from refimpl import __version__
    from refimpl.cli import (
        address,
        attest,
        bench,
        check,
        client,
        conformance,
        fog,
        help_text,
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
    parser.add_argument("--version", action="version", version=f"mcref {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in (check, conformance, keys, address, tx, ledger, scp, quorum, tlc, trace,
                   bench, attest, node, network, client, fog):
        module.register(sub)
    help_text.explain(parser)
    return parser


def report_error(exc: RefImplError, as_json: bool) -> int:
    """Print a typed error: one stderr line, and with ``--json`` the JSON document on stdout.
    Returns the exit code (2)."""
    if as_json:
        document = {"error": {"code": exc.code, "message": " ".join(exc.message.split())}}
        sys.stdout.write(json.dumps(document) + "\n")
        sys.stdout.flush()
    print(exc.one_line(), file=sys.stderr)
    return EXIT_REJECTED


def main(argv: Sequence[str] | None = None) -> int:
    # gRPC's C core logs its own lines on stderr (a failed bind, a refused connection); the
    # CLI reports those as its one error line. GRPC_VERBOSITY=ERROR in the environment
    # brings them back.
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    # A file name that is not UTF-8 reaches us as lone surrogates (PEP 383); stdout would
    # refuse to print it (UnicodeEncodeError, exit 70). Escape it as stderr already does.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except RefImplError as exc:  # a usage mistake, or a missing input file (inputs.py)
        return report_error(exc, "--json" in arguments)
    try:
        code: int = args.handler(args)
    except RefImplError as exc:
        return report_error(exc, bool(getattr(args, "json", False)))
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
