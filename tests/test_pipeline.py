"""The pipeline: atomic writes and the end-to-end build of the sample sources."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from storykit import codec
from storykit.errors import OutputError
from storykit.formats import Options
from storykit.layouts import load_layout
from storykit.model import Story
from storykit.pipeline import build, publish, write_atomically
from tests.conftest import SEEDS


def test_write_atomically_writes_every_file(tmp_path: Path) -> None:
    written = write_atomically(tmp_path, {"a.txt": b"one", "b.txt": b"two"})
    assert [p.read_bytes() for p in written] == [b"one", b"two"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_keeps_earlier_outputs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"old")
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OutputError):
            write_atomically(tmp_path, {"a.txt": b"new"})
    finally:
        tmp_path.chmod(0o700)
    assert (tmp_path / "a.txt").read_bytes() == b"old"


def test_failed_write_leaves_earlier_outputs_and_no_part_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_bytes(b"old")
    calls = {"n": 0}
    real_replace = os.replace

    def flaky_replace(src: str, dst: str) -> None:
        calls["n"] += 1
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(OutputError) as info:
        write_atomically(tmp_path, {"a.txt": b"new", "b.txt": b"new"})
    monkeypatch.setattr(os, "replace", real_replace)
    assert "No space left" in info.value.line()
    assert (tmp_path / "a.txt").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_publish_json_names_files_after_the_slug(tmp_path: Path, story: Story) -> None:
    built = publish(story, tmp_path, ["json"], load_layout(), Options())
    assert [b.path.name for b in built] == [f"{story.meta.slug}.json"]
    assert codec.loads(built[0].path.read_bytes()) == story


def test_sample_build_writes_the_four_files(sample_edition: Path) -> None:
    visible = [p for p in sample_edition.iterdir() if not p.name.startswith(".")]
    assert sorted(p.suffix for p in visible) == [".epub", ".json", ".pdf", ".txt"]
    slugs = {p.stem for p in visible}
    assert len(slugs) == 1


def test_sample_build_outputs_open(sample_edition: Path) -> None:
    pdf = next(sample_edition.glob("*.pdf")).read_bytes()
    epub = next(sample_edition.glob("*.epub")).read_bytes()
    text = next(sample_edition.glob("*.txt")).read_text(encoding="utf-8")
    assert pdf.startswith(b"%PDF-")
    assert epub[:2] == b"PK" and b"application/epub+zip" in epub[:100]
    assert text.splitlines()[0].strip()


def test_unchanged_rebuild_uses_the_cache(tmp_path: Path) -> None:
    import shutil

    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    out = tmp_path / "out"
    messages: list[str] = []
    first = build([src], out, ["txt", "json"], load_layout(), Options())
    stamps = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    second = build([src], out, ["txt", "json"], load_layout(), Options(), messages.append)
    assert any("up to date" in m for m in messages)
    assert sorted(b.path for b in second) == sorted(b.path for b in first)
    assert {p: p.stat().st_mtime_ns for p in out.iterdir()} == stamps
    first_source = sorted(src.iterdir())[0]
    first_source.write_text(first_source.read_text(encoding="utf-8") + "\nA new closing line was added.\n")
    messages.clear()
    build([src], out, ["txt", "json"], load_layout(), Options(), messages.append)
    assert not any("up to date" in m for m in messages)


def test_a_tampered_output_is_rebuilt(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([SEEDS], out, ["txt"], load_layout(), Options())
    text = next(out.glob("*.txt"))
    text.write_text("tampered\n")
    build([SEEDS], out, ["txt"], load_layout(), Options())
    assert text.read_text(encoding="utf-8") != "tampered\n"


def test_sample_story_json_matches_its_golden_file(golden: Callable[[str, bytes], None]) -> None:
    """The merged sample, as story.json: review its diff whenever the merge changes (--update-goldens)."""
    from storykit.pipeline import merge_sources

    golden("sample.story.json", codec.dumps(merge_sources([SEEDS])))
