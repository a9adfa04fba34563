"""Reading order and sections: the merged statements arranged as one account under generic headings.

Statements (clusters) are first grouped into chunks: a multi-source statement stands alone; a run of
single-source sentences from one source paragraph stays together so a paragraph is never cut up. Each chunk
gets a role (lead, account, quote, aftermath, background, comment, faq) from generic cues, and the story is
told in that order; within a section, chunks follow their majority position across sources."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from storykit.merge.align import Cluster, median, sid_order
from storykit.merge.numbers import find_all
from storykit.merge.text import wordset

ROLES = ("lead", "account", "quote", "aftermath", "background", "comment", "faq")
HEADINGS: dict[str, dict[str, str]] = {
    "en": {
        "lead": "What happened",
        "account": "How it unfolded",
        "quote": "What they said",
        "aftermath": "Aftermath and reactions",
        "background": "Background",
        "comment": "Analysis and comment",
        "faq": "Questions and answers",
    },
    "fr": {
        "lead": "Ce qui s’est passé",
        "account": "Le déroulement",
        "quote": "Ce qu’ils ont dit",
        "aftermath": "Suites et réactions",
        "background": "Contexte",
        "comment": "Analyse et commentaire",
        "faq": "Questions et réponses",
    },
}
LEAD_SIZE = 4  # chunks in the lead section at most
LEAD_POSITION = 0.3  # a lead chunk comes from the first 30 % of its sources
LEAD_WORDS = 60  # a lead chunk is short
LEAD_SPECIFIC = 8.0  # and specific: names and figures per 100 words
ESSAY_WORDS = 60  # a source whose own paragraphs average this many words reads as an essay
_NAME = re.compile(r"(?<=[\w,;:’'”\"] )[A-ZÀ-ÖØ-Þ][\w’'-]{2,}")
_WE = re.compile(r"\b(?:we|us|our|ourselves|nous|notre|nos)\b", re.I)
_QUOTE_MARK = re.compile(r"[“”«»\"]|(?<!\w)[‘’']|[‘’'](?!\w)")
AFTERMATH = re.compile(
    r"\b(?:hospital|hospitali[sz]|injur|wounded|treated for|died|killed|dead|death toll|investigat|inquiry|probe|"
    r"arrest|charged|prosecut|medal|honou?r(?:ed|s)?\b|award|decorat|praise|prais|thank|invit|tribute|"
    r"recogni[sz]|condolence|reward|ceremony|outpouring|since then|afterwards|"
    r"hôpital|hospitalis|blessé|enquête|interpell|médaille|décor|hommage|salu[ée]|remerci|invité|récompens|"
    r"cérémonie|condoléance)",
    re.I,
)
BACKGROUND = re.compile(
    r"\b(?:years? ago|last year|previously|in the past|precedent|history of|earlier case|a similar|"
    r"il y a \w+ ans|l’an dernier|l'an dernier|précédent|par le passé|déjà en)\b",
    re.I,
)
WEAK_START = re.compile(
    r"^(?:[‘’“”\"«]\s*)?(?:he|she|it|they|him|her|his|its|their|this|that|these|those|but|and|or|so|yet|then|"
    r"also|however|moreover|still|il|elle|ils|elles|mais|et|ou|donc|puis|alors|ce|cette|ces|cela)\b",
    re.I,
)


OFFICIAL = wordset(
    "senator mep mp minister mayor president police chief spokesman spokeswoman spokesperson prosecutor "
    "governor commissioner councillor councilwoman councilman official officer secretary ambassador judge "
    "préfet préfète maire ministre président présidente sénateur sénatrice député députée procureur "
    "procureure porte-parole commissaire adjoint adjointe élu élue"
)


def official(roles: tuple[str, ...]) -> bool:
    """True when one of a person's roles is an office (senator, mayor, police chief...)."""
    return any(w in OFFICIAL for r in roles for w in r.lower().split())


_OPENERS = '“«"'
_PRONOUN_SAID = re.compile(
    r"[”»\"],?\s*(?:(?:he|she|they)\s+(?:said|added|told|explained|continued|went on)|"
    r"(?:said|added)\s+(?:he|she|they)|"
    r"\w+(?:-t)?-(?:il|elle|ils|elles)\s+\w+|(?:a|ont)\s+(?:-t-)?(?:il|elle)\s+\w+)\b",
    re.I,
)


