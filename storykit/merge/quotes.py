"""Direct quotes: found in paragraphs, attributed to a speaker and outlet, merged across sources."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from storykit.merge.people import FEMALE, MALE, NAME_RE, SPEECH_RE, PersonInfo, Registry, outlets_in
from storykit.merge.text import Span, key, quote_spans, split_sentences, words

_TERM_BEFORE = re.compile(
    r"(?:dubbed|called|nicknamed|known as|so-called|words like|such as|labelled|labeled|"
    r"baptisée?|surnommée?|qualifiée? de)\s*$",
    re.I,
)
_PRONOUN = re.compile(r"\b(he|she|il|elle)\b", re.I)
MIN_WORDS = 3
# a body rather than a person as speaker: "the company said", "a indiqué la préfecture"
_ORG_REF = re.compile(
    r"\b(?:the|its) (?:company|firm|operator|airline|carrier|council|ministry|agency|club|group|manufacturer|"
    r"department|authority|authorities|government|organi[sz]ation|charity|union|owner|operator)\b|"
    r"\b(?:la|le|l['’]) ?(?:société|entreprise|compagnie|groupe|opérateur|direction|exploitant|mairie|ministère)\b",
    re.I,
)
# what may stand between a speech verb and the speaker it introduces: "a déclaré à l'AFP Marc X",
# "told the BBC Jane X", "a indiqué le colonel Jean X", "according to the harbour master, Fiona X"
_LEAD_IN = re.compile(
    r"\s*(?:(?:à|au|aux|to)\s+(?:l['’]|la\s+|le\s+|les\s+|the\s+)?\S+\s+)?"
    r"(?:[a-zà-ÿ][\w'’-]*,?\s+){0,6}(?:[A-ZÀ-Ö][\w'’-]+\s+)?"
)


@dataclass
class Mention:
    """One direct quote as printed in one source (it may run over several paragraphs)."""

    sid: str
    spans: list[tuple[int, int, int]]  # (part index, start, end) in the part's text
    pieces: list[str]
    speaker: PersonInfo | None = None
    outlet: str | None = None
    open: bool = False
    cluster: int = -1

    @property
    def text(self) -> str:
        """The quoted words, paragraphs joined by a space."""
        return " ".join(p for p in self.pieces if p)


@dataclass
class QuoteGroup:
    """Mentions of one statement: the main wording and other wordings."""

    main: list[Mention]
    variants: list[list[Mention]] = field(default_factory=list)

    def all(self) -> list[Mention]:
        """Every mention, main wording first."""
        return self.main + [m for v in self.variants for m in v]


def _resolve_pronoun(pron: str, timeline: list[PersonInfo]) -> PersonInfo | None:
    want = "f" if pron.lower() in FEMALE else "m" if pron.lower() in MALE else ""
    for person in reversed(timeline):
        g = person.gender.most_common(1)[0][0] if person.gender else ""
        if not g or not want or g == want:
            return person
    return None


def _attribute(
    sent: str, span: Span, spans: list[Span], reg: Registry, timeline: list[PersonInfo]
) -> tuple[PersonInfo | None, str | None, bool]:
    """Speaker, outlet and whether a speech verb was found, for a quote inside a sentence."""
    chars = list(sent)
    for s in spans:
        for i in range(max(0, s.start), min(len(sent), s.end)):
            chars[i] = " "
    nonq = "".join(chars)
    verbs = list(SPEECH_RE.finditer(nonq))
    if not verbs:
        return None, None, False
    after = [v for v in verbs if v.start() >= span.end]
    before = [v for v in verbs if v.end() <= span.start]
    if after and (not before or span.start <= 2 or after[0].start() - span.end < span.start - before[-1].end()):
        verb = after[0]
        region_start = span.end
    else:
        verb = before[-1] if before else verbs[0]
        prior = [s.end for s in spans if s.end <= verb.start()]
        region_start = max(prior) if prior else 0
    region = nonq[region_start : verb.start()]
    who: PersonInfo | None = None
    ments = reg.mentions(region)
    inv = reg.mentions(nonq[verb.end() : verb.end() + 40])
    prons = list(_PRONOUN.finditer(region))
    org = _ORG_REF.search(region)
    if ments and (not prons or ments[-1][0] > prons[-1].start()):
        who = ments[-1][2]
    elif org and not prons:
        # "the company said": the body last named, when it has no personal pronoun or role
        who = next((p for p in reversed(timeline) if not p.gender and not p.roles and not p.ages), None)
    elif prons:
        who = _resolve_pronoun(prons[-1].group(1), timeline)
    elif inv and (inv[0][0] < 6 or _LEAD_IN.fullmatch(nonq[verb.end() : verb.end() + inv[0][0]])):
        who = inv[0][2]
    outs = outlets_in(nonq)
    person_keys = {key(f) for f, _ in reg.forms()}
    outs = [o for o in outs if key(o) not in person_keys]
    return who, (outs[0] if outs else None), True


def _outside(sent: str, spans: list[Span]) -> str:
    """The sentence with its quoted spans blanked out."""
    chars = list(sent)
    for s in spans:
        for i in range(max(0, s.start), min(len(sent), s.end)):
            chars[i] = " "
    return "".join(chars)


def find_mentions(sid: str, parts: list[tuple[int, str]], reg: Registry) -> list[Mention]:
    """Every direct quote in one source's paragraphs, in order, with speaker and outlet."""
    mentions: list[Mention] = []
    timeline: list[PersonInfo] = []
    prev_part = -10
    for index, text in parts:
        spans = [
            s
            for s in quote_spans(text)
            if sum(w.isalpha() for w in words(s.inner(text))) >= MIN_WORDS and not _TERM_BEFORE.search(text[: s.start])
        ]
        last = mentions[-1] if mentions else None
        for sstart, send in split_sentences(text):
            sent = text[sstart:send]
            local = [
                Span(s.start - sstart, s.end - sstart, s.closed, s.double) for s in spans if sstart <= s.start < send
            ]
            for span in local:
                inner = span.inner(sent)
                starts_part = span.start + sstart == len(text) - len(text.lstrip())
                if last is not None and last.open and starts_part and prev_part == index - 1:
                    last.spans.append((index, span.start + sstart, span.end + sstart))
                    last.pieces.append(inner)
                    last.open = not span.closed
                    if last.speaker is None and span.closed:
                        # a quote over several paragraphs is often credited only after its last words
                        who, outlet, _ = _attribute(sent, span, local, reg, timeline)
                        if who is not None:
                            last.speaker, last.outlet = who, last.outlet or outlet
                    continue
                speaker, outlet, has_verb = _attribute(sent, span, local, reg, timeline)
                if not has_verb and last is not None and (last.spans[-1][0] in (index, index - 1)):
                    # a quote without a speech verb continues the previous speaker only when the
                    # sentence names nobody else; otherwise its speaker is unknown, never guessed
                    outside = _outside(sent, local)
                    named = {id(p) for _, _, p in reg.mentions(outside)}
                    full_names = [m for m in NAME_RE.finditer(outside) if " " in m.group(0)]
                    if named == {id(last.speaker)} or (not named and not full_names):
                        speaker, outlet = last.speaker, last.outlet
                m = Mention(
                    sid,
                    [(index, span.start + sstart, span.end + sstart)],
                    [inner],
                    speaker,
                    outlet,
                    open=not span.closed,
                )
                mentions.append(m)
                last = m
            chars = list(sent)
            for span in local:
                for i in range(span.start, min(len(sent), span.end)):
                    chars[i] = " "
            for _, _, person in reg.mentions("".join(chars)):
                timeline.append(person)
        prev_part = index
    return mentions


