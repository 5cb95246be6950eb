"""Benchmark session hooks: report the Merlin speed-up over merlin-transcripts measured in
the same run (both medians come from this session's pytest-benchmark results)."""

from __future__ import annotations

import pytest

OURS = "test_merlin_append_challenge_ours"
THEIRS = "test_merlin_append_challenge_merlin_transcripts"


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
