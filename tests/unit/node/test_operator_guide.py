"""docs/operator-guide.md stays complete: every node and client error code, every metric, every
``op`` label, every node-file field and every log line of the node is in its table.

The guide marks each checked table with an HTML comment ``<!-- table: NAME -->`` on the line
before it; an item counts as listed when it is a backticked token of the first column of that
table. MobileCoin's runbook has the same tables (errors, alerts), which go stale when nobody
checks them against the code.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Mapping
from pathlib import Path

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.errors import CODES
from refimpl.node.api import consensus_common_pb2
from refimpl.node.config import NODE_FIELDS, NodeConfig
from refimpl.node.intake import ATTESTATION_DENIED, NOT_SERVING, OVER_CAPACITY
from refimpl.node.metrics import COUNTER_OPS, GAUGE_OPS, NodeMetrics

ROOT = Path(__file__).resolve().parents[3]
GUIDE = ROOT / "docs" / "operator-guide.md"
SOURCES = ROOT / "refimpl"
NODE_SOURCES = SOURCES / "node"

_MARKER = re.compile(r"^<!-- table: (.+?) -->$")
_TICKED = re.compile(r"`([^`]+)`")
_LOG_LEVELS = frozenset({"info", "warning", "error", "critical", "exception"})
ERROR_TABLES = {"node errors": "node.", "client errors": "client."}


@functools.cache
def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def tables(text: str) -> dict[str, list[list[str]]]:
    """Each marked table's body rows (header and separator dropped), split into cells."""
    out: dict[str, list[list[str]]] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = _MARKER.match(line.strip())
        if match is None:
            continue
        rows = []
        for row in lines[i + 1:]:
            if not row.startswith("|"):
                break
            rows.append(_cells(row))
        out[match.group(1)] = rows[2:]
    return out


def _cells(row: str) -> list[str]:
    """Cells of a table row; ``\\|`` inside a cell is not a separator."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


def first_column(rows: list[list[str]]) -> list[str]:
    """Backticked tokens of the first cells."""
    return [token for row in rows for token in _TICKED.findall(row[0])]


@functools.cache
def log_formats(directory: Path = NODE_SOURCES) -> frozenset[str]:
    """Format strings of the INFO-and-above log calls in ``directory``'s modules, on loggers
    made with ``logging.getLogger`` at module level."""
    found: set[str] = set()
    for path in sorted(directory.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        loggers = {
            target.id
            for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "getLogger"
            for target in node.targets if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _LOG_LEVELS
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in loggers
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return frozenset(found)


@functools.cache
def _required() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, tuple(items)) for name, items in {
        "node errors": sorted(c for c in CODES if c.startswith("node.")),
        "client errors": sorted(c for c in CODES if c.startswith("client.")),
        "metrics": NodeMetrics().series_names(),
        "gauge ops": list(GAUGE_OPS),
        "counter ops": list(COUNTER_OPS),
        "node.toml": list(NODE_FIELDS),
        "log lines": sorted(log_formats()),
    }.items())


def required() -> dict[str, list[str]]:
    """What each table must list."""
    return {name: list(items) for name, items in _required()}


def missing(text: str, wanted: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """``wanted`` items not in their table's first column (all of them if the table is gone)."""
    found = tables(text)
    out = {}
    for name, items in wanted.items():
        listed = set(first_column(found.get(name, [])))
        absent = [item for item in items if item not in listed]
        if absent:
            out[name] = absent
    return out


def report(problems: Mapping[str, list[str]]) -> str:
    return "; ".join(f"table {name!r}: {', '.join(items)}" for name, items in problems.items())


def without_rows(text: str, item: str) -> str:
    """``text`` with every table row whose first cell names ``item`` removed."""
    kept = [line for line in text.splitlines()
            if not (line.startswith("|") and item in _TICKED.findall(_cells(line)[0]))]
    return "\n".join(kept)


