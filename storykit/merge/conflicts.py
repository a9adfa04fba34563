"""Disagreements between sources: counts, ages and floors compared slot by slot."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from storykit.merge.align import sid_order
from storykit.merge.numbers import INF, Figure
from storykit.merge.text import clause_excerpt, wordset
from storykit.model import Claim, Conflict

ORDINAL_WORDS = ("youngest", "second youngest", "third youngest", "fourth youngest")
ORDINAL_WORDS_FR = ("plus jeune", "deuxième plus jeune", "troisième plus jeune", "quatrième plus jeune")


@dataclass(frozen=True)
class Seen:
    """A figure as found in one sentence of one source."""

    sid: str
    origin: str  # body, title or caption
    sentence: str
    sentence_id: int
    figure: Figure
    person: str | None = None  # canonical name when the figure is a named person's age


def _claims(
    items: list[Seen], value_of: dict[int, float] | None = None
) -> list[tuple[tuple[float, float], list[Seen]]]:
    by_value: dict[tuple[float, float], list[Seen]] = defaultdict(list)
    for s in items:
        by_value[(s.figure.low, s.figure.high)].append(s)
    return sorted(by_value.items(), key=lambda kv: (kv[0][0], kv[0][1]))


def _claim(seen: list[Seen]) -> Claim:
    surfaces = Counter(s.figure.surface.lower() for s in seen)
    top = sorted(surfaces.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    first = next(
        s
        for s in sorted(seen, key=lambda s: (s.origin != "body", sid_order(s.sid), s.sentence_id))
        if s.figure.surface.lower() == top
    )
    value = first.figure.surface
    text = clause_excerpt(first.sentence, first.figure.start, first.figure.end)
    sources = tuple(sorted({s.sid for s in seen}, key=sid_order))
    return Claim(value=value, text=text, sources=sources)


def _note(groups: list[list[Seen]]) -> str:
    """Says when a headline or caption disagrees with its own source's body."""
    notes = []
    for i, g in enumerate(groups):
        for sid in sorted({s.sid for s in g}, key=sid_order):
            mine = [s for s in g if s.sid == sid]
            if all(s.origin != "body" for s in mine):
                others = [s for j, h in enumerate(groups) if j != i for s in h if s.sid == sid and s.origin == "body"]
                if others:
                    where = "headline" if any(s.origin == "title" for s in mine) else "caption"
                    notes.append(f"the {where} of {sid} disagrees with its own body")
    return "; ".join(sorted(set(notes)))


def _disjoint_groups(items: list[Seen]) -> list[list[Seen]]:
    claims = _claims(items)
    keep = []
    for (lo, hi), seen in claims:
        if any(hi < lo2 or hi2 < lo for (lo2, hi2), _ in claims):
            keep.append(seen)
    return keep


# conflict topics in the story's language: role → wording ({n}: the counted noun, plural)
TOPICS: dict[str, dict[str, str]] = {
    "en": {
        "": "number of {n}",
        "rescued": "number of {n} rescued",
        "hurt": "number of {n} hurt",
        "dead": "number of {n} dead",
        "deployed": "number of {n} deployed",
        "trapped": "number of {n} trapped",
        "aboard": "number of {n} on board",
        "floor": "floor",
        "floor-origin": "floor where the fire started",
        "age-of": "age of {n}",
        "time": "time",
    },
    "fr": {
        "": "nombre de {n}",
        "rescued": "nombre de {n} secourus ou évacués",
        "hurt": "nombre de {n} blessés",
        "dead": "nombre de morts",
        "deployed": "nombre de {n} mobilisés",
        "trapped": "nombre de {n} bloqués",
        "aboard": "nombre de {n} à bord",
        "floor": "étage",
        "floor-origin": "étage où le feu a pris",
        "age-of": "âge de {n}",
        "time": "heure",
    },
}
_NOUN_FR = {"child": "enfants", "baby": "bébés", "person": "personnes", "passenger": "passagers", "adult": "adultes"}
_FEM_FR = ("personnes", "victimes", "familles", "femmes", "filles", "mères")


