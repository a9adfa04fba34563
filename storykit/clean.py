"""Clean a decoded source: drop boilerplate, fold styled letters, sort lines into parts."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from storykit.document import CleanDocument, Part, PartKind, RawDocument
from storykit.model import Dropped

# -- Character folding -----------------------------------------------------------------------

# Always invisible noise: zero-width space, word joiner, BOM, bidi embeddings/overrides/isolates,
# soft hyphen (hyphenation is the renderer's job) and the invisible maths operators.
_ALWAYS_DROP = frozenset(
    [0x200B, 0x2060, 0xFEFF, 0x00AD, 0x2061, 0x2062, 0x2063, 0x2064,
     *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
# Joiners and direction marks are meaningful next to scripts that need them (Arabic, Persian,
# Indic, Hebrew, emoji sequences); next to Latin letters they only hide words from search.
_CONTEXTUAL = frozenset([0x200C, 0x200D, 0x200E, 0x200F, 0x061C])
_COMPLEX_RANGES = (
    (0x0590, 0x08FF),  # Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Arabic extended
    (0x0900, 0x0DFF),  # Indic scripts and Sinhala
    (0x0E00, 0x0FFF),  # Thai, Lao, Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x18AF),  # Khmer, Mongolian
    (0xA8E0, 0xA8FF),  # Devanagari extended
    (0xFB1D, 0xFDFF),  # Hebrew and Arabic presentation forms
    (0xFE70, 0xFEFE),
    (0x1F000, 0x1FAFF),  # emoji and pictographs
    (0x2600, 0x27BF),  # miscellaneous symbols and dingbats (emoji bases)
    (0xFE00, 0xFE0F),  # variation selectors in emoji sequences
)


def _is_complex(ch: str) -> bool:
    """True for characters of scripts or emoji where ZWJ/ZWNJ/direction marks carry meaning."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _COMPLEX_RANGES)


def _styled(ch: str) -> str | None:
    """The plain letter or digit behind a styled character, or None if it is not styled."""
    code = ord(ch)
    styled = (
        0x1D400 <= code <= 0x1D7FF  # Mathematical Alphanumeric Symbols
        or 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A
        or 0x24B6 <= code <= 0x24E9  # circled Latin letters
        or 0xFB00 <= code <= 0xFB06  # Latin ligatures (ﬁ, ﬂ)
    )
    if not styled:
        return None
    plain = unicodedata.normalize("NFKC", ch)
    return plain if plain != ch and plain.isalnum() else None


def _letterlike(ch: str) -> str | None:
    """The plain letter behind a Letterlike Symbols 'hole' filler such as ℎ, ℬ or ℯ."""
    if not 0x2100 <= ord(ch) <= 0x214F:
        return None
    name = unicodedata.name(ch, "")
    if not any(tag in name for tag in ("SCRIPT", "BLACK-LETTER", "DOUBLE-STRUCK", "PLANCK", "ITALIC")):
        return None
    plain = unicodedata.normalize("NFKC", ch)
    return plain if len(plain) == 1 and plain.isalpha() else None


def plain_letters(text: str) -> str:
    """Map styled letters to plain ones and remove invisible controls, without blanket NFKC."""
    if not _FOLDABLE.search(text):  # most lines: nothing below would change a character
        return text
    out: list[str] = []
    chars = [ch for ch in text if ord(ch) not in _ALWAYS_DROP]
    for i, ch in enumerate(chars):
        plain = _styled(ch)
        if plain is not None:
            out.append(plain)
            continue
        hole = _letterlike(ch)
        # A lone ℎ may be Planck's constant; inside a word it fills a styled alphabet's hole.
        if hole is not None and _in_word(chars, i):
            out.append(hole)
            continue
        out.append(ch)
    result = _latin_lookalikes("".join(out))
    while True:
        folded = _drop_contextual(result)
        if folded == result:
            return result
        result = folded


