"""What every ``mcref`` sub-command's ``--help`` says besides its options.

:func:`explain` walks the parser tree once it is built and gives each sub-command

* a description (its one-line ``help`` when the module gave none),
* every option's default (``(default: X)`` appended unless the help already names it),
* an example (:data:`EXAMPLES`) and its exit codes (:data:`EXIT_FAILED` for the commands whose
  exit 1 means something; the rest share :data:`EXIT_CODES`) in the epilog.

One table here instead of an epilog per module: the modules keep only their options, and
tests/unit/cli/test_cli_help.py checks that no sub-command lacks an entry.
"""

from __future__ import annotations

import argparse

#: An example command line per sub-command (path below ``mcref``, words joined by spaces).
EXAMPLES: dict[str, str] = {
    "check": "mcref check --skip-tlc",
    "conformance run": "mcref conformance run --suite account_keys --verbose",
    "conformance drive": "mcref conformance drive --impl 'python -m refimpl.vectors.adapter'",
    "keys derive": "mcref keys derive --mnemonic 'abandon abandon ... about' --subaddress 5",
    "address decode": "mcref address decode 2E9Fh... --json",
    "address encode": "mcref address encode --view-public HEX --spend-public HEX",
    "tx build": "mcref tx build payment.json --ledger demo --out tx.hex",
    "tx verify": "mcref tx verify tx.hex --ledger demo",
    "ledger init": "mcref ledger init demo --accounts 11",
    "ledger show": "mcref ledger show demo --block 1",
    "ledger verify": "mcref ledger verify demo --json",
    "ledger append": "mcref ledger append demo tx.hex",
    "scp simulate": "mcref scp simulate --topology mesh --nodes 7 --byzantine 2 --slots 5",
    "quorum check": "mcref quorum check data/fbas/stellar_pubnet_obsrvr_2025-07-20.json",
    "tlc run": "mcref tlc run spec/scp/MCSCPBallot.cfg --workers 2 --metadir states "
               "--checkpoint 10",
    "tlc check": "mcref tlc check --size small",
    "tlc list": "mcref tlc list",
    "tlc worker": "mcref tlc worker --server 10.0.0.5:10997 --threads 2",
    "trace validate": "mcref trace validate run.ndjson --slot 1",
    "trace merge": "mcref trace merge net/node*/scp/trace-*.ndjson -o run.ndjson",
    "trace show": "mcref trace show run.ndjson --slot 1 --format html -o run.html",
    "bench tx": "mcref bench tx --rounds 3 --json",
    "bench fog": "mcref bench fog --quick",
    "attest verify-quote":
        "mcref attest verify-quote quote.dat --collateral collateral/ --strict",
    "attest handshake": "mcref attest handshake --demo --variant mobilecoin",
    "node run": "mcref node run --config net/node0/node.toml",
    "network up": "mcref network up --dir net --nodes 5 --topology dense5",
    "network status": "mcref network status --dir net --json",
    "network down": "mcref network down --dir net",
    "client balance": "mcref client balance --network-state net --account 0",
    "client pay": "mcref client pay --network-state net --account 0 --to B58 --amount 1000000",
    "fog address": "mcref fog address --network-state net --account 0",
    "fog balance": "mcref fog balance --network-state net --account 1 --json",
    "fog pay": "mcref fog pay --network-state net --account 0 --to B58 --amount 1000000",
    "fog serve report": "mcref fog serve report --client-listen-uri insecure-fog://127.0.0.1:0 "
                        "--recovery-db sqlite:///fog.db --signing-chain chain.pem "
                        "--signing-key key.pem",
    "fog serve ingest": "mcref fog serve ingest --ledger-db net/node0/ledger "
                        "--recovery-db sqlite:///fog.db --sgx-seed HEX --new-keys --activate",
    "fog serve view-store": "mcref fog serve view-store --recovery-db sqlite:///fog.db "
                            "--sgx-seed HEX",
    "fog serve view-router": "mcref fog serve view-router --shard-uris URI,URI --sgx-seed HEX",
    "fog serve ledger": "mcref fog serve ledger --ledger-db net/node0/ledger --sgx-seed HEX",
    "fog ingest status": "mcref fog ingest status --admin 127.0.0.1:3226",
    "fog ingest new-keys": "mcref fog ingest new-keys --admin 127.0.0.1:3226",
    "fog ingest activate": "mcref fog ingest activate --admin 127.0.0.1:3226",
    "fog ingest retire": "mcref fog ingest retire --admin 127.0.0.1:3226",
    "fog ingest unretire": "mcref fog ingest unretire --admin 127.0.0.1:3226",
    "fog ingest missed-ranges": "mcref fog ingest missed-ranges --admin 127.0.0.1:3226",
    "fog ingest keys": "mcref fog ingest keys --admin 127.0.0.1:3226 --json",
    "fog ingest report-lost-key": "mcref fog ingest report-lost-key --admin 127.0.0.1:3226 HEX",
    "fog ingest set-expiry-window": "mcref fog ingest set-expiry-window --admin 127.0.0.1:3226 20",
}

