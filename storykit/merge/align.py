"""Sentence units, their alignment across sources, and wire-copy detection."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain

from rapidfuzz import fuzz

from storykit.merge.numbers import find_all, numbers_key
from storykit.merge.people import STOP
from storykit.merge.text import key

SAME = 85  # plain ratio at which two sentences are one statement
SUBSET = 88  # token-set ratio for a shorter wording of a longer sentence
SAME_SOURCE = 88  # one source repeating itself (a caption printed twice)
COPY = 0.6  # shingle Jaccard at which a source is a copy of another
PARAPHRASE = 0.50  # mean of char n-gram cosine, token-set ratio and stem overlap for a paraphrase
ANCHORED = 0.45  # the same, when the two sentences share a figure or a name
MIN_SHARED = 3  # content stems two paraphrases must share at least


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
    stems: frozenset[str] = frozenset()
    values: frozenset[tuple[str, str, float, float]] = frozenset()  # (kind, counted noun, low, high)
    names: frozenset[str] = frozenset()
    cluster: int = -1


@dataclass
class Cluster:
    """Units that say the same thing, from one or more sources."""

    id: int
    units: list[Unit] = field(default_factory=list)

    chosen: Unit | None = None

    @property
    def rep(self) -> Unit:
        """The wording shown: set by `cluster_units`, else the most complete one."""
        if self.chosen is not None:
            return self.chosen
        return min(self.units, key=lambda u: (-len(u.tokens), -len(u.text), sid_order(u.sid), u.index))

    @property
    def sources(self) -> tuple[str, ...]:
        """The ids of the sources that carry it, in source order."""
        return tuple(sorted({u.sid for u in self.units}, key=sid_order))


def median(values: Sequence[float]) -> float:
    """The median of sorted values, as statistics.median gives it (that module imports decimal and fractions)."""
    n = len(values)
    if n % 2:
        return values[n // 2]
    return (values[n // 2 - 1] + values[n // 2]) / 2


def sid_order(sid: str) -> tuple[int, str]:
    """Natural order of source ids ("s2" before "s10")."""
    digits = "".join(c for c in sid if c.isdigit())
    return (int(digits) if digits else 0, sid)


_NAME = re.compile(r"(?<=[\w,;:’'”\"] )[A-ZÀ-ÖØ-Þ][\w’'-]{2,}")
_DOUBLED = re.compile(r"\b(\w+) \1\b", re.I)


def stem(token: str) -> str:
    """A crude stem shared by English and French inflections (rescued/rescue, blessés/blessé)."""
    return token[:5]


SPUN_MARGIN = 4  # words: how much more a source's wording must agree with third sources to win a near tie


def prepare(unit: Unit) -> None:
    """Matching key, content words, stems, names and figures of a unit."""
    unit.key = key(unit.text)
    unit.tokens = frozenset(t for t in unit.key.split() if len(t) > 2 and t not in STOP)
    unit.stems = frozenset(stem(t) for t in unit.tokens)
    unit.names = frozenset(key(m.group(0)) for m in _NAME.finditer(unit.text) if key(m.group(0)) not in STOP)
    unit.figures = numbers_key(unit.text)
    unit.values = frozenset(
        (f.kind, f.subject if f.kind == "count" else "", f.low, f.high)
        for f in find_all(unit.text)
        if f.kind in ("count", "age", "floor", "time", "distance", "height", "date")
    )


def defects(text: str) -> int:
    """Signs of a garbled or machine-spun wording: doubled words, a space before a stop, no end mark."""
    n = len(_DOUBLED.findall(text))
    n += len(re.findall(r"\s[.,;:!?](?:\s|$)", text))
    n += not text.rstrip().endswith((".", "!", "?", "…", "”", "’", '"', "'", "»", ")"))
    n += bool(text[:1].islower())
    return n


Values = frozenset[tuple[str, str, float, float]]


def compatible(a: Values, b: Values) -> bool:
    """False when two sentences give different values of one kind of figure (12 vs 11 people).

    A sentence that gives fewer figures than the other, all of them shared, is compatible: it is a
    shorter account of the same statement."""
    for kind in {x[0] for x in a} & {x[0] for x in b}:
        va = {x for x in a if x[0] == kind}
        vb = {x for x in b if x[0] == kind}
        if not (va <= vb or vb <= va):
            return False
    return True


def _grams(text: str) -> Counter[str]:
    s = f" {text} "
    return Counter([s[i : i + 3] for i in range(len(s) - 2)] + [s[i : i + 4] for i in range(len(s) - 3)])


class CharTfidf:
    """Char 3–4-gram TF-IDF vectors (sublinear tf), L2-normalised, for cosine similarity.

    The document frequencies come from every text; a text's vector is made when a cosine first
    needs it (most texts are never compared)."""

    def __init__(self, texts: list[str]) -> None:
        self._grams = [_grams(t) for t in texts]
        df: Counter[str] = Counter(chain.from_iterable(self._grams))
        n = len(texts)
        self._idf = {g: math.log((1 + n) / (1 + d)) for g, d in df.items()}
        most = max(chain.from_iterable(c.values() for c in self._grams), default=0)
        self._tf = [0.0] + [1 + math.log(t) for t in range(1, 1 + most)]
        self._vectors: dict[int, dict[str, float]] = {}

    def vector(self, i: int) -> dict[str, float]:
        """The L2-normalised TF-IDF vector of item i."""
        found = self._vectors.get(i)
        if found is None:
            tf, idf = self._tf, self._idf
            v = {g: tf[t] * idf[g] for g, t in self._grams[i].items()}
            norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
            found = self._vectors[i] = {g: x / norm for g, x in v.items()}
        return found

    def cosine(self, i: int, j: int) -> float:
        """Cosine of items i and j."""
        a, b = self.vector(i), self.vector(j)
        if len(a) > len(b):
            a, b = b, a
        return sum(x * b.get(g, 0.0) for g, x in a.items())


def paraphrase_score(a: Unit, b: Unit, cosine: float) -> float:
    """How surely two sentences from different sources say the same thing (0–1)."""
    shared = len(a.stems & b.stems)
    overlap = shared / max(1, min(len(a.stems), len(b.stems)))
    return (cosine + fuzz.token_set_ratio(a.key, b.key) / 100 + overlap) / 3


def is_paraphrase(a: Unit, b: Unit, cosine: float) -> bool:
    """Two sentences of different sources that state the same thing with the same figures."""
    if a.sid == b.sid or (a.kind == "heading") != (b.kind == "heading") or a.kind == "heading":
        return False
    if len(a.stems & b.stems) < MIN_SHARED or not compatible(a.values, b.values):
        return False
    if a.names and b.names and not (a.names & b.names) and len(a.names | b.names) > 2:
        return False  # different people named
    score = paraphrase_score(a, b, cosine)
    anchored = bool(a.values & b.values) or bool(a.names & b.names)
    return score >= PARAPHRASE or (anchored and score >= ANCHORED)


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
    _paraphrases(units, find, parent, index)
    groups: dict[int, list[Unit]] = defaultdict(list)
    for i, u in enumerate(units):
        groups[find(i)].append(u)
    clusters = []
    for n, (_, members) in enumerate(sorted(groups.items())):
        c = Cluster(n, members)
        for u in members:
            u.cluster = n
        clusters.append(c)
    _choose_reps(clusters)
    return clusters


def _paraphrases(units: list[Unit], find: Callable[[int], int], parent: list[int], index: dict[str, list[int]]) -> None:
    """Join clusters whose sentences are paraphrases, best pairs first; one source never twice in a cluster."""
    stems: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        if u.kind != "heading":
            for t in u.stems:
                stems[t].append(i)
    pairs: dict[tuple[int, int], int] = defaultdict(int)
    for postings in stems.values():
        if len(postings) > 40:
            continue
        for x, i in enumerate(postings):
            for j in postings[x + 1 :]:
                if units[i].sid != units[j].sid:
                    pairs[(i, j)] += 1
    tfidf: CharTfidf | None = None
    scored: list[tuple[float, int, int]] = []
    for (i, j), shared in sorted(pairs.items()):
        if shared < MIN_SHARED or find(i) == find(j):
            continue
        a, b = units[i], units[j]
        if fuzz.token_set_ratio(a.key, b.key) < 55:
            continue
        if tfidf is None:
            tfidf = CharTfidf([u.key for u in units])
        cos = tfidf.cosine(i, j)
        if is_paraphrase(a, b, cos):
            scored.append((paraphrase_score(a, b, cos), i, j))
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(units)):
        members[find(i)].append(i)
    for _score, i, j in sorted(scored, key=lambda x: (-x[0], x[1], x[2])):
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        mi, mj = members[ri], members[rj]
        if {units[k].sid for k in mi} & {units[k].sid for k in mj}:
            continue  # cannot-link: two sentences of one source are two statements
        if not all(compatible(units[x].values, units[y].values) for x in mi for y in mj):
            continue
        root, other = (ri, rj) if ri < rj else (rj, ri)
        parent[other] = root
        members[root] = sorted(members[root] + members.pop(other))


def source_naturalness(clusters: list[Cluster]) -> dict[tuple[str, str], int]:
    """How much more natural one source's wording is than another's, over the statements they share.

    A machine-spun copy swaps words for rarer synonyms ("stated" for "said", "travellers" for "passengers").
    For two wordings of one statement, each word only one of them uses counts for it when some third source
    uses that word too. (a, b) > 0: a's words are the ones the other sources use."""
    vocab: dict[str, set[str]] = defaultdict(set)
    for c in clusters:
        for u in c.units:
            vocab[u.sid] |= set(u.tokens)
    score: Counter[tuple[str, str]] = Counter()
    for c in clusters:
        by_sid: dict[str, Unit] = {}
        for u in c.units:
            by_sid.setdefault(u.sid, u)
        for a, ua in by_sid.items():
            for b, ub in by_sid.items():
                if a == b:
                    continue
                others = [vocab[x] for x in vocab if x not in (a, b)]
                common = sum(any(w in v for v in others) for w in ua.tokens - ub.tokens)
                rare = sum(any(w in v for v in others) for w in ub.tokens - ua.tokens)
                score[(a, b)] += common - rare
    return dict(score)


