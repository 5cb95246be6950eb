"""The fog benchmark (refimpl/fog/bench.py, ``mcref bench fog``) on tiny sizes: the report has
every part, latencies and rates are positive, every stored key is found, an ORAM lookup costs
more than a dict lookup; bad sizes are refused. No timing thresholds (figures belong in
tools/bench)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import refimpl.fog.bench as fog_bench
from refimpl.cli import main
from refimpl.errors import FogError
from refimpl.fog.bench import FogBenchSizes, report_rows, run_fog_bench
from refimpl.fog.recovery_db import open_recovery_db, sqlite_url

TINY = FogBenchSizes(omap_capacities=(1 << 10, 1 << 12), blocks=4, records_per_block=3,
                     queries=4, user_capacities=(64, 256), fog_users=2, ingest_chunks=2,
                     chunk_tx_outs=4, lookups=8, profile_queries=3)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return run_fog_bench(TINY)


def test_view_queries_are_answered_and_timed(report: dict[str, Any]) -> None:
    view = report["view"]
    assert view["records"] == 12
    assert [s["omap_capacity"] for s in view["stores"]] == [1 << 10, 1 << 12]
    for timed in [*view["stores"], view["router"]]:
        assert timed["all_found"] is True
        assert timed["queries"] == 4
        assert 0 < timed["p50_ms"] <= timed["p90_ms"]
        assert timed["ratio_to_mobilecoin"] == pytest.approx(timed["p50_ms"] / 140, abs=1e-4)
    for store in view["stores"]:
        assert 0 < store["in_process_p50_ms"] <= store["in_process_p90_ms"]
    assert view["router"]["stores"] == 2 and view["router"]["omap_capacity"] == 1 << 12


def test_the_profile_finds_the_oram_inside_the_view_enclave(report: dict[str, Any]) -> None:
    profile = report["view"]["profile"]
    parts = profile["parts"]
    assert profile["omap_capacity"] == 1 << 12 and profile["ms_per_query"] > 0
    assert 0 < parts["oram_access"]["ms_per_query"] <= parts["view_enclave_query"]["ms_per_query"]
    assert parts["noise_encrypt"]["ms_per_query"] > 0
    assert parts["noise_decrypt"]["ms_per_query"] > 0
    assert all(0 <= p["share"] <= 1 for p in parts.values())
    assert profile["top_own_time"]


def test_ingest_rates_at_each_user_capacity(report: dict[str, Any]) -> None:
    runs = report["ingest"]["runs"]
    assert [r["user_capacity"] for r in runs] == [64, 256]
    for run in runs:
        assert run["chunks"] == 2 and run["chunk_tx_outs"] == 4
        assert run["tx_outs_per_s"] > 0 and run["cpu_tx_outs_per_s"] > 0
        assert run["ms_per_tx_out"] == pytest.approx(1e3 / run["tx_outs_per_s"], rel=0.01)
        assert run["rng_store_capacity"] > 0 and run["egress_rotated"] is False


def test_an_oram_lookup_costs_more_than_a_dict_lookup(report: dict[str, Any]) -> None:
    for lookup, capacity in zip(report["obliviousness"], TINY.omap_capacities, strict=True):
        assert lookup["capacity"] == capacity and lookup["lookups_correct"] is True
        assert lookup["omap_median_ms"] > 0 and lookup["omap_empty_median_ms"] > 0
        assert lookup["ratio"] > 1


def test_the_report_notes_load_and_renders_as_a_table(report: dict[str, Any]) -> None:
    for key in ("load_average_start", "load_average_end"):
        assert len(report[key]) == 3 and all(x >= 0 for x in report[key])
    assert report["wall_s"] > 0
    assert set(report["part_times"]) == {"view", "ingest", "obliviousness"}
    assert all(t["wall_s"] >= 0 and t["cpu_s"] >= 0 for t in report["part_times"].values())
    json.dumps(report)
    rows = report_rows(report)
    assert all(len(row) == 2 for row in rows)
    labels = [str(row[0]) for row in rows]
    assert any("router over 2 stores 2^12" in label for label in labels)
    assert any("ingest TxOuts/s, user capacity 2^8" in label for label in labels)


def test_mcref_bench_fog_quick_json(monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    small = FogBenchSizes(omap_capacities=(1 << 10,), blocks=2, records_per_block=2, queries=2,
                          user_capacities=(64,), fog_users=1, ingest_chunks=1,
                          chunk_tx_outs=2, lookups=4, profile_queries=2)
    monkeypatch.setattr(fog_bench, "QUICK", small)
    assert main(["bench", "fog", "--quick", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["sizes"]["omap_capacities"] == [1 << 10]
    assert set(doc) >= {"view", "ingest", "obliviousness", "mobilecoin", "load_average_start"}


def test_records_are_written_as_ingest_writes_them(tmp_path: Any) -> None:
    with open_recovery_db(sqlite_url(str(tmp_path / "r.db"))) as db:
        keys = fog_bench.write_view_records(db, 3, 2)
        assert len(set(keys)) == 6
        assert db.get_highest_known_block_index() == 2
        assert db.get_cumulative_txo_count_for_block(2) == 6


@settings(max_examples=30, deadline=None)
@given(field=st.sampled_from(["blocks", "records_per_block", "queries", "fog_users",
                              "ingest_chunks", "chunk_tx_outs", "lookups", "profile_queries",
                              "omap_capacities", "user_capacities"]),
       value=st.one_of(st.integers(max_value=0), st.just(True), st.just(()),
                       st.tuples(st.integers(min_value=1), st.integers(max_value=0))))
def test_bad_sizes_are_refused(field: str, value: object) -> None:
    if field.endswith("capacities") and isinstance(value, int):
        value = (value,)
    with pytest.raises(FogError) as err:
        FogBenchSizes(**{field: value})  # type: ignore[arg-type]
    assert err.value.code == "fog.bench_bad_sizes"