def _units(text: str) -> list[str]:
    return [k for s, e in split_sentences(text) if len((k := key(text[s:e])).split()) >= 2]


def _same_words(a: Mention, b: Mention) -> bool:
    ua, ub = _units(a.text), _units(b.text)
    if any(fuzz.ratio(x, y) >= 90 for x in ua for y in ub):
        return True
    # a fragment quoted inside reported speech ("said he 'didn't think twice'")
    ka, kb = key(a.text), key(b.text)
    short, long_ = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    return len(short.split()) >= MIN_WORDS and len(short.split()) <= 8 and short in long_


def _compatible(a: Mention, b: Mention) -> bool:
    return a.speaker is None or b.speaker is None or a.speaker is b.speaker


def group_mentions(mentions: list[Mention]) -> list[QuoteGroup]:
    """Mentions of the same words become one group; close rewordings by one speaker become variants."""
    parent = list(range(len(mentions)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(mentions):
        for j in range(i + 1, len(mentions)):
            b = mentions[j]
            if find(i) != find(j) and _compatible(a, b) and _same_words(a, b):
                parent[find(j)] = find(i)
    clusters: dict[int, list[Mention]] = {}
    for i, m in enumerate(mentions):
        clusters.setdefault(find(i), []).append(m)
    groups = [QuoteGroup(sorted(c, key=_rank)) for _, c in sorted(clusters.items())]
    merged: list[QuoteGroup] = []
    for g in groups:
        rep = g.main[0]
        home = None
        for h in merged:
            hrep = h.main[0]
            if rep.speaker is None or hrep.speaker is not rep.speaker:
                continue
            ka, kb = key(rep.text), key(hrep.text)
            if min(len(ka), len(kb)) / max(len(ka), len(kb), 1) >= 0.7 and fuzz.ratio(ka, kb) >= 72:
                home = h
                break
        if home is None:
            merged.append(g)
        else:
            home.variants.append(g.main)
    return merged


def _rank(m: Mention) -> tuple[int, int, str, int]:
    """Most complete wording first, then the earliest source."""
    return (-len(_units(m.text)), -len(m.text), m.sid, m.spans[0][0])


def majority(values: list[str | None]) -> str | None:
    """The most common non-empty value (ties: alphabetical)."""
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
