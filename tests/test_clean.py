"""Tests for storykit.clean: boilerplate, captions, styled letters, structure, idempotence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from storykit.clean import boilerplate, clean, plain_letters
from storykit.document import CleanDocument, RawDocument, SourceMeta
from storykit.readers import read_source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
KEY = ROOT.parent / "shared" / "eval" / "cisse" / "key.json"
FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                      "\u2013": "-", "\u2014": "-", "\u2026": "..."})


def doc(text: str, title: str = "") -> RawDocument:
    return RawDocument(path="x.txt", name="x.txt", checksum="0", text=text, meta=SourceMeta(title=title))


def run(text: str, title: str = "") -> CleanDocument:
    return clean(doc(text, title), "s1")


def shape(cleaned: CleanDocument) -> list[tuple[str, str, bool]]:
    return [(p.kind, p.text, p.truncated) for p in cleaned.parts]


def again(cleaned: CleanDocument) -> CleanDocument:
    return run("\n".join(p.text for p in cleaned.parts), cleaned.raw.meta.title)


def seed(n: int) -> CleanDocument:
    return clean(read_source(SEEDS[n]), f"s{n + 1}")


# -- The four seeds ------------------------------------------------------------------------------


@pytest.mark.skipif(not KEY.exists(), reason="answer key not available")
@pytest.mark.parametrize("n", range(4))
def test_no_noise_pattern_survives_in_the_seeds(n: int) -> None:
    key = json.loads(KEY.read_text(encoding="utf-8"))
    for part in seed(n).parts:
        for item in key["noise"]:
            assert not re.search(item["pattern"], part.text, re.I), (item["id"], part)
            assert not re.search(item["pattern"], part.text.translate(FOLD), re.I), (item["id"], part)


@pytest.mark.skipif(not KEY.exists(), reason="answer key not available")
@pytest.mark.parametrize("n", range(4))
def test_repeated_captions_appear_once_per_seed(n: int) -> None:
    key = json.loads(KEY.read_text(encoding="utf-8"))
    text = " ".join(p.text for p in seed(n).parts).translate(FOLD).lower()
    for item in key["once"]:
        assert text.count(item["text"].translate(FOLD).lower()) <= item.get("max", 1), item["id"]


def test_seed_000_title_headings_and_shop_notice() -> None:
    cleaned = seed(0)
    assert cleaned.parts[0].kind == "title"
    assert cleaned.parts[0].text.startswith("Man Risks His Life")
    assert sum(p.kind == "heading" for p in cleaned.parts) == 5
    assert [(d.line, d.reason) for d in cleaned.dropped] == [(1, "shop notice")]


def test_seed_001_faq_and_video_prompt() -> None:
    cleaned = seed(1)
    kinds = [p.kind for p in cleaned.parts]
    assert kinds[0] == "paragraph"
    assert kinds[-9:] == ["heading"] + ["question", "answer"] * 4
    assert cleaned.parts[-9].text == "FAQ"
    assert not cleaned.parts[-1].truncated
    assert [(d.line, d.reason) for d in cleaned.dropped] == [(25, "embed announcement")]


def test_seed_002_captions_styled_letters_and_stray_capital() -> None:
    cleaned = seed(2)
    captions = [p for p in cleaned.parts if p.kind == "caption"]
    assert [p.line for p in captions] == [3, 4, 5, 31]
    assert captions[2].text.startswith("The caretaker also managed")
    assert all(not re.search("[\U0001d400-\U0001d7ff]", p.text) for p in cleaned.parts)
    assert "children" in cleaned.parts[5].text
    reasons = {d.reason for d in cleaned.dropped}
    assert "stray letter glued to the start of a caption" in reasons
    assert "styled Unicode letters mapped to plain letters" in reasons
    assert all(not re.search("[\U0001d400-\U0001d7ff]", d.text) for d in cleaned.dropped)


def test_seed_003_captions_repeating_the_body_are_dropped() -> None:
    cleaned = seed(3)
    dropped = {d.line: d.reason for d in cleaned.dropped}
    assert dropped == {10: "caption repeats a sentence of line 2", 12: "caption repeats a sentence of line 3"}
    assert [p.kind for p in cleaned.parts].count("caption") == 0
    assert any(p.line == 15 and p.kind == "paragraph" for p in cleaned.parts)


@pytest.mark.parametrize("n", range(4))
def test_cleaning_the_seeds_is_idempotent(n: int) -> None:
    first = seed(n)
    second = again(first)
    assert shape(second) == shape(first)
    assert second.dropped == ()


# -- plain_letters -------------------------------------------------------------------------------


def test_plain_letters_maps_styled_letters() -> None:
    assert plain_letters("𝘤𝘩𝘪𝘭𝘥ren and a 𝑏𝑎𝑏𝑦") == "children and a baby"
    assert plain_letters("𝐁𝐎𝐋𝐃 𝟏𝟐𝟑 𝕕𝕠𝕦𝕓𝕝𝕖 𝓼𝓬𝓻𝓲𝓹𝓽") == "BOLD 123 double script"
    assert plain_letters("𝑤𝑒𝑖𝑔ℎ𝑡") == "weight"  # ℎ fills the hole of the italic alphabet
    assert plain_letters("ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２") == "fullwidth ABC 12"
    assert plain_letters("ﬁre and ﬂood") == "fire and flood"


def test_plain_letters_is_not_nfkc() -> None:
    kept = "½ x² H₂O 10\u00a0km 7\u202fh “quoted” ‘single’ — – … é ñ ç ™ № ℃ « » 中文，标点。"
    assert plain_letters(kept) == kept
    assert plain_letters("Planck: ℎ") == "Planck: ℎ"


def test_plain_letters_removes_invisible_controls() -> None:
    assert plain_letters("chil\u200bdren\u2060 \ufeffsafe\u00ad") == "children safe"
    assert plain_letters("\u202eevil\u202c \u2066iso\u2069") == "evil iso"
    assert plain_letters("ba\u200dby ca\u200cre") == "baby care"


def test_plain_letters_keeps_joiners_where_scripts_need_them() -> None:
    persian = "می\u200cخواهم"
    family = "👨\u200d👩\u200d👧"
    devanagari = "क्\u200dष"
    assert plain_letters(persian) == persian
    assert plain_letters(family) == family
    assert plain_letters(devanagari) == devanagari


@given(st.text())
def test_plain_letters_is_idempotent(text: str) -> None:
    once = plain_letters(text)
    assert plain_letters(once) == once


# -- Boilerplate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Your cart is currently empty!", "Votre panier est vide", "Add to basket",
        "We use cookies to improve your experience.", "Ce site utilise des cookies.",
        "Accept all cookies", "Accepter les cookies",
        "Sign up for our newsletter", "Subscribe now for free", "Abonnez-vous à notre newsletter",
        "Inscrivez-vous à la newsletter gratuite",
        "Share this article", "Share on Facebook", "Partager sur Facebook", "Facebook Twitter WhatsApp",
        "Watch the video below:", "See the post below:", "Regardez la vidéo ci-dessous :",
        "WATCH THE VIDEO HERE", "View this post on Instagram", "A post shared by Someone (@someone)",
        "Advertisement", "Publicité", "ADVERTISEMENT",
        "Read more: Storm hits the coast", "Related: Fire in 2023", "Lire aussi : Les chantiers de l’été",
        "À lire aussi", "Sur le même sujet", "You may also like",
        "Photo: Getty Images", "Credit: AFP", "Crédit photo : AFP", "Getty Images",
        "John Smith/AFP via Getty Images",
        "Page 2 of 3", "Published: 7 July 2025", "Updated 12:30 BST, 7 July 2025",
        "Mis à jour le 7 juillet 2025 à 10h30",
        "Friday, July 4, 2025", "5 min read", "© 2025 Example News. All rights reserved.",
        "By Jane Doe", "Par Jean Dupont", "By Claire Martin, Paris correspondent",
        "Click here to see more", "Cliquez ici", "Follow us on Instagram", "Suivez-nous sur X",
    ],
)
def test_boilerplate_lines_are_recognised(line: str) -> None:
    assert boilerplate(line) is not None, line
    cleaned = run(f"A first sentence of the article.\n{line}\nA last sentence of the article.")
    assert [p.text for p in cleaned.parts] == ["A first sentence of the article.", "A last sentence of the article."]
    assert [d.line for d in cleaned.dropped] == [2]


@pytest.mark.parametrize(
    "line",
    [
        "By Friday, the fire was out and residents had returned home.",
        "The site uses cookies, the regulator said, but its notice was unclear to many readers.",
        "He told reporters he would subscribe to the plan if it passed.",
        "Share prices fell by 4% on Monday after the announcement.",
        "Watch the video below the fold, the editor told the new reporters as a joke.",
        "Advertisement revenue fell sharply last year.",
        "Related matters were discussed at the meeting on Tuesday.",
        "Par ailleurs, la mairie a annoncé une enquête.",
        "Page two of the report was missing.",
        "She was photographed by AFP on the steps of the court.",
    ],
)
def test_body_sentences_that_mention_boilerplate_words_are_kept(line: str) -> None:
    assert boilerplate(line) is None
    assert [p.text for p in run(f"First sentence here.\n{line}").parts][1] == line


# -- Captions ------------------------------------------------------------------------------------


def test_caption_with_label_and_credit_is_kept_once() -> None:
    cleaned = run(
        "Residents were evacuated from the tower on Sunday, officials said.\n"
        "Image: Firefighters at the scene on Sunday. (AFP)\n"
        "About 80 firefighters were deployed to the building.\n"
        "Firefighters at the scene on Sunday.\n"
        "Twelve people were taken to hospital.\n"
    )
    captions = [p for p in cleaned.parts if p.kind == "caption"]
    assert [c.text for c in captions] == ["Firefighters at the scene on Sunday."]
    reasons = [d.reason for d in cleaned.dropped]
    assert reasons == ["caption label", "photo credit", "repeats line 2"]


def test_caption_repeating_a_body_sentence_is_dropped() -> None:
    cleaned = run(
        "The mayor opened the new bridge on Monday morning in front of a large crowd of residents.\n"
        "She thanked the engineers. The bridge had been closed for eight months.\n"
        "The mayor opened the new bridge on Monday in front of a crowd of residents\n"
        "Traffic was flowing again by noon.\n"
    )
    assert [p.kind for p in cleaned.parts] == ["paragraph"] * 3
    assert cleaned.dropped[0].line == 3 and "caption repeats" in cleaned.dropped[0].reason


def test_caption_run_between_paragraphs_and_final_caption() -> None:
    cleaned = run(
        "The storm reached the coast late on Tuesday night, cutting power to thousands.\n"
        "Waves crash over the harbour wall in the early hours of Wednesday\n"
        "A fallen tree blocks the main road into the village\n"
        "Repair crews worked through the night to restore electricity.\n"
        "Residents clear debris from their gardens on Wednesday morning\n"
    )
    assert [p.kind for p in cleaned.parts] == ["paragraph", "caption", "caption", "paragraph", "caption"]


def test_stray_capital_before_caption_is_removed() -> None:
    cleaned = run(
        "The crew rescued four people from the roof on Sunday.\n"
        "CThe crew also saved a dog from the flooded ground floor\n"
        "ALe chien a été confié à un voisin\n"
        "All were unharmed, the fire service said.\n"
    )
    assert [(p.kind, p.text) for p in cleaned.parts][1:3] == [
        ("caption", "The crew also saved a dog from the flooded ground floor"),
        ("caption", "Le chien a été confié à un voisin"),
    ]
    assert run("LA Times reporters were at the scene.").parts[0].text == "LA Times reporters were at the scene."


# -- Structure -----------------------------------------------------------------------------------


def test_title_headings_and_faq_in_french() -> None:
    cleaned = run(
        "Un voisin sauve six personnes d’un incendie à Lyon\n"
        "Un homme de 39 ans a porté secours à une famille bloquée au sixième étage, vendredi soir.\n"
        "Un geste salué par la ville\n"
        "La maire a annoncé qu’il recevrait la médaille de la ville.\n"
        "Questions fréquentes\n"
        "Où cela s’est-il passé ?\n"
        "Dans le 8e arrondissement de Lyon.\n"
        "Combien de personnes ont été sauvées ?\n"
        "Six personnes, dont quatre enfants.\n"
    )
    assert [p.kind for p in cleaned.parts] == [
        "title", "paragraph", "heading", "paragraph", "heading", "question", "answer", "question", "answer",
    ]


def test_title_from_metadata() -> None:
    cleaned = run("Bridge reopens after repairs.\nThe bridge reopened on Monday.", title="Bridge reopens after repairs")
    assert cleaned.parts[0].kind == "title"


@pytest.mark.parametrize(
    ("last", "cut"),
    [
        ("The council said the work would be finished by the end of the", True),
        ("He said the building was safe and that residents could return to Par", True),
        ("The council said the work would continue, and that", True),
        ("“We will rebuild,” she said. “It will take time but", True),
        ("The work will be finished next spring.", False),
        ("Residents were allowed back into Paris", False),
    ],
)
def test_final_line_cut_off_is_flagged(last: str, cut: bool) -> None:
    text = (
        "The fire started in Paris on Sunday and spread to the roof, the council said, as residents fled.\n"
        f"{last}"
    )
    cleaned = run(text)
    final = cleaned.parts[-1]
    assert final.text == last
    assert final.truncated is cut
    if cut:
        assert final.kind == "paragraph"


def test_words_are_never_corrected() -> None:
    text = "He hands him the infant to a man in the the next building on Friday .\nTeh typo stays."
    assert [p.text for p in run(text).parts] == text.split("\n")


def test_line_numbers_and_sources() -> None:
    cleaned = run("\n\nAdvertisement\n\nA sentence.\n")
    assert cleaned.parts[0].line == 5
    assert cleaned.dropped[0].line == 3 and cleaned.dropped[0].source == "s1"


def test_zero_width_changes_are_recorded() -> None:
    cleaned = run("A chil\u200bdren’s hospital opened.")
    assert cleaned.parts[0].text == "A children’s hospital opened."
    assert cleaned.dropped[0].text == "U+200B"


# -- Properties ----------------------------------------------------------------------------------

WORD = st.text(alphabet="abcdefghijklmnoprstuvyzéèàç", min_size=2, max_size=9)
NOISE = [
    "Advertisement", "Your cart is currently empty!", "Watch the video below:", "Share this article",
    "Sign up for our newsletter", "Publicité", "Lire aussi : Autre sujet", "Related: Another story",
    "Page 2 of 4", "© 2024 Some Outlet", "Votre panier est vide",
]


@st.composite
def sentence(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORD, min_size=4, max_size=16))
    end = draw(st.sampled_from([".", "!", "?", ".”", "…"]))
    return words[0].capitalize() + " " + " ".join(words[1:]) + end


@st.composite
def article(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    body = draw(st.lists(st.lists(sentence(), min_size=1, max_size=3).map(" ".join), min_size=1, max_size=12))
    noise = draw(st.lists(st.sampled_from(NOISE), max_size=4))
    lines: list[str] = list(body)
    for item in noise:
        lines.insert(draw(st.integers(0, len(lines))), item)
    return body, lines


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(article())
def test_no_sentence_that_is_not_noise_is_dropped(data: tuple[list[str], list[str]]) -> None:
    body, lines = data
    keys = [" ".join(b.split()).lower() for b in body]
    assume(all(fuzz.ratio(a, b) < 90 for i, a in enumerate(keys) for b in keys[i + 1:]))
    cleaned = run("\n".join(lines))
    assert [p.text for p in cleaned.parts] == body
    assert sorted(d.text for d in cleaned.dropped) == sorted(n for n in lines if n not in body)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(article(), st.lists(st.sampled_from([
    "A Heading In Title Case", "Un intertitre court", "Caption of a picture without a full stop",
    "𝘴𝘵𝘺𝘭𝘦𝘥 words in a line.", "Zero\u200bwidth inside.", "FAQ", "What happened next?",
    "It was cut off in the mid", "Image: A view of the street. (AFP)",
]), max_size=5))
def test_clean_is_idempotent(data: tuple[list[str], list[str]], extra: list[str]) -> None:
    _, lines = data
    lines = list(lines)
    for item in extra:
        lines.insert(len(lines) // 2, item)
    first = run("\n".join(lines))
    second = again(first)
    assert [(p.kind, p.text, p.truncated) for p in second.parts] == shape(first) or _label_case(first)
    assert [p.text for p in second.parts] == [p.text for p in first.parts]


def _label_case(cleaned: CleanDocument) -> bool:
    """A caption marked only by a label or credit is a plain line once the label is gone."""
    return any(d.reason in {"caption label", "photo credit"} for d in cleaned.dropped)


@pytest.mark.parametrize(
    ("first", "kept"),
    [
        ("HARLOW BEND, Ohio (AP) — A chemical plant leaked on Tuesday, officials said.",
         "A chemical plant leaked on Tuesday, officials said."),
        ("LYON, 3 mars (AFP) - Un incendie s'est déclaré dans la nuit de lundi à mardi.",
         "Un incendie s'est déclaré dans la nuit de lundi à mardi."),
        ("THIS is the dramatic moment a crowd gathered outside the town hall.",
         "THIS is the dramatic moment a crowd gathered outside the town hall."),
    ],
)
def test_a_wire_dateline_is_removed_from_the_first_paragraph_only(first: str, kept: str) -> None:
    from storykit.clean import clean
    from storykit.document import RawDocument, SourceMeta

    later = "PARIS (Reuters) - A second paragraph that starts like a dateline stays as it is."
    raw = RawDocument("a.txt", "a.txt", "0" * 64, f"{first}\n{later}\n", SourceMeta())
    texts = [p.text for p in clean(raw, "s1").parts]
    assert kept in texts
    assert later in texts
