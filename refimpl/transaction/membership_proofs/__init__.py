"""TxOut membership proofs: the Merkle tree of TxOuts, its proofs and their checks.

MobileCoin keeps them in the transaction layer (``transaction/core/src/membership_proofs``):
a ``TxIn`` carries one proof per ring member and transaction validation checks them against
the ledger's root element. :mod:`.types` holds the value types (``Range``,
``TxOutMembershipElement``, ``TxOutMembershipProof``), :mod:`.merkle` the hashing, the in-memory
tree, proof checking and ``derive_proof_at_index``. The ledger store builds proofs from its own
range hashes through the same :class:`.merkle.MerkleHashSource` interface.
"""
