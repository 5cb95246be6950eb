"""The repository stands alone: every citation can be followed from a clone.

* No tracked file cites the team's private notes directory, its design note or the shared
  directory beside the checkout (none of them ships with the repository).
* Every ``docs/<name>.md#<anchor>`` cited anywhere in the repository, and every
  ``(<name>.md#<anchor>)`` / ``(#<anchor>)`` link inside docs/, names a doc that exists and an
  anchor in it: an explicit ``<a id="...">`` or ``{#...}``, or a heading's GitHub slug.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Spelled in pieces so that this file does not match itself.
_PRIVATE = re.compile(
    "|".join(
        (
            re.escape("notes" + "/"),
            r"\bnotes [a-z][a-z-]*\.md\b",
            r"\bnotes,? §",
            re.escape("DESIGN" + ".md"),
            re.escape(".." + "/shared"),
        )
    )
)
_DOC_CITE = re.compile(r"docs/([A-Za-z0-9_-]+)\.md#([A-Za-z0-9_-]+)")
_DOC_LINK = re.compile(r"\]\((?:([A-Za-z0-9_-]+)\.md)?#([A-Za-z0-9_-]+)\)")
_EXPLICIT = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']|\{#([A-Za-z0-9_-]+)\}""")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@cache
def tracked_text_files() -> tuple[tuple[str, str], ...]:
    """(path, text) of every tracked file that is UTF-8 text."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, timeout=60
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = []
    for name in out.decode().split("\0"):
        path = ROOT / name
        if not name or not path.is_file():
            continue  # deleted in the working tree
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            files.append((name, data.decode("utf-8")))
        except UnicodeDecodeError:
            continue
    return tuple(files)


def github_slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces -> '-'."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(doc: str) -> frozenset[str]:
    """Every anchor of docs/<doc>.md (explicit ids and heading slugs, deduplicated as GitHub)."""
    path = ROOT / "docs" / f"{doc}.md"
    found: set[str] = set()
    seen: dict[str, int] = {}
    in_code = False
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        for a, b in _EXPLICIT.findall(line):
            found.add(a or b)
        m = _HEADING.match(line)
        if m:
            slug = github_slug(re.sub(r"\{#[^}]*\}", "", m.group(2)))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            found.add(slug if n == 0 else f"{slug}-{n}")
    return frozenset(found)


def test_no_private_citations() -> None:
    offenders = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}"
        for name, text in tracked_text_files()
        for m in _PRIVATE.finditer(text)
    ]
    assert not offenders, "citations nobody can follow:\n" + "\n".join(offenders[:50])


def cited_anchors() -> list[tuple[str, str, str]]:
    """(citing file, doc name, anchor) of every doc anchor cited in the repository."""
    out = []
    for name, text in tracked_text_files():
        for doc, anchor in _DOC_CITE.findall(text):
            out.append((name, doc, anchor))
        if name.startswith("docs/") and name.endswith(".md"):
            here = Path(name).stem
            for doc, anchor in _DOC_LINK.findall(text):
                out.append((name, doc or here, anchor))
    return out


def test_cited_doc_anchors_exist() -> None:
    cited = cited_anchors()
    assert any(doc == "deviations" for _, doc, _ in cited)  # the SCP docstrings cite it
    missing = [
        f"{name}: docs/{doc}.md#{anchor}"
        for name, doc, anchor in cited
        if not (ROOT / "docs" / f"{doc}.md").is_file() or anchor not in anchors(doc)
    ]
    assert not missing, "cited anchors that do not exist:\n" + "\n".join(sorted(set(missing)))


def test_scp_variant_rules_have_anchors() -> None:
    """Each deliberate SCP divergence has a stable anchor in docs/deviations.md."""
    required = {
        "dev-scp", "dev-scp-variants", "dev-scp-blocking-set-acceptance", "dev-scp-quorum-search",
        "dev-scp-accepted-stays-accepted", "dev-scp-message-order", "dev-scp-next-ballot-value",
        "dev-scp-commit-vote", "dev-scp-commit-phase-range", "dev-scp-counter-arithmetic",
        "dev-scp-clamp", "dev-scp-timers", "dev-scp-leader-hash", "dev-scp-node-slots",
        "dev-scp-message-framing",
    }
    assert required <= anchors("deviations")


def test_slug_and_anchor_detection() -> None:
    """The checker itself: GitHub slugs, explicit ids, and a missing anchor is noticed."""
    assert github_slug("CRL windows: default and `--strict`") == "crl-windows-default-and---strict"
    assert github_slug("EPID (legacy)") == "epid-legacy"
    assert "two-layers-valid-then-accepted" in anchors("attestation")
    assert "ix-responder-binding" in anchors("findings")
    assert "no-such-anchor" not in anchors("deviations")
    assert _PRIVATE.search("see " + "notes" + "/scp.md") is not None
    assert _PRIVATE.search("see docs/deviations.md#dev-scp") is None
