"""``mcref quorum check FILE.json``: quorum intersection of a stellarbeat-format FBAS.

Prints whether every two quorums intersect (else two disjoint quorums, checked independently of
Z3) and a minimum-size blocking set; ``--splitting-set`` adds a minimum-size splitting set.
With ``--json``: ``{"intersecting": bool, "witness": [[...], [...]] | null, "seconds": s,
"witness_verified": bool | null, "minimal_blocking_set": {"size", "members", "seconds"}, ...}``.
Exit 0 when the quorums intersect, 1 when they do not, 2 on a malformed file. Definitions and
the treatment of nodes without a quorum set: docs/quorum.md.
"""

from __future__ import annotations

import argparse
from typing import Any

from refimpl.cli.inputs import input_file
from refimpl.cli.output import print_json


def register(sub: Any) -> None:
    quorum = sub.add_parser("quorum", help="quorum intersection and resilience of an FBAS")
    quorum_sub = quorum.add_subparsers(dest="quorum_command", required=True)
    check = quorum_sub.add_parser(
        "check", help="do all quorums of a stellarbeat-format FILE.json intersect?")
    check.add_argument("file", type=input_file, metavar="FILE.json")
    check.add_argument("--splitting-set", action="store_true",
                       help="also find a minimum-size splitting set (python-fbas's notion)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    from refimpl.formal.quorum_report import analyse, summary_lines

    document = analyse(args.file, splitting_set=args.splitting_set)
    if args.json:
        print_json(document)
    else:
        print("\n".join(summary_lines(document)))
    return 0 if document["intersecting"] else 1
