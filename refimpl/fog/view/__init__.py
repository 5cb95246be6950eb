"""Fog view: the view store (an enclave holding every ``ETxOutRecord`` of its block range in an
oblivious map, fed from the recovery database) and the view router (one client query fanned out
to every store, the answers merged in the enclave).

MobileCoin ``fog/view/enclave/impl`` and ``fog/view/server``. Modules:

* :mod:`.e_tx_out_store` — the oblivious record store (``e_tx_out_store.rs``);
* :mod:`.messages` — ``QueryRequestAAD``, ``QueryRequest``, ``QueryResponse``;
* :mod:`.collate` — merging the stores' answers (``types.rs``, ``oblivious_utils.rs``);
* :mod:`.enclave` — the view enclave (``lib.rs``);
* :mod:`.sharding`, :mod:`.block_tracker`, :mod:`.db_fetcher`, :mod:`.db_poll` — what a store
  loads and how far it is complete (``sharding_strategy.rs``, ``block_tracker.rs``,
  ``db_fetcher.rs``, ``server.rs``);
* :mod:`.store_service` — ``FogViewStoreAPI`` and ``FogViewAPI`` on a store
  (``fog_view_service.rs``);
* :mod:`.router`, :mod:`.router_service` — the router (``router_request_handler.rs``,
  ``shard_responses_processor.rs``, ``fog_view_router_service.rs``,
  ``router_admin_service.rs``);
* :mod:`.uri`, :mod:`.server` — addresses, configuration and the two processes.
"""
