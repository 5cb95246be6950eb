"""``mcref keys derive``: account keys, subaddress keys and the default b58 address.

``mcref keys derive (--root-entropy HEX | --mnemonic "WORDS") [--account-index N]
[--subaddress N] [--fog-report-url URL [--fog-report-id ID] [--fog-authority-spki HEX]] [--json]``

Prints the root private keys, the default (0) and change (2^64-2) subaddresses, the requested
subaddress if any, and the b58 form of the default subaddress (MobileCoin ``account-keys/src``,
``api/src/display.rs``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from refimpl.cli.output import print_json
from refimpl.codec import parse_hex
from refimpl.errors import CliError

if TYPE_CHECKING:
    from refimpl.account.keys import AccountKey


def register(sub: Any) -> None:
    parser = sub.add_parser("keys", help="derive account keys and subaddresses")
    inner = parser.add_subparsers(dest="keys_command", required=True)
    derive = inner.add_parser("derive", help="derive keys from root entropy or a mnemonic")
    source = derive.add_mutually_exclusive_group(required=True)
    source.add_argument("--root-entropy", metavar="HEX", help="32 bytes of root entropy")
    source.add_argument("--mnemonic", metavar="WORDS", help="a BIP-39 English phrase")
    derive.add_argument("--account-index", type=int, metavar="N",
                        help="SLIP-10 account index for --mnemonic (default 0)")
    derive.add_argument("--subaddress", type=int, metavar="N", help="also show subaddress N")
    derive.add_argument("--fog-report-url", default="", metavar="URL")
    derive.add_argument("--fog-report-id", default="", metavar="ID")
    derive.add_argument("--fog-authority-spki", default="", metavar="HEX",
                        help="the fog authority's SubjectPublicKeyInfo (DER), hex")
    derive.add_argument("--json", action="store_true", help="print one JSON object")
    derive.set_defaults(handler=_derive)


def account_from_args(args: argparse.Namespace) -> AccountKey:
    """Build the :class:`AccountKey` the arguments describe; bad input raises typed errors."""
    from refimpl.account.keys import AccountKey
    from refimpl.account.root_entropy import ROOT_ENTROPY_LENGTH

    spki = parse_hex(args.fog_authority_spki, what="fog authority SPKI")
    fog = (args.fog_report_url, args.fog_report_id, spki)
    if args.root_entropy is not None:
        if args.account_index is not None:
            raise CliError("cli.usage", "--account-index applies to --mnemonic only")
        entropy = parse_hex(args.root_entropy, ROOT_ENTROPY_LENGTH, "root entropy")
        return AccountKey.from_root_entropy(entropy, *fog)
    index = 0 if args.account_index is None else args.account_index
    return AccountKey.from_mnemonic(args.mnemonic, index, *fog)


def subaddress_document(account: AccountKey, index: int) -> dict[str, Any]:
    """The keys of one subaddress and its b58 address, as hex/strings."""
    from refimpl.account import b58

    keys = account.subaddress_keys(index)
    return {
        "index": index,
        "view_private_key": keys.view_private.hex(),
        "spend_private_key": keys.spend_private.hex(),
        "view_public_key": keys.view_public.hex(),
        "spend_public_key": keys.spend_public.hex(),
        "b58": b58.encode_public_address(account.subaddress(index)),
    }


def derive_document(account: AccountKey, subaddress: int | None) -> dict[str, Any]:
    from refimpl.account.keys import CHANGE_SUBADDRESS_INDEX, DEFAULT_SUBADDRESS_INDEX

    doc: dict[str, Any] = {
        "view_private_key": account.view_private.hex(),
        "spend_private_key": account.spend_private.hex(),
        "spend_public_key": account.spend_public.hex(),
    }
    if account.has_fog:
        doc["fog"] = {
            "report_url": account.fog_report_url,
            "report_id": account.fog_report_id,
            "authority_spki": account.fog_authority_spki.hex(),
        }
    doc["default_subaddress"] = subaddress_document(account, DEFAULT_SUBADDRESS_INDEX)
    doc["change_subaddress"] = subaddress_document(account, CHANGE_SUBADDRESS_INDEX)
    if subaddress is not None:
        doc["subaddress"] = subaddress_document(account, subaddress)
    doc["b58_address"] = doc["default_subaddress"]["b58"]
    return doc


def _derive(args: argparse.Namespace) -> int:
    account = account_from_args(args)
    doc = derive_document(account, args.subaddress)
    if args.json:
        print_json(doc)
        return 0
    for key in ("view_private_key", "spend_private_key", "spend_public_key"):
        print(f"{key}: {doc[key]}")
    for key, value in doc.get("fog", {}).items():
        print(f"fog_{key}: {value}")
    for name in ("default_subaddress", "change_subaddress", "subaddress"):
        if name in doc:
            sub_doc = doc[name]
            print(f"{name} {sub_doc['index']}:")
            for key in ("view_public_key", "spend_public_key", "b58"):
                print(f"  {key}: {sub_doc[key]}")
    print(f"b58_address: {doc['b58_address']}")
    return 0
