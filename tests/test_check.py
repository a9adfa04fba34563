"""`storykit check`: passes on the sample's edition, names the rule on editions broken on purpose."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from storykit.checks import check_folder
from storykit.cli import main
from storykit.formats import FORMATS, Options
from storykit.layouts import load_layout
from storykit.pipeline import build
from tests.conftest import SEEDS


def broken_copy(edition: Path, tmp_path: Path) -> Path:
    """A copy of the edition to break."""
    target = tmp_path / "broken"
    shutil.copytree(edition, target)
    return target


def only(folder: Path, suffix: str) -> Path:
    return next(p for p in folder.iterdir() if p.suffix == suffix and not p.name.startswith("."))


def rules(folder: Path) -> set[str]:
    return {f.rule for f in check_folder(folder, external=False) if f.level == "error"}


@pytest.mark.slow
def test_sample_edition_passes_every_check(sample_edition: Path) -> None:
    if not shutil.which("java") or not shutil.which("chromium"):
        pytest.skip("NOT RUN: java and chromium are needed for EPUBCheck and Ace (make setup-test installs them)")
    result = CliRunner().invoke(main, ["check", str(sample_edition), "--strict"])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


def test_sample_edition_passes_the_internal_checks(sample_edition: Path) -> None:
    assert check_folder(sample_edition, external=False) == []


def test_styled_letters_in_the_text_are_caught(sample_edition: Path, tmp_path: Path) -> None:
    folder = broken_copy(sample_edition, tmp_path)
    text = only(folder, ".txt")
    text.write_text(text.read_text(encoding="utf-8").replace("children", "𝘤𝘩𝘪𝘭𝘥ren", 1), encoding="utf-8")
    assert "txt-styled-letters" in rules(folder)


def test_epub_without_accessibility_metadata_is_caught(sample_edition: Path, tmp_path: Path) -> None:
    folder = broken_copy(sample_edition, tmp_path)
    book = only(folder, ".epub")
    rebuilt = tmp_path / "rebuilt.epub"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith(".opf"):
                data = re.sub(rb"<meta[^>]*property=\"schema:access[^>]*>[^<]*</meta>", b"", data)
            dst.writestr(item, data)
    shutil.move(rebuilt, book)
    assert "epub-a11y-metadata" in rules(folder)


def test_pdf_without_language_is_caught(sample_edition: Path, tmp_path: Path) -> None:
    import pikepdf

    folder = broken_copy(sample_edition, tmp_path)
    path = only(folder, ".pdf")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        del pdf.Root["/Lang"]
        pdf.save(path)
    assert "pdf-lang" in rules(folder)


def test_quote_missing_from_one_format_is_caught(sample_edition: Path, tmp_path: Path) -> None:
    from storykit.codec import loads

    folder = broken_copy(sample_edition, tmp_path)
    story = loads(only(folder, ".json").read_bytes())
    quote = story.quotes[0].text
    text = only(folder, ".txt")
    kept = [line for line in text.read_text(encoding="utf-8").splitlines() if quote[:30] not in line]
    text.write_text("\n".join(kept) + "\n", encoding="utf-8")
    findings = [f for f in check_folder(folder, external=False) if f.rule == "parity-missing"]
    assert findings and all(f.where.startswith("txt") for f in findings)


def test_check_command_fails_naming_the_rule(sample_edition: Path, tmp_path: Path) -> None:
    folder = broken_copy(sample_edition, tmp_path)
    text = only(folder, ".txt")
    text.write_bytes(text.read_bytes().replace(b"\n", b"\r\n"))
    result = CliRunner().invoke(main, ["check", str(folder), "--no-external"])
    assert result.exit_code == 7
    assert "txt-crlf" in result.output
    json_result = CliRunner().invoke(main, ["check", str(folder), "--no-external", "--json"])
    assert '"rule": "txt-crlf"' in json_result.output


def test_check_of_a_folder_without_an_edition(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 3
    assert "storykit build" in result.output


def test_two_builds_give_identical_files(sample_edition: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build([SEEDS], again, list(FORMATS), load_layout(), Options(), use_cache=False)
    first = {p.name: p.read_bytes() for p in sample_edition.iterdir() if not p.name.startswith(".")}
    second = {p.name: p.read_bytes() for p in again.iterdir() if not p.name.startswith(".")}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
