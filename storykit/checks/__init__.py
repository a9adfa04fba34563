"""`storykit check`: every check on a built edition, across formats, with parity between them."""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from storykit.errors import SourceError, StorykitError, ToolMissing
from storykit.findings import Finding
from storykit.model import Story


@dataclass(frozen=True)
class Edition:
    """The files of one story in an output folder."""

    slug: str
    files: dict[str, Path] = field(default_factory=dict)  # extension -> path


def editions(folder: Path) -> list[Edition]:
    """Every edition (group of files sharing a slug) in a folder."""
    if not folder.is_dir():
        raise SourceError(str(folder), "is not a folder", "give the output folder of 'storykit build'")
    groups: dict[str, dict[str, Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix not in {".pdf", ".epub", ".txt", ".json"}:
            continue
        slug = path.name[: -len(path.suffix)]
        if slug.endswith(".ascii"):
            slug = slug[: -len(".ascii")]
            groups.setdefault(slug, {})["ascii.txt"] = path
            continue
        groups.setdefault(slug, {})[path.suffix[1:]] = path
    if not groups:
        raise SourceError(str(folder), "holds no edition (.pdf, .epub, .txt, .json)", "build one with 'storykit build'")
    return [Edition(slug, files) for slug, files in groups.items()]


def _squash(text: str) -> str:
    """Letters and digits only, lowercased: survives line breaks, hyphenation and typography."""
    folded = unicodedata.normalize("NFKD", text)
    return re.sub(r"[\W_]+", "", folded).lower()


def parity(story: Story, texts: dict[str, str]) -> list[Finding]:
    """Every quote, fact, conflict account and source of the story appears in each format's text."""
    pieces: list[tuple[str, str]] = []
    pieces += [(f"quote {q.id}", q.text) for q in story.quotes]
    pieces += [(f"fact {f.id}", f.value) for f in story.facts]
    pieces += [(f"conflict {c.id}", claim.value) for c in story.conflicts for claim in c.claims]
    pieces += [(f"conflict {c.id}", c.topic) for c in story.conflicts]
    pieces += [(f"source {s.id}", s.outlet or s.title or s.file) for s in story.sources]
    found = []
    for fmt, text in texts.items():
        haystack = _squash(text)
        for what, needle in pieces:
            key = _squash(needle)
            if key and key not in haystack:
                found.append(
                    Finding(
                        "parity",
                        "parity-missing",
                        f"{fmt} {what}",
                        f"{needle[:60]!r} is in the story but not in the {fmt}; re-render every format",
                    )
                )
    return found


def _guard(fmt: str, where: str, check: Callable[[], list[Finding]]) -> list[Finding]:
    """Run a check; a missing tool or broken file becomes a finding, not a crash."""
    try:
        return check()
    except ToolMissing as missing:
        return [Finding(fmt, "tool-missing", where, missing.line())]
    except StorykitError as error:
        return [Finding(fmt, f"{fmt}-unreadable", where, error.line())]
    except Exception as exc:  # a corrupt file may break a parser in any way
        return [Finding(fmt, f"{fmt}-unreadable", where, f"cannot be read ({type(exc).__name__}: {exc}); rebuild it")]


def check_edition(edition: Edition, *, external: bool = True) -> list[Finding]:
    """Every check on one edition; `external=False` skips EPUBCheck and Ace."""
    from storykit.checks import epub, pdf
    from storykit.codec import loads, schema

    findings: list[Finding] = []
    files = edition.files
    story: Story | None = None
    if "json" in files:
        path = files["json"]

        def check_json() -> list[Finding]:
            nonlocal story
            import jsonschema

            raw = path.read_bytes()
            validator = jsonschema.Draft202012Validator(schema())
            errors = [
                Finding("json", "json-schema", f"{path.name}:{'/'.join(map(str, e.path))}", e.message)
                for e in validator.iter_errors(json.loads(raw))
            ]
            if not errors:
                story = loads(raw, str(path))
            return errors

        findings += _guard("json", path.name, check_json)
    else:
        findings.append(
            Finding(
                "json", "json-missing", edition.slug, "no story.json; build with -f json for parity checks", "warning"
            )
        )
    texts: dict[str, str] = {}
    if "txt" in files:
        from storykit import textrules

        path = files["txt"]
        data = path.read_bytes()
        findings += _guard(
            "txt",
            path.name,
            lambda: (
                textrules.check_bytes(data, path.name)
                + textrules.check_text(data.decode("utf-8", "replace"), path.name, wrapped=_wrapped(data))
            ),
        )
        texts["txt"] = data.decode("utf-8", "replace")
    if "ascii.txt" in files:
        path = files["ascii.txt"]
        data = path.read_bytes()
        if any(b > 127 for b in data):
            findings.append(
                Finding("txt", "txt-ascii", path.name, "the ASCII variant holds non-ASCII bytes; rebuild with --ascii")
            )
    if "pdf" in files:
        path = files["pdf"]
        lang = story.meta.language if story else None
        findings += _guard("pdf", path.name, lambda: pdf.structure(path, lang))
        findings += _guard("pdf", path.name, lambda: pdf.ua1(path))
        with contextlib.suppress(Exception):  # an unreadable PDF is reported above
            texts["pdf"] = pdf.text_layer(path)
    if "epub" in files:
        path = files["epub"]
        findings += _guard("epub", path.name, lambda: epub.accessibility_metadata(path))
        if external:
            findings += _guard("epub", path.name, lambda: epub.epubcheck(path))
            findings += _guard("epub", path.name, lambda: epub.ace(path))
        with contextlib.suppress(Exception):  # an unreadable EPUB is reported by EPUBCheck
            texts["epub"] = epub.text_layer(path)
    if story is not None:
        findings += parity(story, texts)
    return findings


def _wrapped(data: bytes) -> int | None:
    """The wrap width of a text file built with --width, if its lines show one."""
    lines = data.decode("utf-8", "replace").splitlines()
    longest = max((len(line) for line in lines), default=0)
    return longest if longest <= 120 and sum(1 for line in lines if len(line) > 60) > len(lines) // 4 else None


def check_folder(folder: Path, *, external: bool = True) -> list[Finding]:
    """Every check on every edition in a folder."""
    findings: list[Finding] = []
    for edition in editions(folder):
        findings += check_edition(edition, external=external)
    return findings
