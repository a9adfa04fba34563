"""The command line, through click's runner: help, exit codes, one-line messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from storykit import codec
from storykit.cli import main
from storykit.model import Story
from tests.conftest import ROOT, SEEDS


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("command", [[], ["build"], ["merge"], ["render"], ["formats"], ["schema"]])
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    code, out = run(*command, "--help")
    assert code == 0
    assert "Example" in out


def test_formats_lists_every_format() -> None:
    code, out = run("formats")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["pdf", "epub", "txt", "json"]


def test_schema_prints_the_committed_schema() -> None:
    code, out = run("schema")
    assert code == 0
    assert out.encode() == (ROOT / "schema" / "story.schema.json").read_bytes()


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    code, out = run("build", str(SEEDS), "-o", str(tmp_path), "-f", "docx")
    assert code == 2
    assert "docx" in out
    assert "Traceback" not in out


def test_missing_source_folder_names_it(tmp_path: Path) -> None:
    code, out = run("build", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out"))
    assert code == 3
    assert "nowhere" in out
    assert out.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_empty_source_file_names_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    code, out = run("build", str(empty), "-o", str(tmp_path / "out"))
    assert code == 3
    assert "empty.txt" in out
    assert "Traceback" not in out


def test_render_of_missing_story_file(tmp_path: Path) -> None:
    code, out = run("render", str(tmp_path / "story.json"), "-o", str(tmp_path))
    assert code == 3
    assert "story.json" in out and "storykit merge" in out


def test_render_of_broken_story_file(tmp_path: Path) -> None:
    bad = tmp_path / "story.json"
    bad.write_text("{oops")
    code, out = run("render", str(bad), "-o", str(tmp_path))
    assert code == 3
    assert str(bad) in out


def test_render_json_of_a_story_round_trips(tmp_path: Path, story: Story) -> None:
    src = tmp_path / "in.json"
    src.write_bytes(codec.dumps(story))
    code, out = run("render", str(src), "-f", "json", "-o", str(tmp_path / "out"), "-q")
    assert code == 0, out
    assert (tmp_path / "out" / f"{story.meta.slug}.json").read_bytes() == codec.dumps(story)


def test_output_parent_missing_is_an_output_error(tmp_path: Path, story: Story) -> None:
    src = tmp_path / "in.json"
    src.write_bytes(codec.dumps(story))
    code, out = run("render", str(src), "-f", "json", "-o", str(tmp_path / "a" / "b"))
    assert code == 6
    assert "parent folder" in out


def test_bad_source_date_epoch(tmp_path: Path, story: Story, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.json"
    src.write_bytes(codec.dumps(story))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    code, out = run("render", str(src), "-f", "json", "-o", str(tmp_path))
    assert code == 2
    assert "SOURCE_DATE_EPOCH" in out


def test_merge_writes_a_story_json(tmp_path: Path) -> None:
    target = tmp_path / "story.json"
    code, out = run("merge", str(SEEDS), "-o", str(target), "-q")
    assert code == 0, out
    data = json.loads(target.read_bytes())
    assert len(data["sources"]) == 4
    assert codec.loads(target.read_bytes()).meta.slug


def test_text_build_never_imports_weasyprint(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from storykit.cli import main\n"
        f"r = CliRunner().invoke(main, ['build', {str(SEEDS)!r}, '-o', {str(tmp_path)!r}, '-f', 'txt', '-q'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'weasyprint', 'ebooklib', 'sklearn'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_help_never_imports_heavy_libraries() -> None:
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from storykit.cli import main\n"
        "CliRunner().invoke(main, ['--help'])\n"
        "heavy = {'weasyprint', 'ebooklib', 'trafilatura', 'jinja2'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
