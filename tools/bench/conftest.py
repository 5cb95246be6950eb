"""Benchmark session hooks: report ratios of medians measured in the same run (from this
session's pytest-benchmark results): the Merlin speed-up over merlin-transcripts, the attested
handshake against plain Noise, and a ledger append with the tip journal against one without."""

from __future__ import annotations

import pytest

OURS = "test_merlin_append_challenge_ours"
THEIRS = "test_merlin_append_challenge_merlin_transcripts"
APPEND = "test_ledger_append_block_100_txs"
JOURNAL = "test_ledger_append_journal_record"
VERIFY = "test_ledger_verify_50_blocks"


def _median(config: pytest.Config, name: str) -> float | None:
    session = getattr(config, "_benchmarksession", None)
    for bench in getattr(session, "benchmarks", []):
        if bench.name == name and bench.stats is not None and bench.stats.rounds:
            return float(bench.stats.median)
    return None


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    attested = _median(config, "test_attested_ix_handshake")
    plain = _median(config, "test_plain_ix_handshake_noiseprotocol")
    if attested and plain:
        terminalreporter.write_line(
            f"IX handshake: attested (simulated SGX, DCAP both sides) {attested * 1e3:.2f} ms, "
            f"plain noiseprotocol {plain * 1e3:.2f} ms median; ratio {attested / plain:.1f}x"
        )
    ours, theirs = _median(config, OURS), _median(config, THEIRS)
    if ours and theirs:
        terminalreporter.write_line(
            f"Merlin append(32 B) + challenge(32 B): ours {ours * 1e3:.3f} ms, "
            f"merlin-transcripts {theirs * 1e3:.3f} ms median; ratio {theirs / ours:.2f}x"
        )
    append, journal = _median(config, APPEND), _median(config, JOURNAL)
    verify = _median(config, VERIFY)
    if append and journal and append > journal:
        terminalreporter.write_line(
            f"Ledger append (200 TxOuts, 100 key images): {append * 1e3:.2f} ms median, of which "
            f"the tip journal {journal * 1e3:.2f} ms; with/without journal "
            f"{append / (append - journal):.2f}x"
        )
    if append and verify:
        terminalreporter.write_line(
            f"Ledger verify of 50 such blocks: {verify * 1e3:.1f} ms median "
            f"({verify / 50 * 1e3:.2f} ms per block, {verify / 50 / append:.2f}x an append)"
        )
