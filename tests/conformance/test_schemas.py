"""Every file under conformance/ has a kind and validates against its JSON Schema (draft
2020-12; each line of a JSON-lines file), the schemas follow the metaschema, and each schema
rejects a broken copy of its file (docs/conformance.md, "Schemas")."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import (  # type: ignore[import-untyped]
    ValidationError,
    best_match,
)
from referencing import Registry, Resource

from refimpl.errors import ConformanceError
from refimpl.resources import conformance_root
from refimpl.vectors.catalog import METASCHEMA, FileKind, json_lines, kind_of, kit_files

ROOT = conformance_root()
FILES = kit_files(ROOT)
DATA = [rel for rel in FILES if kind_of(rel).schema not in (None, METASCHEMA)]
SCHEMA_FILES = sorted(rel for rel in FILES if kind_of(rel).schema == METASCHEMA)


@cache
def registry() -> Registry[Any]:
    resources = []
    for rel in SCHEMA_FILES:
        doc = json.loads((ROOT / rel).read_text())
        resources.append((doc["$id"], Resource.from_contents(doc)))
    return Registry().with_resources(resources)


@cache
def validator(schema_rel: str) -> Draft202012Validator:
    schema = json.loads((ROOT / schema_rel).read_text())
    return Draft202012Validator(schema, registry=registry())


def first_error(check: Draft202012Validator, doc: Any) -> str:
    """The message of the first error found ("" if none): stopping there keeps the broken-copy
    tests fast on the large files (the schemas list ``required`` before ``properties``)."""
    error = next(iter(check.iter_errors(doc)), None)
    if error is None:
        return ""
    if error.context:  # a oneOf/anyOf: the alternative that went deepest says why
        error = best_match(error.context)
    return str(error.message)


def documents(path: Path, kind: FileKind) -> list[Any]:
    if kind.format == "jsonl":
        return json_lines(path)
    return [json.loads(path.read_text())]


def test_every_file_has_a_kind_and_its_schema_exists() -> None:
    assert len(DATA) >= 20 and len(SCHEMA_FILES) >= 20
    for rel in FILES:
        kind = kind_of(rel)  # raises conformance.unmapped_file
        if kind.schema not in (None, METASCHEMA):
            assert (ROOT / kind.schema).is_file(), (rel, kind.schema)
        if kind.schema is None:
            assert rel.endswith(".md"), rel


def test_an_unmapped_file_is_refused() -> None:
    for rel in ("vectors/transaction/new.json", "upstream/mobilecoin/memos/x.jsonl", "stray"):
        with pytest.raises(ConformanceError) as caught:
            kind_of(rel)
        assert caught.value.code == "conformance.unmapped_file"


def test_every_schema_follows_the_metaschema_and_is_used() -> None:
    used = {kind_of(rel).schema for rel in FILES}
    for rel in SCHEMA_FILES:
        doc = json.loads((ROOT / rel).read_text())
        assert doc["$schema"] == METASCHEMA
        Draft202012Validator.check_schema(doc)
        assert rel in used or rel == "schemas/common.schema.json", f"{rel} describes no file"


@pytest.mark.parametrize("rel", DATA)
def test_file_validates_against_its_schema(rel: str) -> None:
    kind = kind_of(rel)
    assert kind.schema is not None
    check = validator(kind.schema)
    docs = documents(ROOT / rel, kind)
    assert docs
    for number, doc in enumerate(docs, start=1):
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in check.iter_errors(doc)]
        assert not errors, f"{rel} (document {number}): {errors[:3]}"


def _first_object(doc: Any) -> dict[str, Any]:
    """The object whose first field a broken copy loses (an array file: its first entry)."""
    target = doc[0] if isinstance(doc, list) else doc
    assert isinstance(target, dict)
    return target


@pytest.mark.parametrize("rel", DATA)
def test_schema_rejects_a_broken_copy(rel: str) -> None:
    kind = kind_of(rel)
    assert kind.schema is not None
    check = validator(kind.schema)
    doc = documents(ROOT / rel, kind)[0]
    first = next(iter(_first_object(doc)))

    missing = copy.deepcopy(doc)
    del _first_object(missing)[first]
    assert "required property" in first_error(check, missing)

    wrong_type = copy.deepcopy(doc)
    _first_object(wrong_type)[first] = {"not": "this type"}
    assert first_error(check, wrong_type)


OURS = [rel for rel in DATA if rel.startswith("vectors/")]


def _invalid_test(doc: dict[str, Any]) -> dict[str, Any]:
    test: dict[str, Any] = next(t for g in doc["testGroups"] for t in g["tests"]
                                if t["result"] == "invalid")
    return test


WYCHEPROOF = [r for r in OURS if kind_of(r).kind in ("mlsag", "bulletproofs", "transactions")]


@pytest.mark.parametrize("rel", WYCHEPROOF)
def test_our_schemas_require_expected_error_and_forbid_the_old_names(rel: str) -> None:
    kind = kind_of(rel)
    assert kind.schema is not None
    check = validator(kind.schema)
    doc = json.loads((ROOT / rel).read_text())

    no_code = copy.deepcopy(doc)
    del _invalid_test(no_code)["expectedError"]
    with pytest.raises(ValidationError, match="expectedError"):
        check.validate(no_code)

    for old in ("expectedCode", "causeCode"):
        renamed = copy.deepcopy(doc)
        test = _invalid_test(renamed)
        test[old] = test["expectedError"]
        with pytest.raises(ValidationError):
            check.validate(renamed)

    valid_with_code = copy.deepcopy(doc)
    test = next(t for g in valid_with_code["testGroups"] for t in g["tests"]
                if t["result"] == "valid")
    test["expectedError"] = "crypto.bad_signature"
    with pytest.raises(ValidationError):
        check.validate(valid_with_code)

    no_version = copy.deepcopy(doc)
    del no_version["generatorVersion"]
    with pytest.raises(ValidationError, match="generatorVersion"):
        check.validate(no_version)


@pytest.mark.parametrize("rel", [r for r in OURS if kind_of(r).kind == "scp-node-script"])
def test_scp_schema_rejects_a_bad_answer(rel: str) -> None:
    check = validator("schemas/scp-node-script.schema.json")
    doc = json.loads((ROOT / rel).read_text())
    answers = [a for t in doc["tests"] for a in t["expected"].get("steps", [])]
    emitting = next(i for i, a in enumerate(answers) if a["emitted"] is not None)

    def broken(change: Any) -> Any:
        copied = copy.deepcopy(doc)
        steps = [a for t in copied["tests"] for a in t["expected"].get("steps", [])]
        change(steps[emitting])
        return copied

    for change in (lambda a: a["emitted"]["topic"].__setitem__("type", "Vote"),
                   lambda a: a.pop("state"),
                   lambda a: a["timers"].__setitem__("nominate", "soon"),
                   lambda a: a.__setitem__("expectedCode", "scp.msg_invalid")):
        assert first_error(check, broken(change))
