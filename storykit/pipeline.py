"""The build pipeline: read → clean → merge → render each format → write atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from storykit.document import CleanDocument
from storykit.errors import OutputError, StorykitError
from storykit.formats import Format, Options, get_format
from storykit.layouts import Layout
from storykit.model import Story

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Progress sink that says nothing."""


@dataclass(frozen=True)
class Built:
    """One written output file."""

    format: str
    path: Path
    size: int


def read_and_clean(paths: Sequence[Path], progress: Progress = _quiet) -> list[CleanDocument]:
    """Every source under these paths, decoded and cleaned, with ids in file-name order."""
    from storykit.clean import clean
    from storykit.readers import find_sources, read_source

    files = find_sources(paths)
    progress(f"reading {len(files)} source{'s' if len(files) != 1 else ''}")
    raws = [read_source(f) for f in files]
    # ids follow the sorted file names, so the same files always get the same ids
    raws.sort(key=lambda r: (r.name, r.checksum))
    progress("cleaning")
    return [clean(raw, f"s{i}") for i, raw in enumerate(raws, start=1)]


def merge_sources(paths: Sequence[Path], progress: Progress = _quiet) -> Story:
    """One story from the sources under these paths."""
    from storykit.merge import merge

    docs = read_and_clean(paths, progress)
    progress("merging")
    return merge(docs)


def render_all(
    story: Story, formats: Sequence[str], layout: Layout, options: Options, progress: Progress = _quiet
) -> dict[Format, bytes]:
    """Every requested format rendered in memory, in registry order."""
    rendered: dict[Format, bytes] = {}
    for name in formats:
        fmt = get_format(name)
        progress(f"rendering {fmt.name}")
        rendered[fmt] = fmt.renderer()(story, layout, options)
    return rendered


def output_names(story: Story, rendered: dict[Format, bytes], options: Options) -> dict[str, bytes]:
    """File names for rendered outputs, named after the story's slug."""
    suffix = ".ascii" if options.ascii else ""
    return {
        f"{story.meta.slug}{suffix if fmt.name == 'txt' else ''}.{fmt.extension}": data
        for fmt, data in rendered.items()
    }


def write_atomically(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file, or none: temporary files first, then renamed into place."""
    try:
        folder.mkdir(parents=False, exist_ok=True)
    except FileNotFoundError:
        raise OutputError(
            str(folder), "its parent folder does not exist", "create it first or choose another -o"
        ) from None
    except OSError as exc:
        raise OutputError(
            str(folder), f"cannot create the output folder ({exc.strerror})", "choose another -o"
        ) from None
    temps: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            fd, part = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
            temps.append((Path(part), folder / name))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, final in temps:
            os.replace(tmp, final)
    except OSError as exc:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise OutputError(
            str(folder),
            f"cannot write the outputs ({exc.strerror})",
            "check the folder is writable and the disk has room; earlier outputs are untouched",
        ) from None
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    return [final for _, final in temps]


def build(
    sources: Sequence[Path],
    out: Path,
    formats: Sequence[str],
    layout: Layout,
    options: Options,
    progress: Progress = _quiet,
    use_cache: bool = True,
) -> list[Built]:
    """Build the edition: merge the sources, render the formats, write them into `out`."""
    from storykit import cache
    from storykit.readers import find_sources

    for name in formats:
        get_format(name)  # fail on an unknown format before any work
    files = find_sources(sources)
    key = cache.build_key(files, formats, layout, options)
    if use_cache and (ready := cache.up_to_date(out, key)):
        progress("up to date: sources, layout and options unchanged (use --no-cache to rebuild)")
        return [Built(p.suffix.lstrip("."), p, p.stat().st_size) for p in ready]
    story = merge_sources(files, progress)
    return publish(story, out, formats, layout, options, progress, cache_key=key)


def publish(
    story: Story,
    out: Path,
    formats: Sequence[str],
    layout: Layout,
    options: Options,
    progress: Progress = _quiet,
    cache_key: str | None = None,
) -> list[Built]:
    """Render a story in the given formats and write the files atomically."""
    from storykit import cache

    rendered = render_all(story, formats, layout, options, progress)
    files = output_names(story, rendered, options)
    progress(f"writing {len(files)} file{'s' if len(files) != 1 else ''} to {out}")
    record = {cache.MANIFEST: cache.manifest_bytes(cache_key, files)} if cache_key else {}
    if not cache_key:
        # a render from an edited story.json invalidates any earlier build record
        with contextlib.suppress(OSError):
            (out / cache.MANIFEST).unlink()
    written = write_atomically(out, {**files, **record})
    return [
        Built(fmt.name, path, len(data))
        for (fmt, data), path in zip(rendered.items(), written[: len(rendered)], strict=True)
    ]


__all__ = ["Built", "StorykitError", "build", "merge_sources", "publish", "read_and_clean", "render_all"]
