"""Read source articles (.txt, .md, .html) from disk into RawDocuments."""

from __future__ import annotations

import codecs
import functools
import hashlib
import importlib
import json
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from storykit.document import RawDocument, SourceMeta
from storykit.errors import SourceError

SUFFIXES: dict[str, Literal["txt", "md", "html"]] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
def _wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of a literal, as a set."""
    return frozenset(text.split())


SUPPORTED_HINT = "use .txt, .md or .html files"

# File signatures of common binary formats that are sometimes saved with a text extension.
_MAGIC = (
    b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"BZh",
    b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!", b"\x7fELF", b"\xd0\xcf\x11\xe0", b"RIFF",
    b"OggS", b"ID3", b"\x00\x00\x01\x00", b"wOFF", b"wOF2", b"SQLite format 3",
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _wordset("the and of to in is was that it for on with as he she they his her at by "
                    "from this have had were be are not but said"),
    "fr": _wordset("le la les et des du un une est dans que qui pour pas sur au aux avec il "
                    "elle ils ont été ce cette sont mais par son sa ses"),
    "de": _wordset("der die das und ist nicht mit den dem ein eine zu von sich auf für im "
                    "war sie er es auch wurde"),
    "es": _wordset("el la los las y de del que en un una es por con para se su al lo como "
                    "pero fue más"),
    "it": _wordset("il lo la gli le e di del della che un una è per con non si sono da al "
                    "nel ma come"),
    "pt": _wordset("o a os as e de do da que em um uma é para com não se por no na mas foi "
                    "ao"),
    "nl": _wordset("de het een en van is dat op te in met voor niet zijn was hij ze er maar "
                    "ook"),
}


def find_sources(paths: Sequence[Path]) -> list[Path]:
    """The source files named by these paths, with folders expanded (non-recursive, by name)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                (p for p in path.iterdir()
                 if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUFFIXES),
                key=lambda p: p.name,
            )
            if not inside:
                raise SourceError(str(path), "folder has no source files", SUPPORTED_HINT)
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            raise SourceError(str(path), "no such file or folder", "check the path")
    return found


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Read one source file, decode it and extract its text and metadata."""
    where = str(path)
    if not path.exists():
        raise SourceError(where, "no such file", "check the path")
    if path.is_dir():
        raise SourceError(where, "is a folder, not a file", "name the files inside it")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        shown = path.suffix or "(none)"
        raise SourceError(where, f"unsupported file type {shown}", SUPPORTED_HINT)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SourceError(where, f"is too large ({size} bytes, limit {max_bytes})",
                              "raise the size limit or split the file")
        data = path.read_bytes()
    except PermissionError:
        raise SourceError(where, "cannot be read (permission denied)",
                          "check the file's permissions") from None
    except OSError as exc:
        raise SourceError(where, f"cannot be read ({exc.strerror or exc})", "check the file") from None
    if not data:
        raise SourceError(where, "is empty (0 bytes)", "remove it or add the article text")
    if not data.strip():
        raise SourceError(where, "holds only whitespace", "remove it or add the article text")
    text = decode(data, where)
    if not _visible(text):
        raise SourceError(where, "has no text (whitespace only)", "remove it or add the article text")
    meta = SourceMeta()
    if kind == "html":
        text, meta = _read_html(text, where)
    elif kind == "md":
        text, meta = _read_markdown(text)
    else:
        text = join_wrapped(text)
    if not _visible(text):
        raise SourceError(where, "has no article text", "check that the file holds the article")
    if meta.url is not None and not _web_url(meta.url):
        # only a web address may become a link in the outputs (never javascript:, file:, data:)
        meta = _with(meta, url=None)
    if meta.language is None:
        meta = _with(meta, language=detect_language(text))
    return RawDocument(
        path=where,
        name=path.name,
        checksum=hashlib.sha256(data).hexdigest(),
        text=text,
        meta=meta,
        kind=kind,
    )


def _visible(text: str) -> bool:
    """True when the text holds something besides whitespace and invisible format characters."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


def _web_url(url: str) -> bool:
    """True for an absolute http(s) address."""
    return re.match(r"https?://[^\s/]", url.strip(), re.I) is not None


