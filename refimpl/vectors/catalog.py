"""What each file under conformance/ is: its kind, its schema, its origin, its test count.

Every file of the conformance kit (docs/conformance.md, "Schemas" and "The manifest") has a
*kind*. A data kind has a JSON Schema (draft 2020-12) at ``schemas/<kind>.schema.json``; for a
JSON-lines file the schema validates each line. Schema files are checked against the draft
2020-12 metaschema, and documentation (``*.md``) has no schema. A file that no pattern below
matches is refused (``conformance.unmapped_file``), so a new file cannot enter the kit without
a schema.

:func:`build_manifest` describes every file (but ``MANIFEST.json`` itself) with its sha256,
kind, schema, origin, test count and, for MobileCoin's files, the MobileCoin commit they were
copied from (read from ``upstream/mobilecoin/SOURCE.md``); ``tools/gen_conformance_manifest.py``
writes it to ``conformance/MANIFEST.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import attrs

import refimpl
from refimpl.errors import ConformanceError

#: The URI of the metaschema every file under ``schemas/`` follows.
METASCHEMA = "https://json-schema.org/draft/2020-12/schema"
MANIFEST = "MANIFEST.json"
ERROR_CODES = "error-codes.json"
SOURCE_NOTE = "upstream/mobilecoin/SOURCE.md"
MANIFEST_GENERATOR = "tools/gen_conformance_manifest.py"

_UP = "upstream/mobilecoin/"
#: Kinds whose tests are the cases their case source reads, not their lines: a simulator trace
#: gives one SCP one-node script per honest node and slot (refimpl/vectors/scp_cases.py).
COUNTED_BY_CASES = ("scp-trace",)
#: (pattern relative to conformance/, kind), first match wins. Kinds "json-schema" and
#: "documentation" are not data kinds (see :func:`schema_of`).
KINDS: tuple[tuple[str, str], ...] = (
    (MANIFEST, "manifest"),
    (ERROR_CODES, "error-codes"),
    ("schemas/*.schema.json", "json-schema"),
    ("*.md", "documentation"),
    # our vectors (tools/gen_vectors_*.py)
    ("vectors/transaction/mlsag.json", "mlsag"),
    ("vectors/transaction/bulletproofs.json", "bulletproofs"),
    ("vectors/transaction/transactions.json", "transactions"),
    ("vectors/scp/*.json", "scp-node-script"),
    ("vectors/scp-traces/*.ndjson", "scp-trace"),
    # MobileCoin's vectors, byte for byte (upstream/mobilecoin/SOURCE.md)
    (_UP + "account_keys/acct_priv_keys_from_root_entropy.jsonl", "mc-account-keys-root-entropy"),
    (_UP + "account_keys/acct_priv_keys_from_bip39.jsonl", "mc-account-keys-bip39"),
    (_UP + "account_keys/default_subaddr_keys_from_acct_priv_keys.jsonl",
     "mc-default-subaddress-keys"),
    (_UP + "account_keys/subaddr_keys_from_acct_priv_keys.jsonl", "mc-subaddress-keys"),
    (_UP + "b58_encodings/b58_encode_public_address_without_fog.jsonl",
     "mc-b58-address-without-fog"),
    (_UP + "b58_encodings/b58_encode_public_address_with_fog.jsonl", "mc-b58-address-with-fog"),
    (_UP + "core/slip10_key.json", "mc-slip10-key"),
    (_UP + "core/slip10_mnemonic.json", "mc-slip10-mnemonic"),
    (_UP + "derived/digestible_block_kat.json", "mc-digestible-block-kat"),
    (_UP + "derived/kex_rng_kat.json", "mc-kex-rng-kat"),
    (_UP + "derived/schnorrkel_sig_kat.json", "mc-schnorrkel-sig-kat"),
    (_UP + "memos/correct_encrypted_sender_memos.jsonl", "mc-sender-memo"),
    (_UP + "memos/incorrect_encrypted_sender_memos.jsonl", "mc-sender-memo-incorrect"),
    (_UP + "memos/correct_encrypted_sender_with_payment_request_id_memos.jsonl",
     "mc-sender-memo-payment-request"),
    (_UP + "memos/incorrect_encrypted_sender_with_payment_request_id_memos.jsonl",
     "mc-sender-memo-payment-request-incorrect"),
    (_UP + "memos/correct_encrypted_destination_memos.jsonl", "mc-destination-memo"),
    (_UP + "tx_out_records/correct_tx_out_records.jsonl", "mc-tx-out-record"),
    (_UP + "tx_out_records/incorrect_tx_out_records.jsonl", "mc-tx-out-record-incorrect"),
)


@attrs.frozen
class FileKind:
    """How one file of the kit is read and checked."""

    rel: str
    kind: str
    #: ``schemas/<kind>.schema.json``, :data:`METASCHEMA` for a schema file, None for text.
    schema: str | None
    #: ``json`` (one document), ``jsonl`` (one document per line) or ``text``.
    format: str
    #: ``mobilecoin`` for MobileCoin's files, ``ours`` for everything else.
    origin: str


def kind_of(rel: str) -> FileKind:
    """The kind of the file at ``rel`` (relative to conformance/, ``/``-separated)."""
    kind = next((k for pattern, k in KINDS if fnmatchcase(rel, pattern)), None)
    if kind is None:
        raise ConformanceError(
            "conformance.unmapped_file",
            f"{rel}: no kind in refimpl/vectors/catalog.py KINDS (add a pattern and a schema)",
        )
    return FileKind(rel, kind, schema_of(kind), _format_of(rel, kind),
                    "mobilecoin" if rel.startswith(_UP) and kind != "documentation" else "ours")


def schema_of(kind: str) -> str | None:
    """The schema of a kind, as a path relative to conformance/ (or the metaschema URI)."""
    if kind == "json-schema":
        return METASCHEMA
    if kind == "documentation":
        return None
    return f"schemas/{kind}.schema.json"


def _format_of(rel: str, kind: str) -> str:
    if kind == "documentation":
        return "text"
    return "jsonl" if rel.endswith((".jsonl", ".ndjson")) else "json"


def kit_files(root: Path) -> list[str]:
    """Every file under ``root`` (conformance/), relative and sorted; caches excluded."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def mobilecoin_commit(root: Path) -> str:
    """The MobileCoin commit named by ``upstream/mobilecoin/SOURCE.md`` ("- Commit: `...`")."""
    text = (root / SOURCE_NOTE).read_text(encoding="utf-8")
    found = re.search(r"^- Commit: `([0-9a-f]{40})`", text, re.MULTILINE)
    if found is None:
        raise ConformanceError("conformance.bad_vector_file",
                               f"{SOURCE_NOTE} names no 40-hex MobileCoin commit")
    return found.group(1)


