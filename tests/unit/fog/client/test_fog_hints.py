"""The transaction builder's fog hints, read back by a real ingest enclave: the payee's output
under the payee's RNG, the change under the sender's default-subaddress RNG, the tombstone
lowered to the fog key's expiry."""

from __future__ import annotations

import attrs
import pytest

from refimpl.account.keys import CHANGE_SUBADDRESS_INDEX, AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.errors import TxError
from refimpl.fog.client.recovery import OutputRecognizer
from refimpl.fog.kex_rng import VersionedKexRng
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import FogPubkey
from tests.unit.fog.client._fog import FOG_URL, ingest_enclave
from tests.unit.transaction._txbuild import ALICE, BOB, make_builder

FOG_ALICE = AccountKey(ALICE.spend_private, ALICE.view_private, FOG_URL)
FOG_BOB = AccountKey(BOB.spend_private, BOB.view_private, FOG_URL)


def test_hints_name_the_payee_and_the_senders_default_subaddress() -> None:
    enclave = ingest_enclave(seed=30)
    asked: list[PublicAddress] = []

    def resolver(address: PublicAddress) -> FogPubkey:
        asked.append(address)
        return FogPubkey(enclave.ingress_public_key(), 60)

    builder, rng = make_builder(3, (Amount(1000),), (Amount(300),), seed="fog-hints")
    builder = attrs.evolve(builder, sender=FOG_ALICE, fog_resolver=resolver,
                           outputs=[attrs.evolve(builder.outputs[0],
                                                 recipient=FOG_BOB.default_subaddress())])
    tx = builder.build(rng)
    assert tx.prefix.tombstone_block == 60  # min(100, pubkey_expiry)
    assert asked == [FOG_BOB.default_subaddress(), FOG_ALICE.default_subaddress()]
    records = enclave.ingest_txs(3, 50, tx.prefix.outputs, 5).records
    found = {}
    for who in (FOG_ALICE, FOG_BOB):
        recognizer = OutputRecognizer(who)
        key = VersionedKexRng.from_kex_pubkey(enclave.kex_rng_pubkey(),
                                              recognizer.fog_view_private).peek()
        (record,) = [r for r in records if r.search_key == key]
        owned = recognizer.owned_from_payload(record.payload)
        found[who] = (owned.value, owned.subaddress_index)
    assert found == {FOG_BOB: (300, 0), FOG_ALICE: (1000 - 300 - 400, CHANGE_SUBADDRESS_INDEX)}


def test_an_address_with_fog_needs_a_resolver() -> None:
    builder, rng = make_builder(3, (Amount(1000),), (Amount(300),), seed="fog-none")
    builder = attrs.evolve(builder, outputs=[attrs.evolve(
        builder.outputs[0], recipient=FOG_BOB.default_subaddress())])
    with pytest.raises(TxError) as info:
        builder.build(rng)
    assert info.value.code == "tx.builder_no_fog_resolver"
    assert FOG_URL in info.value.message
