"""A small number grammar (English and French) and the figures it finds: counts, ages, floors..."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from storykit.merge.text import alternation, excerpt, key, wordset

INF = math.inf

CARDINALS: dict[str, float] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "dozen": 12,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "cent": 100,
    "mille": 1000,
    "douzaine": 12,
}
ORDINALS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "top": 0,
    "ground": 0,
    "premier": 1,
    "première": 1,
    "deuxième": 2,
    "seconde": 2,
    "troisième": 3,
    "quatrième": 4,
    "cinquième": 5,
    "sixième": 6,
    "septième": 7,
    "huitième": 8,
    "neuvième": 9,
    "dixième": 10,
    "onzième": 11,
    "douzième": 12,
    "rez-de-chaussée": 0,
}
# vague amounts as ranges
VAGUE: dict[str, tuple[float, float]] = {
    "hundreds": (200, 999),
    "dozens": (24, 99),
    "thousands": (2000, 9999),
    "scores": (40, 99),
    "several": (3, 9),
    "a few": (2, 5),
    "a couple": (2, 2),
    "tens": (20, 99),
    "centaines": (200, 999),
    "dizaines": (20, 99),
    "milliers": (2000, 9999),
    "plusieurs": (3, 9),
    "quelques": (2, 5),
    # French approximate group nouns ("une dizaine de personnes") and their English kin
    "une dizaine": (8, 12),
    "une douzaine": (10, 14),
    "une quinzaine": (13, 17),
    "une vingtaine": (17, 24),
    "une trentaine": (26, 34),
    "une quarantaine": (36, 44),
    "une cinquantaine": (45, 55),
    "une soixantaine": (55, 65),
    "une centaine": (80, 120),
    "un millier": (800, 1200),
}
APPROX = (
    "about",
    "around",
    "roughly",
    "approximately",
    "nearly",
    "almost",
    "some",
    "an estimated",
    "environ",
    "près de",
    "presque",
    "quelque",
)
LOWER = ("at least", "more than", "over", "au moins", "plus de")
UPPER = ("up to", "fewer than", "less than", "under", "at most", "jusqu'à", "moins de")
PARTIAL_BEFORE = wordset("her his their its my our your including among incl dont whose sa ses son leurs")
PARTIAL_AFTER = wordset("more other older younger additional further remaining extra of autres")
MONTHS: dict[str, int] = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "janvier": 1,
    "février": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
}
WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
}
UNIT_WORDS = frozenset(
    wordset(
        "feet foot ft metres meters metre meter m km kilometres kilometers miles mile inches inch "
        "cm years year months month weeks week days day hours hour minutes minute seconds floors "
        "floor storeys stories times percent per cent euros dollars pounds ans mois semaines "
        "jours heures minutes étages fois"
    )
)
# words that end a noun phrase: a count's noun never lies past them
NP_BREAK = frozenset(
    wordset(
        "and or but of to from in on at by with for the a an his her their its this that was were "
        "is are had has have been who which et ou de du des le la les à au aux par pour avec"
    )
)
SYNONYMS: dict[str, str] = {
    "infant": "baby",
    "newborn": "baby",
    "nourrisson": "baby",
    "bébé": "baby",
    "bebe": "baby",
    "kid": "child",
    "enfant": "child",
    "toddler": "toddler",
    "people": "person",
    "resident": "person",
    "personne": "person",
    "victime": "person",
    "mort": "person",
    "passager": "passenger",
    "individual": "person",
    "habitant": "person",
    "gens": "person",
    "occupant": "person",
}
IRREGULAR = {
    "children": "child",
    "people": "person",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "police": "police",
    "staff": "staff",
    "gens": "person",
}
ROLE_VERBS: dict[str, tuple[str, ...]] = {
    "hurt": ("hospital", "injur", "hurt", "wound", "treated", "smoke inhalation", "blessé", "hôpital"),
    "dead": (
        "died",
        "dead",
        "killed",
        "fatalit",
        "lost their lives",
        "lost his life",
        "lost her life",
        "mort ",
        "morts",
        "mortes",
        "tué",
        "décéd",
        "décès",
        "perdu la vie",
        "sans vie",
    ),
    "aboard": ("on board", "aboard", "carrying", "à bord", "transportait"),
    "deployed": ("deploy", "dispatched", "mobilis", "mobiliz", "sent to", "déployé"),
    "origin": (
        "broke out",
        "broken out",
        "started",
        "began",
        "begun",
        "originated",
        "erupted",
        "ignited",
        "s'est déclaré",
        "s’est déclaré",
        "a pris",
        "est parti",
        "départ",
    ),
    "rescued": (
        "rescu",
        "save",
        "saving",
        "lift",
        "carried",
        "passed",
        "passing",
        "passes",
        "guid",
        "pull",
        "evacuat",
        "help",
        "caught",
        "catch",
        "sauv",
        "secour",
        "évacu",
    ),
    "trapped": ("trapped", "stuck", "stranded", "bloqué", "coincé", "piégé"),
}

FIRE_WORDS = r"fire|blaze|flames|inferno|explosion|incendie|feu|flammes|sinistre"
ORIGIN_VERBS = (
    r"broke out|broken out|started|began|begun|originated|erupted|ignited|s.est déclaré|"
    r"a pris|est parti|a démarré"
)
# Word lists as tries (storykit.merge.text.alternation): the same matches as longest-first alternations, faster.
_CARD = alternation(CARDINALS)
_ORD = alternation(ORDINALS)
# A number starts with a digit or a cardinal's first letter: the lookahead lets the matcher skip other positions fast.
_NUM_START = "[\\d" + "".join(sorted({re.escape(word[0]) for word in CARDINALS})) + "]"
NUM = rf"(?={_NUM_START})(?:\d+(?:[.,]\d+)?|(?:one|un|une)[- ]and[- ]a[- ]half|{_CARD}(?:[- ](?:and[- ])?{_CARD})*)"
_NUM_RE = re.compile(rf"\b(?P<num>{NUM})\b", re.I)
_AGE_RE = re.compile(
    rf"\b(?P<num>{NUM})[- ](?P<unit>month|year|week|day)s?[- ]old\b(?:[- ](?P<noun>[a-zà-ÿ]+))?"
    rf"|\baged (?P<num2>{NUM})(?: and (?P<num3>{NUM}))?\b"
    rf"|\bâgée?s? de (?P<num4>{NUM}) (?P<unit4>ans|mois)\b",
    re.I,
)
_FLOOR_RE = re.compile(
    rf"\b(?P<ord>{_ORD}|\d+(?:st|nd|rd|th|e|ème|er))[- ](?:floor|storey|story|étage)\b"
    rf"|\b(?P<num>{NUM}) (?:floors|storeys|stories|étages) (?:up|high|above)\b",
    re.I,
)
_DIST_RE = re.compile(
    rf"\b(?P<a>{NUM})(?:\s?(?:–|-|to|à)\s?(?P<b>{NUM}))?\s?(?P<unit>metres|meters|metre|meter|m|km|"
    r"kilometres|kilometers|feet|foot|ft|miles|mile|cm|inches)\b"
    r"|\b(?P<vague>hundreds|dozens|thousands|centaines|dizaines) (?:of|de) (?P<vunit>feet|metres|meters|mètres|miles)\b"
    r"|(?P<ft>\d)['’](?P<inch>\d{1,2})[\"”]",
    re.I,
)
# Every vague amount in one pass; no VAGUE word starts another, so at most one matches at a place.
_VAGUE_RE = re.compile(
    rf"\b(?=(?P<word>{alternation(VAGUE)}) (?:of |de |d')?(?:[a-zà-ÿ]+ )?(?P<noun>[a-zà-ÿ]+s)\b)", re.I
)
_VAGUE_ORDER = {word: n for n, word in enumerate(VAGUE)}
_TIME_RE = re.compile(r"\b(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s?(?P<ampm>a\.m\.|p\.m\.|am\b|pm\b)", re.I)
_MONTHS = alternation(MONTHS)  # no month is the start of another: order is free
_DATE_RE = re.compile(
    rf"\b(?P<mon>{_MONTHS})\.? (?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (?P<year>(?:19|20)\d{{2}}))?"
    rf"|\b(?P<day2>\d{{1,2}})(?:er)? (?P<mon2>{_MONTHS})(?: (?P<year2>(?:19|20)\d{{2}}))?\b",
    re.I,
)
_WEEKDAY_RE = re.compile(rf"\b(?P<wd>{alternation(WEEKDAYS)})\b", re.I)
_YEAR_RE = re.compile(r"\b(?P<y>(?:19|20)\d{2})\b")


def parse_number(text: str) -> float | None:
    """The value of a number expression ("25", "twenty-five", "one-and-a-half", "dix-sept")."""
    t = text.lower().replace(",", ".")
    try:
        return float(t)
    except ValueError:
        pass
    if re.fullmatch(r"(?:one|un|une)[- ]and[- ]a[- ]half", t):
        return 1.5
    total = 0.0
    current = 0.0
    for part in re.split(r"[- ]+", t):
        if part in ("and", "et"):
            continue
        if part not in CARDINALS:
            return None
        v = CARDINALS[part]
        if v in (100, 1000):
            current = max(current, 1) * v
            if v == 1000:
                total += current
                current = 0
        elif part in ("vingt",) and current == 4:  # quatre-vingt
            current = 80
        else:
            current += v
    return total + current


@dataclass(frozen=True)
class Figure:
    """One figure found in a text: its kind, interval, subject and role."""

    kind: str  # count, age, floor, distance, height, time, date, weekday, year
    low: float
    high: float
    surface: str
    start: int
    end: int
    subject: str = ""  # counted noun, person, or age noun
    role: str = ""  # predicate class: rescued, hurt, origin...
    partial: bool = False  # a subset or lower bound ("two more children")
    unit: str = ""

    def overlaps(self, other: Figure) -> bool:
        """True when the two intervals share a value."""
        return self.low <= other.high and other.low <= self.high


def singular(noun: str) -> str:
    """A noun's singular category with synonyms folded ("infants" → "baby")."""
    n = noun.lower()
    if n in IRREGULAR:
        n = IRREGULAR[n]
    elif n.endswith("ies") and len(n) > 4:
        n = n[:-3] + "y"
    elif n.endswith("s") and not n.endswith(("ss", "us", "is")):
        n = n[:-1]
    return SYNONYMS.get(n, n)