#: What exit 1 means, for the commands where the run itself can find a failure.
EXIT_FAILED: dict[str, str] = {
    "check": "some check failed",
    "conformance run": "a vector failed (or a file is unused or missing)",
    "conformance drive": "a case or structural check failed, or a file is unused or missing",
    "address decode": "the fog authority signature does not verify",
    "ledger verify": "the ledger is damaged (the first fault is named)",
    "scp simulate": "agreement broke",
    "quorum check": "two disjoint quorums exist",
    "tlc run": "TLC found a violation",
    "tlc check": "a model did not give its expected outcome",
    "trace validate": "the trace is rejected",
    "attest handshake": "a step did not end as the variant expects",
}

#: Extra exit codes of single commands.
EXIT_OTHER: dict[str, str] = {
    "attest verify-quote": "3 the quote is valid but refused by the policy (reasons listed)",
    "tlc run": "3 stopped at --timeout: the partial result (last progress figures) is "
               "printed; 130 Ctrl-C (TLC stopped, last progress line on stderr)",
}

EXIT_CODES = ("2 bad input or usage: one 'error[CODE]: message' line on stderr\n"
              '    (with --json also {"error": {"code": CODE, "message": MESSAGE}} on stdout)')


ROOT_EPILOG = """\
every sub-command's --help gives its description, defaults, an example and exit codes.

exit codes:
  0 success
  1 the command ran and found a failure (a failed check or vector, a damaged ledger,
    quorums that do not intersect, a rejected trace)
  2 bad input or usage: one 'error[CODE]: message' line on stderr
    (with --json also {"error": {"code": CODE, "message": MESSAGE}} on stdout)
  3 a valid input refused by a policy (attest verify-quote)
  70 a bug (an exception that is not a typed error; MCREF_DEBUG=1 shows the traceback)"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's lines as written (the example must stay one line)."""


def _epilog(path: str) -> str:
    codes = ["0 success"]
    if path in EXIT_FAILED:
        codes.append(f"1 {EXIT_FAILED[path]}")
    codes.append(EXIT_CODES)
    if path in EXIT_OTHER:
        codes.append(EXIT_OTHER[path])
    if path in EXAMPLES:
        lines = [f"example:\n  {EXAMPLES[path]}"]
    else:  # a group: its sub-commands' examples
        below = [EXAMPLES[key] for key in EXAMPLES if key.startswith(path + " ")]
        lines = ["examples:\n" + "\n".join(f"  {e}" for e in below)] if below else []
    lines.append("exit codes:\n" + "\n".join(f"  {c}" for c in codes))
    return "\n\n".join(lines)


def _has_default(action: argparse.Action) -> bool:
    if action.help == argparse.SUPPRESS or not action.option_strings:
        return False
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction,  # noqa: SLF001
                           argparse._HelpAction, argparse._VersionAction)):  # noqa: SLF001
        return False
    return action.default is not None and action.default != [] and action.default != ""


def _mention_defaults(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:  # noqa: SLF001 - argparse has no public accessor
        if _has_default(action) and "default" not in (action.help or "").lower():
            action.help = ((action.help or "") + " (default: %(default)s)").strip()


def explain(parser: argparse.ArgumentParser, path: str = "") -> None:
    """Add descriptions, defaults, examples and exit codes to every sub-command of ``parser``."""
    parser.formatter_class = HelpFormatter
    _mention_defaults(parser)
    parser.epilog = _epilog(path) if path else ROOT_EPILOG
    for action in parser._actions:  # noqa: SLF001
        if not isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}  # noqa: SLF001
        for name, child in action.choices.items():
            if not child.description and helps.get(name):
                text = str(helps[name])
                child.description = text[0].upper() + text[1:] + (
                    "" if text.endswith(".") else ".")
            explain(child, f"{path} {name}".strip())
