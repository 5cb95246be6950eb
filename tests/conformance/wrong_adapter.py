"""A deliberately wrong conformance adapter: ours (refimpl.vectors.adapter), with a known set
of cases broken, so ``mcref conformance drive`` can be shown to fail on exactly those.

* suite ``account_keys``: every 7th case it receives (the 7th, 14th, ...) has the first of
  its output fields (in sorted order) flipped;
* suite ``b58_encodings``: the 2nd case is answered with a line that is not JSON, the 5th
  with an answer naming another case id;
* suite ``core``: the 1st case is answered ``unsupported`` (pending, not failed);
* suite ``derived``: claimed unsupported in the handshake (pending by name).

Usage: ``python tests/conformance/wrong_adapter.py LOG``; the id of every broken case is
appended to LOG, one per line, so a test can compare it with what drive reports.
"""

from __future__ import annotations

import collections
import json
import sys
from typing import Any

from refimpl.vectors.adapter import our_suites
from refimpl.vectors.operations import perform
from refimpl.vectors.runner import suite_of

FLIP_SUITE, FLIP_EVERY = "account_keys", 7
GARBLE_SUITE, NOT_JSON_AT, WRONG_ID_AT = "b58_encodings", 2, 5
PARTLY_SUITE, UNSUPPORTED_AT = "core", 1
UNSUPPORTED_SUITE = "derived"


def flip(value: Any) -> Any:
    """A different JSON value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value[:-1] + ("0" if value[-1:] != "0" else "1")
    if isinstance(value, dict) and value:
        key = sorted(value)[0]
        return {**value, key: flip(value[key])}
    return [value]


def main(log_path: str) -> int:
    seen: collections.Counter[str] = collections.Counter()
    hello = json.loads(sys.stdin.readline())
    suites = [s for s in hello["suites"] if s in our_suites() and s != UNSUPPORTED_SUITE]
    print(json.dumps({"type": "hello", "protocol": 1, "implementation": "wrong adapter",
                      "suites": suites}), flush=True)
    with open(log_path, "a", encoding="utf-8") as log:
        for line in sys.stdin:
            message = json.loads(line)
            if message.get("type") == "bye":
                break
            case_id = message["id"]
            suite = suite_of(case_id.partition("#")[0])
            seen[suite] += 1
            answer: dict[str, Any] = {"type": "answer", "id": case_id,
                                      **perform(message["kind"], message["input"])}
            broken = ""
            if suite == FLIP_SUITE and seen[suite] % FLIP_EVERY == 0:
                answer["output"] = flip(answer["output"])
                broken = "flipped"
            elif suite == GARBLE_SUITE and seen[suite] == NOT_JSON_AT:
                broken = "not json"
            elif suite == GARBLE_SUITE and seen[suite] == WRONG_ID_AT:
                answer["id"] = case_id + "-other"
                broken = "wrong id"
            elif suite == PARTLY_SUITE and seen[suite] == UNSUPPORTED_AT:
                answer = {"type": "answer", "id": case_id, "unsupported": True}
            if broken:
                log.write(case_id + "\n")
            print("this is not JSON" if broken == "not json" else json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
