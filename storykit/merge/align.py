"""Sentence units, their alignment across sources, and wire-copy detection."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from storykit.merge.numbers import numbers_key
from storykit.merge.people import STOP
from storykit.merge.text import key

SAME = 85  # plain ratio at which two sentences are one statement
SUBSET = 88  # token-set ratio for a shorter wording of a longer sentence
SAME_SOURCE = 88  # one source repeating itself (a caption printed twice)
COPY = 0.6  # shingle Jaccard at which a source is a copy of another


@dataclass
class Unit:
    """One sentence (or heading, question, answer) of one source."""

    sid: str
    part: int
    kind: str
    text: str
    index: int  # position among the source's body units
    pos: float = 0.0  # index / number of units
    truncated: bool = False
    key: str = ""
    tokens: frozenset[str] = frozenset()
    figures: frozenset[tuple[str, float, float]] = frozenset()
    cluster: int = -1


@dataclass
class Cluster:
    """Units that say the same thing, from one or more sources."""

    id: int
    units: list[Unit] = field(default_factory=list)

    @property
    def rep(self) -> Unit:
        """The most complete wording (most words, then longest, then first source)."""
        return min(self.units, key=lambda u: (-len(u.tokens), -len(u.text), sid_order(u.sid), u.index))

    @property
    def sources(self) -> tuple[str, ...]:
        """The ids of the sources that carry it, in source order."""
        return tuple(sorted({u.sid for u in self.units}, key=sid_order))


def sid_order(sid: str) -> tuple[int, str]:
    """Natural order of source ids ("s2" before "s10")."""
    digits = "".join(c for c in sid if c.isdigit())
    return (int(digits) if digits else 0, sid)


def prepare(unit: Unit) -> None:
    """Matching key, content words and figures of a unit."""
    unit.key = key(unit.text)
    unit.tokens = frozenset(t for t in unit.key.split() if len(t) > 2 and t not in STOP)
    unit.figures = numbers_key(unit.text)


def _similar(a: Unit, b: Unit) -> bool:
    if (a.kind == "heading") != (b.kind == "heading"):
        return False
    if a.figures != b.figures:
        return False
    ratio = fuzz.ratio(a.key, b.key)
    if a.sid == b.sid:
        return ratio >= SAME_SOURCE or (
            min(len(a.key), len(b.key)) / max(len(a.key), len(b.key), 1) >= 0.8
            and fuzz.token_set_ratio(a.key, b.key) >= 95
        )
    if ratio >= SAME:
        return True
    shared = len(a.tokens & b.tokens)
    short = min(len(a.tokens), len(b.tokens))
    if shared < 4 or short == 0:
        return False
    length = min(len(a.key), len(b.key)) / max(len(a.key), len(b.key))
    return length >= 0.6 and fuzz.token_set_ratio(a.key, b.key) >= SUBSET


def cluster_units(units: list[Unit]) -> list[Cluster]:
    """Group units that state the same thing; candidates come from shared content words."""
    for u in units:
        prepare(u)
    index: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        for t in u.tokens:
            index[t].append(i)
    parent = list(range(len(units)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, u in enumerate(units):
        shared: dict[int, int] = defaultdict(int)
        for t in u.tokens:
            postings = index[t]
            if len(postings) > 60:  # a word in most sentences says nothing about a pair
                continue
            for j in postings:
                if j > i:
                    shared[j] += 1
        for j in sorted(shared):
            if (shared[j] >= 2 or len(u.tokens) <= 2) and find(i) != find(j) and _similar(u, units[j]):
                parent[find(j)] = find(i)
        if not u.tokens:
            continue
    groups: dict[int, list[Unit]] = defaultdict(list)
    for i, u in enumerate(units):
        groups[find(i)].append(u)
    clusters = []
    for n, (_, members) in enumerate(sorted(groups.items())):
        c = Cluster(n, members)
        for u in members:
            u.cluster = n
        clusters.append(c)
    return clusters


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """Word n-grams of a text's matching key."""
    toks = key(text).split()
    return {tuple(toks[i : i + n]) for i in range(max(0, len(toks) - n + 1))}


def find_copies(texts: dict[str, str]) -> dict[str, str]:
    """Sources that reproduce an earlier source: id → id of the original."""
    ids = sorted(texts, key=sid_order)
    sh = {sid: shingles(texts[sid]) for sid in ids}
    copies: dict[str, str] = {}
    for i, b in enumerate(ids):
        for a in ids[:i]:
            if a in copies or not sh[a] or not sh[b]:
                continue
            inter = len(sh[a] & sh[b])
            jac = inter / len(sh[a] | sh[b])
            if jac >= COPY or inter / min(len(sh[a]), len(sh[b])) >= 0.9:
                copies[b] = a
                break
    return copies
