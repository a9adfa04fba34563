"""The merge: several cleaned sources in, one canonical Story out."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rapidfuzz import fuzz

from storykit.document import CleanDocument
from storykit.merge.align import Cluster, Unit, cluster_units, find_copies, sid_order
from storykit.merge.conflicts import Seen, build_conflicts, is_disputed
from storykit.merge.facts import build_facts
from storykit.merge.numbers import Figure, find_all
from storykit.merge.order import order_clusters
from storykit.merge.people import Registry, build_registry, learn_facts
from storykit.merge.quotes import Mention, QuoteGroup, find_mentions, group_mentions, majority
from storykit.merge.sections import (
    LEAD_POSITION,
    arrange,
    chunks_of,
    newsy,
    official,
    position_of,
    specificity,
    weak_start,
)
from storykit.merge.sections import heading as heading_for
from storykit.merge.text import clause_excerpt, key, quote_spans, slugify, split_sentences, wordset
from storykit.model import (
    Block,
    BlockKind,
    Caption,
    Dropped,
    Event,
    Meta,
    Person,
    Place,
    Quote,
    Section,
    Source,
    Story,
    Variant,
)

BODY_KINDS = ("heading", "paragraph", "question", "answer")
_OUTLET_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,40}$")
_GLUED = re.compile(r"\b[A-Z](?:The|He|She|It|They|This|In|On|At|An|A)\b")
_FR = wordset("le la les des une est et dans sur pour avec qui que pas il elle au aux du")
_EN = wordset("the and is was were of to in on for with that he she it his her at from")


def _language(doc: CleanDocument) -> str:
    """The source's language: its metadata, else a count of common words."""
    if doc.raw.meta.language:
        return doc.raw.meta.language.split("-")[0].lower()
    toks = key(" ".join(p.text for p in doc.parts)).split()
    fr = sum(t in _FR for t in toks)
    en = sum(t in _EN for t in toks)
    return "fr" if fr > en else "en"


def _source(doc: CleanDocument, copy_of: str | None) -> Source:
    title = doc.raw.meta.title or next((p.text for p in doc.parts if p.kind == "title"), "")
    return Source(
        id=doc.id,
        file=doc.raw.name,
        checksum=doc.raw.checksum,
        title=title,
        outlet=doc.raw.meta.outlet,
        author=doc.raw.meta.author,
        url=doc.raw.meta.url,
        published=doc.raw.meta.published,
        language=_language(doc),
        copy_of=copy_of,
    )


# a line about the article rather than the event, which cleaning may leave in ("This story has been updated.")
_NOTE = re.compile(
    r"^(?:this (?:story|article|report|post|page) (?:has been|was|is being|will be) (?:updated|corrected|amended|"
    r"edited|revised)\b[^.!?]{0,80}|an earlier version of this (?:story|article|report)\b[^.!?]{0,160}|"
    r"(?:cet|l['’]) ?article (?:a été|est|sera) (?:mis à jour|corrigé|modifié|actualisé)\b[^.!?]{0,80}|"
    r"(?:share|partagez|partager) (?:this|cet) (?:article|story|post)\b[^.!?]{0,60}|"
    r"(?:this is a developing story|more to follow|article en cours d['’]actualisation)[^.!?]{0,60})[.!]?$",
    re.I,
)


def _without_notes(doc: CleanDocument) -> CleanDocument:
    """The document without editorial notes about the article itself; they are logged as dropped."""
    notes = [p for p in doc.parts if p.kind in BODY_KINDS and _NOTE.match(p.text.strip())]
    if not notes:
        return doc
    drops = tuple(Dropped(doc.id, p.line, p.text, "editorial note about the article") for p in notes)
    return dataclasses.replace(doc, parts=tuple(p for p in doc.parts if p not in notes), dropped=(*doc.dropped, *drops))


