"""account layer of the MobileCoin reference implementation (see docs/architecture.md).

Keys and addresses, byte-compatible with MobileCoin (``account-keys/src``, ``core/src``,
``api/src/display.rs``):

* :mod:`~refimpl.account.root_entropy` — 32-byte root entropy -> (spend, view) private keys;
* :mod:`~refimpl.account.bip39` and :mod:`~refimpl.account.slip10` — mnemonic -> seed ->
  ``m/44'/866'/i'`` -> (spend, view) private keys;
* :mod:`~refimpl.account.keys` — ``AccountKey`` / ``ViewAccountKey`` and subaddresses;
* :mod:`~refimpl.account.public_address` — ``PublicAddress``, its protobuf encoding, fog
  authority signature check and ``ShortAddressHash``;
* :mod:`~refimpl.account.b58` — the checksummed base58 ``PrintableWrapper`` form.
"""
