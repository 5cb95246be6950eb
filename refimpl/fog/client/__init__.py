"""The fog client: an account's balance and payments through fog, without the ledger.

MobileCoin ``fog/sample-paykit`` over ``fog/view/protocol``, ``fog/view/connection``,
``fog/ledger/connection`` and ``fog/report/resolver``.

| Module | Job |
|---|---|
| :mod:`~refimpl.fog.client.uri` | ``[insecure-]fog-view://`` / ``fog-ledger://`` URIs |
| :mod:`~refimpl.fog.client.rng_set` | the user's KexRngs and matching of search results |
| :mod:`~refimpl.fog.client.polling` | one poll of fog view (events, doubling search rounds, cursor) |
| :mod:`~refimpl.fog.client.recovery` | payloads and missed blocks -> owned outputs |
| :mod:`~refimpl.fog.client.tx_data` | owned outputs, key-image status, balance as of a block count |
| :mod:`~refimpl.fog.client.connections` | attested view and ledger calls, plain blocks, counted |
| :mod:`~refimpl.fog.client.client` | :class:`~refimpl.fog.client.client.FogClient` |
"""
