"""``fog_ledger.FogKeyImageAPI``: key image checks, attested.

MobileCoin ``fog/ledger/server/src/key_image_service.rs`` (the single-process form, before the
router and store split): ``Auth`` is the enclave's NX handshake; ``CheckKeyImages`` takes an
encrypted ``CheckKeyImagesRequest`` and returns the encrypted ``CheckKeyImagesResponse``
(:meth:`refimpl.fog.ledger.enclave.LedgerEnclave.check_key_images`). The host's part
(``prepare_untrusted_query``) is read from the loader before the store is queried, so
``num_blocks`` is a lower bound over the whole evaluation.
"""

from __future__ import annotations

from typing import Any

from refimpl.fog.grpc_host import attested_service
from refimpl.fog.ledger.db_fetcher import DbFetcher
from refimpl.fog.ledger.enclave import LedgerEnclave

SERVICE = "fog_ledger.FogKeyImageAPI"


def key_image_service(enclave: LedgerEnclave, fetcher: DbFetcher) -> Any:
    """The service handler: ``Auth`` and ``CheckKeyImages`` on ``enclave``'s sessions."""

    def body(request: bytes, aad: bytes) -> bytes:
        del aad
        return enclave.check_key_images(request, fetcher.untrusted_query_response())

    return attested_service(SERVICE, enclave.fog, {"CheckKeyImages": body})