# Cyrillic and Greek letters drawn like Latin ones: inside a Latin word they are a homoglyph
# (a spoofed or mistyped name), and would make "Jеan Dupont" a second person.
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁӏАВЕКМНОРСТХІЈЅοΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdlABEKMHOPCTXIJSoABEZHIKMNOPTYX",
)
_LOOKALIKE_SET = frozenset(chr(c) for c in _LOOKALIKES)
_WORD = re.compile(r"[^\W\d_]+")


# Every character plain_letters() may drop or change (a line without any is returned as it is).
_FOLDABLE = re.compile("[{}]".format("".join(
    re.escape(chr(code)) for code in sorted(_ALWAYS_DROP | _CONTEXTUAL | {ord(ch) for ch in _LOOKALIKE_SET})
) + "\U0001D400-\U0001D7FF\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\u24B6-\u24E9\uFB00-\uFB06\u2100-\u214F"))


def _latin_lookalikes(text: str) -> str:
    """Latin words with their Cyrillic or Greek look-alike letters made Latin (other words untouched)."""
    if not any(ch in _LOOKALIKE_SET for ch in text):
        return text

    def fold(match: re.Match[str]) -> str:
        word = match.group()
        others = [ch for ch in word if not (ch.isascii() or unicodedata.name(ch, "").startswith("LATIN"))]
        if len(others) < len(word) and all(ch in _LOOKALIKE_SET for ch in others):
            return word.translate(_LOOKALIKES)
        return word

    return _WORD.sub(fold, text)


def _in_word(chars: list[str], i: int) -> bool:
    """True when the character at i touches another letter."""
    neighbours = [chars[j] for j in (i - 1, i + 1) if 0 <= j < len(chars)]
    return any(ch.isalpha() or _styled(ch) is not None for ch in neighbours)


