"""The fog report server and what a sender checks of its answer.

MobileCoin ``fog/report/server`` (the process), ``fog/report/types`` (the messages),
``fog/sig/report`` (the signature over the reports), ``crypto/x509/utils`` (the operator's
chain), ``fog/sig`` and ``fog/sig/authority`` (an address's signature over the chain's root),
``fog/ingest/report`` (the ingest enclave's evidence), ``fog/report/resolver`` and
``fog/report/validation`` (``FullyValidatedFogPubkey``).

Modules:

* :mod:`.messages`: ``Report``, ``ReportResponse``, their wire forms and digestible layout;
* :mod:`.signature`: sign and verify a report list (Ed25519 over its digest);
* :mod:`.chain`: parse and verify the operator's X.509 chain (leaf first);
* :mod:`.operator`: make a chain for local networks and tests, load signing materials, make a
  fog-enabled account;
* :mod:`.validate`: the sender's checks, ending in a validated ingress key and its expiry;
* :mod:`.client`: fetch a server's reports;
* :mod:`.server`: the report server process (``ReportConfig``, ``ReportServer``).
"""
