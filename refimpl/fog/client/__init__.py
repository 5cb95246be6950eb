"""The fog client: an account's balance and payments through fog, without the ledger.

MobileCoin ``fog/sample-paykit`` over ``fog/view/protocol``, ``fog/view/connection``,
``fog/ledger/connection`` and ``fog/report/resolver``. Modules:

* :mod:`~refimpl.fog.client.uri`: ``[insecure-]fog-view://`` and ``fog-ledger://`` URIs;
* :mod:`~refimpl.fog.client.rng_set`: the user's KexRngs, matching of search results;
* :mod:`~refimpl.fog.client.polling`: one poll of fog view (events, doubling rounds, cursor);
* :mod:`~refimpl.fog.client.recovery`: found payloads and missed blocks to owned outputs;
* :mod:`~refimpl.fog.client.tx_data`: owned outputs, key-image status, balance as of a count;
* :mod:`~refimpl.fog.client.connections`: attested view and ledger calls, plain blocks;
* :mod:`~refimpl.fog.client.client`: :class:`~refimpl.fog.client.client.FogClient`.
"""
