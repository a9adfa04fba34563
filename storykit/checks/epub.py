"""EPUB checks: EPUBCheck 5.3 for validity and Ace by DAISY for accessibility."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Literal

from storykit.checks import tools
from storykit.findings import Finding


def epubcheck(path: Path) -> list[Finding]:
    """EPUBCheck's errors and warnings, one finding each."""
    jar = tools.epubcheck_jar()
    with tempfile.TemporaryDirectory(prefix="storykit-epubcheck-") as tmp:
        report = Path(tmp) / "report.json"
        command = [
            tools.java(),
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            str(jar),
            str(path),
            "--json",
            str(report),
        ]
        run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        if not report.is_file():
            return [
                Finding("epub", "epubcheck-crashed", path.name, f"EPUBCheck did not run: {run.stderr.strip()[:200]}")
            ]
        data = json.loads(report.read_text(encoding="utf-8"))
    found = []
    for message in data.get("messages", []):
        severity = str(message.get("severity", "")).upper()
        if severity not in {"FATAL", "ERROR", "WARNING"}:
            continue
        places = message.get("locations") or [{}]
        first = places[0]
        where = f"{path.name}:{first.get('path', '')}:{first.get('line', '')}".rstrip(":")
        level: Literal["error", "warning"] = "warning" if severity == "WARNING" else "error"
        found.append(
            Finding("epub", f"epubcheck-{message.get('ID', '?')}", where, str(message.get("message", "")), level)
        )
    return found


def ace(path: Path) -> list[Finding]:
    """Ace by DAISY's violations and missing accessibility metadata."""
    ace_bin, browser = tools.ace(), tools.chromium()
    with tempfile.TemporaryDirectory(prefix="storykit-ace-") as tmp:
        env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": browser}
        command = [ace_bin, "-E", "-f", "-s", "-o", tmp, str(path)]
        run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, env=env)
        report = Path(tmp) / "report.json"
        if not report.is_file():
            detail = (run.stderr or run.stdout).strip().splitlines()
            return [
                Finding(
                    "epub", "ace-crashed", path.name, f"Ace did not run: {detail[-1] if detail else run.returncode}"
                )
            ]
        data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    found = []
    for document in data.get("assertions", []):
        doc = document.get("earl:testSubject", {}).get("url", "")
        for assertion in document.get("assertions", []):
            test = assertion.get("earl:test", {})
            impact = str(test.get("earl:impact", ""))
            title = str(test.get("dct:title", "?"))
            level: Literal["error", "warning"] = "warning" if impact == "minor" else "error"
            description = assertion.get("earl:result", {}).get("dct:description", "")
            found.append(
                Finding("epub", f"ace-{title}", f"{path.name}:{doc}", f"{impact}: {description}".strip(), level)
            )
    # certification and conformsTo are claims a person makes, not something to generate
    for missing in data.get("a11y-metadata", {}).get("missing", []):
        if not str(missing).startswith("schema:"):
            continue
        found.append(
            Finding("epub", "ace-metadata", path.name, f"accessibility metadata {missing} is missing", "warning")
        )
    return found


def text_layer(path: Path) -> str:
    """Text of every XHTML document in the EPUB, tags removed."""
    from lxml import html

    parts = []
    with zipfile.ZipFile(path) as book:
        for name in sorted(book.namelist()):
            if name.endswith((".xhtml", ".html")):
                parts.append(html.fromstring(book.read(name)).text_content())
    return "\n".join(parts)


def package_metadata(path: Path) -> str:
    """The OPF package document as text."""
    with zipfile.ZipFile(path) as book:
        container = book.read("META-INF/container.xml").decode("utf-8")
        start = container.index('full-path="') + len('full-path="')
        opf = container[start : container.index('"', start)]
        return book.read(opf).decode("utf-8")


def accessibility_metadata(path: Path) -> list[Finding]:
    """The EPUB Accessibility 1.1 metadata a package must carry."""
    opf = package_metadata(path)
    found = []
    for prop in (
        "schema:accessMode",
        "schema:accessModeSufficient",
        "schema:accessibilityFeature",
        "schema:accessibilityHazard",
        "schema:accessibilitySummary",
    ):
        if prop not in opf:
            found.append(
                Finding(
                    "epub",
                    "epub-a11y-metadata",
                    f"{path.name}:package",
                    f"no {prop}; declare it in the package metadata",
                )
            )
    return found