def _units(doc: CleanDocument) -> list[Unit]:
    units: list[Unit] = []
    for i, part in enumerate(doc.parts):
        if part.kind not in BODY_KINDS:
            continue
        if part.kind == "paragraph":
            pieces = split_sentences(part.text)
            for n, (s, e) in enumerate(pieces):
                units.append(
                    Unit(
                        doc.id,
                        i,
                        "paragraph",
                        part.text[s:e],
                        len(units),
                        truncated=part.truncated and n == len(pieces) - 1,
                    )
                )
        else:
            units.append(Unit(doc.id, i, part.kind, part.text.strip(), len(units), truncated=part.truncated))
    for u in units:
        u.pos = u.index / max(1, len(units))
    return units


def _person_age_owner(reg: Registry, sentence: str, f: Figure) -> str | None:
    """The named person an age belongs to ("Name, 39," or "Name, a 39-year-old")."""
    before = sentence[: f.start]
    for _s, e, person in reversed(reg.mentions(before)):
        gap = before[e:]
        if re.fullmatch(r"\s*,\s*(?:(?:a|an|un|une)\s+)?", gap):
            return person.name
        break
    m = re.match(r"\s*,\s*\d", sentence[f.start - 2 : f.start + 1]) if f.kind == "age" else None
    del m
    return None


def _apposition_ages(reg: Registry, sentence: str) -> list[Figure]:
    """Ages given as "Name, 39," or "Name, 52 ans," — numbers the general grammar leaves alone."""
    out = []
    for _s, e, person in reg.mentions(sentence):
        m = re.match(r"\s*,\s*(\d{1,3})(?:\s*ans)?\s*[,.)]", sentence[e:])
        if m:
            v = int(m.group(1)) * 12.0
            start = e + m.start(1)
            out.append(
                Figure("age", v, v, m.group(1), start, start + len(m.group(1)), subject=person.name, unit="year")
            )
    return out


@dataclass(frozen=True)
class BodyContext:
    """What arranging the body needs to know about the whole story."""

    language: str
    event_year: int | None
    disputed: Callable[[str], bool]
    official: Callable[[str], bool]


def _story_language(sources: tuple[Source, ...]) -> str:
    langs = Counter(s.language or "en" for s in sources)
    return sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if langs else "en"


