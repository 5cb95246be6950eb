"""Fog ledger: the service a fog client asks whether its key images are spent, for outputs
with membership proofs (its own and ring mixins), for whole blocks it missed, and (as a sender)
for TxOuts by public key.

MobileCoin ``fog/ledger/server`` and ``fog/ledger/enclave/impl``: one process over a node's
LMDB ledger (:mod:`refimpl.fog.block_source`) serving ``fog_ledger.FogKeyImageAPI`` and
``fog_ledger.FogMerkleProofAPI`` (attested, :mod:`refimpl.fog.grpc_host`),
``fog_ledger.FogBlockAPI`` and ``fog_ledger.FogUntrustedTxOutApi`` (plain). Key images live in
an oblivious map inside the ledger enclave (:mod:`.key_image_store`), filled by a loader that
polls the ledger (:mod:`.db_fetcher`). See docs/fog-ledger.md.
"""
