"""``mcref fog ingest ACTION --admin HOST:PORT``: operate a fog ingest server.

MobileCoin's ``fog_ingest_client`` (``fog/ingest/client/src/main.rs``) over
``account_ingest.AccountIngestAPI`` (:class:`refimpl.fog.ingest.client.IngestAdminClient`):

==========================  =====================================================
action                      call
==========================  =====================================================
``status``                  ``GetStatus`` (mode, next block, keys, expiry window)
``new-keys``                ``NewKeys`` (idle server only)
``activate`` / ``retire``   ``Activate`` / ``Retire`` / ``Unretire``
``unretire``
``report-lost-key KEY``     ``ReportLostIngressKey`` (hex of the 32-byte key)
``missed-ranges``           ``GetMissedBlockRanges``
``keys``                    ``GetIngressKeyRecords`` (every key, lost and retired)
``set-expiry-window N``     ``SetPubkeyExpiryWindow``
==========================  =====================================================

The recovery from a lost ingest server (docs/fog-report-ingest.md): start a server with new
keys (``mcref fog serve ingest --new-keys --activate ...``), then ``report-lost-key`` the old
key so that fog view stops waiting for it and clients scan its unscanned blocks.
"""

from __future__ import annotations

import argparse
from typing import Any

from refimpl.cli.inputs import int_in
from refimpl.cli.output import print_json
from refimpl.codec import parse_hex


def register_ingest_admin(inner: Any) -> None:
    """Add ``ingest`` with one sub-command per action to the ``fog`` group."""
    ingest = inner.add_parser("ingest", help="operate a fog ingest server (its admin API)")
    actions = ingest.add_subparsers(dest="ingest_action", required=True)
    for name, help_text in (("status", "mode, next block, ingress and egress keys"),
                            ("new-keys", "new ingress key (idle server)"),
                            ("activate", "start ingesting and publishing reports"),
                            ("retire", "stop publishing; scan until the key expires"),
                            ("unretire", "undo retire"),
                            ("missed-ranges", "block ranges no ingress key will scan"),
                            ("keys", "every ingress key record")):
        parser = actions.add_parser(name, help=help_text)
        _common(parser)
    lost = actions.add_parser("report-lost-key", help="declare an ingress key lost")
    _common(lost)
    lost.add_argument("key", metavar="HEX", help="the 32-byte ingress public key")
    window = actions.add_parser("set-expiry-window", help="blocks a report's key stays valid")
    _common(window)
    window.add_argument("blocks", type=int_in(0, 2**64 - 1), metavar="N")
    ingest.set_defaults(handler=_run)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--admin", required=True, metavar="HOST:PORT",
                        help="the ingest server's --admin-listen-uri")
    parser.add_argument("--json", action="store_true")


def _summary_json(summary: Any) -> dict[str, Any]:
    from refimpl.account.public_address import decode_compressed_ristretto

    key = summary.ingress_pubkey
    return {
        "mode": "active" if summary.mode == 1 else "idle",
        "next_block_index": summary.next_block_index,
        "pubkey_expiry_window": summary.pubkey_expiry_window,
        "ingress_pubkey": decode_compressed_ristretto(key).to_bytes().hex() if key else "",
        "egress_pubkey": summary.egress_pubkey.hex(),
        "kex_rng_version": summary.kex_rng_version,
        "ingest_invocation_id": summary.ingest_invocation_id,
    }


def _run(args: argparse.Namespace) -> int:
    from refimpl.account.public_address import decode_compressed_ristretto
    from refimpl.fog.ingest.client import IngestAdminClient

    document: dict[str, Any]
    with IngestAdminClient(args.admin) as admin:
        action = args.ingest_action
        if action == "report-lost-key":
            admin.report_lost_ingress_key(parse_hex(args.key, 32, "ingress key"))
            document = {"reported_lost": args.key}
        elif action == "missed-ranges":
            document = {"missed_block_ranges": [str(r) for r in admin.get_missed_block_ranges()]}
        elif action == "keys":
            document = {"keys": [{
                "ingress_public_key":
                    decode_compressed_ristretto(r.ingress_public_key).to_bytes().hex(),
                "start_block": r.start_block, "pubkey_expiry": r.pubkey_expiry,
                "retired": r.retired, "lost": r.lost,
                "last_scanned_block": r.last_scanned_block,
            } for r in admin.get_ingress_key_records()]}
        else:
            calls = {"status": admin.get_status, "new-keys": admin.new_keys,
                     "activate": admin.activate, "retire": admin.retire,
                     "unretire": admin.unretire}
            if action == "set-expiry-window":
                summary = admin.set_pubkey_expiry_window(args.blocks)
            else:
                summary = calls[action]()
            document = _summary_json(summary)
    if args.json:
        print_json(document)
    else:
        for key, value in document.items():
            print(f"{key}  {value}")
    return 0