def topic(role: str, noun: str, language: str) -> str:
    """A conflict's topic in the story's language ("number of adults rescued", "nombre de morts")."""
    t = TOPICS.get(language, TOPICS["en"])
    if language == "fr" and role in ("rescued", "hurt", "deployed", "trapped", "aboard", ""):
        n = _NOUN_FR.get(noun, noun if noun.endswith(("s", "x")) else noun + "s")
        text = t.get(role, t[""]).format(n=n)
        if n in _FEM_FR:
            for masc, fem in (
                ("secourus", "secourues"),
                ("évacués", "évacuées"),
                ("blessés", "blessées"),
                ("mobilisés", "mobilisées"),
                ("bloqués", "bloquées"),
            ):
                text = text.replace(masc, fem)
        return text
    return t.get(role, t[""]).format(n=_plural(noun) if role in t else noun)


def count_conflicts(seen: list[Seen], language: str = "en") -> list[tuple[str, tuple[str, str], list[list[Seen]]]]:
    """Counts of one kind of thing in one role that cannot all be true."""
    slots: dict[tuple[str, str], list[Seen]] = defaultdict(list)
    for s in seen:
        if s.figure.kind == "count":
            slots[(s.figure.subject, s.figure.role)].append(s)
    out = []
    for slot in sorted(slots):
        groups = _disjoint_groups(slots[slot])
        if len(groups) >= 2:
            subject, role = slot
            if role in TOPICS["en"]:
                out.append((topic(role, subject, language), slot, groups))
            else:
                out.append((f"number of {_plural(subject)} {role}".strip(), slot, groups))
    return out


def _plural(noun: str) -> str:
    irregular = {"child": "children", "person": "people", "man": "men", "woman": "women", "baby": "babies"}
    if noun in irregular:
        return irregular[noun]
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


def floor_conflicts(seen: list[Seen], language: str = "en") -> list[tuple[str, tuple[str, str], list[list[Seen]]]]:
    """Floors given for the same role (where a fire started, where people were) that differ."""
    slots: dict[str, list[Seen]] = defaultdict(list)
    for s in seen:
        if s.figure.kind == "floor":
            slots[s.figure.role].append(s)
    out = []
    for role in sorted(slots):
        groups = _disjoint_groups(slots[role])
        if len(groups) >= 2:
            t = TOPICS.get(language, TOPICS["en"])
            out.append((t["floor-origin"] if role == "origin" else t["floor"], ("floor", role), groups))
    return out


_STOP_TIME = wordset(
    "the a an and but or of to in on at for with from by was were is are had has have been it its that this "
    "after before about around shortly when while then said says told le la les un une des du de et à au aux "
    "en dans sur par pour avec selon vers a été est ont qui que"
)


