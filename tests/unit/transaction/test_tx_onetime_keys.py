"""One-time keys: the sender's and the recipient's derivations agree (onetime_keys.rs)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.transaction.onetime_keys import (
    create_shared_secret,
    create_tx_out_public_key,
    create_tx_out_target_key,
    recover_onetime_private_key,
    recover_public_subaddress_spend_key,
)

scalars = st.integers(min_value=1, max_value=L - 1).map(Scalar)


@given(a=scalars, d=scalars, r=scalars)
def test_recipient_recovers_keys(a: Scalar, d: Scalar, r: Scalar) -> None:
    # A subaddress (C, D) = (a*D, d*G) of an account with root view key a (core/src/subaddress.rs).
    spend_public = Point.mul_base(d)
    view_public = spend_public * a
    target = create_tx_out_target_key(r, view_public, spend_public)
    public = create_tx_out_public_key(r, spend_public)
    assert public == spend_public * r
    assert create_shared_secret(view_public, r) == create_shared_secret(public, a)
    assert recover_public_subaddress_spend_key(a, target, public) == spend_public
    x = recover_onetime_private_key(public, a, d)
    assert Point.mul_base(x) == target


@given(a=scalars, other=scalars, d=scalars, r=scalars)
def test_other_view_key_does_not_match(a: Scalar, other: Scalar, d: Scalar, r: Scalar) -> None:
    if other == a:
        return
    spend_public = Point.mul_base(d)
    view_public = spend_public * a
    target = create_tx_out_target_key(r, view_public, spend_public)
    public = create_tx_out_public_key(r, spend_public)
    assert recover_public_subaddress_spend_key(other, target, public) != spend_public
    assert Point.mul_base(recover_onetime_private_key(public, other, d)) != target
