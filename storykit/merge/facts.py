"""Key figures ("By the numbers"): readable labels, clean values, one line per distinct fact."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable

from storykit.merge.align import sid_order
from storykit.merge.conflicts import Seen
from storykit.merge.numbers import CARDINALS, ORDINALS, Figure, parse_number
from storykit.merge.text import excerpt, wordset
from storykit.model import Fact

# nouns for people and animals: what a rescue, injury or death count can be about
ANIMATE = wordset(
    "person people child baby adult resident man woman son daughter infant toddler neighbour neighbor family "
    "firefighter officer victim student pupil passenger worker tenant occupant boy girl teenager mother father "
    "parent survivor patient guest visitor migrant soldier hostage climber swimmer hiker dog cat animal horse "
    "personne enfant bébé adulte habitant voisin voisine victime pompier policier élève passager famille "
    "ouvrier locataire garçon fille mère père randonneur otage"
)
KIND_ORDER = {"count": 0, "age": 1, "floor": 2, "distance": 3, "height": 3, "time": 4}
MEASURE = re.compile(
    r"\b(?P<n>(?:arm |wing )?span|reach|height|gap|distance|drop|width|length|depth|fall|"
    r"envergure|hauteur|largeur|longueur|écart|vide|chute)\b",
    re.I,
)
LABELS = {
    "en": {
        "rescued": "{N} rescued",
        "hurt": "{N} hurt or taken to hospital",
        "dead": "{N} killed",
        "deployed": "{N} deployed",
        "trapped": "{N} trapped",
        "aboard": "{N} on board",
        "": "{N}",
        "age_of": "Age of {x}",
        "age_of_noun": "Age of a {x}",
        "origin": "Floor where the fire started",
        "scene": "Floor",
        "time": "Time",
        "distance": "Distance",
        "height": "Height",
        "more": "{v} more",
        "at_least": "at least {v}",
    },
    "fr": {
        "rescued": "{N} secourus ou évacués",
        "hurt": "{N} blessés ou hospitalisés",
        "dead": "{N} morts",
        "deployed": "{N} mobilisés",
        "trapped": "{N} piégés",
        "aboard": "{N} à bord",
        "": "{N}",
        "age_of": "Âge de {x}",
        "age_of_noun": "Âge d’un {x}",
        "origin": "Étage où le feu a pris",
        "scene": "Étage",
        "time": "Heure",
        "distance": "Distance",
        "height": "Hauteur",
        "more": "{v} de plus",
        "at_least": "au moins {v}",
    },
}
_PLURAL_EN = {"child": "children", "person": "people", "man": "men", "woman": "women", "baby": "babies"}
_EN_ORDINALS = wordset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
)
_ORDINAL_WORD = {ORDINALS[w]: w for w in _EN_ORDINALS}
_ORDINAL_WORD_FR = {
    v: k for k, v in ORDINALS.items() if not k.isascii() and k not in ("première", "rez-de-chaussée")
} | {1: "premier"}
_NOUN_FR = {"child": "enfant", "baby": "bébé", "person": "personne", "toddler": "bambin", "passenger": "passager"}
# French feminine nouns: the participles of their labels agree ("personnes tuées", "d’une femme")
FEMININE_FR = wordset(
    "personne victime famille fille femme mère voisine habitante élève passagère infirmière policière "
    "enseignante adolescente locataire"
)


def agree_fr(label: str, noun: str) -> str:
    """A French label with its participles and articles made feminine when its noun is feminine."""
    if noun not in FEMININE_FR:
        return label
    label = re.sub(r"\b(\w+)és\b", r"\1ées", label)
    label = re.sub(r"\b(secour|mor|évacu)(u|t)s\b", r"\1\2es", label)
    return label.replace("d’un ", "d’une ")


def _plural(noun: str, language: str) -> str:
    if language == "fr":
        noun = _NOUN_FR.get(noun, noun)
        return noun if noun.endswith(("s", "x")) else noun + "s"
    if noun in _PLURAL_EN:
        return _PLURAL_EN[noun]
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _digits(surface: str) -> str:
    """Spelled-out numbers in a short surface written as digits ("four feet" → "4 feet")."""

    def sub(m: re.Match[str]) -> str:
        v = parse_number(m.group(0))
        return _number(v) if v is not None else m.group(0)

    words = "|".join(sorted((w for w in CARDINALS if len(w) > 2), key=len, reverse=True))
    return re.sub(rf"\b(?:{words})(?:[- ](?:{words}))*\b", sub, surface, flags=re.I)


def _count_value(seen: Seen, t: dict[str, str]) -> str:
    f = seen.figure
    if f.high == math.inf:
        base = _number(f.low)
        if re.search(r"\b(?:more|other|additional|further|extra|autres?|supplémentaires?)\b", f.surface, re.I):
            return t["more"].format(v=base)
        age_word = re.search(r"\b(?:older|younger|plus âgés|plus jeunes)\b", f.surface, re.I)
        if age_word:
            return f"{base} {age_word.group(0).lower()}"
        before = seen.sentence[max(0, f.start - 40) : f.start].lower()
        if not f.partial or re.search(
            r"\b(?:including|among|dont|parmi|at least|more than|over|au moins|plus de)\b", before
        ):
            return t["at_least"].format(v=base)
        return base
    if f.low == f.high:
        return _number(f.low)
    if re.search(r"\d", f.surface) is None and any(w in f.surface.lower() for w in ("hundreds", "dozens", "several")):
        return f.surface.lower()
    return f"{_number(math.floor(f.low))}–{_number(math.ceil(f.high))}"


def _age_value(seen: Seen, language: str) -> str:
    f = seen.figure
    months = f.low
    if f.unit == "year" or (months >= 12 and months % 12 == 0):
        years = months / 12
        n = _number(round(years, 1))
        if seen.person:
            return f"{n} ans" if language == "fr" else n
        return f"{n} ans" if language == "fr" else f"{n} year{'s' if years != 1 else ''}"
    if f.unit == "week":
        n = _number(round(months * 52 / 12))
        return f"{n} semaines" if language == "fr" else f"{n} weeks"
    n = _number(round(months, 1))
    return f"{n} mois" if language == "fr" else f"{n} month{'s' if months != 1 else ''}"


def _floor_value(v: float, language: str) -> str:
    n = int(v)
    if language == "fr":
        return f"{_ORDINAL_WORD_FR.get(n, f'{n}e')} étage"
    return f"{_ORDINAL_WORD.get(n, f'{n}th')} floor"


def _measure_label(seen: Seen, t: dict[str, str]) -> str:
    """The thing measured ("Arm span", "Gap"), from the nearest measure noun in the clause."""
    f = seen.figure
    s = seen.sentence
    window_start = max(0, f.start - 50)
    best: tuple[int, str] | None = None
    for m in MEASURE.finditer(s, window_start, min(len(s), f.end + 20)):
        between = s[min(m.end(), f.end) : max(m.start(), f.start)]
        if re.search(r"[.;]", between):
            continue
        dist = abs(m.start() - f.start)
        if best is None or dist < best[0]:
            best = (dist, m.group("n"))
    if best is not None:
        return best[1][:1].upper() + best[1][1:].lower()
    return t[f.kind]


def label_and_value(seen: Seen, language: str) -> tuple[str, str] | None:
    """A readable label and a clean value for a figure, or None when its subject is unknown or absurd."""
    t = LABELS.get(language, LABELS["en"])
    f = seen.figure
    if f.kind == "count":
        noun = f.subject
        if f.role != "deployed" and noun not in ANIMATE:
            return None
        name = _plural(noun, language)
        label = t.get(f.role, "{N}").format(N=name[:1].upper() + name[1:])
        if language == "fr":
            label = agree_fr(label, _NOUN_FR.get(noun, noun))
        return label, _count_value(seen, t)
    if f.kind == "age":
        if seen.person:
            label = t["age_of"].format(x=seen.person)
            if language == "fr" and seen.person[:1].lower() in "aeiouyéèâîô":
                label = label.replace("de ", "d’", 1)  # "Âge d’Odile B."
            return label, _age_value(seen, language)
        if f.subject and f.subject in ANIMATE:
            label = t["age_of_noun"].format(x=f.subject)
            return (agree_fr(label, f.subject) if language == "fr" else label), _age_value(seen, language)
        return None
    if f.kind == "floor":
        return t.get(f.role, t["scene"]), _floor_value(f.low, language)
    if f.kind in ("distance", "height"):
        value = _digits(f.surface).replace(" - ", "–").replace("-", "–")
        if value[:1].isupper() and value[1:2].islower():
            value = value[:1].lower() + value[1:]
        return _measure_label(seen, t), value
    if f.kind == "time":
        return t["time"], f.surface
    return None  # dates, weekdays and years belong to the timeline


def build_facts(
    seen: list[Seen], copies: dict[str, str], language: str, disputed: Callable[[Figure], bool] = lambda _: False
) -> tuple[Fact, ...]:
    """One fact per (label, value), with every source; most supported first, then by kind."""
    groups: dict[tuple[str, str], list[Seen]] = defaultdict(list)
    kinds: dict[tuple[str, str], str] = {}
    for s in seen:
        if s.origin != "body":
            continue  # headlines and captions are checked against the body as conflicts
        lv = label_and_value(s, language)
        if lv is None:
            continue
        groups[lv].append(s)
        kinds.setdefault(lv, s.figure.kind)

    def support(items: list[Seen]) -> int:
        return len({copies.get(s.sid, s.sid) for s in items})

    order = sorted(
        groups.items(),
        key=lambda kv: (-support(kv[1]), KIND_ORDER.get(kinds[kv[0]], 9), kv[0][0], kv[0][1]),
    )
    facts = []
    for n, ((label, value), items) in enumerate(order, 1):
        first = min(items, key=lambda s: (s.origin != "body", sid_order(s.sid), s.sentence_id))
        text = excerpt(first.sentence, first.figure.start, first.figure.end)
        sources = tuple(sorted({s.sid for s in items}, key=sid_order))
        contested = any(disputed(s.figure) for s in items)
        facts.append(Fact(f"f-{n}", kinds[(label, value)], label, value, text, sources, disputed=contested))
    return tuple(facts)
