"""Issue 10: hostile input stays inert in every format, and awkward text is handled.

Every source here is untrusted: markup, script, links to files and internal addresses, and
template syntax must come out as text (or be dropped), never run, rendered as markup or fetched.
A local HTTP server stands in for "the network": it must never receive a request.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import socket
import subprocess
import threading
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pikepdf
import pytest
from click.testing import CliRunner
from lxml import etree

from storykit import codec
from storykit.cli import main
from storykit.formats import Options, epub, pdf, txt
from storykit.layouts import load_layout
from storykit.model import Block, Meta, Section, Source, Story
from storykit.textrules import check_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hostile"
KINDS = ("txt", "md", "html")
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPOCH = 1751600000
# Never in any output: what /etc/passwd would leak if it were read, and markup that would run.
PASSWD_LEAK = re.compile(r"root:[^:\n]*:0:0:")


# ---------- The "network": a local server that must stay silent ----------

class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    do_POST = do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        """Silent."""


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[str]]]:
    """A test server on 127.0.0.1 and the list of paths it was asked for."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Spy:
    """Every URL WeasyPrint asked the layout fetcher for, and every outgoing connection."""

    fetched: list[str] = field(default_factory=list)
    connects: list[Any] = field(default_factory=list)


@pytest.fixture(scope="module")
def spy(server: tuple[str, list[str]]) -> Iterator[Spy]:
    record = Spy()
    patch = pytest.MonkeyPatch()
    original = pdf._layout_fetcher

    def recording_fetcher(layout: Any) -> Any:
        fetcher = original(layout)
        fetch = fetcher.fetch

        def logged(url: str, headers: Any = None) -> Any:
            record.fetched.append(url)
            return fetch(url, headers)

        fetcher.fetch = logged
        return fetcher

    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        record.connects.append(address)
        return real_connect(sock, address)

    patch.setattr(pdf, "_layout_fetcher", recording_fetcher)
    patch.setattr(socket.socket, "connect", connect)
    pdf._laid_out.cache_clear()
    try:
        yield record
    finally:
        patch.undo()
        pdf._laid_out.cache_clear()


def _source(kind: str, folder: Path, url: str) -> Path:
    """A hostile fixture copied into a folder, its HOSTILE_URL pointing at the test server."""
    text = (FIXTURES / f"hostile.{kind}").read_text(encoding="utf-8").replace("HOSTILE_URL", url)
    path = folder / f"hostile.{kind}"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Edition:
    kind: str
    code: int
    output: str
    files: dict[str, bytes]
    story: Story
    fetched: list[str]


@pytest.fixture(scope="module", params=KINDS)
def edition(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            server: tuple[str, list[str]], spy: Spy) -> Edition:
    """Every format built by `storykit build` from one hostile source."""
    kind = request.param
    folder = tmp_path_factory.mktemp(f"hostile-{kind}")
    src = _source(kind, folder, server[0])
    out = folder / "out"
    before = len(spy.fetched)
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "-q", "--no-cache"])
    files = {p.suffix.lstrip("."): p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")} \
        if out.exists() else {}
    story = codec.loads(files["json"]) if "json" in files else Story(Meta("", ""), (), ())
    return Edition(kind, result.exit_code, result.output, files, story, spy.fetched[before:])


def _xhtml(data: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: etree.fromstring(z.read(n)) for n in z.namelist()
                if n.endswith((".xhtml", ".opf", ".ncx", ".svg"))}


def _pdf_text(data: bytes, tmp_path: Path, *args: str) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", *args, "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"[\s\u00ad\u2010-]+", "", text)


# ---------- Hostile content ----------

def test_build_succeeds_without_traceback(edition: Edition) -> None:
    assert edition.code == 0, edition.output
    assert "Traceback" not in edition.output
    assert set(edition.files) == {"pdf", "epub", "txt", "json"}


def test_nothing_is_fetched(edition: Edition, server: tuple[str, list[str]], spy: Spy) -> None:
    """No request reaches the server, no socket is opened, WeasyPrint reads only layout files."""
    assert server[1] == []
    assert spy.connects == []
    roots = [str(p.resolve()) for p in load_layout().search_path]
    for url in edition.fetched:
        assert url.startswith("data:") or any(url.startswith(f"file://{r}/") for r in roots), url


