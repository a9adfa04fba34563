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
from storykit.manifest import Manifest
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


def read_and_clean(
    paths: Sequence[Path],
    progress: Progress = _quiet,
    *,
    manifest: Manifest | None = None,
    skip_bad: bool = False,
    warn: Progress = _quiet,
    max_bytes: int | None = None,
) -> list[CleanDocument]:
    """Every source under these paths, decoded and cleaned, with ids in file-name order."""
    from storykit.clean import clean
    from storykit.errors import SourceError
    from storykit.manifest import apply_to_source
    from storykit.readers import find_sources, read_source

    files = find_sources(paths)
    progress(f"reading {len(files)} source{'s' if len(files) != 1 else ''}")
    raws = []
    for path in files:
        try:
            raws.append(read_source(path) if max_bytes is None else read_source(path, max_bytes=max_bytes))
        except SourceError as error:
            if not skip_bad:
                raise
            warn(f"warning: skipped {error.line()}")
    if not raws:
        raise SourceError(
            ", ".join(str(p) for p in paths), "no readable source is left", "fix or replace the files above"
        )
    if manifest is not None:
        raws = [apply_to_source(manifest, raw) for raw in raws]
    # ids follow the sorted file names, so the same files always get the same ids
    raws.sort(key=lambda r: (r.name, r.checksum))
    progress("cleaning")
    return [clean(raw, f"s{i}") for i, raw in enumerate(raws, start=1)]


def merge_sources(
    paths: Sequence[Path],
    progress: Progress = _quiet,
    *,
    manifest: Manifest | None = None,
    skip_bad: bool = False,
    warn: Progress = _quiet,
    max_bytes: int | None = None,
) -> Story:
    """One story from the sources under these paths, with the manifest's overrides applied."""
    from storykit.manifest import apply_to_story, find_manifest, load_manifest
    from storykit.merge import merge

    if manifest is None:
        manifest = load_manifest(find_manifest(list(paths)))
    docs = read_and_clean(paths, progress, manifest=manifest, skip_bad=skip_bad, warn=warn, max_bytes=max_bytes)
    progress("merging")
    return apply_to_story(manifest, merge(docs))


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


def _umask() -> int:
    """The process's umask (reading it means setting it, so set it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs are for sharing
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
    *,
    use_cache: bool = True,
    skip_bad: bool = False,
    warn: Progress = _quiet,
    max_bytes: int | None = None,
) -> list[Built]:
    """Build the edition: merge the sources, render the formats, write them into `out`."""
    from storykit import cache
    from storykit.manifest import find_manifest, load_manifest
    from storykit.readers import find_sources

    for name in formats:
        get_format(name)  # fail on an unknown format before any work
    manifest_path = find_manifest(list(sources))
    manifest = load_manifest(manifest_path)
    files = find_sources([p for p in sources if p != manifest_path])
    key = cache.build_key([*files, *([manifest_path] if manifest_path else [])], formats, layout, options)
    if use_cache and (ready := cache.up_to_date(out, key)):
        progress("up to date: sources, layout and options unchanged (use --no-cache to rebuild)")
        return [Built(p.suffix.lstrip("."), p, p.stat().st_size) for p in ready]
    story = merge_sources(files, progress, manifest=manifest, skip_bad=skip_bad, warn=warn, max_bytes=max_bytes)
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