def _stems(sentence: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[^\W\d_]{3,}", sentence.lower()) if w not in _STOP_TIME}


def time_conflicts(seen: list[Seen], language: str = "en") -> list[tuple[str, tuple[str, str], list[list[Seen]]]]:
    """Clock times that different sources give for the same happening (their sentences share at least two
    content words besides the time) and that differ."""
    items = [s for s in seen if s.figure.kind == "time" and s.origin == "body"]
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    stems = [_stems(s.sentence) for s in items]
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if items[i].sid != items[j].sid and len(stems[i] & stems[j]) >= 2:
                parent[find(j)] = find(i)
    comps: dict[int, list[Seen]] = defaultdict(list)
    for i, s in enumerate(items):
        comps[find(i)].append(s)
    out = []
    t = TOPICS.get(language, TOPICS["en"])
    for n, (_, comp) in enumerate(sorted(comps.items())):
        if len({s.sid for s in comp}) < 2:
            continue
        groups = _disjoint_groups(comp)
        if len(groups) >= 2:
            out.append((t["time"], ("time", str(n)), groups))
    return out


def age_conflicts(seen: list[Seen], language: str = "en") -> list[tuple[str, tuple[str, str], list[list[Seen]]]]:
    """Ages that differ: for a named person, or for unnamed people listed together in the same order."""
    out = []
    named: dict[str, list[Seen]] = defaultdict(list)
    sets: dict[tuple[str, int], list[Seen]] = defaultdict(list)
    for s in seen:
        if s.figure.kind != "age":
            continue
        if s.person:
            named[s.person].append(s)
        elif re.search(r"-|\bold\b", s.figure.surface):
            sets[(s.sid, s.sentence_id)].append(s)
    for person in sorted(named):
        groups = _disjoint_groups(named[person])
        if len(groups) >= 2:
            out.append((TOPICS.get(language, TOPICS["en"])["age-of"].format(n=person), ("age", person), groups))
    # ages named together ("a five-month-old and a one-year-old") line up by rank across sources
    multi = [
        sorted(v, key=lambda s: s.figure.low) for _, v in sorted(sets.items()) if len({x.figure.low for x in v}) >= 2
    ]
    single = [v[0] for _, v in sorted(sets.items()) if len({x.figure.low for x in v}) == 1]

    def close(a: list[Seen], b: list[Seen]) -> bool:
        if len(a) != len(b):
            return False
        return all(
            max(x.figure.low, y.figure.low) <= 6 * max(min(x.figure.low, y.figure.low), 0.25)
            for x, y in zip(a, b, strict=True)
        )

    parent = list(range(len(multi)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(multi)):
        for j in range(i + 1, len(multi)):
            if close(multi[i], multi[j]):
                parent[find(j)] = find(i)
    comps: dict[int, list[list[Seen]]] = defaultdict(list)
    for i, g in enumerate(multi):
        comps[find(i)].append(g)
    for _, comp in sorted(comps.items()):
        size = len(comp[0])
        for rank in range(size):
            items = [g[rank] for g in comp]
            values = {(s.figure.low, s.figure.high) for s in items}
            if len(values) < 2:
                continue
            for s in single:
                if (s.figure.low, s.figure.high) in values and not any(
                    (s.figure.low, s.figure.high) in {(x.figure.low, x.figure.high) for x in (g[r] for g in comp)}
                    for r in range(size)
                    if r != rank
                ):
                    items.append(s)
            groups = _disjoint_groups(items)
            if len(groups) >= 2:
                nouns = Counter(s.figure.subject for s in items if s.figure.subject)
                noun = sorted(nouns.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if nouns else "child"
                if language == "fr":
                    which = ORDINAL_WORDS_FR[rank] if rank < len(ORDINAL_WORDS_FR) else f"n° {rank + 1}"
                    name = _NOUN_FR.get(noun, noun).rstrip("s")
                    out.append((f"âge du {which} ({name})", ("age-rank", f"{rank}"), groups))
                    continue
                which = ORDINAL_WORDS[rank] if rank < len(ORDINAL_WORDS) else f"number {rank + 1}"
                out.append((f"age of the {which} {noun}", ("age-rank", f"{rank}"), groups))
    return out


def build_conflicts(
    seen: list[Seen], language: str = "en"
) -> tuple[list[Conflict], set[tuple[str, float, float]], set[tuple[str, str]]]:
    """Every conflict, plus the disputed values and slots (kept out of headline, dek and summary).
    Topics are worded in the story's language."""
    found = count_conflicts(seen, language) + age_conflicts(seen, language) + floor_conflicts(seen, language)
    found += time_conflicts(seen, language)
    conflicts: list[Conflict] = []
    disputed_values: set[tuple[str, float, float]] = set()
    disputed_slots: set[tuple[str, str]] = set()
    for n, (topic, slot, groups) in enumerate(found, 1):
        claims = tuple(_claim(g) for g in sorted(groups, key=lambda g: (-len({s.sid for s in g}), g[0].figure.low)))
        conflicts.append(Conflict(id=f"c-{n}", topic=topic, claims=claims, note=_note(groups)))
        disputed_slots.add(slot)
        for g in groups:
            for s in g:
                disputed_values.add((s.figure.kind, s.figure.low, s.figure.high if s.figure.high != INF else -1))
    return conflicts, disputed_values, disputed_slots


def is_disputed(f: Figure, values: set[tuple[str, float, float]], slots: set[tuple[str, str]]) -> bool:
    """True when a figure takes part in a disagreement."""
    if f.kind == "count" and (f.subject, f.role) in slots:
        return True
    if f.kind == "floor" and ("floor", f.role) in slots:
        return True
    return f.kind in ("age", "time") and (f.kind, f.low, f.high if f.high != INF else -1) in values
