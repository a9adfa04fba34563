"""Tests for what a reader sees of the merge: paraphrases merged, order and sections, meta, facts,
conflict excerpts, timeline and roles. Sample words appear here only, never in storykit/merge."""

from __future__ import annotations

import re
import time

from storykit.merge import merge
from storykit.merge.align import CharTfidf, Unit, is_paraphrase, prepare
from storykit.merge.sections import weak_start
from storykit.merge.text import clause_excerpt
from storykit.model import Story
from tests.fixtures.merge.french import french_docs
from tests.fixtures.merge.support import doc, sample_docs

_SAMPLE: Story | None = None


def sample() -> Story:
    global _SAMPLE
    if _SAMPLE is None:
        _SAMPLE = merge(sample_docs())
    return _SAMPLE


def _pair(a: str, b: str, corpus: list[str]) -> bool:
    """The merge's paraphrase decision, with IDF taken over a small corpus as in a real story."""
    ua, ub = Unit("s1", 0, "paragraph", a, 0), Unit("s2", 0, "paragraph", b, 0)
    prepare(ua)
    prepare(ub)
    others = [Unit("s0", 0, "paragraph", t, 0) for t in corpus]
    for u in others:
        prepare(u)
    tfidf = CharTfidf([ua.key, ub.key, *(u.key for u in others)])
    return is_paraphrase(ua, ub, tfidf.cosine(0, 1))


# hand-labelled pairs: (a, b, same statement?)
PAIRS = [
    (
        "First, he carefully takes hold of a five-month-old baby, then passes the infant across to a man "
        "perched in a neighbouring building.",
        "He first helps a five-month old baby and hands him the infant to a man in the the next building "
        "before doing the same with a one-year-old.",
        True,
    ),
    (
        "He revealed he had been lying on his sofa when he smelled smoke and spotted a mother holding her baby "
        "out of a window.",
        "He was lying on the sofa after returning home from work when he smelled the smoke from the nearby "
        "building and saw a desperate mother holding her baby out of a window.",
        True,
    ),
    (
        "He went on to rescue two more children and two adults from the inferno engulfing the building in "
        "northern Paris on Friday.",
        "The school caretaker also rescued two other children and two adults from the burning building in the "
        "north end of the city on Friday .",
        True,
    ),
    (
        "Twelve people were taken to hospital after the blaze, the fire service said.",
        "The fire service said twelve people had been taken to hospital after the blaze.",
        True,
    ),
    (
        "Twelve people were taken to hospital after the blaze, the fire service said.",
        "Eleven people were taken to hospital after the blaze, the fire service said.",
        False,
    ),
    (
        "A hero caretaker helped save two babies from the sixth floor of a burning apartment block in Paris.",
        "THIS is the dramatic moment a hero caretaker rescues four babies from a blazing sixth-floor flat in Paris.",
        False,
    ),
    (
        "He helped rescue four children and two adults from the sixth floor.",
        "A hero caretaker helped save two babies from the sixth floor of a burning apartment block in Paris.",
        False,
    ),
    (
        "Naomi, 31, was trapped with her two sons, aged nine and 11, and a neighbour’s children.",
        "He saved Naomie, her two children, a neighbor’s five-month-old baby, and her other child.",
        False,
    ),
    (
        "He had no safety harness, no backup plan.",
        "He climbed across a thin ledge on the side of the building — barefoot, with no safety harness — to "
        "reach the family’s window.",
        False,
    ),
    (
        "The mayor praised the firefighters for their quick response on Monday.",
        "The mayor announced a new budget for the city's schools on Monday.",
        False,
    ),
]


def test_paraphrase_precision_on_labelled_pairs() -> None:
    corpus = [t for a, b, _ in PAIRS for t in (a, b)]
    said = [(_pair(a, b, corpus), truth) for a, b, truth in PAIRS]
    true_pos = sum(1 for p, t in said if p and t)
    false_pos = sum(1 for p, t in said if p and not t)
    positives = sum(1 for _, t in said if t)
    assert false_pos == 0  # precision 1.0: a wrong merge loses a statement
    assert true_pos / positives >= 0.75


def test_paraphrase_merged_and_credited_to_both() -> None:
    one = doc("s1", [("paragraph", "Twelve people were taken to hospital after the blaze, the fire service said.")])
    two = doc("s2", [("paragraph", "The fire service said twelve people had been taken to hospital after the blaze.")])
    story = merge([one, two])
    hits = [b for b in story.blocks() if "hospital" in b.text]
    assert len(hits) == 1 and hits[0].sources == ("s1", "s2")


def test_sample_paraphrases_merged() -> None:
    blocks = sample().blocks()
    sofa = [b for b in blocks if "sofa" in b.text]
    assert len(sofa) == 1 and set(sofa[0].sources) >= {"s3", "s4"}
    baby = [b for b in blocks if "five-month" in b.text and "infant" in b.text]
    assert len(baby) == 1 and set(baby[0].sources) >= {"s3", "s4"}


def test_figures_differ_not_merged() -> None:
    one = doc("s1", [("paragraph", "Twelve people were taken to hospital after the blaze, the fire service said.")])
    two = doc("s2", [("paragraph", "Eleven people were taken to hospital after the blaze, the fire service said.")])
    story = merge([one, two])
    hits = [b for b in story.blocks() if "hospital" in b.text]
    assert len(hits) == 2 and {b.sources for b in hits} == {("s1",), ("s2",)}
    assert story.conflicts


