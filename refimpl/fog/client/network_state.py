"""The ``fog`` section of a local network's state file: where a fog client finds fog.

``mcref network up --fog`` writes it into ``network-state.json`` beside the validators
(``refimpl/node/localnet.py``); ``mcref fog balance|pay|address`` read it. The schema::

    "fog": {
      "view": "127.0.0.1:PORT",                  # FogViewAPI (or insecure-fog-view://HOST:PORT/)
      "view_responder_id": "127.0.0.1:PORT",     # optional; default: the view's HOST:PORT
      "ledger": "127.0.0.1:PORT",                # FogKeyImageAPI, FogMerkleProofAPI, FogBlockAPI
                                                 # (or insecure-fog-ledger://HOST:PORT/)
      "ledger_responder_id": "127.0.0.1:PORT",   # optional; default: the ledger's HOST:PORT
      "report_url": "insecure-fog://127.0.0.1:PORT/",  # the report server, as addresses name it
      "report_id": "",                           # optional; default ""
      "authority_spki": "HEX"                    # DER SubjectPublicKeyInfo of the report chain's
                                                 # root; or "signing_chain": "PATH" (PEM chain)
    }

A demo account of the network is fog-enabled with the report url, report id and the authority
key (``RootIdentity`` with fog: :meth:`FogNetworkState.account`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from refimpl.account.keys import AccountKey
from refimpl.errors import FogError, RefImplError
from refimpl.fog.client.client import FogEndpoints
from refimpl.fog.client.uri import parse_endpoint
from refimpl.fog.report.chain import load_pem_chain, verify_chain
from refimpl.fog.report.validate import normalize_fog_url


def _bad(detail: str) -> FogError:
    return FogError("fog.client_bad_network_state", f"network state: fog: {detail}")


def _text(section: dict[str, Any], key: str, default: str | None = None) -> str:
    value = section.get(key, default)
    if not isinstance(value, str):
        raise _bad(f"{key} must be a string" if key in section else f"{key} is missing")
    return value


@attrs.frozen
class FogNetworkState:
    """The fog section, parsed."""

    endpoints: FogEndpoints
    report_url: str
    report_id: str
    authority_spki: bytes

    @classmethod
    def from_json(cls, document: object) -> FogNetworkState:
        """Parse the ``fog`` section of a state document; a missing or malformed section is
        ``fog.client_bad_network_state``."""
        section = document.get("fog") if isinstance(document, dict) else None
        if not isinstance(section, dict):
            raise _bad("no fog section (was the network started with --fog?)")
        try:
            endpoints = FogEndpoints(
                view=parse_endpoint(_text(section, "view"), "fog-view"),
                ledger=parse_endpoint(_text(section, "ledger"), "fog-ledger"),
                view_responder_id=section.get("view_responder_id"),
                ledger_responder_id=section.get("ledger_responder_id"),
            )
            report_url = normalize_fog_url(_text(section, "report_url"))
            if "authority_spki" in section:
                spki = bytes.fromhex(_text(section, "authority_spki"))
            else:
                pem = Path(_text(section, "signing_chain")).read_bytes()
                spki = verify_chain(load_pem_chain(pem)).root_spki
        except RefImplError as exc:
            raise _bad(exc.one_line()) from None
        except (OSError, ValueError) as exc:
            raise _bad(f"{type(exc).__name__}: {exc}") from None
        for key in ("view_responder_id", "ledger_responder_id"):
            if section.get(key) is not None and not isinstance(section[key], str):
                raise _bad(f"{key} must be a string")
        return cls(endpoints, report_url, _text(section, "report_id", ""), spki)

    def account(self, root_entropy: bytes) -> AccountKey:
        """The account of ``root_entropy`` with this network's fog."""
        return AccountKey.from_root_entropy(root_entropy, self.report_url, self.report_id,
                                            self.authority_spki)