def _natural(best: Unit, ranked: list[Unit], naturalness: dict[tuple[str, str], int]) -> Unit:
    """Among wordings as complete and as clean as `best` (same figures, about as many words), the one from
    the source whose wording the other sources share (not a synonym-swapped copy)."""
    n = max(1, len(best.tokens))
    peers = [
        u
        for u in ranked
        if u.values == best.values and defects(u.text) == defects(best.text) and abs(len(u.tokens) - n) <= 0.15 * n
    ]
    for u in peers:
        if u.sid != best.sid and naturalness.get((u.sid, best.sid), 0) >= SPUN_MARGIN:
            best = u
    return best


def _choose_reps(clusters: list[Cluster]) -> None:
    """Each cluster's shown wording: the most complete (most figures, then most words), preferring a clean
    wording over a garbled one when every figure the clean one lacks is stated elsewhere in the story, and
    an original wording over a synonym-swapped copy of it."""
    naturalness = source_naturalness(clusters)
    everywhere: Counter[tuple[str, str, float, float]] = Counter()
    for c in clusters:
        for f in {f for u in c.units for f in u.values}:
            everywhere[f] += 1
    for c in clusters:
        if len(c.units) == 1:
            c.chosen = c.units[0]
            continue
        ranked = sorted(
            c.units,
            key=lambda u: (-len(u.values), defects(u.text), -len(u.tokens), -len(u.text), sid_order(u.sid), u.index),
        )
        best = ranked[0]
        best = _natural(best, ranked, naturalness)
        if defects(best.text):
            union = {f for u in c.units for f in u.values}
            for u in sorted(ranked, key=lambda u: (defects(u.text), -len(u.values), -len(u.tokens), -len(u.text))):
                if defects(u.text) >= defects(best.text):
                    break
                missing = union - u.values
                if all(everywhere[f] > 1 for f in missing):
                    best = u
                    break
        c.chosen = best


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