def test_one_source_never_merged_with_itself() -> None:
    one = doc(
        "s1",
        [
            ("paragraph", "The mayor praised the firefighters for their quick response on Monday evening."),
            ("paragraph", "On Monday evening, the mayor also praised the neighbours who helped the firefighters."),
        ],
    )
    both = "The mayor praised the quick response of the firefighters and neighbours on Monday evening."
    two = doc("s2", [("paragraph", both)])
    story = merge([one, two])
    assert len([b for b in story.blocks() if "mayor" in b.text]) == 2


def test_dek_is_informative() -> None:
    for story in (sample(), merge(french_docs())):
        dek = story.meta.dek
        assert dek and not weak_start(dek)
        assert not re.search(r"[“”‘«»\"]", dek)
        assert re.search(r"\d|[A-Z]\w+ [A-Z]", dek[1:])  # a figure or a name
        assert dek.rstrip().endswith((".", "!", "…"))
        for sentence in story.meta.summary:
            assert sentence.rstrip().endswith((".", "!", "…")) and not weak_start(sentence)


def test_title_in_sentence_case_without_disputed_figures() -> None:
    title = sample().meta.title
    words = title.split()
    assert sum(w[:1].isupper() for w in words[1:]) <= 2  # names only
    assert "four babies" not in title.lower()


def test_fact_labels_readable() -> None:
    for story in (sample(), merge(french_docs())):
        assert story.facts
        for f in story.facts:
            assert f.label[:1].isupper(), f.label
            assert not re.match(r"(count|age|floor|height|distance|date|weekday|year)\b", f.label), f.label
            assert "year-old" not in f.value and "month-old" not in f.value
            assert f.sources
    labels = {f.label: f.value for f in sample().facts}
    assert any(k.startswith("Age of Fousseynou") and v == "39" for k, v in labels.items())
    assert labels.get("Floor where the fire started") == "second floor"
    assert not any(" can" in k for k in labels)
    keys = [(f.label, f.value) for f in sample().facts]
    assert len(keys) == len(set(keys))


def test_claim_excerpts_cut_at_boundaries() -> None:
    for c in sample().conflicts:
        for claim in c.claims:
            t = claim.text
            assert t.endswith((".", "!", "?", "…", "”", "’")) or t.endswith(claim.value), t
            assert claim.value.lower() in t.lower()
    text = "He lifted two infants to safety, then guided four more adults to a window, witnesses said."
    out = clause_excerpt(text, text.index("four"), text.index("four") + len("four more adults"))
    assert out.startswith("…") and "four more adults to a window" in out


def test_timeline_only_this_event() -> None:
    story = sample()
    year = (story.meta.date or "")[:4]
    assert story.timeline
    for e in story.timeline:
        assert e.date and e.date.startswith(year), e
    assert [e.date for e in story.timeline] == sorted(e.date or "" for e in story.timeline)


def test_roles_are_clean() -> None:
    roles = {p.name: p.roles for p in sample().people}
    assert "mother" in roles["Naomi"]
    assert "MEP" in roles["Matthieu Valet"]
    for rs in roles.values():
        for r in rs:
            assert r == r.lower() or any(w.isupper() for w in r.split()), r


def test_sections_are_generic_and_ordered() -> None:
    story = sample()
    headings = [s.heading for s in story.sections]
    assert headings[0] == "What happened"
    assert "What they said" in headings and "Analysis and comment" in headings
    assert headings.index("What they said") < headings.index("Analysis and comment")
    lead = story.sections[0].blocks
    assert not weak_start(lead[0].text)
    # the essay's generic paragraphs come after the report
    comment = next(s for s in story.sections if s.heading == "Analysis and comment")
    assert all(b.sources == ("s1",) or b.sources == ("s2",) for b in comment.blocks)
    assert any(d.reason.startswith("source heading") for d in story.dropped)


def test_french_story_merges_sensibly() -> None:
    story = merge(french_docs())
    assert story.meta.language == "fr"
    headings = [s.heading for s in story.sections]
    assert headings[0] == "Ce qui s’est passé"
    lead = story.sections[0].blocks
    assert lead[0].sources == ("s1", "s2", "s3")  # one statement, three wordings, credited to all
    evac = [b for b in story.blocks() if "escalier de secours" in b.text]
    assert len(evac) == 1 and evac[0].sources == ("s1", "s2", "s3")
    assert (
        next(b for b in story.blocks() if "nous" in b.text)
        in next(s for s in story.sections if s.heading == "Analyse et commentaire").blocks
    )
    values = [{c.value.lower() for c in k.claims} for k in story.conflicts]
    assert {"deux élèves", "trois élèves"} in values
    assert not any(b.kind == "paragraph" and "Deux élèves" in b.text and "Trois" in b.text for b in story.blocks())
    labels = {f.label: f.value for f in story.facts}
    assert labels.get("Étage où le feu a pris") == "premier étage"
    assert story.timeline and story.timeline[0].date == "2025-10-14"


def test_french_input_order_does_not_matter() -> None:
    from storykit.codec import dumps

    docs = french_docs()
    assert dumps(merge(docs)) == dumps(merge(list(reversed(docs))))


def test_sample_merge_is_well_under_a_second() -> None:
    docs = sample_docs()
    merge(docs)
    start = time.perf_counter()
    merge(docs)
    assert time.perf_counter() - start < 0.8
