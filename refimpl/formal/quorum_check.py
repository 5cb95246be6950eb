"""The ``mcref check`` entry (``make run``) for quorum intersection of the bundled MobileCoin
mainnet configuration (data/fbas/mobilecoin_nodes_2021-10-22.json, see PROVENANCE.md there):
every two quorums must intersect, with a minimum blocking set of 3 nodes (fbas_analyzer's and
python-fbas's answer for that snapshot)."""

from __future__ import annotations

from refimpl.checks import Check, CheckResult
from refimpl.resources import data_root

FBAS_DIR = data_root() / "fbas"
MOBILECOIN_2021 = FBAS_DIR / "mobilecoin_nodes_2021-10-22.json"
#: The known minimum blocking-set size of the MobileCoin 2021 snapshot.
MOBILECOIN_2021_BLOCKING = 3


def mobilecoin_2021_check() -> CheckResult:
    """Quorum intersection and the minimum blocking set of MobileCoin mainnet 2021."""
    from refimpl.formal.quorum_report import analyse, summary_lines

    document = analyse(MOBILECOIN_2021)
    size = document["minimal_blocking_set"]["size"]
    ok = bool(document["intersecting"]) and size == MOBILECOIN_2021_BLOCKING
    lines = summary_lines(document)
    lines[0] = f"data/fbas/{MOBILECOIN_2021.name}: " + lines[0].split(": ", 1)[1]
    lines.append(f"expected: intersecting, minimal blocking set {MOBILECOIN_2021_BLOCKING}")
    return CheckResult(ok, lines, document)


CHECKS: list[Check] = [
    ("quorum intersection: MobileCoin 2021", mobilecoin_2021_check),
]