def open_quote(text: str) -> bool:
    """True when a passage ends inside a quote it opened (the quote runs on into the next paragraph)."""
    opened = max(text.rfind("“"), text.rfind("«"))
    closed = max(text.rfind("”"), text.rfind("»"))
    if opened >= 0 or closed >= 0:
        return opened > closed
    return text.count('"') % 2 == 1 and text.lstrip().startswith('"')


def leans_back(text: str) -> bool:
    """True when a paragraph opening with a quote only makes sense after the one before it: the quote names
    no speaker, or credits a pronoun ("..., he said"; "..., a-t-il ajouté")."""
    t = text.strip()
    if not t or t[0] not in _OPENERS:
        return False
    if _PRONOUN_SAID.search(t):
        return True
    outside = _QUOTED.sub(" ", t)
    return not _NAMED.search(outside)


_QUOTED = re.compile(r"“[^”]*(?:”|$)|«[^»]*(?:»|$)|\"[^\"]*(?:\"|$)")
_NAMED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-ÖØ-Þ][\w’'-]+", re.M)


def weak_start(text: str) -> bool:
    """True when a sentence opens with a pronoun or a conjunction (it leans on what came before)."""
    return bool(WEAK_START.match(text.strip()))


@dataclass
class Chunk:
    """Statements shown together: one multi-source statement, or a single source's run of sentences."""

    clusters: list[Cluster]
    position: float
    support: int
    quote: bool = False  # shown as quote blocks
    official: bool = False  # a quote by someone with an official title
    role: str = ""
    text: str = field(default="")

    def text_so_far(self) -> str:
        """The chunk's text as built so far."""
        return " ".join(c.rep.text for c in self.clusters)

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source of the chunk."""
        return tuple(sorted({s for c in self.clusters for s in c.sources}, key=sid_order))


def position_of(cluster: Cluster, copies: dict[str, str]) -> tuple[float, int]:
    """Majority (median) position of a statement across independent sources, and how many carry it."""
    roots: dict[str, float] = {}
    for u in sorted(cluster.units, key=lambda u: (sid_order(u.sid), u.index)):
        roots.setdefault(copies.get(u.sid, u.sid), u.pos)
    return median(sorted(roots.values())), len(roots)


def chunks_of(clusters: list[Cluster], copies: dict[str, str], is_quote: Callable[[Cluster], bool]) -> list[Chunk]:
    """Chunks in each source's order: single-source sentences of one paragraph stay together."""
    seq: list[tuple[tuple[int, str], int, Cluster]] = []
    for c in clusters:
        u = min(c.units, key=lambda u: (sid_order(u.sid), u.index))
        seq.append((sid_order(u.sid), u.index, c))
    seq.sort(key=lambda x: (x[0], x[1]))
    out: list[Chunk] = []
    last_key: tuple[str, int] | None = None
    last_single: tuple[str, int] | None = None  # (source, part) of the previous single-source chunk's end
    for _sid, _index, c in seq:
        pos, support = position_of(c, copies)
        quote = is_quote(c)
        single = len({copies.get(s, s) for s in c.sources}) == 1 and c.rep.kind == "paragraph"
        k = (c.rep.sid, c.rep.part)
        follows = (
            single and out and last_single is not None and last_single[0] == k[0] and k[1] - last_single[1] in (0, 1)
        )
        if single and not quote and out and last_key == k and not out[-1].quote:
            out[-1].clusters.append(c)
        elif follows and (
            (c.rep.text.lstrip()[:1] in _OPENERS and open_quote(out[-1].text_so_far()))
            or (not quote and not out[-1].quote and leans_back(c.rep.text))
        ):
            out[-1].clusters.append(c)  # an unattributed quote or a quote's next paragraph stays with its lead-in
        else:
            out.append(Chunk([c], pos, support, quote=quote))
        last_key = k if single and not quote else None
        last_single = k if single else None
    for ch in out:
        ch.text = " ".join(c.rep.text for c in ch.clusters)
    return out


def specificity(text: str) -> float:
    """Names and figures per 100 words: news is specific, comment is not."""
    n = max(1, len(text.split()))
    return (len(find_all(text)) + len(_NAME.findall(text))) / n * 100


def is_comment(chunk: Chunk, essay: bool) -> bool:
    """A single-source, long, generic passage: opinion or commentary rather than report.

    In a source that reads as an essay, a passage without a counted or measured fact is comment unless it
    is dense in names and figures."""
    if chunk.support > 1 or chunk.quote:
        return False
    text = chunk.text
    n = len(text.split())
    spec = specificity(text)
    own = _QUOTE_MARK.sub(" ", _QUOTED.sub(" ", text))  # the writer's words: a quoted "we" is the speaker's
    if n >= 25 and (_WE.search(own) or "?" in own) and spec < 5:
        return True
    if essay and n >= 20 and spec < 6:
        return spec < 3.5 or not any(f.kind in ("count", "age", "distance", "height") for f in find_all(text))
    if n >= 80:
        return spec < 8
    return n >= 40 and spec < 3.5


def essays(chunks: list[Chunk]) -> set[str]:
    """Sources whose own (single-source) paragraphs are long: essays, features, opinion pieces."""
    lengths: dict[str, list[int]] = {}
    for ch in chunks:
        if ch.support == 1 and not ch.quote and ch.clusters[0].rep.kind == "paragraph":
            lengths.setdefault(ch.clusters[0].rep.sid, []).append(len(ch.text.split()))
    return {sid for sid, ns in lengths.items() if len(ns) >= 3 and sum(ns) / len(ns) >= ESSAY_WORDS}


def is_background(text: str, event_year: int | None) -> bool:
    """About earlier events: another year than the event's, or an explicit look back."""
    years = {int(f.low) for f in find_all(text) if f.kind == "year"}
    years |= {int(f.low) // 10000 for f in find_all(text) if f.kind == "date" and f.low >= 10000}
    if event_year is not None and years and event_year not in years:
        return True
    return bool(BACKGROUND.search(text))


def newsy(text: str) -> int:
    """Who, what, where, when: how many kinds of specific detail a sentence carries."""
    figs = find_all(text)
    kinds = {f.kind for f in figs}
    score = int(bool(kinds & {"count", "age", "floor", "distance", "height"}))
    score += int(bool(kinds & {"date", "weekday", "time"}))
    score += int(bool(_NAME.search(text)))
    return score


def arrange(
    chunks: list[Chunk],
    event_year: int | None,
    disputed: Callable[[str], bool],
    rank: dict[int, int] | None = None,
) -> list[tuple[str, list[Chunk]]]:
    """Chunks grouped by role, in story order; each section's chunks in reading order (`rank`: the
    clusters' place in the merged reading order, which keeps each source's run together), else by
    majority position."""
    essay = essays(chunks)
    for ch in chunks:
        kind = ch.clusters[0].rep.kind
        if kind in ("question", "answer"):
            ch.role = "faq"
        elif ch.quote:
            ch.role = "aftermath" if ch.official else "quote"
        elif is_background(ch.text, event_year):
            ch.role = "background"
        elif is_comment(ch, ch.clusters[0].rep.sid in essay):
            ch.role = "comment"
        elif AFTERMATH.search(ch.text) and ch.position > 0.15:
            ch.role = "aftermath"
        else:
            ch.role = "account"
    # the lead: early, specific, best-supported statements of the account
    pool = [
        ch
        for ch in chunks
        if ch.role in ("account", "aftermath")
        and ch.position <= LEAD_POSITION
        and newsy(ch.text) >= 2
        and len(ch.text.split()) <= LEAD_WORDS
        and specificity(ch.text) >= LEAD_SPECIFIC
    ]
    pool.sort(key=lambda ch: (-ch.support, disputed(ch.text), -specificity(ch.text), ch.position, ch.clusters[0].id))
    lead = pool[:LEAD_SIZE]
    for ch in lead:
        ch.role = "lead"
    lead.sort(key=lambda ch: (weak_start(ch.text), disputed(ch.text), -ch.support, ch.position, ch.clusters[0].id))
    out: list[tuple[str, list[Chunk]]] = []
    for role in ROLES:
        members = [ch for ch in chunks if ch.role == role]
        if role == "lead":
            members = lead
        elif role == "faq":
            pass  # questions keep their source order (each answer after its question)
        elif rank is not None:
            members.sort(key=lambda ch: (min(rank.get(c.id, len(rank)) for c in ch.clusters), ch.clusters[0].id))
        else:
            members.sort(key=lambda ch: (ch.position, -ch.support, ch.clusters[0].id))
        if members:
            out.append((role, members))
    return out


def heading(role: str, language: str) -> str:
    """The generic heading of a section, in the story's language (English when unknown)."""
    return HEADINGS.get(language, HEADINGS["en"])[role]