def _drop_contextual(text: str) -> str:
    """Remove joiners and direction marks that have no complex-script neighbour."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ord(ch) in _CONTEXTUAL:
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if not ((before and _is_complex(before)) or (after and _is_complex(after))):
                continue
        out.append(ch)
    return "".join(out)


# -- Boilerplate -----------------------------------------------------------------------------

_EMBED_WORDS = (
    r"video|vidéo|clip|footage|post|tweet|thread|reel|images?|photos?|gallery|galerie|"
    r"below|above|here|ci-dessous|ci-dessus|ici|en images|diaporama|podcast|live|direct"
)
# (pattern, reason, longest line in words it may remove); patterns see casefolded, quote-folded text.
_BOILERPLATE: tuple[tuple[str, str, int], ...] = (
    (r"\byour (shopping )?(cart|basket|bag) is (currently )?empty\b", "shop notice", 12),
    (r"\bvotre panier est (actuellement )?vide\b", "shop notice", 12),
    (r"^(add to (cart|basket|bag)|ajouter au panier|view (cart|basket)|voir (le|mon) panier|"
     r"checkout|continue shopping|continuer (mes|vos) achats|shop now|buy now|acheter)\b", "shop notice", 8),
    (r"^\d+ (items?|articles?) (in|dans) (your|votre) (cart|basket|panier)\b", "shop notice", 8),
    (r"^(free (shipping|delivery)|livraison (gratuite|offerte))\b", "shop notice", 12),
    (r"\b(we|this (web)?site|our (web)?site) uses? cookies\b", "cookie notice", 60),
    (r"\b(ce site|nous) utilis(e|ons) des cookies\b", "cookie notice", 60),
    (r"^(accept|reject|refuse|manage|allow)( all)?( the)? cookies\b", "cookie notice", 8),
    (r"^(accepter|refuser|gérer|paramétrer)( tous)?( les)? cookies\b", "cookie notice", 8),
    (r"^cookie (policy|settings|preferences)$|^politique (de cookies|relative aux cookies)$",
     "cookie notice", 6),
    (r"^(subscribe|sign up|signup|register|join)\b.*\b(newsletter|updates|inbox|free|now|today|"
     r"our|alerts?|briefing)\b", "subscription prompt", 20),
    (r"^(subscribe|sign up|abonnez-vous|inscrivez-vous|s'abonner|je m'abonne)\s*[.!:]?$",
     "subscription prompt", 4),
    (r"^(abonnez-vous|inscrivez-vous|recevez|s'inscrire|je m'inscris)\b.*\b(newsletter|lettre|"
     r"alertes?|offre|gratuit\w*)\b", "subscription prompt", 20),
    (r"^(get|receive) (our|the)\b.*\bnewsletter\b|^newsletter\b", "subscription prompt", 15),
    (r"^already (a subscriber|subscribed)|^déjà abonné", "subscription prompt", 10),
    (r"^(share|tweet|pin|email|send)( this)?( (article|story|post|page|link))?( (on|via|with|to) "
     r"[\w ]{1,20})?\s*[:!.]?$", "share prompt", 8),
    (r"^(partager|partagez)( (cet|l')?\s?article| (sur|via) [\w ]{1,20})?\s*[:!.]?$", "share prompt", 8),
    (r"^(facebook|twitter|x|whatsapp|linkedin|pinterest|reddit|telegram|messenger|email|e-mail|"
     r"copy link|copier le lien)([\s,|/·•]+(facebook|twitter|x|whatsapp|linkedin|pinterest|reddit|"
     r"telegram|messenger|email|e-mail|copy link|copier le lien))*$", "share buttons", 10),
    (r"^(watch|see|view|check out|play|listen to)\b.*\b(" + _EMBED_WORDS + r")\b.*:$", "embed announcement", 12),
    (r"^(watch|see|view) (the |this |our )?(full )?(video|clip|footage|post|tweet|moment)\b"
     r".{0,40}(below|above|here)\b", "embed announcement", 12),
    (r"^(regardez|voir|découvrez|écoutez)\b.*\b(" + _EMBED_WORDS + r")\b.*:$", "embed announcement", 12),
    (r"^(regardez|voir) (la |notre )?(vidéo|séquence|publication|le reportage)\b", "embed announcement", 12),
    (r"^(play|watch|lire la) vidéo$|^(video|vidéo)\s*:?$|^(play|watch)( video)?\s*:?$", "embed announcement", 4),
    (r"^view (this|more) (post|posts) on (instagram|facebook|x|twitter|tiktok)|^a post shared by\b|"
     r"^voir cette publication sur instagram|^une publication partagée par\b", "social embed", 20),
    (r"^(https?://|www\.|pic\.twitter\.com/)\S+$", "bare link", 3),
    (r"\(@\w{1,30}\) (january|february|march|april|may|june|july|august|september|october|"
     r"november|december) \d{1,2}, \d{4}$", "social embed", 40),
    (r"^(advertisement|advert|ad|ads|sponsored( content)?|paid (content|partnership)|"
     r"promoted( content)?|publicité|annonce|contenu sponsorisé|partenariat)\s*[:.]?$",
     "advertisement", 3),
    (r"^(scroll|continue reading|keep reading|story continues) (down|below|after( the)? (ad|advertisement))",
     "advertisement", 10),
    (r"^(la suite|l'article continue) (après|sous) (la|cette) publicité", "advertisement", 10),
    (r"^((photo|image|picture|video|crédit|credit)s?\s*(credit|photo)?s?\s*:\s*)[^.!?]{0,60}$",
     "photo credit", 8),
    (r"^(photo|image|picture)s?\s*:?\s*(getty images|afp|reuters|ap|epa|pa|shutterstock|alamy|"
     r"istock|maxppp|sipa|abaca)\b[^.!?]{0,40}$", "photo credit", 10),
    (r"^(?:[\w .'-]{0,40}(?:/| via ))?(getty images|afp|reuters|epa|ap photo|shutterstock|alamy|"
     r"istock|maxppp|sipa|abaca)(?:\s*(?:/|via)\s*[\w .'-]{0,40})?$", "photo credit", 10),
    (r"^(read more|read also|also read|related( articles?| stories| content| coverage| news)?|"
     r"see also|more on this( story)?|more from|you (may|might) also like|recommended( for you)?|"
     r"most (read|popular|viewed)|trending( now)?|top stories|lire aussi|à lire aussi|a lire aussi|"
     r"voir aussi|sur le même sujet|lire la suite|en savoir plus|les plus lus|à voir aussi|"
     r"nos articles|dans la même rubrique|à découvrir)\b\s*(:|>|»|\||$)", "related links", 20),
    (r"^(read|lire) (the )?(full |more|la suite)\b.{0,40}$", "related links", 8),
    (r"^(click|tap) here\b|^cliquez ici\b", "link prompt", 15),
    (r"^(follow us|suivez-nous|follow (the|our) (live|updates)|retrouvez-nous)\b", "social prompt", 15),
    (r"^(leave a comment|\d+ comments?|comments?|commentaires?|\d+ commentaires?|réagir|"
     r"show comments|voir les commentaires)\s*[:.]?$", "comments prompt", 4),
    (r"^(sign in|log in|se connecter|connexion|mon compte|my account|menu|home|accueil|"
     r"skip to (main )?content|aller au contenu|back to top|retour en haut|loading\.*|"
     r"chargement\.*|search|rechercher)$", "page furniture", 4),
    (r"^page \d+( (of|sur|/) \d+)?$|^\d+\s*/\s*\d+$|^- ?\d+ ?-$", "page stamp", 4),
    (r"^(published|updated|last updated|posted|first published|publié|mis à jour|modifié)"
     r"( (on|at|le|à))?\s*:?\s*(\d|(mon|tue|wed|thu|fri|sat|sun|lun|mar|mer|jeu|ven|sam|dim|jan|"
     r"feb|fév|apr|avr|may|mai|jun|juin|jul|juil|aug|août|sep|oct|nov|dec|déc)\w*)[^.!?]{0,60}$",
     "page stamp", 14),
    (r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|jeudi|"
     r"vendredi|samedi|dimanche)?,?\s*(\d{1,2}(st|nd|rd|th|er)?\s+)?(january|february|march|april|"
     r"may|june|july|august|september|october|november|december|janvier|février|mars|avril|mai|"
     r"juin|juillet|août|septembre|octobre|novembre|décembre)( \d{1,2}(st|nd|rd|th)?)?,? \d{4}"
     r"([, ]+(at |à )?\d{1,2}[:.h]\d{2}( ?[ap]\.?m\.?)?( [a-z]{2,4})?)?$", "page stamp", 10),
    (r"^\d{1,2}[:.h]\d{2}( ?[ap]\.?m\.?)?( [a-z]{2,4})?$|^\d{4}-\d{2}-\d{2}([t ]\d{2}:\d{2}.*)?$",
     "page stamp", 3),
    (r"^\d+ (min|minutes?|mins) (read|de lecture)$|^(reading time|temps de lecture)\s*:", "page stamp", 6),
    (r"(©|\(c\)|copyright)\s*\d{0,4}|\ball rights reserved\b|\btous droits réservés\b", "copyright notice", 20),
)
_BYLINE = re.compile(
    r"^(?i:by|par|von|por)\s+[A-ZÀ-Þ][\w.'’-]+(\s+(and|et|und|y|&|de|du|van|von|der|le|la)?\s*"
    r"[A-ZÀ-Þ][\w.'’-]+){0,5}(\s*[,|–—-]\s*[^.!?]{0,40})?$"
)
_COMPILED = tuple((re.compile(p, re.I), r, n) for p, r, n in _BOILERPLATE)

_QUOTE_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
})


def boilerplate(line: str) -> str | None:
    """The reason a line is page furniture rather than article text, or None."""
    folded = re.sub(r"\s+", " ", line.translate(_QUOTE_FOLD)).strip()
    low = folded.casefold()
    words = len(folded.split())
    for pattern, reason, longest in _COMPILED:
        if words <= longest and pattern.search(low):
            return reason
    if words <= 10 and _BYLINE.match(folded):
        return "byline"
    return None


# -- Captions labels and credits -------------------------------------------------------------

_CAPTION_LABEL = re.compile(
    r"^(image|photo|picture|pictured|illustration|légende|above|below|top|left|right|"
    r"ci-dessus|ci-dessous|en haut|à gauche|à droite)\s*:\s*(?=\S)", re.I)
_AGENCIES = (r"AFP|Reuters|AP|Getty(?: Images)?|EPA|PA(?: Wire)?|Shutterstock|Alamy|iStock|"
             r"ANP|DPA|ANSA|EFE|Xinhua|SIPA|Bestimage|Abaca|MAXPPP|Hans Lucas|Belga|Keystone")
_TRAILING_CREDIT = re.compile(
    r"\s*(?:[(\[]\s*(?:(?:photo|image|picture|credit|crédit|illustration)s?\b[^)\]]{0,80}|"
    r"(?:[\w .'-]{0,30}/\s*)?(?:" + _AGENCIES + r")(?:\s*(?:/|via)\s*[^)\]]{0,40})?)\s*[)\]]"
    r"|\s[|/–—-]\s*(?:photo|image|credit|crédit)s?\s*:\s*[^.!?]{1,60})\s*$",
    re.I,
)
_STRAY_CAPITAL = re.compile(
    r"^([A-Z])(?=(?:The|An|He|She|It|They|We|His|Her|Its|Their|This|These|Those|Le|La|Les|Un|Une|"
    r"Des|Il|Elle|Ils|Elles|Ce|Cette|Ces|Son|Sa|Ses|Leur|Leurs|Der|Die|Das|Ein|Eine|El|Los|Las|"
    r"Una|Uno)\s)"
)
_FAQ = re.compile(
    r"^(faqs?|frequently asked questions|questions? (fréquentes|et réponses)|foire aux questions|"
    r"q ?& ?a|q&r|vos questions)\s*:?$", re.I)

def _wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of a literal, as a set."""
    return frozenset(text.split())


