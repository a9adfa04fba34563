"""Tests for storykit.readers: formats, encodings, metadata and bad input."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from storykit.clean import clean
from storykit.errors import SourceError
from storykit.readers import decode, detect_language, find_sources, join_wrapped, read_source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"

FRENCH = [
    "Le pont de la Guillotière rouvre après huit mois de travaux",
    "Lyon — Le pont a rouvert lundi à 7 h 30, a annoncé la mairie. « C’est un soulagement », "
    "confie une riveraine.",
    "Les travaux ont coûté 12,5 millions d’euros, soit ½ du budget annuel de voirie — un record.",
    "Lire aussi : Les chantiers de l’été à Lyon",
    "La circulation reste limitée à 30 km/h jusqu’au 1er septembre.",
    "",
]


def _kinds(path: Path) -> list[tuple[str, str]]:
    return [(p.kind, p.text) for p in clean(read_source(path), "s1").parts]


# -- HTML ----------------------------------------------------------------------------------------


def test_html_page_gives_the_same_parts_as_its_text() -> None:
    html = FIXTURES / "article_000.html"
    text = SEEDS / "000_28a9efb643762cad.txt"
    assert _kinds(html) == _kinds(text)


def test_html_page_keeps_structure_and_drops_page_furniture() -> None:
    doc = read_source(FIXTURES / "article_000.html")
    assert doc.kind == "html"
    for noise in ("cookie", "Your cart", "Subscribe", "Most read", "Share on", "All rights", "gtag",
                  "Related stories", "Home"):
        assert noise not in doc.text
    parts = clean(doc, "s1").parts
    assert parts[0].kind == "title"
    assert [p.text for p in parts if p.kind == "heading"] == [
        "A Split-Second Decision That Defied Instinct",
        "The Anatomy of Courage in Crisis",
        "From Ledge to Legend: The Power of Viral Witness",
        "A Spotlight on Citizenship and Belonging",
        "Courage as a Cultural Mirror",
    ]


def test_html_metadata_from_meta_tags_and_json_ld() -> None:
    meta = read_source(FIXTURES / "article_000.html").meta
    assert meta.title == "Man Risks His Life On Ledge To Rescue Six From Apartment Fire Including Infants"
    assert meta.outlet == "The Daily Lantern"
    assert meta.author == "Claire Martin"
    assert meta.url == "https://dailylantern.example/world/ledge-rescue"
    assert meta.published is not None and meta.published.startswith("2025-07-07")
    assert meta.language == "en"


def test_html_language_and_graph_json_ld(tmp_path: Path) -> None:
    page = tmp_path / "page.htm"
    body = "".join(
        f"<p>Le conseil municipal a voté le budget numéro {i} jeudi soir, "
        f"après un long débat sur les écoles de la ville et leur rénovation.</p>"
        for i in range(6)
    )
    page.write_text(
        '<html lang="fr-FR"><head><title>Budget voté</title>'
        '<script type="application/ld+json">{"@graph": [{"@type": "WebSite", "name": "x"},'
        ' {"@type": "NewsArticle", "headline": "Le budget des écoles est voté",'
        ' "author": [{"name": "A. Martin"}, {"name": "B. Diallo"}],'
        ' "publisher": {"name": "Le Courrier"}, "datePublished": "2025-03-01"}]}</script>'
        f"</head><body><nav><a href='/'>Accueil</a></nav><article><h1>Le budget des écoles est voté</h1>"
        f"{body}</article><footer>© 2025 Le Courrier</footer></body></html>",
        encoding="utf-8",
    )
    doc = read_source(page)
    assert doc.meta.language == "fr"
    assert doc.meta.outlet == "Le Courrier"
    assert doc.meta.published == "2025-03-01"
    assert doc.meta.title == "Le budget des écoles est voté"
    assert doc.text.split("\n")[0] == "Le budget des écoles est voté"


def test_html_without_article_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8")
    with pytest.raises(SourceError, match=r"empty\.html"):
        read_source(page)


# -- Markdown and text ---------------------------------------------------------------------------


def test_markdown_front_matter_and_plain_text() -> None:
    doc = read_source(FIXTURES / "article.md")
    assert doc.kind == "md"
    assert doc.meta.title == "Bridge reopens after eight months of repairs"
    assert doc.meta.outlet == "The River Courier"
    assert doc.meta.author == "Sam Okafor"
    assert doc.meta.url == "https://river-courier.example/bridge"
    assert doc.meta.published == "2025-06-02"
    assert doc.meta.language == "en"
    assert "**" not in doc.text and "](" not in doc.text and "`" not in doc.text
    assert "#" not in doc.text and "bridge.jpg" not in doc.text
    parts = clean(doc, "s1").parts
    assert (parts[0].kind, parts[0].text) == ("title", "Bridge reopens after eight months of repairs")
    assert ("heading", "What changed") in [(p.kind, p.text) for p in parts]
    assert ("paragraph", "The Guildford Road bridge reopened to traffic on Monday morning, "
            "the council said in a statement.") in [(p.kind, p.text) for p in parts]


def test_text_one_paragraph_per_line_is_kept_line_for_line() -> None:
    path = SEEDS / "001_b21bd71f2b1fe081.txt"
    doc = read_source(path)
    assert doc.text == path.read_text(encoding="utf-8")
    assert doc.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.name == path.name and doc.path == str(path) and doc.kind == "txt"


def test_hard_wrapped_paragraphs_are_joined() -> None:
    doc = read_source(FIXTURES / "wrapped.txt")
    paragraphs = [line for line in doc.text.split("\n") if line.strip()]
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Le conseil municipal a voté jeudi soir un budget de 4,2 millions "
                                    "d'euros pour rénover")
    assert doc.meta.language == "fr"


def test_join_wrapped_leaves_short_unwrapped_lines_alone() -> None:
    text = "FAQ\nWhere did it happen?\nIn the north of the city, near the station.\n"
    assert join_wrapped(text) == text
    assert join_wrapped("A long line that was wrapped by a\nmail client at a fixed width of\nforty.\n") == (
        "A long line that was wrapped by a mail client at a fixed width of forty.\n"
    )


# -- Encodings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["utf16_bom.txt", "utf16_be_bom.txt", "utf8_bom.txt", "cp1252.txt"])
def test_encodings_decode_to_the_same_text(name: str) -> None:
    doc = read_source(FIXTURES / name)
    assert doc.text == "\n".join(FRENCH)
    assert "\ufeff" not in doc.text
    assert doc.meta.language == "fr"


def test_latin1_decodes() -> None:
    doc = read_source(FIXTURES / "latin1.txt")
    expected = "\n".join(FRENCH).replace("’", "'").replace("—", "-")
    assert doc.text == expected


def test_mojibake_is_repaired_without_touching_quotes() -> None:
    doc = read_source(FIXTURES / "mojibake.txt")
    assert doc.text.split("\n")[:2] == [
        "He didn’t wait. The café’s owner said: “We’re all proud.”",
        "It was 6’2” tall, a “gentle giant”.",
    ]


def test_decode_keeps_legitimate_characters() -> None:
    text = "½ cup, x², 10\u00a0km, “quoted” — élan, niño, 1–2"
    assert decode(text.encode("utf-8")) == text
    assert decode(("\ufeff" + text).encode("utf-16-le")) == text


def test_utf16_without_bom_is_decoded() -> None:
    assert decode("Plain words here.\n".encode("utf-16-le")) == "Plain words here.\n"


def test_crlf_becomes_lf() -> None:
    assert decode(b"One.\r\nTwo.\rThree.\n") == "One.\nTwo.\nThree.\n"


# -- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("empty.txt", "empty"),
        ("whitespace.txt", "whitespace"),
        ("binary.txt", "binary"),
        ("nul_bytes.txt", "binary"),
        ("notes.docx", "unsupported file type .docx"),
        ("missing.txt", "no such file"),
    ],
)
def test_bad_inputs_raise_source_error_naming_the_file(name: str, problem: str) -> None:
    path = FIXTURES / name
    with pytest.raises(SourceError) as info:
        read_source(path)
    assert str(path) in str(info.value)
    assert problem in info.value.problem
    assert info.value.path == str(path)
    assert info.value.exit_code == 3
    assert info.value.hint


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a folder"):
        read_source(tmp_path)


def test_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("Some text.", encoding="utf-8")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(SourceError, match=r"locked\.txt: cannot be read"):
        read_source(path)


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Words. " * 100, encoding="utf-8")
    with pytest.raises(SourceError, match="too large"):
        read_source(path, max_bytes=100)


def test_binary_with_text_extension_and_no_magic(tmp_path: Path) -> None:
    path = tmp_path / "noise.md"
    path.write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 14, 15, 16]) * 50)
    with pytest.raises(SourceError, match=r"noise\.md: is a binary file"):
        read_source(path)


# -- find_sources and language -------------------------------------------------------------------


def test_find_sources_expands_folders_sorted(tmp_path: Path) -> None:
    for name in ("b.md", "a.txt", "c.html", ".hidden.txt", "notes.docx", "z.htm"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.txt").write_text("x", encoding="utf-8")
    extra = tmp_path / "sub" / "d.txt"
    found = find_sources([tmp_path, extra])
    assert [p.name for p in found] == ["a.txt", "b.md", "c.html", "z.htm", "d.txt"]


def test_find_sources_on_the_seeds() -> None:
    assert [p.name for p in find_sources([SEEDS])] == sorted(p.name for p in SEEDS.glob("*.txt"))


def test_find_sources_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="nowhere: no such file"):
        find_sources([tmp_path / "nowhere"])
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    with pytest.raises(SourceError, match="no source files"):
        find_sources([tmp_path])


def test_detect_language() -> None:
    assert detect_language("The man said that he was at the station with his son.") == "en"
    assert detect_language("Le pompier a dit qu'il était dans la rue avec les enfants et la mère.") == "fr"
    assert detect_language("42 17") is None


def test_all_seeds_read(tmp_path: Path) -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        copy = tmp_path / path.name
        shutil.copy(path, copy)
        doc = read_source(copy)
        assert doc.text.strip() and doc.meta.language == "en"


def test_ftfy_is_imported_without_wcwidth_and_its_helpers_still_work() -> None:
    """wcwidth (a third of ftfy's import) is left out until one of ftfy's display helpers calls it."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    probe = ("import sys\n"
             "from storykit.readers import decode\n"
             "fixed = decode('caf\\u00c3\\u00a9'.encode('utf-8'))\n"
             "before = 'wcwidth' in sys.modules\n"
             "import ftfy.formatting\n"
             "padded = ftfy.formatting.display_ljust('ab', 4) + '|'\n"
             "print(fixed, before, padded, type(sys.modules['wcwidth']).__name__)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}).stdout.split()
    assert out == ["café", "False", "ab", "|", "module"]