def merge(docs: Sequence[CleanDocument]) -> Story:
    """One canonical story from cleaned sources; the order of `docs` does not matter."""
    docs = sorted((_without_notes(d) for d in docs), key=lambda d: sid_order(d.id))
    if not docs:
        return Story(meta=Meta(title="Untitled", slug="untitled"), sources=(), sections=())
    texts = {d.id: "\n".join(p.text for p in d.parts if p.kind in BODY_KINDS) for d in docs}
    copies = find_copies(texts)
    sources = tuple(_source(d, copies.get(d.id)) for d in docs)

    # people, outlets, places
    reg = build_registry((d.id, p.text, True) for d in docs for p in d.parts if p.kind not in ("heading", "title"))
    for d in docs:
        for p in d.parts:
            if p.kind in ("title", "caption"):
                continue
            for s, e in split_sentences(p.text):
                sent = p.text[s:e]
                chars = list(sent)
                for span in quote_spans(sent):
                    for k in range(span.start, min(len(sent), span.end)):
                        chars[k] = " "
                learn_facts(reg, d.id, "".join(chars))

    # quotes
    mentions: list[Mention] = []
    for d in docs:
        paras = [(i, p.text) for i, p in enumerate(d.parts) if p.kind in ("paragraph", "answer")]
        mentions.extend(find_mentions(d.id, paras, reg))
    groups = group_mentions(mentions)
    quotes, quote_of = _build_quotes(groups)

    # body alignment
    units = [u for d in docs for u in _units(d)]
    clusters = cluster_units(units)

    # figures and conflicts
    seen: list[Seen] = []
    sentence_id = 0
    for d in docs:
        for p in d.parts:
            origin = "title" if p.kind == "title" else "caption" if p.kind == "caption" else "body"
            if p.kind not in (*BODY_KINDS, "title", "caption") or p.kind == "heading":
                continue
            for s, e in split_sentences(p.text):
                sent = p.text[s:e]
                sentence_id += 1
                figs = find_all(sent) + _apposition_ages(reg, sent)
                for f in figs:
                    owner = (
                        f.subject
                        if f.kind == "age" and f.unit == "year" and f.subject and f.surface.isdigit()
                        else None
                    )
                    if f.kind == "age" and owner is None:
                        owner = _person_age_owner(reg, sent, f)
                    seen.append(Seen(d.id, origin, sent, sentence_id, f, owner))
    conflicts, disputed_values, disputed_slots = build_conflicts(seen, _story_language(sources))

    def disputed(text: str) -> bool:
        figs = find_all(text) + _apposition_ages(reg, text)
        return any(is_disputed(f, disputed_values, disputed_slots) for f in figs)

    people = _people(reg, _story_language(sources))
    timeline, event_date = _timeline(seen, sources)
    roles = {p.name: p.roles for p in people}
    context = BodyContext(
        language=_story_language(sources),
        event_year=int(event_date[:4]) if event_date else None,
        disputed=disputed,
        official=lambda name: official(roles.get(name, ())),
    )
    sections, body_sentences, heading_drops = _body(clusters, copies, quotes, quote_of, mentions, docs, context)
    quotes = _unshown_quotes(quotes, sections)
    facts = build_facts(seen, copies, context.language, lambda f: is_disputed(f, disputed_values, disputed_slots))
    places = tuple(
        Place(name, tuple(sorted(sids, key=sid_order)))
        for name, sids in sorted(reg.places.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
    captions, caption_drops = _captions(docs, body_sentences)
    positions = {c.rep.text: position_of(c, copies)[0] for c in clusters}
    meta = _meta(sources, body_sentences, disputed, reg, event_date, positions)
    dropped = tuple(
        sorted((*(x for d in docs for x in d.dropped), *heading_drops), key=lambda x: (sid_order(x.source), x.line))
    )
    return Story(
        meta=meta,
        sources=sources,
        sections=_mark_languages(sections, meta.language),
        quotes=quotes,
        facts=facts,
        people=people,
        places=places,
        conflicts=tuple(conflicts),
        timeline=timeline,
        captions=captions,
        dropped=dropped + caption_drops,
    )


def _build_quotes(groups: list[QuoteGroup]) -> tuple[tuple[Quote, ...], dict[int, str]]:
    """Quote records; `quote_of` maps id(mention) → quote id."""
    order = sorted(groups, key=lambda g: (sid_order(g.main[0].sid), g.main[0].spans[0][0], g.main[0].spans[0][1]))
    quotes: list[Quote] = []
    quote_of: dict[int, str] = {}
    for n, g in enumerate(order, 1):
        qid = f"q-{n}"
        allm = g.all()
        speakers = [m.speaker.name if m.speaker else None for m in allm]
        variants = tuple(Variant(v[0].text, tuple(sorted({m.sid for m in v}, key=sid_order))) for v in g.variants)
        quotes.append(
            Quote(
                id=qid,
                text=g.main[0].text,
                sources=tuple(sorted({m.sid for m in g.main}, key=sid_order)),
                speaker=majority(speakers),
                outlet=majority([m.outlet for m in allm]),
                variants=variants,
            )
        )
        for m in allm:
            quote_of[id(m)] = qid
    return tuple(quotes), quote_of


def _body(
    clusters: list[Cluster],
    copies: dict[str, str],
    quotes: tuple[Quote, ...],
    quote_of: dict[int, str],
    mentions: list[Mention],
    docs: Sequence[CleanDocument],
    context: BodyContext,
) -> tuple[tuple[Section, ...], list[tuple[str, tuple[str, ...], str]], tuple[Dropped, ...]]:
    """Sections of blocks in reading order; also every body sentence with its sources and kind, and the
    source headings replaced by generic ones."""
    by_id = {q.id: q for q in quotes}
    part_text = {(d.id, i): p.text for d in docs for i, p in enumerate(d.parts)}
    part_line = {(d.id, i): p.line for d in docs for i, p in enumerate(d.parts)}
    located: dict[tuple[str, int], list[tuple[int, int, Mention]]] = defaultdict(list)
    for m in mentions:
        for part, s, e in m.spans:
            located[(m.sid, part)].append((s, e, m))

    def quoted(c: Cluster) -> tuple[bool, list[str]]:
        """Whether a statement is mostly direct quote (with known speakers), and the quotes it shows."""
        rep = c.rep
        if rep.kind != "paragraph":
            return False, []
        text = part_text[(rep.sid, rep.part)]
        start = text.find(rep.text)
        end = start + len(rep.text)
        inside = [(max(s, start), min(e, end), m) for s, e, m in located[(rep.sid, rep.part)] if s < end and start < e]
        qchars = sum(e - s for s, e, _ in inside)
        qids = [quote_of[id(m)] for _, _, m in inside if id(m) in quote_of]
        dominant = bool(inside) and qchars >= 0.5 * len(rep.text) and all(by_id[q].speaker for q in qids)
        return dominant, qids

    info = {c.id: quoted(c) for c in clusters}
    roots = {copies.get(u.sid, u.sid) for c in clusters for u in c.units}
    drops: list[Dropped] = []
    plan: list[tuple[str | None, list[Cluster]]] = []
    if len(roots) <= 1:
        heading: str | None = None
        run: list[Cluster] = []
        for c in order_clusters(clusters, copies):
            if c.rep.kind == "heading":
                if run:
                    plan.append((heading, run))
                heading, run = c.rep.text, []
            else:
                run.append(c)
        if run:
            plan.append((heading, run))
    else:
        for c in clusters:
            if c.rep.kind == "heading":
                for u in c.units:
                    drops.append(
                        Dropped(
                            u.sid, part_line[(u.sid, u.part)], u.text, "source heading; the story uses generic ones"
                        )
                    )
        body_clusters = [c for c in clusters if c.rep.kind != "heading"]
        rank = {c.id: i for i, c in enumerate(order_clusters(body_clusters, copies))}
        chunks = chunks_of(body_clusters, copies, lambda c: info[c.id][0])
        for ch in chunks:
            if ch.quote:
                speakers = [by_id[q].speaker for q in info[ch.clusters[0].id][1]]
                ch.official = any(context.official(s) for s in speakers if s)
        for role, members in arrange(chunks, context.event_year, context.disputed, rank):
            plan.append((heading_for(role, context.language), [c for ch in members for c in ch.clusters]))

    shown: set[str] = set()
    counters: Counter[str] = Counter()
    sections: list[Section] = []
    blocks: list[Block] = []
    para: list[str] = []
    para_src: tuple[str, ...] = ()
    para_home: tuple[str, int] | None = None
    para_trunc = False
    sentences: list[tuple[str, tuple[str, ...], str]] = []

    def new_id(prefix: str) -> str:
        counters[prefix] += 1
        return f"{prefix}-{counters[prefix]}"

    def flush() -> None:
        nonlocal para, para_src, para_home, para_trunc
        if para:
            blocks.append(Block(new_id("p"), "paragraph", " ".join(para), para_src, truncated=para_trunc))
        para, para_src, para_home, para_trunc = [], (), None, False

    for heading, run_members in plan:
        for c in run_members:
            rep = c.rep
            srcs = c.sources
            if rep.kind in ("question", "answer"):
                flush()
                kind: BlockKind = "question" if rep.kind == "question" else "answer"
                blocks.append(Block(new_id("faq" if kind == "question" else "ans"), kind, rep.text, srcs))
                sentences.append((rep.text, srcs, rep.kind))
                continue
            dominant, qids = info[c.id]
            if dominant:
                flush()
                for qid in dict.fromkeys(qids):
                    if qid in shown:
                        continue
                    shown.add(qid)
                    q = by_id[qid]
                    blocks.append(Block(new_id("bq"), "quote", q.text, q.sources, speaker=q.speaker, quote=qid))
                    sentences.append((q.text, q.sources, "quote"))
                    for v in q.variants:
                        blocks.append(Block(new_id("bq"), "quote", v.text, v.sources, speaker=q.speaker, quote=qid))
                        sentences.append((v.text, v.sources, "quote"))
                continue
            for qid in qids:
                if key(by_id[qid].text) in key(rep.text):
                    shown.add(qid)
            home = (rep.sid, rep.part)
            if para and (home != para_home or srcs != para_src):
                flush()
            para.append(rep.text)
            para_src, para_home = srcs, home
            para_trunc = para_trunc or rep.truncated
            sentences.append((rep.text, srcs, "paragraph"))
        flush()
        if blocks:
            sections.append(Section(f"sec-{len(sections) + 1}", heading, tuple(blocks)))
        blocks = []
    return tuple(sections), sentences, tuple(drops)


def _unshown_quotes(quotes: tuple[Quote, ...], sections: tuple[Section, ...]) -> tuple[Quote, ...]:
    """Quotes minus those the body already prints word for word inside a paragraph (with every variant)
    that also names their speaker, so a quote is not printed twice: once in its paragraph, once in the list
    of quotes. A quote with no known speaker stays listed (its speaker is an open question)."""
    blocks = [b for sec in sections for b in sec.blocks if b.kind == "paragraph"]
    shown_in_blocks = {b.quote for sec in sections for b in sec.blocks if b.quote}

    def printed(text: str, speaker: str | None) -> bool:
        """True when the body prints the quote, or most of it (all but a short tail or head sentence), in
        paragraphs naming the speaker."""
        if not speaker:
            return False
        last = key(speaker).split()[-1:]
        paras = [key(b.text) for b in blocks if not last or last[0] in key(b.text).split()]
        k = key(text)
        if not k:
            return False
        if any(k in p for p in paras):
            return True
        units = [key(text[s:e]) for s, e in split_sentences(text)]
        units = [u for u in units if u]
        found = sum(len(u) for u in units if any(u in p for p in paras))
        return len(units) > 1 and found >= 0.7 * sum(len(u) for u in units)

    return tuple(
        q
        for q in quotes
        if q.id in shown_in_blocks
        or not (printed(q.text, q.speaker) and all(printed(v.text, q.speaker) for v in q.variants))
    )


def _people(reg: Registry, language: str = "en") -> tuple[Person, ...]:
    out = []
    for p in reg.people:
        if not p.sources:
            continue
        name = p.name
        variants = tuple(sorted(f for f in p.forms if f != name))
        roles = tuple(r for r, _ in sorted(p.roles.items(), key=lambda kv: (-kv[1], kv[0])))
        age = None
        if p.ages:
            age = str(sorted(p.ages.items(), key=lambda kv: (-len(p.age_sources[kv[0]]), kv[0]))[0][0])
            if language == "fr":
                age = f"{age} ans"  # "Marc D., 52 ans", as French writes it
        out.append(Person(p.id, name, tuple(sorted(p.sources, key=sid_order)), variants, roles, age))
    return tuple(out)


def _timeline(seen: list[Seen], sources: tuple[Source, ...]) -> tuple[tuple[Event, ...], str | None]:
    """Dated events, with dates resolved by the source's own years or publication date."""
    published = {s.id: s.published for s in sources}
    years: dict[str, Counter[int]] = defaultdict(Counter)
    for s in seen:
        if s.figure.kind == "date" and s.figure.unit == "ymd":
            years[s.sid][int(s.figure.low) // 10000] += 1
    events: dict[str, tuple[str, str, set[str], str | None]] = {}
    for s in seen:
        f = s.figure
        iso: str | None = None
        if f.kind == "date":
            v = int(f.low)
            y = v // 10000
            if not y:
                if years[s.sid]:
                    y = years[s.sid].most_common(1)[0][0]
                elif published.get(s.sid):
                    y = int(str(published[s.sid])[:4])
            if y:
                try:
                    iso = date(y, v // 100 % 100, v % 100).isoformat()
                except ValueError:
                    iso = None
        elif f.kind == "weekday" and published.get(s.sid):
            try:
                pub = date.fromisoformat(str(published[s.sid])[:10])
            except ValueError:
                continue
            back = (pub.weekday() - int(f.low)) % 7
            iso = (pub - timedelta(days=back)).isoformat()
        elif f.kind == "year":
            iso = str(int(f.low))
        else:
            continue
        if f.kind == "year":
            continue  # a bare year is background, not a dated event of this story
        ekey = iso or key(f.surface)
        what = clause_excerpt(s.sentence, f.start, f.end, width=60)
        if ekey in events:
            events[ekey][2].add(s.sid)
            if f.kind == "date" and not re.search(r"\d", events[ekey][0]):
                events[ekey] = (f.surface, what, events[ekey][2], iso)  # a date reads better than a weekday
        else:
            events[ekey] = (f.surface, what, {s.sid}, iso)
    ordered = sorted(events.values(), key=lambda e: (e[3] is None, e[3] or "", e[0]))
    full = [(len(sids), iso) for _, _, sids, iso in ordered if iso and len(iso) == 10]
    event_date = sorted(full, key=lambda x: (-x[0], x[1]))[0][1] if full else None
    year = event_date[:4] if event_date else None
    timeline = tuple(
        Event(when, what, tuple(sorted(sids, key=sid_order)), iso)
        for when, what, sids, iso in ordered
        if iso is not None and (year is None or iso[:4] == year)
    )
    return timeline, event_date


def _captions(
    docs: Sequence[CleanDocument], body: list[tuple[str, tuple[str, ...], str]]
) -> tuple[tuple[Caption, ...], tuple[Dropped, ...]]:
    """Captions once each; a caption that repeats a body sentence stays in the body only."""
    body_keys = [key(t) for t, _, _ in body]
    out: list[tuple[str, set[str]]] = []
    drops: list[Dropped] = []
    for d in docs:
        for p in d.parts:
            if p.kind != "caption":
                continue
            if _GLUED.search(p.text):
                drops.append(Dropped(d.id, p.line, p.text, "caption with a stray letter glued to its first word"))
                continue
            k = key(p.text)
            if any(fuzz.token_set_ratio(k, b) >= 90 and len(k) >= 0.6 * len(b) for b in body_keys if b):
                drops.append(Dropped(d.id, p.line, p.text, "caption repeats a body sentence"))
                continue
            for text, sids in out:
                if fuzz.ratio(key(text), k) >= 90:
                    sids.add(d.id)
                    break
            else:
                out.append((p.text, {d.id}))
    return tuple(Caption(t, tuple(sorted(s, key=sid_order))) for t, s in out), tuple(drops)


def _sentence_case(title: str, body: list[str]) -> str:
    """A Title Case headline in sentence case: a word keeps its capital only when the body writes it with
    one mid-sentence and never without (names, places); acronyms stay. Other headlines are kept as is."""
    words = title.split()
    long_words = [w for w in words if len(re.sub(r"\W", "", w)) >= 4]
    if len(long_words) < 3 or sum(w[:1].isupper() for w in long_words) < 0.8 * len(long_words):
        return title
    capital: set[str] = set()
    lower: set[str] = set()
    for text in body:
        for m in re.finditer(r"(?<=[\w,;:’'”\"] )([^\W\d_][\w’'-]*)", text):
            w = m.group(1)
            (capital if w[:1].isupper() else lower).add(w.lower())
    out = [words[0]]
    for w in words[1:]:
        core = re.sub(r"^\W+|\W+$", "", w)
        low = core.lower()
        keep = (core.isupper() and len(core) > 1) or (low in capital and low not in lower) or not core[:1].isupper()
        out.append(w if keep else w.replace(core, core[:1].lower() + core[1:], 1))
    return " ".join(out)


def _clean_title(title: str) -> str:
    t = _OUTLET_SUFFIX.sub("", title.strip())
    return t.rstrip(".")


def _meta(
    sources: tuple[Source, ...],
    body: list[tuple[str, tuple[str, ...], str]],
    is_disputed: Callable[[str], bool],
    reg: Registry,
    event_date: str | None,
    positions: dict[str, float],
) -> Meta:
    """Title, dek, summary, slug and the rest, each from undisputed, well-supported text."""
    body_tokens = [set(key(t).split()) for t, _, _ in body]
    candidates = []
    for s in sources:
        if not s.title:
            continue
        title = _clean_title(s.title)
        if is_disputed(title):
            continue
        toks = {t for t in key(title).split() if len(t) > 3}
        title_support = len(
            {
                sid
                for (t, sids, _), bt in zip(body, body_tokens, strict=True)
                for sid in sids
                if sid != s.id and len(toks & bt) >= 2
            }
        )
        candidates.append((-title_support, sid_order(s.id), title))
    roots = {s.id: s.copy_of or s.id for s in sources}
    narrative = [
        (t, sids)
        for t, sids, kind in body
        if kind == "paragraph"
        and not re.search(r"[“”‘\"«»]|(?<!\w)’(?!\w)", t)
        and 8 <= len(t.split()) <= 45
        and not is_disputed(t)
        and not t.rstrip().endswith("?")
        and t.rstrip().endswith((".", "!", "…"))
        and not weak_start(t)
        and t[:1].isupper()
    ]

    def support(i: int) -> int:
        return min(len({roots[x] for x in narrative[i][1]}), 3)

    def early(i: int) -> bool:
        return positions.get(narrative[i][0], 1.0) <= LEAD_POSITION + 0.1

    def rank(i: int) -> tuple[int, int, int, float, float, int]:
        """Dek order: early, then who/what/where/when, then support."""
        t = narrative[i][0]
        return (-early(i), -min(newsy(t), 3), -support(i), -specificity(t), positions.get(t, 1.0), i)

    def copied(i: int) -> bool:
        """Carried by a copy and its original: wire text the body prints once, and In brief should not
        print a second time when other sentences will do."""
        sids = narrative[i][1]
        return len({roots.get(x, x) for x in sids}) < len(sids)

    def brief_rank(i: int) -> tuple[bool, int, int, float, float, int]:
        """In-brief order: not wire-copied text, early, then support weighed above detail."""
        t = narrative[i][0]
        return (copied(i), -early(i), -min(newsy(t), 3) - 2 * support(i), -specificity(t), positions.get(t, 1.0), i)

    ranked = sorted(range(len(narrative)), key=rank)
    if candidates:
        title = _sentence_case(min(candidates)[2], [t for t, _, _ in body])
    elif narrative:
        first = narrative[ranked[0]][0]
        title = re.split(r"[,;:]\s", first)[0].rstrip(".")
    else:
        title = "Untitled"
    dek_i = ranked[0] if ranked else None
    dek = narrative[dek_i][0] if dek_i is not None else ""
    rest = [i for i in sorted(range(len(narrative)), key=brief_rank) if i != dek_i and narrative[i][0] not in dek]
    picked = sorted(rest[:3], key=lambda i: (positions.get(narrative[i][0], 1.0), i))
    summary = tuple(narrative[i][0] for i in picked)
    langs = Counter(s.language or "en" for s in sources)
    language = sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if langs else "en"
    place = None
    if reg.places:
        ranked_places = sorted(reg.places.items(), key=lambda kv: (-len(kv[1]), not kv[0][:1].isalpha(), kv[0]))
        place = ranked_places[0][0]
    if event_date is None:
        pubs = sorted(str(s.published)[:10] for s in sources if s.published)
        event_date = pubs[0] if pubs else None
    kicker = place or ""
    return Meta(
        title=title,
        slug=slugify(title),
        language=language,
        dek=dek,
        place=place,
        date=event_date,
        kicker=kicker,
        summary=summary,
    )


def _mark_languages(sections: tuple[Section, ...], language: str) -> tuple[Section, ...]:
    """Blocks written in another script than the story's carry their language (for lang and dir)."""
    from storykit.readers import script_language

    primary = language.split("-")[0].lower()

    def marked(block: Block) -> Block:
        own = script_language(block.text)
        return dataclasses.replace(block, language=own) if own and own != primary else block

    return tuple(dataclasses.replace(s, blocks=tuple(marked(b) for b in s.blocks)) for s in sections)
