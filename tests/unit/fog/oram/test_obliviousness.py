"""What the untrusted host sees does not depend on the queries.

For two different logical query sequences of the same length, the physical trace (allocation,
byte size and kind of every bucket access, in order) is the same, and the leaves the ORAM
reads are uniform: a chi-square goodness-of-fit statistic over the leaves stays below the
0.999 quantile of the chi-square distribution with (leaves - 1) degrees of freedom.

The critical values are fixed constants from standard tables (NIST/SEMATECH e-Handbook of
Statistical Methods, table 1.3.6.7.4, upper critical values of the chi-square distribution,
probability of exceeding 0.001); ``test_critical_values`` recomputes each from the
closed-form chi-square survival function for integer degrees of freedom, so the constants are
checked, not trusted. The RNGs are seeded, so each test is deterministic; a correct ORAM
fails it with probability 0.001 over seeds, and the biased-RNG test shows the check has power.

refimpl/fog/oram/{path_oram,omap,storage,trace}.py; mc-oblivious ``path_oram/mod.rs``
(``access`` draws a fresh uniform leaf for every access), MobileCoin
``fog/ocall_oram_storage/trusted/src/lib.rs`` (the host sees indices and sizes only).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable

import pytest

from refimpl.fog.oram.omap import ObliviousMap
from refimpl.fog.oram.path_oram import PathOram
from refimpl.fog.oram.storage import BLOCK_SIZE
from refimpl.fog.oram.trace import AccessTrace

# chi-square 0.999 quantiles (P[X > c] = 0.001) by degrees of freedom
CRITICAL_0_999 = {7: 24.322, 15: 37.697, 31: 61.098}
SMALL_TREETOP = 12  # only the root bucket inside: every other level goes to the host


def chi2_sf(x: float, df: int) -> float:
    """P[X > x] for X ~ chi-square(df), df a positive integer (closed form)."""
    half = x / 2
    if df % 2 == 0:
        return float(math.exp(-half) * sum(half**i / math.factorial(i) for i in range(df // 2)))
    tail = sum(half ** (i - 0.5) / math.gamma(i + 0.5) for i in range(1, (df - 1) // 2 + 1))
    return float(math.erfc(math.sqrt(half)) + math.exp(-half) * tail)


def chi_square(counts: Counter[int], cells: list[int]) -> float:
    total = sum(counts[c] for c in cells)
    expected = total / len(cells)
    return sum((counts[c] - expected) ** 2 / expected for c in cells)


@pytest.mark.parametrize("df", sorted(CRITICAL_0_999))
def test_critical_values(df: int) -> None:
    assert chi2_sf(CRITICAL_0_999[df], df) == pytest.approx(0.001, rel=1e-3)
    assert chi2_sf(2.0, 2) == pytest.approx(math.exp(-1))  # sanity: df 2 is exponential


def leaves_read(trace: AccessTrace, allocation: int, offset: int, levels: int) -> list[int]:
    """The leaf of each branch checked out: the first bucket read of each checkout."""
    reads = [e.bucket for e in trace.entries if e.allocation == allocation and e.kind == "read"]
    return [reads[i] + offset for i in range(0, len(reads), levels)]


def run_oram(seed: int, queries: list[tuple[int, bool]]) -> tuple[AccessTrace, PathOram]:
    oram = PathOram(64, rng=random.Random(seed).randbytes, treetop_log2=SMALL_TREETOP)
    trace = AccessTrace()
    for index in range(64):  # fill every block first, untraced
        oram.write(index, bytes([index]) * BLOCK_SIZE)
    oram.memory.trace = trace
    for index, write in queries:
        if write:
            oram.write(index, bytes([255 - index]) * BLOCK_SIZE)
        else:
            oram.read(index)
    return trace, oram


def test_path_oram_trace_is_independent_of_queries() -> None:
    n = 960
    same = [(0, False)] * n  # read block 0 again and again
    rng = random.Random(7)
    mixed = [(rng.randrange(64), rng.random() < 0.5) for _ in range(n)]
    trace_a, oram_a = run_oram(1, same)
    trace_b, oram_b = run_oram(2, mixed)
    levels = oram_a.storage.untrusted_levels
    assert levels == oram_a.height == 4
    assert trace_a.shape() == trace_b.shape()
    assert len(trace_a) == n * 2 * levels
    for trace, oram in ((trace_a, oram_a), (trace_b, oram_b)):
        offset = oram.storage.treetop_max_count
        leaves = leaves_read(trace, oram.storage.allocation_id, offset, levels)
        assert len(leaves) == n
        cells = list(range(1 << oram.height, 2 << oram.height))
        assert set(leaves) <= set(cells)
        assert chi_square(Counter(leaves), cells) < CRITICAL_0_999[len(cells) - 1]


def test_biased_leaves_fail_the_uniformity_check() -> None:
    source = random.Random(3)

    def biased(n: int) -> bytes:  # leaf bits drawn from 0..11 instead of 0..15
        return (source.randrange(12)).to_bytes(1, "little") + source.randbytes(n - 1)

    oram = PathOram(64, rng=biased, treetop_log2=SMALL_TREETOP)
    trace = AccessTrace()
    oram.memory.trace = trace
    for _ in range(960):
        oram.read(0)
    cells = list(range(16, 32))
    leaves = leaves_read(trace, oram.storage.allocation_id, oram.storage.treetop_max_count, 4)
    assert chi_square(Counter(leaves), cells) > CRITICAL_0_999[15]


def run_omap(
    seed: int, lookups: Callable[[ObliviousMap], None]
) -> tuple[AccessTrace, ObliviousMap]:
    trace = AccessTrace()
    omap = ObliviousMap(
        1024, 16, 240, rng=random.Random(seed).randbytes, treetop_log2=SMALL_TREETOP
    )
    for i in range(200):
        omap.vartime_write(i.to_bytes(2, "little") * 8, bytes([i % 256]) * 240, True)
    omap.memory.trace = trace
    lookups(omap)
    return trace, omap


def test_omap_lookup_trace_is_independent_of_keys() -> None:
    n = 480
    present = (5).to_bytes(2, "little") * 8

    def same_key(omap: ObliviousMap) -> None:
        for _ in range(n):
            omap.read(present)

    def many_keys(omap: ObliviousMap) -> None:
        rng = random.Random(11)
        for i in range(n):  # present and absent keys, reads and removals
            key = rng.randrange(1, 400).to_bytes(2, "little") * 8
            if i % 3:
                omap.read(key)
            else:
                omap.remove(key)

    trace_a, omap_a = run_omap(4, same_key)
    trace_b, omap_b = run_omap(5, many_keys)
    assert trace_a.shape() == trace_b.shape()
    for trace, omap in ((trace_a, omap_a), (trace_b, omap_b)):
        for oram in (omap.oram1, omap.oram2):
            storage = oram.storage
            leaves = leaves_read(
                trace, storage.allocation_id, storage.treetop_max_count, storage.untrusted_levels
            )
            assert len(leaves) == n
            cells = list(range(1 << oram.height, 2 << oram.height))
            assert len(cells) == 32
            assert chi_square(Counter(leaves), cells) < CRITICAL_0_999[31]


def test_omap_access_and_insert_trace_is_independent_of_presence() -> None:
    # found: the real write overwrites and the dummy key is inserted; not found: the real
    # write inserts and the dummy write has no effect. Both look like one insertion.
    n = 60

    def bump(code: int, buffer: bytearray) -> None:
        buffer[0] = (buffer[0] + 1) % 256

    def present(omap: ObliviousMap) -> None:
        for _ in range(n):
            omap.access_and_insert((7).to_bytes(2, "little") * 8, bytes(240), bump)

    def absent(omap: ObliviousMap) -> None:
        for i in range(n):
            omap.access_and_insert((1000 + i).to_bytes(2, "little") * 8, bytes(240), bump)

    trace_a, _ = run_omap(8, present)
    trace_b, _ = run_omap(9, absent)
    assert trace_a.shape() == trace_b.shape()
    assert len(trace_a) > 0