def json_lines(path: Path) -> list[Any]:
    """The documents of a JSON-lines file (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def count_tests(root: Path, kind: FileKind) -> int | None:
    """The number of tests of a data file: what the file declares (``numberOfTests`` of our
    Wycheproof-style files, the lines of a JSON-lines file, the entries of a JSON array), else
    the cases its case source reads (the known-answer files of ``upstream/mobilecoin/derived/``
    and the kinds of :data:`COUNTED_BY_CASES`; refimpl.vectors.registry); None for files that
    hold no tests (schemas, documentation, the kit's own files)."""
    if kind.kind in ("json-schema", "documentation", "manifest", "error-codes"):
        return None
    path = root / kind.rel
    if kind.kind in COUNTED_BY_CASES:
        from refimpl.vectors.runner import load_cases

        return len(load_cases(kind.rel, root))
    if kind.format == "jsonl":
        return len(json_lines(path))
    doc = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(doc, list):
        return len(doc)
    if isinstance(doc.get("numberOfTests"), int):
        return int(doc["numberOfTests"])
    from refimpl.vectors.runner import load_cases

    return len(load_cases(kind.rel, root))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_entry(root: Path, rel: str, commit: str) -> dict[str, Any]:
    """One file's entry of MANIFEST.json."""
    kind = kind_of(rel)
    path = root / rel
    entry: dict[str, Any] = {
        "path": rel,
        "sha256": sha256_of(path),
        "size": path.stat().st_size,
        "kind": kind.kind,
        "schema": kind.schema,
        "format": kind.format,
        "origin": kind.origin,
    }
    if kind.origin == "mobilecoin":
        entry["mobilecoinCommit"] = commit
    entry["refimplVersion"] = refimpl.__version__
    tests = count_tests(root, kind)
    if tests is not None:
        entry["numberOfTests"] = tests
    return entry


def build_manifest(root: Path) -> dict[str, Any]:
    """MANIFEST.json for the kit at ``root``: every file but the manifest itself."""
    commit = mobilecoin_commit(root)
    return {
        "manifestVersion": 1,
        "generator": MANIFEST_GENERATOR,
        "refimplVersion": refimpl.__version__,
        "mobilecoinCommit": commit,
        "files": [manifest_entry(root, rel, commit) for rel in kit_files(root) if rel != MANIFEST],
    }


def render_json(doc: object) -> str:
    """The byte form of the kit's generated JSON files (2-space indent, final newline)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def error_codes_document() -> dict[str, Any]:
    """conformance/error-codes.json: every code of refimpl/errors.py CODES, sorted, with its
    meaning (``tools/gen_error_codes.py`` writes it)."""
    from refimpl.errors import CODES

    return {
        "version": refimpl.__version__,
        "generator": "tools/gen_error_codes.py",
        "source": "refimpl/errors.py",
        "codes": dict(sorted(CODES.items())),
    }


def write_or_check(path: Path, text: str, check: bool, command: str) -> int:
    """The generator tools' common ending: with ``check``, compare ``path`` with ``text`` and
    name ``command`` when they differ (exit status 1); otherwise write ``text`` to ``path``."""
    if check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{path} differs: run {command}")
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0