# -- Line shapes -----------------------------------------------------------------------------

_CLOSERS = "\"'”’»)]›*"
_SENTENCE_END = re.compile(r"[.!?…。！？](?:\s*[" + re.escape(_CLOSERS) + r"])*$")
_SENTENCE_SPLIT = re.compile(
    r"(?<=[.!?…])[" + re.escape(_CLOSERS) + r"]*\s+(?=[\"'“‘«(\[]*[\w])")
_INTERNAL_BREAK = re.compile(r"[a-zà-ÿ0-9)][.!?…][" + re.escape(_CLOSERS) + r"]*\s+[\"“‘«']?[A-ZÀ-Þ]")
_FUNCTION_WORDS = _wordset("a an the of to in on at by for from with and or but nor as than that which who whom whose "
    "his her their its my our your is are was were be been has have had will would could should "
    "de du des la le les un une et ou à au aux en par pour sur dans avec que qui dont son sa ses "
    "leur leurs ce cette ces est sont était der die das und oder ein eine zu mit von el los las "
    "y o con por para del al")


def _key(text: str) -> str:
    """A comparison key: casefolded, quotes and punctuation folded away."""
    folded = text.translate(_QUOTE_FOLD).casefold()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", folded)).strip()


def _terminated(text: str) -> bool:
    """True when the line ends like a finished sentence."""
    return bool(_SENTENCE_END.search(text.rstrip(" \u00a0\u202f")))