def test_no_output_leaks_a_local_file(edition: Edition) -> None:
    for name, data in edition.files.items():
        if name == "epub":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                blob = b"".join(z.read(n) for n in z.namelist() if not n.endswith(".png"))
        else:
            blob = data
        assert not PASSWD_LEAK.search(blob.decode("latin-1")), name


def test_template_syntax_is_never_evaluated(edition: Edition, tmp_path: Path) -> None:
    """`{{ 7*7 }}` stays text wherever it shows up; it never becomes 49."""
    body = " ".join(b.text for b in edition.story.blocks())
    assert "{{ 7*7 }}" in body
    assert r"\input{/etc/passwd}" in body
    text = edition.files["txt"].decode("utf-8")
    assert "{{ 7*7 }}" in text and "{% include" in text
    layer = _pdf_text(edition.files["pdf"], tmp_path, "-raw")
    assert _squash("{{ 7*7 }}") in _squash(layer)
    assert _squash(r"\input{/etc/passwd}") in _squash(layer)
    for name, root in _xhtml(edition.files["epub"]).items():
        if name.endswith("story.xhtml"):
            assert "{{ 7*7 }}" in "".join(root.itertext())


def test_epub_has_no_script_or_external_resource(edition: Edition) -> None:
    for name, root in _xhtml(edition.files["epub"]).items():
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            local = etree.QName(el).localname
            assert local not in {"script", "iframe", "object", "embed", "style", "base", "meta"} or (
                local == "meta" and not el.get("http-equiv")), (name, local)
            for attr, value in el.attrib.items():
                attr_name = etree.QName(attr).localname.lower()
                assert not attr_name.startswith("on"), (name, attr)
                if attr_name in {"href", "src", "data", "poster", "srcset", "action", "xlink:href"} or \
                        attr.endswith("}href"):
                    v = value.strip().lower()
                    assert not v.startswith(("javascript:", "file:", "data:text/html", "vbscript:")), (name, value)
                    if v.startswith(("http:", "https:", "//")):
                        # only shown links (<a>) may point out of the book; never resources
                        assert local == "a" and el.get("rel") != "attachment", (name, local, value)
                        assert "169.254.169.254" not in v and "localhost" not in v, (name, value)
            if local == "style" or el.get("style"):
                assert "@import" not in (el.text or "") + (el.get("style") or ""), name
    with zipfile.ZipFile(io.BytesIO(edition.files["epub"])) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
    for item in opf.iter("{http://www.idpf.org/2007/opf}item"):
        assert not re.match(r"^[a-z]+:", item.get("href", "")), item.get("href")
        assert "remote-resources" not in (item.get("properties") or "")
        assert "scripted" not in (item.get("properties") or "")


def test_epub_shows_markup_as_text(edition: Edition) -> None:
    root = _xhtml(edition.files["epub"])["EPUB/story.xhtml"]
    text = "".join(root.itertext())
    if edition.kind == "html":
        # entity-escaped markup in the page is text; real tags were dropped by extraction
        assert "<script>alert('html')</script>" in text
        assert "alert('inline')" not in text
    else:
        # shown as text (Markdown refuses javascript: and file: targets, so they stay literal)
        assert "<script>alert(" in text


def test_pdf_has_no_javascript_actions_or_attachments(edition: Edition, tmp_path: Path) -> None:
    _assert_pdf_inert(edition.files["pdf"])
    layer = _pdf_text(edition.files["pdf"], tmp_path, "-raw")
    assert "body { color: red }" not in layer


