"""``mcref address decode|encode``: public addresses in MobileCoin's b58 form.

* ``mcref address decode B58 [--fog-authority-spki HEX] [--json]`` prints every field. With
  ``--fog-authority-spki`` the fog authority signature is verified; a signature that does not
  verify is reported (``fog_signature_verified: false``) and the exit status is 1.
* ``mcref address encode --view-public HEX --spend-public HEX [--fog-report-url URL
  --fog-report-id ID --fog-authority-sig HEX] [--json]`` prints the b58 string.

MobileCoin ``account-keys/src/account_keys.rs`` (PublicAddress), ``api/src/display.rs`` (b58).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from refimpl.cli.output import print_json
from refimpl.codec import parse_hex
from refimpl.errors import AccountError, AddressError

if TYPE_CHECKING:
    from refimpl.account.public_address import PublicAddress


def register(sub: Any) -> None:
    parser = sub.add_parser("address", help="decode and encode b58 public addresses")
    inner = parser.add_subparsers(dest="address_command", required=True)
    decode = inner.add_parser("decode", help="decode a b58 public address")
    decode.add_argument("b58", metavar="B58")
    decode.add_argument("--fog-authority-spki", metavar="HEX",
                        help="verify the fog signature over this SubjectPublicKeyInfo (hex)")
    decode.add_argument("--json", action="store_true", help="print one JSON object")
    decode.set_defaults(handler=_decode)
    encode = inner.add_parser("encode", help="encode public keys (and fog info) as b58")
    encode.add_argument("--view-public", required=True, metavar="HEX")
    encode.add_argument("--spend-public", required=True, metavar="HEX")
    encode.add_argument("--fog-report-url", default="", metavar="URL")
    encode.add_argument("--fog-report-id", default="", metavar="ID")
    encode.add_argument("--fog-authority-sig", default="", metavar="HEX")
    encode.add_argument("--json", action="store_true", help="print one JSON object")
    encode.set_defaults(handler=_encode)


def address_document(address: PublicAddress) -> dict[str, Any]:
    return {
        "view_public_key": address.view_public.hex(),
        "spend_public_key": address.spend_public.hex(),
        "has_fog": address.has_fog,
        "fog_report_url": address.fog_report_url,
        "fog_report_id": address.fog_report_id,
        "fog_authority_sig": address.fog_authority_sig.hex(),
    }


def _decode(args: argparse.Namespace) -> int:
    from refimpl.account import b58

    address = b58.decode_public_address(args.b58.strip())
    doc = address_document(address)
    verified: bool | None = None
    if args.fog_authority_spki is not None:
        spki = parse_hex(args.fog_authority_spki, what="fog authority SPKI")
        try:
            address.verify_fog_authority(spki)
            verified = True
        except AddressError as exc:
            verified = False
            doc["fog_signature_error"] = exc.one_line()
    doc["fog_signature_verified"] = verified
    doc["b58"] = b58.encode_public_address(address)
    _print(doc, args.json)
    return 1 if verified is False else 0


def address_from_args(args: argparse.Namespace) -> PublicAddress:
    """The :class:`PublicAddress` the ``encode`` arguments describe."""
    from refimpl.account.public_address import PublicAddress, check_fog_report_url
    from refimpl.crypto.ristretto import Point

    view = Point.from_bytes(parse_hex(args.view_public, 32, "view public key"))
    spend = Point.from_bytes(parse_hex(args.spend_public, 32, "spend public key"))
    signature = parse_hex(args.fog_authority_sig, what="fog authority signature")
    url = check_fog_report_url(args.fog_report_url)
    if not url and (args.fog_report_id or signature):
        raise AccountError(
            "account.fog_incomplete", "a fog report id or signature was given without a url"
        )
    if url and not signature:
        raise AccountError("account.fog_incomplete", "a fog address needs --fog-authority-sig")
    return PublicAddress(view, spend, url, args.fog_report_id, signature)


def _encode(args: argparse.Namespace) -> int:
    from refimpl.account import b58

    address = address_from_args(args)
    doc = address_document(address)
    doc["b58"] = b58.encode_public_address(address)
    if args.json:
        print_json(doc)
    else:
        print(doc["b58"])
    return 0


def _print(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(doc)
        return
    for key, value in doc.items():
        shown = json.dumps(value) if value is None or isinstance(value, bool) else value
        print(f"{key}: {shown}")