def _word_count(text: str) -> int:
    """Number of whitespace-separated words that contain a letter or digit."""
    return sum(1 for w in text.split() if any(ch.isalnum() for ch in w))


def _title_case(text: str) -> bool:
    """True for Headline Style Capitalisation (most significant words capitalised)."""
    words = [w.strip("\"'“”‘’«»()[]:,;—–-") for w in text.split()]
    significant = [w for w in words if len(w) >= 4 and w[:1].isalpha()]
    if len(significant) < 2:
        return False
    capitals = sum(1 for w in significant if w[0].isupper())
    return capitals / len(significant) >= 0.6


def sentences(text: str) -> list[str]:
    """A paragraph split into sentences at closing punctuation followed by a new word."""
    return [s for s in (p.strip() for p in _SENTENCE_SPLIT.split(text)) if s]


_DropFn = Callable[[int, str, str], None]


@dataclass
class _Line:
    number: int
    text: str
    cue: bool = False  # a caption label, photo credit or stray capital marked it as a caption
    kind: PartKind = "paragraph"
    faq: bool = False
    words: int = 0
    terminated: bool = False
    shape: str = ""  # "title-case", "candidate" (caption-shaped) or "" (prose)
    notes: list[str] = field(default_factory=list)


def _shape(line: _Line) -> str:
    """Whether a line looks like a Title Case heading, a caption candidate, or prose."""
    text = line.text
    if _INTERNAL_BREAK.search(text) or text[:1] in "\"“‘«'—–-(" or not text[:1].isalnum():
        return ""
    if re.search(r"[:;,]$", text.rstrip(" \u00a0\u202f")):
        return ""  # an unfinished lead-in to what follows, not a heading or caption
    if line.terminated:
        return "title-case" if text.rstrip().endswith("?") and line.words <= 14 and _title_case(text) else ""
    if line.words <= 14 and _title_case(text):
        return "title-case"
    if text[:1].isupper() or text[:1].isdigit():
        return "candidate" if 1 <= line.words <= 45 else ""
    return ""


