"""story.toml: per-file metadata and editor overrides, checked with clear messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from storykit.cli import main
from storykit.errors import SourceError
from storykit.manifest import apply_to_story, find_manifest, load_manifest
from storykit.model import Story
from tests.conftest import SEEDS


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "story.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_manifest_is_an_empty_one(story: Story) -> None:
    assert apply_to_story(load_manifest(None), story) == story


def test_found_beside_the_sources(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert find_manifest([tmp_path]) == path


def test_overrides_headline_dek_speaker_drop_and_lead(tmp_path: Path, story: Story) -> None:
    manifest = load_manifest(write(tmp_path, """
[story]
title = "An editor's headline"
dek = "An editor's dek"

[overrides]
drop = ["p-6"]
speakers = { "q-3" = "Zoë Ångström" }

[[overrides.conflict]]
id = "c-1"
lead = "5 months"
"""))
    changed = apply_to_story(manifest, story)
    assert changed.meta.title == "An editor's headline"
    assert changed.meta.dek == "An editor's dek"
    assert "p-6" not in {b.id for b in changed.blocks()}
    assert next(q for q in changed.quotes if q.id == "q-3").speaker == "Zoë Ångström"
    assert next(b for b in changed.blocks() if b.quote == "q-3").speaker == "Zoë Ångström"
    claims = next(c for c in changed.conflicts if c.id == "c-1").claims
    assert [c.value for c in claims] == ["5 months", "1 month"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[story\n", "not valid TOML"),
        ("[story]\nheadline = 'x'\n", "unknown key 'headline'"),
        ("[overrides]\ndrop = 'p-1'\n", "list of block ids"),
        ("[[overrides.conflict]]\nlead = 'x'\n", "needs an id"),
        ("[sources.'a.txt']\nwriter = 'x'\n", "unknown key 'writer'"),
    ],
)
def test_bad_manifest_names_the_file(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(SourceError) as info:
        load_manifest(write(tmp_path, text))
    assert "story.toml" in info.value.line()
    assert problem in info.value.line()


def test_dropping_an_unknown_block_is_an_error(tmp_path: Path, story: Story) -> None:
    manifest = load_manifest(write(tmp_path, "[overrides]\ndrop = ['p-999']\n"))
    with pytest.raises(SourceError, match="p-999"):
        apply_to_story(manifest, story)


def test_source_metadata_reaches_the_story(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    shutil.copytree(SEEDS, folder)
    first = sorted(folder.iterdir())[0].name
    write(folder, f'[sources."{first}"]\noutlet = "Example Outlet"\npublished = "2025-07-05"\n'
                  '[story]\ntitle = "Pinned headline"\n')
    out = tmp_path / "story.json"
    result = CliRunner().invoke(main, ["merge", str(folder), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Example Outlet" in text and "Pinned headline" in text


def test_inspect_lists_drops_with_reasons() -> None:
    result = CliRunner().invoke(main, ["inspect", str(SEEDS)])
    assert result.exit_code == 0, result.output
    assert "line   1:" in result.output
    assert result.output.count("\ns") + result.output.startswith("s") == 4


def test_skip_bad_carries_on_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    shutil.copytree(SEEDS, folder)
    (folder / "zz_binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    out = tmp_path / "story.json"
    stopped = CliRunner().invoke(main, ["merge", str(folder), "-o", str(out), "-q"])
    assert stopped.exit_code == 3 and "zz_binary.txt" in stopped.output
    carried = CliRunner().invoke(main, ["merge", str(folder), "-o", str(out), "-q", "--skip-bad"])
    assert carried.exit_code == 0, carried.output
    assert "warning: skipped" in carried.output and "zz_binary.txt" in carried.output