def is_plural(word: str) -> bool:
    """True for a plural-looking noun."""
    w = word.lower()
    return w in IRREGULAR or (w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3)


def role_of(sentence: str, start: int, end: int) -> str:
    """The predicate class of a figure, from the words of its clause (its own words only when the
    clause has no other cue: "trois morts", "two dead")."""
    left = max(sentence.rfind(c, 0, start) for c in ".;:")
    blanked = sentence[:start] + " " * (end - start) + sentence[end:]  # the figure's own words are no verb
    for text in (blanked, sentence + " "):
        window = text[max(left + 1, start - 90) : min(len(text), end + 60)].lower()
        best, pos = "", 10**6
        for role, stems in ROLE_VERBS.items():
            for stem in stems:
                k = window.find(stem)
                if k >= 0:
                    dist = abs(k - (start - max(left + 1, start - 90)))
                    if dist < pos:
                        best, pos = role, dist
        if best:
            return best
    return ""


def _qualified(text: str, start: int, value: float) -> tuple[float, float]:
    """The interval a qualifier before a number gives it ("about 80", "more than 10")."""
    before = text[max(0, start - 20) : start].lower().rstrip()
    if before.endswith(APPROX):
        return value * 0.9, value * 1.1
    if before.endswith(LOWER):
        return value, INF
    if before.endswith(UPPER):
        return 0, value
    return value, value


