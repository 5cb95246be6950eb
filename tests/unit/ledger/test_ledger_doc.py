"""docs/ledger.md stays true to the code: every ``ledger.*`` code it names is registered, every
code refimpl/ledger/env.py can raise is named, and its database table lists exactly the named
databases of refimpl/ledger/layout.py, each once."""

from __future__ import annotations

import re
from pathlib import Path

from refimpl.errors import CODES
from refimpl.ledger.layout import ALL_DBS

DOC = Path(__file__).resolve().parents[3] / "docs" / "ledger.md"
ENV = Path(__file__).resolve().parents[3] / "refimpl" / "ledger" / "env.py"
CODE = re.compile(r"`(ledger\.[a-z_]+)`")


def test_every_code_named_is_registered() -> None:
    named = set(CODE.findall(DOC.read_text()))
    assert {"ledger.rollback", "ledger.file_truncated", "ledger.permission_denied"} <= named
    assert sorted(c for c in named if c not in CODES) == []


def test_every_code_env_raises_is_named() -> None:
    raised = set(re.findall(r'"(ledger\.[a-z_]+)"', ENV.read_text()))
    assert "ledger.not_a_directory" in raised
    assert sorted(raised - set(CODE.findall(DOC.read_text()))) == []


def test_the_database_table_is_the_layout() -> None:
    section = DOC.read_text().split("## 2. Named databases")[1].split("\n## ")[0]
    rows = re.findall(r"^\| `([a-z_:]+)` \|", section, flags=re.MULTILINE)
    assert sorted(rows) == sorted(name.decode() for name in ALL_DBS)
    assert len(rows) == len(ALL_DBS) == 13