def clean(doc: RawDocument, source_id: str) -> CleanDocument:
    """Split a source into titled, headed, captioned parts and record everything dropped."""
    dropped: list[Dropped] = []

    def drop(number: int, text: str, reason: str) -> None:
        dropped.append(Dropped(source=source_id, line=number, text=text, reason=reason))

    lines: list[_Line] = []
    for number, raw in enumerate(doc.text.split("\n"), start=1):
        text = _fold_line(raw, number, drop)
        if not text.strip():  # a line of no-break spaces only is blank too
            continue
        reason = boilerplate(text)
        if reason:
            drop(number, text, reason)
            continue
        line = _Line(number, text)
        _strip_caption_marks(line, drop)
        if not any(earlier.terminated for earlier in lines):  # datelines open the first paragraph only
            _strip_dateline(line, drop)
        if not line.text:
            continue
        line.words = _word_count(line.text)
        line.terminated = _terminated(line.text)
        line.shape = _shape(line)
        lines.append(line)

    lines = _drop_duplicates(lines, drop)
    _mark_faq(lines)
    lines = _drop_caption_repeats(lines, drop)
    _assign_kinds(lines, doc.meta.title)
    parts = _parts(lines)
    dropped.sort(key=lambda d: d.line)
    return CleanDocument(id=source_id, raw=doc, parts=tuple(parts), dropped=tuple(dropped))


def _fold_line(raw: str, number: int, drop: _DropFn) -> str:
    """The line with styled letters and controls folded, and each change recorded."""
    folded = plain_letters(raw)
    if folded != raw:
        invisible = [ch for ch in raw if ord(ch) in _ALWAYS_DROP or ord(ch) in _CONTEXTUAL]
        removed = len(raw) - len(folded)
        if removed > 0 and invisible:
            codes = sorted({f"U+{ord(ch):04X}" for ch in invisible})
            drop(number, " ".join(codes), f"{removed} invisible control character(s) removed")
        words = [w for w in re.findall(r"\S+", raw) if any(_styled(c) or _letterlike(c) for c in w)]
        if words:
            plain = ", ".join(dict.fromkeys(re.sub(r"[^\w'’-]", "", plain_letters(w)) for w in words))
            drop(number, plain, "styled Unicode letters mapped to plain letters")
        spoofed = [w for w in _WORD.findall(raw) if _latin_lookalikes(w) != w]
        if spoofed:
            latin = ", ".join(dict.fromkeys(_latin_lookalikes(w) for w in spoofed))
            drop(number, latin, "Cyrillic or Greek look-alike letters in a Latin word mapped to Latin")
    # Collapse runs of ordinary spaces only: no-break spaces are typography, not noise.
    return re.sub(r"[ \t]+", " ", folded).strip(" \t")


