"""Fog: the services that let a phone find and spend its payments without the ledger.

MobileCoin ``fog/``: the report server, ingest (fog hints -> encrypted TxOutRecords keyed by
KexRng search keys), view (an oblivious map of those records behind an attested channel, a
router over block-range shards), ledger (oblivious key-image checks, outputs with membership
proofs, blocks, untrusted TxOut lookups) and the client that polls them. docs/fog.md maps the
modules.
"""
