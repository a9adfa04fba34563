"""PDF checks: PDF/UA-1 structure (pikepdf) and the veraPDF rules (page-validation)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from storykit.errors import ToolMissing
from storykit.findings import Finding

TEXT_OPS = {"Tj", "TJ", "'", '"'}
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _kids(element: Any) -> list[Any]:
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def structure(path: Path, expected_lang: str | None = None) -> list[Finding]:
    """Tagging, language, title, metadata, figures, headings, fonts and links of a PDF."""
    try:
        import pikepdf
    except ImportError:
        raise ToolMissing("pikepdf", "is needed for the PDF checks", "pip install pikepdf") from None

    where = path.name
    found: list[Finding] = []

    def add(rule: str, message: str, at: str = where) -> None:
        found.append(Finding("pdf", rule, at, message))

    try:
        pdf = pikepdf.open(path)
    except pikepdf.PdfError as exc:
        return [Finding("pdf", "pdf-unreadable", where, f"cannot be opened ({exc}); rebuild it")]
    with pdf:
        root: Any = pdf.Root
        if "/StructTreeRoot" not in root:
            return [Finding("pdf", "pdf-untagged", where, "no structure tree; render with pdf_variant='pdf/ua-1'")]
        if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
            add("pdf-marked", "/MarkInfo /Marked is not true; render as PDF/UA-1")
        lang = str(root.get("/Lang", ""))
        if not LANG_RE.match(lang):
            add("pdf-lang", f"document language missing or malformed ({lang!r}); set lang on <html>")
        elif expected_lang and lang.split("-")[0].lower() != expected_lang.split("-")[0].lower():
            add("pdf-lang", f"document language is {lang!r}, the story's is {expected_lang!r}")
        if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
            add("pdf-display-title", "the window shows the file name, not the title; set DisplayDocTitle")
        with pdf.open_metadata() as xmp:
            if not (xmp.get("dc:title") or "").strip():
                add("pdf-title", "no dc:title in the XMP metadata; give the document a <title>")
            if str(xmp.get("pdfuaid:part")) != "1":
                add("pdf-ua-id", "not identified as PDF/UA-1 (pdfuaid:part); render with pdf_variant='pdf/ua-1'")
        headings: list[int] = []
        seen: set[tuple[int, int]] = set()
        stack = list(reversed(_kids(root.StructTreeRoot)))
        while stack:
            element = stack.pop()
            if not isinstance(element, pikepdf.Dictionary) or element.objgen in seen:
                continue
            if element.objgen != (0, 0):
                seen.add(element.objgen)
            tag = str(element.get("/S", ""))
            alt = str(element.get("/Alt", "")).strip() or str(element.get("/ActualText", "")).strip()
            if tag == "/Figure" and not alt:
                add("pdf-figure-alt", "a figure has no alternative text; give every <img>/<svg> an alt or aria-label")
            if re.fullmatch(r"/H[1-6]", tag):
                headings.append(int(tag[2]))
            stack.extend(reversed(_kids(element)))
        if headings and headings[0] != 1:
            add("pdf-heading-order", f"the first heading is H{headings[0]}, not H1")
        for before, after in itertools.pairwise(headings):
            if after > before + 1:
                add("pdf-heading-order", f"heading level skipped: H{before} -> H{after}")
        if not root.get("/Outlines"):
            add("pdf-bookmarks", "no bookmarks; headings should produce them")
        for number, page in enumerate(pdf.pages, 1):
            at = f"{where} page {number}"
            for _, font in page.Resources.get("/Font", {}).items():
                desc = font.get("/FontDescriptor")
                if desc is None and "/DescendantFonts" in font:
                    desc = font.DescendantFonts[0].get("/FontDescriptor")
                if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    add("pdf-font-embedded", f"font {font.get('/BaseFont')} is not embedded", at)
                if "/ToUnicode" not in font:
                    add("pdf-font-unicode", f"font {font.get('/BaseFont')} has no /ToUnicode map", at)
            marks: list[str] = []
            for instruction in pikepdf.parse_content_stream(page):
                operands: Any = getattr(instruction, "operands", ())
                op = str(instruction.operator)
                if op in ("BMC", "BDC"):
                    props = operands[1] if op == "BDC" else None
                    kind = "artifact" if str(operands[0]) == "/Artifact" else "other"
                    if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                        kind = "mcid"
                    marks.append(kind)
                elif op == "EMC" and marks:
                    marks.pop()
                elif op in TEXT_OPS and not ({"mcid", "artifact"} & set(marks)):
                    add("pdf-untagged-text", "text is neither tagged nor an artifact", at)
                    break
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") == "/Link" and "/StructParent" not in annot:
                    add("pdf-link-tagged", "a link is not in the structure tree", at)
    return found


def ua1(path: Path) -> list[Finding]:
    """The PDF/UA-1 rules of veraPDF, run by page-validation."""
    try:
        import page
    except ImportError:
        raise ToolMissing(
            "page-validation", "is needed for the PDF/UA-1 check", "pip install 'page-validation==0.11.0'"
        ) from None
    report = page.validate_pdf(str(path), profile="ua1")
    return [Finding("pdf", f"ua1-{failure.rule_id}", path.name, str(failure.message)) for failure in report.failures]


def text_layer(path: Path) -> str:
    """The PDF's text in content order."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
