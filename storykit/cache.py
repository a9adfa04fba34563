"""Build cache: an unchanged rebuild (same sources, layout, options, version) does no work."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from storykit import __version__
from storykit.formats import Options
from storykit.layouts import Layout

MANIFEST = ".storykit-build.json"


def build_key(sources: Sequence[Path], formats: Sequence[str], layout: Layout, options: Options) -> str:
    """A digest of everything a build's outputs depend on."""
    digest = hashlib.sha256()
    digest.update(f"storykit {__version__}\n".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + hashlib.sha256(path.read_bytes()).digest())
    digest.update(json.dumps({"formats": sorted(formats), "options": asdict(options)}, sort_keys=True).encode())
    for path in sources:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    for folder in layout.search_path:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def up_to_date(out: Path, key: str) -> list[Path] | None:
    """The outputs of an earlier build with this key, if they are all still intact."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("key") != key:
        return None
    files = manifest.get("files", {})
    paths = []
    for name, expected in sorted(files.items()):
        path = out / name
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() != expected:
                return None
        except OSError:
            return None
        paths.append(path)
    return paths or None


def manifest_bytes(key: str, files: dict[str, bytes]) -> bytes:
    """The manifest recording a build's key and its outputs' digests."""
    record = {"key": key, "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}}
    return (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