def _dictionaries(doc: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every dictionary of the file, direct ones nested in others included."""
    stack: list[Any] = [o for o in doc.objects if isinstance(o, pikepdf.Dictionary | pikepdf.Array)]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Dictionary):
            yield obj
            stack.extend(v for v in obj.values() if isinstance(v, pikepdf.Dictionary | pikepdf.Array)
                         and not v.is_indirect)
        elif isinstance(obj, pikepdf.Array):
            stack.extend(v for v in obj if isinstance(v, pikepdf.Dictionary | pikepdf.Array) and not v.is_indirect)


def _assert_pdf_inert(data: bytes) -> None:
    """No JavaScript, launch or submit action, no attachment but story.json, no link to a script or file."""
    doc = pikepdf.open(io.BytesIO(data))
    assert set(doc.attachments) == {"story.json"}
    for obj in _dictionaries(doc):
        keys = set(obj.keys())
        assert not keys & {"/JS", "/JavaScript", "/AA", "/OpenAction", "/Launch", "/GoToR", "/SubmitForm"}, keys
        if obj.get("/S") in (pikepdf.Name.JavaScript, pikepdf.Name.Launch, pikepdf.Name.ImportData):
            pytest.fail(f"action {obj.get('/S')}")
        if obj.get("/Type") == pikepdf.Name.Annot:
            assert obj.get("/Subtype") != pikepdf.Name.FileAttachment
        uri = obj.get("/URI")
        if uri is not None:
            assert not str(uri).lower().startswith(("javascript:", "file:")), uri
            assert "169.254.169.254" not in str(uri) and "localhost" not in str(uri), uri
    names = doc.Root.get("/Names")
    if names is not None:
        assert "/JavaScript" not in names


def test_txt_is_valid_and_json_matches_schema(edition: Edition) -> None:
    text = edition.files["txt"].decode("utf-8")
    assert [f for f in check_text(text) if f.level == "error"] == []
    data = json.loads(edition.files["json"])
    jsonschema.validate(data, codec.schema())
    assert codec.loads(edition.files["json"]) == edition.story


def test_html_head_metadata_stays_text(edition: Edition) -> None:
    """<head>, meta and JSON-LD values are data: escaped in every format, never markup."""
    if edition.kind != "html":
        pytest.skip("only web pages have a head")
    source = edition.story.sources[0]
    values = [v for v in (source.title, source.outlet, source.author, source.url) if v]
    assert values
    assert source.url is None or source.url.startswith(("http://", "https://")), source.url
    for root in _xhtml(edition.files["epub"]).values():
        assert not root.xpath("//h:script | //h:img[not(starts-with(@src, 'images/'))]",
                              namespaces={"h": XHTML_NS})


def test_markdown_links_and_images_are_not_followed(edition: Edition) -> None:
    """A Markdown image or link keeps its text; its target is neither shown as a resource nor fetched."""
    if edition.kind != "md":
        pytest.skip("Markdown only")
    body = " ".join(b.text for b in edition.story.blocks())
    assert "a statement" in body
    source = edition.story.sources[0]
    assert not (source.url or "").lower().startswith("javascript:"), source.url


# ---------- Direct adapter calls with hostile model text ----------

EVIL = ('<script>alert(1)</script> <a href="javascript:alert(2)">x</a> '
        '<style>@import url("http://169.254.169.254/x.css");</style> '
        '<img src="file:///etc/passwd"> <a rel="attachment" href="file:///etc/passwd">p</a> '
        '{{ 7*7 }} {% include "/etc/passwd" %} \\input{/etc/passwd} ]]> <!-- c --> &amp; &#x3C;')


def _evil_story() -> Story:
    src = Source("s1", "<b>evil</b>.txt", "0" * 64, title=EVIL, outlet="<i>Outlet</i> {{ 1+1 }}",
                 author="<img src=x onerror=alert(1)>", url="javascript:alert(3)")
    block = Block("p-1", "paragraph", EVIL, ("s1",), speaker="<script>x</script>")
    meta = Meta(title=EVIL[:80], slug="evil", dek=EVIL, kicker="{{ 7*7 }}", summary=(EVIL,))
    return Story(meta, (src,), (Section("sec-1", "<h1>{{ heading }}</h1>", (block,)),))


def test_adapters_keep_hostile_model_text_inert(tmp_path: Path, spy: Spy,
                                                server: tuple[str, list[str]]) -> None:
    story = _evil_story()
    layout = load_layout()
    source = pdf.html(story, layout, Options())
    assert "<script>" not in source and "<style>" not in source and "<img src=\"file" not in source
    data = pdf.render(story, layout, Options(source_date_epoch=EPOCH))
    layer = _squash(_pdf_text(data, tmp_path, "-raw"))
    assert _squash("<script>alert(1)</script>") in layer and _squash("{{ 7*7 }}") in layer
    assert set(pikepdf.open(io.BytesIO(data)).attachments) == {"story.json"}
    book = epub.build(story, layout, Options(source_date_epoch=EPOCH), {})
    for root in _xhtml(book).values():
        assert not root.xpath("//h:script | //h:style | //h:a[starts-with(@href, 'javascript')]",
                              namespaces={"h": XHTML_NS})
    text = txt.render(story, layout, Options()).decode("utf-8")
    assert "{{ 7*7 }}" in text
    assert server[1] == [] and spy.connects == []



def test_pdf_never_links_a_script_url_from_story_json(tmp_path: Path) -> None:
    story = _evil_story()
    assert 'href="javascript' not in pdf.html(story, load_layout(), Options())
    _assert_pdf_inert(pdf.render(story, load_layout(), Options(source_date_epoch=EPOCH)))


def test_render_of_hostile_story_json_is_inert_in_epub_txt_json(tmp_path: Path) -> None:
    """`storykit render` of a hand-edited story.json with hostile text: EPUB, text and JSON stay inert."""
    src = tmp_path / "story.json"
    src.write_bytes(codec.dumps(_evil_story()))
    result = CliRunner().invoke(main, ["render", str(src), "-o", str(tmp_path / "out"), "-q",
                                       "-f", "txt", "-f", "json"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert codec.loads(_only(out, ".json")) == _evil_story()
    assert "{{ 7*7 }}" in _only(out, ".txt").decode()


# ---------- Awkward text ----------

ARABIC = ("وقال رجل الإطفاء إن الحريق اندلع في الطابق السادس من المبنى في باريس مساء الجمعة، "
          "وأنقذ الحارس ستة أشخاص بينهم أطفال رضع من الشقة المحترقة.")
HEBREW = "השוער טיפס על אדן החלון בקומה השישית והציל שישה אנשים מהדירה הבוערת בפריז ביום שישי."
BASE = ("A caretaker climbed onto a sixth-floor ledge in Paris on Friday and brought six people "
        "out of a burning flat, the fire brigade said.")


def _build(tmp_path: Path, files: dict[str, str | bytes], *args: str) -> tuple[int, str, Path]:
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", *[str(folder / n) for n in files], "-o", str(out),
                                       "-q", "--no-cache", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output, out


def _only(out: Path, suffix: str) -> bytes:
    (path,) = [p for p in out.iterdir() if p.suffix == suffix and not p.name.startswith(".")]
    return path.read_bytes()


def _dir_and_lang(root: etree._Element, needle: str) -> tuple[str | None, str | None]:
    """The nearest dir and lang around the element whose text holds `needle`."""
    for el in root.iter(f"{{{XHTML_NS}}}p", f"{{{XHTML_NS}}}h1", f"{{{XHTML_NS}}}h2", f"{{{XHTML_NS}}}li"):
        if needle in "".join(el.itertext()):
            direction = lang = None
            node: Any = el
            while node is not None and (direction is None or lang is None):
                direction = direction or node.get("dir")
                lang = lang or node.get("lang") or node.get(XML_LANG)
                node = node.getparent()
            return direction, lang
    raise AssertionError(f"{needle[:20]} not found")


@pytest.mark.parametrize(("text", "lang"), [(ARABIC, "ar"), (HEBREW, "he")])
def test_rtl_source_gets_rtl_dir_and_lang(tmp_path: Path, text: str, lang: str) -> None:
    """A source written in Arabic or Hebrew makes a right-to-left book in that language."""
    article = f"{text.split()[0]} {text.split()[1]} {text.split()[2]}\n\n{text}\n\n{text[::-1][:0]}{text}\n"
    code, output, out = _build(tmp_path, {"rtl.txt": article}, "-f", "epub", "-f", "txt", "-f", "json")
    assert code == 0, output
    story = codec.loads(_only(out, ".json"))
    assert story.meta.language == lang
    root = _xhtml(_only(out, ".epub"))["EPUB/story.xhtml"]
    assert _dir_and_lang(root, text[:30]) == ("rtl", lang)
    assert [f for f in check_text(_only(out, ".txt").decode()) if f.level == "error"] == []


@pytest.mark.parametrize(("text", "lang"), [(ARABIC, "ar"), (HEBREW, "he")])
def test_rtl_passage_in_english_story_is_marked(tmp_path: Path, text: str, lang: str) -> None:
    article = f"Fire In Paris\n\n{BASE}\n\n{text}\n\nThe mayor praised the caretaker on Saturday for his courage.\n"
    code, output, out = _build(tmp_path, {"mixed.txt": article}, "-f", "epub")
    assert code == 0, output
    root = _xhtml(_only(out, ".epub"))["EPUB/story.xhtml"]
    direction, found = _dir_and_lang(root, text[:30])
    assert direction in {"rtl", "auto"} and found == lang


def test_rtl_passage_renders_in_pdf_and_txt(tmp_path: Path) -> None:
    article = f"Fire In Paris\n\n{BASE}\n\n{ARABIC}\n\n{HEBREW}\n\nThe mayor praised the caretaker on Saturday.\n"
    code, output, out = _build(tmp_path, {"mixed.txt": article}, "-f", "pdf", "-f", "txt")
    assert code == 0, output
    text = _only(out, ".txt").decode("utf-8")
    assert ARABIC in text and HEBREW in text
    layer = _pdf_text(_only(out, ".pdf"), tmp_path)
    # pdftotext may give visual order; every word is there, shaped from the vendored fonts
    for word in ("الحريق", "השוער"):
        assert word in layer or word[::-1] in layer, word


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_overrides_are_removed_everywhere(tmp_path: Path) -> None:
    """U+202E cannot reverse what follows it: cleaning drops it and says so."""
    article = (f"Fire In Paris\n\n{BASE}\n\nThe attacker sent a file named \u202egnp.exe to the police, "
               f"said Marie \u202eCurie, the prefect.\n\nMarie Curie said the investigation continues.\n")
    code, output, out = _build(tmp_path, {"bidi.txt": article}, "-f", "epub", "-f", "txt", "-f", "json")
    assert code == 0, output
    story = codec.loads(_only(out, ".json"))
    assert not any(ch in BIDI for b in story.blocks() for ch in b.text)
    assert any("U+202E" in d.text for d in story.dropped)
    assert not any(ch in BIDI for ch in _only(out, ".txt").decode())
    for name, root in _xhtml(_only(out, ".epub")).items():
        assert not any(ch in BIDI for ch in "".join(root.itertext())), name


def _people(tmp_path: Path, variant: str) -> list[str]:
    files = {
        "a.txt": f"Fire In Paris\n\n{BASE}\n\n\"They had to be saved,\" said Jean Dupont, the caretaker, who is 42.\n\n"
                 "Jean Dupont was praised by the mayor on Saturday for his courage.\n",
        "b.txt": f"Caretaker Saves Six\n\n{BASE}\n\n"
                 f"\"I did not think twice,\" said {variant}, speaking to reporters.\n\n"
                 f"{variant} later went home to rest with his family.\n",
    }
    code, output, out = _build(tmp_path, files, "-f", "json")
    assert code == 0, output
    story = codec.loads(_only(out, ".json"))
    return [p.name for p in story.people if "Dupont" in p.name or "Dupоnt" in p.name or "Dup" in p.name]


@pytest.mark.parametrize("variant", ["Jean Du\u200bpont", "Jean\u200d Dupont", "Jean\u2060Dupont".replace(
    "\u2060", " \u2060"), "Jean Dupont\u00ad"])
def test_invisible_characters_do_not_split_a_person(tmp_path: Path, variant: str) -> None:
    assert _people(tmp_path, variant) == ["Jean Dupont"]


@pytest.mark.parametrize("variant", ["J\u0435an Dupont", "Jean Dup\u043ent", "Je\u0430n Dupont",
                                     "Jean Dupon\u03c4".replace("\u03c4", "t").replace("p", "\u0440")])
def test_homoglyphs_do_not_split_a_person(tmp_path: Path, variant: str) -> None:
    """A Cyrillic 'е' or 'о' inside a Latin name is the same person, not a second one."""
    assert _people(tmp_path, variant) == ["Jean Dupont"]


def test_long_words_and_urls_stay_on_the_page(tmp_path: Path) -> None:
    word = "Pneumono" + "ultramicroscopicsilicovolcanoconiosis" * 6
    url = "https://example.org/" + "/".join(f"segment-{i:03d}-{'x' * 20}" for i in range(14)) + "?q=" + "a" * 120
    article = (f"Fire In Paris\n\n{BASE}\n\nThe doctor named the illness {word} in her report on Friday.\n\n"
               f"The full report is at {url} for anyone who wants it.\n")
    code, output, out = _build(tmp_path, {"long.txt": article}, "-f", "pdf", "-f", "txt")
    assert code == 0, output
    data = _only(out, ".pdf")
    assert word in _squash(_pdf_text(data, tmp_path, "-raw"))
    doc = pikepdf.open(io.BytesIO(data))  # kept alive while its pages are read
    box = doc.pages[0].mediabox
    page_width = float(box[2]) - float(box[0])
    bbox = _pdf_text(data, tmp_path, "-bbox")
    right = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert right and max(right) <= page_width + 0.5, (max(right), page_width)


def test_huge_paragraph_builds(tmp_path: Path) -> None:
    paragraph = " ".join(f"The brigade counted {i} buckets of water on the stairs of the building."
                         for i in range(3000))
    article = f"Fire In Paris\n\n{BASE}\n\n{paragraph}\n"
    code, output, out = _build(tmp_path, {"huge.txt": article}, "-f", "txt", "-f", "json")
    assert code == 0, output
    text = _only(out, ".txt").decode()
    assert "2999 buckets" in text
    assert [f for f in check_text(text) if f.level == "error"] == []


def test_very_long_source_is_refused_at_the_limit(tmp_path: Path) -> None:
    big = (BASE + "\n\n") * (5 * 1024 * 1024 // (len(BASE) + 2) + 1)
    code, output, out = _build(tmp_path, {"big.txt": big}, "-f", "txt", "--max-size", "1")
    assert code == 3
    assert "big.txt" in output and "too large" in output and "limit" in output
    assert output.count("\n") == 1
    assert not out.exists()


def test_emoji_only_source(tmp_path: Path) -> None:
    code, output, out = _build(tmp_path, {"emoji.txt": "🔥🔥🔥 🚒🚒\n\n😱😱😱😭\n"}, "-f", "txt", "-f", "json")
    if code == 0:
        text = _only(out, ".txt").decode()
        assert [f for f in check_text(text) if f.level == "error"] == []
        assert "fire" in text.lower()
    else:
        assert code == 3 and "emoji.txt" in output


def test_nul_bytes_are_refused_as_binary(tmp_path: Path) -> None:
    code, output, out = _build(tmp_path, {"nul.txt": b"Hello\x00world, this is text.\n" * 20})
    assert code == 3
    assert "nul.txt" in output and "binary" in output
    assert output.count("\n") == 1
    assert not out.exists()


def test_invalid_utf8_is_read_without_crashing(tmp_path: Path) -> None:
    data = (f"Fire In Paris\n\n{BASE}\n\n".encode() + b"Caf\xc3 au lait \xff\xfe and \xed\xa0\x80 more text. " * 5
            + b"\n")
    code, output, out = _build(tmp_path, {"bad.txt": data}, "-f", "txt", "-f", "json")
    assert code == 0, output
    text = _only(out, ".txt").decode("utf-8")
    assert "caretaker" in text
    assert [f for f in check_text(text) if f.level == "error"] == []


@pytest.mark.parametrize("content", [b"\xff\xfe\x00\xd8", b"\xef\xbb\xbf\xff\xff\xff", b"%PDF-1.7\n\x00\x01",
                                     b"\x00" * 64, "\u200b\u200b\u202e\n".encode()])
def test_bad_bytes_give_one_line_naming_the_file(tmp_path: Path, content: bytes) -> None:
    code, output, _ = _build(tmp_path, {"bad.md": content}, "-f", "json")
    assert code == 3, output
    assert "bad.md" in output
    assert output.count("\n") == 1
    assert unicodedata.normalize("NFC", output) == output