def _ftfy() -> ModuleType:
    """ftfy, imported without wcwidth, which only its display-width helpers call (storykit never does).

    wcwidth's tables are a third of ftfy's import; the names ftfy takes from it import it when called.
    """
    if "ftfy" in sys.modules or "wcwidth" in sys.modules:
        return importlib.import_module("ftfy")
    stand_in = ModuleType("wcwidth")
    for name in ("wcwidth", "wcswidth"):
        setattr(stand_in, name, functools.partial(_call_wcwidth, name))
    sys.modules["wcwidth"] = stand_in
    try:
        return importlib.import_module("ftfy")
    finally:
        if sys.modules.get("wcwidth") is stand_in:
            del sys.modules["wcwidth"]


def _call_wcwidth(name: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(importlib.import_module("wcwidth"), name)(*args, **kwargs)


def decode(data: bytes, where: str = "") -> str:
    """Bytes to text: BOMs, UTF-8, then legacy encodings, with mojibake repaired."""
    ftfy = _ftfy()
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise SourceError(where, f"cannot be decoded as {encoding} despite its byte order mark",
                                  "re-save it as UTF-8") from None
            break
    if text is None:
        if _looks_binary(data):
            raise SourceError(where, "is a binary file, not text", SUPPORTED_HINT)
        text = _decode_unmarked(data, where)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if _control_share(text) > 0.05:
        raise SourceError(where, "is a binary file, not text", SUPPORTED_HINT)
    # fix_encoding only: the other ftfy fixes (quote uncurling, NFC/NFKC) would rewrite the source.
    return str(ftfy.fix_encoding(text))


def _looks_binary(data: bytes) -> bool:
    """True for known binary signatures or NUL bytes that are not UTF-16 text."""
    if data.startswith(_MAGIC):
        return True
    head = data[:8192]
    return b"\x00" in head and _utf16_without_bom(head) is None


def _utf16_without_bom(head: bytes) -> str | None:
    """The UTF-16 variant of BOM-less text whose NULs sit on alternating bytes, if any."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 4:
        return None
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decode_unmarked(data: bytes, where: str) -> str:
    """Decode bytes without a BOM: UTF-8 first, then the best legacy guess."""
    variant = _utf16_without_bom(data[:8192]) if b"\x00" in data[:8192] else None
    if variant:
        try:
            return data.decode(variant)
        except UnicodeDecodeError:
            raise SourceError(where, "is a binary file, not text", SUPPORTED_HINT) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    guess = best.encoding if best is not None else None
    # Short Western texts are often guessed as a neighbouring code page; cp1252 is what
    # editors and Windows tools actually write, so prefer it when it decodes cleanly.
    if guess is None or guess in {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1",
                                  "iso8859_15", "mac_roman", "cp850", "cp437", "iso8859_2"}:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    return str(best)


def _control_share(text: str) -> float:
    """Share of characters that are C0/C1 controls other than tab and newline."""
    if not text:
        return 0.0
    return len(_CONTROLS.findall(text)) / len(text)


_CONTROLS = re.compile("[\x00-\x08\r\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls but tab, newline, \f, \v


def join_wrapped(text: str) -> str:
    """Join hard-wrapped lines of blank-line separated paragraphs; leave one-per-line text alone."""
    blocks = re.split(r"(\n[ \t]*\n)", text)
    out: list[str] = []
    for block in blocks:
        lines = block.split("\n")
        if block.strip() and _is_wrapped(lines):
            out.append(_join_lines(lines) + block[len(block.rstrip("\n")):])
        else:
            out.append(block)
    return "".join(out)


def _is_wrapped(lines: list[str]) -> bool:
    """True when a block's lines look hard-wrapped at a fixed width."""
    body = [line.rstrip() for line in lines if line.strip()]
    if len(body) < 2:
        return False
    width = max(len(line) for line in body)
    if width > 120:
        return False
    full = [len(line) >= width - 25 for line in body[:-1]]
    open_end = [not re.search(r"[.!?:;…\"”»’')]$", line) for line in body[:-1]]
    return all(full) and any(open_end)


def _join_lines(lines: list[str]) -> str:
    """One paragraph from wrapped lines (a line ending in a hyphen joins without a space)."""
    joined = ""
    for line in (line.strip() for line in lines if line.strip()):
        if not joined:
            joined = line
        elif re.search(r"\w-$", joined):
            joined += line
        else:
            joined += " " + line
    return joined


def _with(meta: SourceMeta, **changes: Any) -> SourceMeta:
    """A copy of the metadata with some fields replaced."""
    from dataclasses import replace

    return replace(meta, **changes)


def detect_language(text: str) -> str | None:
    """A best guess of the text's language from its script or function words, or None when unsure."""
    by_script = script_language(text)
    if by_script:
        return by_script
    words = re.findall(r"[^\W\d_]+", text.lower())[:3000]
    if len(words) < 5:
        return None
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    lang, best = max(scores.items(), key=lambda item: item[1])
    runner_up = max(v for k, v in scores.items() if k != lang)
    if best < 3 or best < 1.3 * runner_up:
        return None
    return lang


# Any character of the Hebrew or Arabic blocks: a text without one is in neither script.
_RTL_BLOCKS = re.compile("[\u0590-\u08ff\ufb1d-\ufeff]")


def script_language(text: str) -> str | None:
    """'he', 'ar', 'fa' or 'ur' when most letters are Hebrew or Arabic script (right to left)."""
    text = text[:20000]
    if not _RTL_BLOCKS.search(text):  # most texts: skips the pass over every character
        return None
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    hebrew = sum(1 for ch in letters if "\u0590" <= ch <= "\u05ff" or "\ufb1d" <= ch <= "\ufb4f")
    arabic = sum(1 for ch in letters if "\u0600" <= ch <= "\u08ff" or "\ufb50" <= ch <= "\ufeff")
    if hebrew > len(letters) / 2:
        return "he"
    if arabic > len(letters) / 2:
        if any(ch in "ٹڈڑںےۓ" for ch in letters):
            return "ur"
        return "fa" if any(ch in "پچژگی" for ch in letters) else "ar"
    return None


# -- HTML ------------------------------------------------------------------------------------


def _read_html(page: str, where: str) -> tuple[str, SourceMeta]:
    """The article text (one block per line) and metadata of a web page."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        page,
        output_format="xml",
        with_metadata=True,
        include_comments=False,
        include_images=False,
        include_tables=False,
        include_formatting=False,
        include_links=False,
    )
    if not xml:
        raise SourceError(where, "no article text found in the web page",
                          "save the article page itself, or paste its text into a .txt file")
    root = etree.fromstring(xml.encode("utf-8"))
    lines = list(_xml_lines(root))
    head = _page_head(page)
    meta = SourceMeta(
        title=_clean_space(root.get("title") or head.get("title") or ""),
        outlet=root.get("sitename") or head.get("outlet"),
        author=root.get("author") or head.get("author"),
        url=root.get("url") or head.get("url"),
        published=head.get("published") or root.get("date"),
        language=_language_tag(head.get("language")),
    )
    if meta.title and (not lines or not _same_line(lines[0], meta.title)):
        lines.insert(0, meta.title)
    return "\n".join(lines), meta


def _xml_lines(root: Any) -> Iterator[str]:
    """Text lines of trafilatura's XML: paragraphs, headings, list items, quotes."""
    main = root.find("main")
    if main is None:
        main = root
    for element in main.iter("p", "head", "item", "quote", "code"):
        if element.tag == "quote" and element.find(".//p") is not None:
            continue
        if element.tag == "p" and element.getparent() is not None and element.getparent().tag == "item":
            continue
        pieces: list[str] = []
        current = [element.text or ""]
        for child in element:
            if child.tag == "lb":
                pieces.append("".join(current))
                current = [child.tail or ""]
            elif child.tag in {"p", "item", "list"}:
                current.append(child.tail or "")
            else:
                current.append("".join(child.itertext()) + (child.tail or ""))
        pieces.append("".join(current))
        for piece in pieces:
            line = _clean_space(piece)
            if line:
                yield line


def _clean_space(text: str) -> str:
    """Collapse runs of ordinary whitespace (not no-break spaces) to one space."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _same_line(a: str, b: str) -> bool:
    """True when two lines say the same thing, ignoring case and spacing."""
    from rapidfuzz import fuzz

    return fuzz.ratio(a.casefold(), b.casefold()) >= 90


def _page_head(page: str) -> dict[str, str]:
    """Metadata from the page's <html lang>, meta tags and JSON-LD (JSON-LD wins)."""
    import lxml.html

    found: dict[str, str] = {}
    try:
        tree = lxml.html.document_fromstring(page)
    except (ValueError, TypeError):
        return found
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang:
        found["language"] = lang
    names = {
        "og:title": "title", "og:site_name": "outlet", "og:url": "url", "author": "author",
        "article:published_time": "published", "og:locale": "language",
        "content-language": "language", "dc.language": "language", "dc.date": "published",
    }
    for tag in tree.iter("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("http-equiv") or "").lower()
        value = (tag.get("content") or "").strip()
        if key in names and value and names[key] not in found:
            found[names[key]] = value
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for item in _ld_items(data):
            _from_ld(item, found)
    return found


def _ld_items(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object, looking inside lists and @graph."""
    if isinstance(data, list):
        for item in data:
            yield from _ld_items(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_items(data["@graph"])


def _from_ld(item: dict[str, Any], found: dict[str, str]) -> None:
    """Copy article metadata from one JSON-LD object."""
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    if not any(isinstance(k, str) and ("Article" in k or k in {"BlogPosting", "Report"}) for k in kinds):
        return
    if isinstance(item.get("headline"), str):
        found["title"] = item["headline"]
    if isinstance(item.get("datePublished"), str):
        found["published"] = item["datePublished"]
    if isinstance(item.get("inLanguage"), str):
        found["language"] = item["inLanguage"]
    author = _ld_name(item.get("author"))
    if author:
        found["author"] = author
    publisher = _ld_name(item.get("publisher"))
    if publisher:
        found["outlet"] = publisher
    page = item.get("mainEntityOfPage") or item.get("url")
    if isinstance(page, dict):
        page = page.get("@id") or page.get("url")
    if isinstance(page, str) and page.startswith("http"):
        found["url"] = page


def _ld_name(value: Any) -> str | None:
    """The name(s) of a JSON-LD person or organisation value."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        name = value.get("name")
        return name.strip() if isinstance(name, str) and name.strip() else None
    if isinstance(value, list):
        names = [n for n in (_ld_name(v) for v in value) if n]
        return ", ".join(names) or None
    return None


def _language_tag(value: str | None) -> str | None:
    """A BCP 47 primary language subtag from 'en-GB', 'fr_FR' and the like."""
    if not value:
        return None
    match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$)", value)
    return match.group(1).lower() if match else None


# -- Markdown --------------------------------------------------------------------------------


_FRONT_KEYS = {
    "title": "title", "headline": "title", "outlet": "outlet", "source": "outlet",
    "publisher": "outlet", "site": "outlet", "author": "author", "by": "author", "url": "url",
    "link": "url", "date": "published", "published": "published", "lang": "language",
    "language": "language",
}


def _read_markdown(text: str) -> tuple[str, SourceMeta]:
    """Plain text (one block per line) and front-matter metadata of a Markdown file."""
    fields, body = _front_matter(text)
    meta = SourceMeta(
        title=fields.get("title", ""),
        outlet=fields.get("outlet"),
        author=fields.get("author"),
        url=fields.get("url"),
        published=fields.get("published"),
        language=_language_tag(fields.get("language")),
    )
    return "\n".join(markdown_lines(body)), meta


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """Key/value pairs of a leading '---' block, and the text after it."""
    match = re.match(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", text, re.S)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).split("\n"):
        pair = re.match(r"\s*([A-Za-z_-]+)\s*:\s*(.*?)\s*$", line)
        if not pair:
            continue
        key = _FRONT_KEYS.get(pair.group(1).lower())
        value = pair.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key and value and key not in fields:
            fields[key] = value
    return fields, text[match.end():]


def markdown_lines(text: str) -> list[str]:
    """Headings, paragraphs and list items of Markdown as plain-text lines."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    lines: list[str] = []
    for token in tokens:
        if token.type != "inline":
            continue
        pieces: list[str] = []
        for child in token.children or []:
            if child.type in {"text", "code_inline"}:
                pieces.append(child.content)
            elif child.type in {"softbreak", "hardbreak"}:
                pieces.append(" ")
        line = _clean_space("".join(pieces))
        if line:
            lines.append(line)
    return lines