@functools.cache
def used_codes() -> frozenset[str]:
    """``node.*`` / ``client.*`` codes written as string literals anywhere in refimpl/."""
    pattern = re.compile(r"[\"']((?:node|client)\.[a-z0-9_]+)[\"']")
    return frozenset(m for path in SOURCES.rglob("*.py")
                     for m in pattern.findall(path.read_text(encoding="utf-8")))


# --- the guide against the code --------------------------------------------------------------


def test_guide_lists_every_code_metric_op_field_and_log_line() -> None:
    problems = missing(guide_text(), required())
    assert not problems, f"docs/operator-guide.md does not list: {report(problems)}"


def test_the_lists_are_what_the_code_has() -> None:
    wanted = required()
    assert "node.config_no_ledger" in wanted["node errors"]
    assert "client.tx_rejected" in wanted["client errors"]
    assert {"consensus_scp_gauge", "mcref_sync_is_behind"} <= set(wanted["metrics"])
    assert "sealed_block_signing_key" in wanted["node.toml"] and "path" not in wanted["node.toml"]
    assert set(wanted["node.toml"]) == {f.name for f in attrs.fields(NodeConfig)} - {"path"}
    assert "Slot %d ended with %d externalized values and %d pending values." in wanted[
        "log lines"]
    assert all(wanted.values())


def test_node_file_table_names_only_real_fields() -> None:
    listed = first_column(tables(guide_text())["node.toml"])
    extra = sorted(set(listed) - set(NODE_FIELDS))
    repeated = sorted({f for f in listed if listed.count(f) > 1})
    assert not extra, f"the node.toml table lists keys NodeConfig does not have: {extra}"
    assert not repeated, f"the node.toml table lists keys twice: {repeated}"


def test_error_tables_name_only_codes_the_code_knows() -> None:
    known = set(CODES) | used_codes()
    found = tables(guide_text())
    for name, prefix in ERROR_TABLES.items():
        listed = first_column(found[name])
        wrong = sorted(c for c in listed if not c.startswith(prefix) or c not in known)
        assert not wrong, f"table {name!r} names codes that are not {prefix}* codes of " \
                          f"refimpl: {wrong}"


def test_propose_tx_result_table_matches_the_proto() -> None:
    rows = tables(guide_text())["ProposeTxResult"]
    assert len(rows) >= 10
    wrong = []
    for row in rows:
        (name,) = _TICKED.findall(row[1])
        if name not in consensus_common_pb2.ProposeTxResult.keys() or \
                consensus_common_pb2.ProposeTxResult.Value(name) != int(row[0]):
            wrong.append(f"{row[0]} {name}")
    assert not wrong, f"ProposeTxResult rows that do not match consensus_common.proto: {wrong}"


def test_client_statuses_are_quoted_verbatim() -> None:
    text = guide_text()
    for details in (OVER_CAPACITY, NOT_SERVING, ATTESTATION_DENIED):
        assert f'"{details}"' in text, details


# --- the check itself ------------------------------------------------------------------------


def _all_items() -> list[tuple[str, str]]:
    return [(name, item) for name, items in required().items() for item in items]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_all_items()))
def test_a_removed_row_is_reported(entry: tuple[str, str]) -> None:
    name, item = entry
    problems = missing(without_rows(guide_text(), item), required())
    assert item in problems.get(name, []), (name, item, problems)
    assert report(problems).count(item) >= 1


def test_a_missing_table_reports_all_its_items() -> None:
    text = guide_text().replace("<!-- table: gauge ops -->", "")
    problems = missing(text, required())
    assert problems == {"gauge ops": list(GAUGE_OPS)}


def test_prose_mentions_do_not_count() -> None:
    # An op named only in prose (here: moved out of its table) is still missing.
    text = without_rows(guide_text(), "add_tx") + "\nThe `add_tx` counter.\n"
    assert missing(text, required()) == {"counter ops": ["add_tx"]}


def test_log_formats_are_found_in_source() -> None:
    formats = log_formats()
    assert "Could not sync ledger: %s" in formats
    assert "%s --> %s" in formats
    assert not any(f.startswith("keepalive") for f in formats)  # DEBUG lines are not listed