def find_counts(text: str) -> list[Figure]:
    """Counted nouns: "two adults", "four more adults", "ten residents", "hundreds of people"."""
    out: list[Figure] = []
    for m in _NUM_RE.finditer(text):
        value = parse_number(m.group("num"))
        if value is None or value < 2 or (m.group("num").isdigit() and 1900 <= value <= 2100):
            continue
        after = text[m.end() :]
        if re.match(r"[-–]\w|['’]|\s?(?:a\.m|p\.m|am\b|pm\b|[:h.]\d)", after):
            continue  # "five-month-old", "6’2”", "4:30"
        toks = re.findall(r"[^\W\d_][\w’'-]*|[^\w\s]", after[:60])
        noun, partial, qual = "", False, []
        for tok in toks[:3]:
            low = tok.lower()
            if low in UNIT_WORDS or low in MONTHS:
                break
            if low in PARTIAL_AFTER:
                partial = True
                qual.append(tok)
                continue
            if not tok[0].isalpha() or low in NP_BREAK or tok[0].isupper():
                break
            if is_plural(tok):
                noun = tok
                break
            qual.append(tok)
        if not noun:
            continue
        prev = re.findall(r"[\w’']+", text[max(0, m.start() - 40) : m.start()].lower())
        if prev and (prev[-1] in PARTIAL_BEFORE or "including" in prev[-3:] or "among" in prev[-3:]):
            partial = True
        low, high = _qualified(text, m.start(), value)
        if partial:
            high = INF
        end = text.find(noun, m.end()) + len(noun)
        out.append(
            Figure(
                "count",
                low,
                high,
                text[m.start() : end],
                m.start(),
                end,
                subject=singular(noun),
                role=role_of(text, m.start(), end),
                partial=partial,
            )
        )
    return out + _vague_counts(text)


