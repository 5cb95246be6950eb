"""Consensus checks for ``mcref check`` (``make run``), picked up by refimpl/cli/check.py.

A short simulation of a 7-node mesh (each node 4-of-the-other-6, so quorums are 5 nodes and
any two share 3) with 2 equivocating Byzantine nodes: the 5 honest nodes must agree on every slot
and externalize all of them.
"""

from __future__ import annotations

from refimpl.checks import Check, CheckResult
from refimpl.consensus.sim.network import simulate
from refimpl.consensus.sim.report import summary_rows
from refimpl.consensus.sim.scenario import build_config
from refimpl.textfmt import format_table


def mesh_with_byzantine_check() -> CheckResult:
    config = build_config("mesh", 7, slots=3, byzantine=2, seed=7, threshold=4,
                          behaviour="equivocate")
    result = simulate(config)
    ok = result.agreement and result.all_externalized
    lines = format_table(["metric", "value"], summary_rows(result, config.slots)).splitlines()
    lines.append("Byzantine: " + ", ".join(f"{n} ({b})" for n, b in config.byzantine.items()))
    return CheckResult(ok, lines, result.to_json())


CHECKS: list[Check] = [
    ("scp simulation: 7-node mesh, 2 Byzantine", mesh_with_byzantine_check),
]
