"""Human-readable summaries of simulation results (the CLI table and ``mcref check``)."""

from __future__ import annotations

from refimpl.consensus.sim.network import SimResult


def values_summary(result: SimResult) -> str:
    """Values externalized per slot, as ``min/median/max`` (or ``-`` when none)."""
    counts = sorted(result.values_per_slot.values())
    if not counts:
        return "-"
    return f"{counts[0]}/{counts[len(counts) // 2]}/{counts[-1]}"


def summary_rows(result: SimResult, slots: int) -> list[tuple[str, str]]:
    """(metric, value) rows: slots externalized, values per slot, messages, time, agreement."""
    broken = ", ".join(str(s) for s in sorted(result.disagreements)) or "none"
    return [
        ("slots externalized (by every running honest node)", f"{result.slots_completed}/{slots}"),
        ("values per slot (min/median/max)", values_summary(result)),
        ("messages delivered", str(result.messages)),
        ("messages sent / dropped", f"{result.sent} / {result.dropped}"),
        ("simulated time", f"{result.time_ms / 1000:.3f} s"),
        ("agreement held", "yes" if result.agreement else f"NO (slots {broken})"),
    ]