# A wire dateline opening a paragraph: "HARBOR CITY, Ore. (AP) — ", "PARIS (Reuters) - ", "LYON, 3 mars (AFP) -".
# The place is in capitals, so an ordinary first word followed by a dash never matches.
_DATELINE = re.compile(
    r"^(?P<place>[A-ZÀ-ÖØ-Þ]{2,}(?:[ .'’-][A-ZÀ-ÖØ-Þ]{2,}){0,4})"
    r"(?:,\s*[\w.’' ]{1,25})?"
    r"\s*(?:\((?:AP|AFP|Reuters|dpa|EFE|ANSA|Belga|PA|UPI|Xinhua|Bloomberg|CNN|BBC)\)\s*)?"
    r"[—–-]{1,2}\s+(?=\S)"
)


def _strip_dateline(line: _Line, drop: _DropFn) -> None:
    """Remove a wire dateline from the start of a paragraph, keeping the sentence it opens."""
    found = _DATELINE.match(line.text)
    if found and len(line.text) - found.end() >= 20:
        drop(line.number, found.group(0).strip(), "wire dateline removed")
        line.text = line.text[found.end() :]


def _strip_caption_marks(line: _Line, drop: _DropFn) -> None:
    """Remove caption labels, trailing photo credits and a stray capital glued to a caption."""
    label = _CAPTION_LABEL.match(line.text)
    if label and _word_count(line.text[label.end():]) >= 3:
        drop(line.number, label.group(0).strip(), "caption label")
        line.text = line.text[label.end():].strip()
        line.cue = True
    credit = _TRAILING_CREDIT.search(line.text)
    if credit and credit.start() > 0:
        drop(line.number, credit.group(0).strip(), "photo credit")
        line.text = line.text[:credit.start()].rstrip()
        line.cue = True
    stray = _STRAY_CAPITAL.match(line.text)
    if stray and not _terminated(line.text):
        drop(line.number, stray.group(1), "stray letter glued to the start of a caption")
        line.text = line.text[1:]
        line.cue = True


def _drop_duplicates(lines: list[_Line], drop: _DropFn) -> list[_Line]:
    """Keep the first of lines that repeat exactly or almost exactly."""
    from rapidfuzz import fuzz, process

    kept: list[_Line] = []
    keys: list[str] = []
    for line in lines:
        key = _key(line.text)
        twin = kept[keys.index(key)] if key in keys else None
        if twin is None and len(key) >= 40:
            best = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=95)
            twin = kept[best[2]] if best is not None else None
        if twin is not None:
            drop(line.number, line.text, f"repeats line {twin.number}")
        else:
            kept.append(line)
            keys.append(key)
    return kept


def _mark_faq(lines: list[_Line]) -> None:
    """Mark an 'FAQ' heading and the questions and answers that follow it."""
    inside = False
    seen_question = False
    for line in lines:
        if _FAQ.match(line.text):
            line.kind, line.faq = "heading", True
            inside, seen_question = True, False
            continue
        if not inside:
            continue
        if line.text.rstrip(_CLOSERS + " ").endswith("?") and line.words <= 30:
            line.kind, line.faq = "question", True
            seen_question = True
        elif seen_question and line.shape != "title-case":
            line.kind, line.faq = "answer", True
        else:
            inside = False


def _captionish(line: _Line, first: bool) -> bool:
    """True for lines that may be image captions (the first line may be the headline instead)."""
    if line.faq:
        return False
    return line.cue or (line.shape == "candidate" and not first)


