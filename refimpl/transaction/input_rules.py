"""``InputRules::verify``: the conditions a signed contingent input puts on its transaction.

MobileCoin ``transaction/core/src/input_rules.rs`` (``verify``, ``verify_partial_fill_rules``,
``InputRuleError``), ``revealed_tx_out.rs`` (``try_reveal_amount``) and
``util/u64-ratio`` (exact fraction comparison); MCIP #31 and #42.
Each ``InputRuleError`` variant is the code ``tx.input_rule_<snake_case name>``.
"""

from __future__ import annotations

from fractions import Fraction

from refimpl.errors import RefImplError, TxError
from refimpl.transaction.amount import Amount, MaskedAmountV2
from refimpl.transaction.tx import InputRules, RevealedTxOut, Tx
from refimpl.transaction.tx_out import TxOut

#: An amount shared secret is 32 bytes (``RevealedTxOutError::InvalidAmountSharedSecret``).
AMOUNT_SHARED_SECRET_LEN = 32


def _fail(name: str, message: str) -> TxError:
    return TxError(f"tx.input_rule_{name}", message)


def try_reveal_amount(tx_out: TxOut, amount_shared_secret: bytes) -> Amount:
    """``try_reveal_amount``: open a MaskedAmountV2 with a revealed amount shared secret.

    Any failure (secret not 32 bytes, no amount, a V1 amount, an amount that does not open
    the commitment) is ``RevealedTxOut(..)``: ``tx.input_rule_revealed_tx_out``.
    """
    if len(amount_shared_secret) != AMOUNT_SHARED_SECRET_LEN:
        raise _fail("revealed_tx_out", "an amount shared secret is 32 bytes")
    masked = tx_out.masked_amount
    if not isinstance(masked, MaskedAmountV2):
        raise _fail("revealed_tx_out", "only a MaskedAmountV2 opens with an amount shared secret")
    try:
        amount, _blinding = masked.get_value_from_amount_shared_secret(amount_shared_secret)
    except RefImplError as exc:
        raise _fail("revealed_tx_out", f"{exc.code}: {exc.message}") from exc
    return amount


def _eq_ignoring_amount(a: TxOut, b: TxOut) -> bool:
    """``TxOut::eq_ignoring_amount``."""
    return (a.target_key, a.public_key, a.e_fog_hint, a.e_memo) == (
        b.target_key,
        b.public_key,
        b.e_fog_hint,
        b.e_memo,
    )


def _find_matching_output(tx: Tx, revealed: RevealedTxOut, missing: str) -> Amount:
    for output in tx.prefix.outputs:
        if _eq_ignoring_amount(revealed.tx_out, output):
            return try_reveal_amount(output, revealed.amount_shared_secret)
    raise _fail(missing, "no output matches a partial-fill TxOut (ignoring its amount)")


def verify_input_rules(rules: InputRules, block_version: int, tx: Tx) -> None:
    """``InputRules::verify``: the tombstone limit, the required outputs, then the partial fill
    rules."""
    del block_version  # MobileCoin passes it but no rule depends on it in this snapshot
    if rules.max_tombstone_block != 0 and tx.prefix.tombstone_block > rules.max_tombstone_block:
        raise _fail(
            "max_tombstone_block_exceeded",
            f"tombstone {tx.prefix.tombstone_block} > {rules.max_tombstone_block}",
        )
    for required in rules.required_outputs:
        if required not in tx.prefix.outputs:
            raise _fail("missing_required_output", "a required output is not in the tx")
    verify_partial_fill_rules(rules, tx)


def verify_partial_fill_rules(rules: InputRules, tx: Tx) -> None:
    """``verify_partial_fill_rules`` (MCIP #42): the fractional change fixes the fill fraction
    ``f = (change - fractional_change) / change``; every partial fill output must be paid at
    least ``f`` of its full value. Without ``partial_fill_change`` there may be no partial
    outputs and no minimum fill value."""
    change = rules.partial_fill_change
    if change is None:
        if rules.partial_fill_outputs:
            raise _fail("partial_fill_outputs_not_expected", "partial outputs without change")
        if rules.min_partial_fill_value != 0:
            raise _fail("min_partial_fill_value_not_expected", "a minimum fill without change")
        return
    change_amount = try_reveal_amount(change.tx_out, change.amount_shared_secret)
    if change_amount.value < rules.min_partial_fill_value:
        raise _fail(
            "min_partial_fill_value_exceeds_partial_fill_change",
            f"minimum fill {rules.min_partial_fill_value} > change {change_amount.value}",
        )
    if change_amount.value == 0:
        raise _fail("zero_partial_fill_change", "the partial fill change is zero")
    fractional_change = _find_matching_output(tx, change, "missing_fractional_change_output")
    if fractional_change.token_id != change_amount.token_id:
        raise _fail("fractional_output_token_id_mismatch", "fractional change has another token")
    if fractional_change.value > change_amount.value - rules.min_partial_fill_value:
        raise _fail(
            "fractional_change_output_amount_exceeds_limit",
            "the fractional change leaves less than the minimum fill",
        )
    fill_fraction = Fraction(change_amount.value - fractional_change.value, change_amount.value)
    for revealed in rules.partial_fill_outputs:
        full = try_reveal_amount(revealed.tx_out, revealed.amount_shared_secret)
        paid = _find_matching_output(tx, revealed, "missing_fractional_output")
        if paid.token_id != full.token_id:
            raise _fail("fractional_output_token_id_mismatch", "fractional output token differs")
        if full.value == 0 or Fraction(paid.value, full.value) < fill_fraction:
            raise _fail(
                "fractional_output_amount_does_not_respect_fill_fraction",
                f"output pays {paid.value} of {full.value}, below the fill fraction",
            )