def _vague_counts(text: str) -> list[Figure]:
    """Vague counted nouns ("hundreds of people"), word by word in VAGUE's order, each word's matches
    apart as a search for that word alone finds them (one pass of the text finds them all)."""
    found: list[tuple[int, int, Figure]] = []
    resume: dict[str, int] = {}
    for m in _VAGUE_RE.finditer(text):
        word = _vague_word(m.group("word"))
        start, end = m.start(), m.end("noun")
        noun = m.group("noun")
        if start < resume.get(word, 0):
            continue
        resume[word] = end
        if noun.lower() in UNIT_WORDS:
            continue
        lo, hi = VAGUE[word]
        figure = Figure("count", lo, hi, text[start:end], start, end, subject=singular(noun),
                        role=role_of(text, start, end))
        found.append((_VAGUE_ORDER[word], start, figure))
    return [figure for *_, figure in sorted(found, key=lambda item: item[:2])]


def _vague_word(surface: str) -> str:
    """The VAGUE key a case-insensitive match stands for."""
    low = surface.lower()
    if low in VAGUE:
        return low
    return next(word for word in VAGUE if re.fullmatch(re.escape(word), surface, re.I))


def find_ages(text: str) -> list[Figure]:
    """Ages: "a five-month-old", "39-year-old", "aged nine and 11", "âgé de 34 ans"."""
    out: list[Figure] = []
    for m in _AGE_RE.finditer(text):
        if m.group("num"):
            v = parse_number(m.group("num"))
            unit = m.group("unit").lower()
            nums = [(v, m.start(), m.start("noun") - 1 if m.group("noun") else m.end())]
            noun = m.group("noun") or ""
            if noun.lower() in NP_BREAK or noun.lower() in UNIT_WORDS:
                noun = ""
        elif m.group("num2"):
            unit, noun = "year", ""
            nums = [(parse_number(m.group("num2")), m.start("num2"), m.end("num2"))]
            if m.group("num3"):
                nums.append((parse_number(m.group("num3")), m.start("num3"), m.end("num3")))
        else:
            unit = "year" if m.group("unit4").lower() == "ans" else "month"
            nums = [(parse_number(m.group("num4")), m.start(), m.end())]
            noun = ""
        scale = {"year": 12.0, "month": 1.0, "week": 12 / 52, "day": 12 / 365}[unit]
        for v, s, e in nums:
            if v is None:
                continue
            months = round(v * scale, 3)
            surface = text[s:e]
            out.append(Figure("age", months, months, surface, s, e, subject=singular(noun) if noun else "", unit=unit))
    return out


_NOUN_AGE_RE = re.compile(
    rf"\b(?:un|une|le|la|l['’]|des|les|d['’]un|d['’]une)\s*(?P<noun>[a-zà-ÿ]{{3,}})\s+de\s+(?P<num>{NUM})\s+(?P<unit>ans|mois)\b",
    re.I,
)


def _noun_ages(text: str) -> list[Figure]:
    """French ages after a noun: "une femme de 34 ans", "un enfant de 3 mois"."""
    out = []
    for m in _NOUN_AGE_RE.finditer(text):
        noun = m.group("noun")
        v = parse_number(m.group("num"))
        if v is None or noun.lower() in ("plus", "moins", "près", "environ", "équivalent"):
            continue
        unit = "year" if m.group("unit").lower() == "ans" else "month"
        months = round(v * (12.0 if unit == "year" else 1.0), 3)
        s, e = m.start("num"), m.end("unit")
        out.append(Figure("age", months, months, text[s:e], s, e, subject=singular(noun), unit=unit))
    return out


def find_floors(text: str) -> list[Figure]:
    """Floors: "sixth floor", "6th-floor", "six floors up", "deuxième étage"."""
    out: list[Figure] = []
    for m in _FLOOR_RE.finditer(text):
        if m.group("ord"):
            o = m.group("ord").lower()
            v = ORDINALS.get(o)
            if v is None:
                digits = re.match(r"\d+", o)
                v = int(digits.group(0)) if digits else None
            if v is None or o in ("top", "ground"):
                continue
        else:
            num = parse_number(m.group("num"))
            if num is None:
                continue
            v = int(num)
        clause = text[max(0, m.start() - 80) : m.start()]
        origin = re.search(rf"\b(?:{FIRE_WORDS})\b[^.;:]{{0,40}}(?:{ORIGIN_VERBS})[^.;:]*$", clause, re.I)
        out.append(Figure("floor", v, v, m.group(0), m.start(), m.end(), role="origin" if origin else "scene"))
    return out