def _drop_caption_repeats(lines: list[_Line], drop: _DropFn) -> list[_Line]:
    """Drop caption-shaped lines that repeat a sentence of the body (fuzzy)."""
    from rapidfuzz import fuzz

    captionish = {id(ln) for i, ln in enumerate(lines) if _captionish(ln, i == 0)}
    body = [ln for ln in lines if id(ln) not in captionish and ln.shape != "title-case"]
    sents = [(ln, _key(s)) for ln in body for s in sentences(ln.text)]
    kept: list[_Line] = []
    for line in lines:
        if id(line) in captionish and line.words >= 5:
            key = _key(line.text)
            match = next(
                (ln for ln, s in sents if fuzz.ratio(key, s) >= 85
                 or (line.words >= 8 and len(ln.text) > len(line.text)
                     and fuzz.partial_ratio(key, _key(ln.text)) >= 92)),
                None,
            )
            if match is not None:
                drop(line.number, line.text, f"caption repeats a sentence of line {match.number}")
                continue
        kept.append(line)
    return kept


def _assign_kinds(lines: list[_Line], title: str) -> None:
    """Decide title, heading, caption or paragraph for every line not already in a FAQ."""
    from rapidfuzz import fuzz

    if not lines:
        return
    first = lines[0]
    if not first.faq and not first.cue and (
        (title and fuzz.ratio(_key(first.text), _key(title)) >= 90)
        or (first.shape in {"title-case", "candidate"} and first.words <= 25)
    ):
        first.kind = "title"
    counts = _vocabulary(lines)
    last = lines[-1]
    for i, line in enumerate(lines):
        if line.faq or line.kind == "title":
            continue
        if line.cue:
            line.kind = "caption"
        elif line.shape == "title-case" and line is not last:
            line.kind = "heading"
        elif line.shape == "candidate":
            in_run = any(
                _captionish(lines[j], j == 0) and lines[j].kind != "title"
                for j in (i - 1, i + 1) if 0 <= j < len(lines)
            )
            if line is last:
                line.kind = "paragraph" if _looks_cut(line.text, counts) else "caption"
            elif in_run:
                line.kind = "caption"
            elif line.words <= 8:
                line.kind = "heading"
            else:
                line.kind = "paragraph"
        else:
            line.kind = "paragraph"


def _vocabulary(lines: Iterable[_Line]) -> Counter[str]:
    """How often each word (casefolded) occurs in the document."""
    return Counter(w for ln in lines for w in re.findall(r"\w+", ln.text.casefold()))


_INFLECTIONS = _wordset("s es ed d ing er ers est ly e ée és ées ent ement ment ions ion tion ation")


def _looks_cut(text: str, counts: Counter[str]) -> bool:
    """True when an unfinished line shows signs of being cut off mid-word or mid-sentence."""
    stripped = text.rstrip()
    if _terminated(stripped):
        return False
    if re.search(r"[,;:(\-–—/&]$|[“‘«]\s*\w*$", stripped):
        return True
    opens = sum(stripped.count(q) for q in "“«")
    closes = sum(stripped.count(q) for q in "”»")
    if opens > closes:
        return True
    words = re.findall(r"\w+", stripped.casefold())
    if not words:
        return False
    last = words[-1]
    if last in _FUNCTION_WORDS:
        return True
    # A final word found nowhere else that starts a longer word of the text was cut mid-word.
    if counts[last] <= 1 and any(
        w.startswith(last) and len(w) >= len(last) + 2 and w[len(last):] not in _INFLECTIONS
        for w in counts
    ):
        return True
    return len(words) >= 30 or bool(_INTERNAL_BREAK.search(stripped))


def _parts(lines: list[_Line]) -> list[Part]:
    """Parts in reading order; the last paragraph or answer is flagged when cut off."""
    counts = _vocabulary(lines)
    parts: list[Part] = []
    for index, line in enumerate(lines):
        truncated = (
            index == len(lines) - 1
            and line.kind in {"paragraph", "answer"}
            and _looks_cut(line.text, counts)
        )
        parts.append(Part(kind=line.kind, text=line.text, line=line.number, truncated=truncated))
    return parts
