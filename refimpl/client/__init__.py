"""The thin wallet client of ``mcref client``: an attested connection to a validator's client
port (MobileCoin ``connection/src/thick.rs``), a wallet that scans the ledger for its outputs
and builds payments (mobilecoind's role), and a payment flow that submits and waits.

* :mod:`refimpl.client.rpc`: gRPC failures as typed ``client.rpc_failed`` errors;
* :mod:`refimpl.client.ledger_source`: where the wallet reads the ledger (a local store, or a
  node's ``mcref_ledger.LedgerAccessAPI``);
* :mod:`refimpl.client.wallet`: scanning, key images, unspent outputs, building a payment;
* :mod:`refimpl.client.connection`: the NX-attested ``ConsensusClient``;
* :mod:`refimpl.client.pay`: build, submit, wait for the key images.
"""