def find_lengths(text: str) -> list[Figure]:
    """Distances and heights in metres: "4–5 metres", "hundreds of feet", "6’2”"."""
    out: list[Figure] = []
    for m in _DIST_RE.finditer(text):
        if m.group("ft"):
            metres = int(m.group("ft")) * 0.3048 + int(m.group("inch")) * 0.0254
            out.append(Figure("height", metres, metres, m.group(0), m.start(), m.end(), unit="m"))
            continue
        if m.group("vague"):
            lo, hi = VAGUE[m.group("vague").lower()]
            unit = m.group("vunit").lower()
        else:
            a = parse_number(m.group("a"))
            b = parse_number(m.group("b")) if m.group("b") else a
            if a is None or b is None:
                continue
            lo, hi = min(a, b), max(a, b)
            unit = m.group("unit").lower()
        factor = {
            "feet": 0.3048,
            "foot": 0.3048,
            "ft": 0.3048,
            "miles": 1609.0,
            "mile": 1609.0,
            "km": 1000.0,
            "kilometres": 1000.0,
            "kilometers": 1000.0,
            "cm": 0.01,
            "inches": 0.0254,
        }.get(unit, 1.0)
        kind = (
            "height"
            if re.search(r"\b(tall|high|height|air|haut)", text[max(0, m.start() - 30) : m.end() + 30], re.I)
            else "distance"
        )
        out.append(Figure(kind, lo * factor, hi * factor, m.group(0), m.start(), m.end(), unit="m"))
    return out


def find_times(text: str) -> list[Figure]:
    """Clock times: "4:30 p.m.", "10 am"."""
    out: list[Figure] = []
    for m in _TIME_RE.finditer(text):
        h = int(m.group("h")) % 12 + (12 if m.group("ampm").lower().startswith("p") else 0)
        minutes = int(m.group("m") or 0)
        v = h * 60 + minutes
        out.append(Figure("time", v, v, m.group(0), m.start(), m.end()))
    return out


def find_dates(text: str) -> list[Figure]:
    """Dates ("July 4, 2025", "4 juillet"), weekdays and years, as day-of-year style values."""
    out: list[Figure] = []
    spans: list[tuple[int, int]] = []
    for m in _DATE_RE.finditer(text):
        mon = (m.group("mon") or m.group("mon2")).lower()
        day = int(m.group("day") or m.group("day2"))
        year = m.group("year") or m.group("year2")
        if not 1 <= day <= 31:
            continue
        y = int(year) if year else 0
        v = y * 10000 + MONTHS[mon] * 100 + day
        out.append(Figure("date", v, v, m.group(0), m.start(), m.end(), unit="ymd" if y else "md"))
        spans.append((m.start(), m.end()))
    for m in _WEEKDAY_RE.finditer(text):
        v = WEEKDAYS[m.group("wd").lower()]
        out.append(Figure("weekday", v, v, m.group(0), m.start(), m.end()))
    for m in _YEAR_RE.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        v = int(m.group("y"))
        out.append(Figure("year", v, v, m.group(0), m.start(), m.end()))
    return out


def find_all(text: str) -> list[Figure]:
    """Every figure in a text, in order of position."""
    return list(_find_all(text))


@lru_cache(maxsize=8192)
def _find_all(text: str) -> tuple[Figure, ...]:
    figs = find_counts(text) + find_ages(text) + _noun_ages(text) + find_floors(text) + find_lengths(text)
    figs += find_times(text) + find_dates(text)
    return tuple(sorted(figs, key=lambda f: (f.start, f.end, f.kind)))


def value_text(f: Figure) -> str:
    """A display value for a figure."""
    if f.kind == "age":
        return f.surface
    if f.kind in ("floor", "count", "date", "weekday", "time", "year"):
        return f.surface
    return f.surface


def figure_excerpt(text: str, f: Figure) -> str:
    """The words around a figure."""
    return excerpt(text, f.start, f.end)


def numbers_key(text: str) -> frozenset[tuple[str, float, float]]:
    """The figures of a sentence, for telling apart sentences that differ only in a number."""
    return frozenset(
        (f.kind, f.low, f.high)
        for f in find_all(text)
        if f.kind in ("count", "age", "floor", "time", "distance", "height")
    )


__all__ = ["Figure", "find_all", "key", "numbers_key", "parse_number"]
