"""The fog ingest server: scans the ledger's blocks through the ingest enclave into the
recovery database and publishes the enclave's ingress key as a fog report.

MobileCoin ``fog/ingest/server`` (``controller.rs``, ``controller_state.rs``, ``worker.rs``,
``server.rs``, ``config.rs``, ``state_file.rs``, ``ingest_service.rs``) and
``fog/ingest/client``. The enclave itself is :mod:`refimpl.fog.ingest_enclave`.

Modules:

* :mod:`.config`: settings and flags (``IngestConfig``);
* :mod:`.state`: Idle/Active state and the state file (summary + sealed ingress key);
* :mod:`.controller`: ``process_next_block``, activation, retirement, key changes;
* :mod:`.worker`: the thread polling the node's ledger;
* :mod:`.admin`: ``account_ingest.AccountIngestAPI`` over gRPC;
* :mod:`.client`: the operator's client of that API;
* :mod:`.server`: the process (``IngestServer``).

No peers: MobileCoin's ingest servers back up their ingress key on idle peers over attested IX
sessions (``SetPeers``, ``SyncKeysFromRemote``, ``ingest_peer.AccountIngestPeerAPI``); refimpl
refuses those calls with ``fog.ingest_not_supported``. A lost server's key is recovered from
its state file on the same fog platform, or declared lost (``ReportLostIngressKey``).
"""
