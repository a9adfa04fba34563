"""A hand-built story used by adapter tests, independent of the merge."""

from __future__ import annotations

from storykit.model import (
    Block,
    Caption,
    Claim,
    Conflict,
    Dropped,
    Event,
    Fact,
    Meta,
    Person,
    Place,
    Quote,
    Section,
    Source,
    Story,
    Variant,
)


def sample_story() -> Story:
    """A small but complete story exercising every part of the model."""
    sources = (
        Source("s1", "a.txt", "0" * 64, "Neighbour climbs ledge to save six", outlet="Daily Example"),
        Source(
            "s2",
            "b.html",
            "1" * 64,
            "Rescue on the sixth floor",
            outlet="Le Monde d’Exemple",
            url="https://example.org/a-very-long-url/that-should-wrap-nicely-and-not-overflow-the-page",
            published="2025-07-05",
            language="fr",
        ),
        Source("s3", "c.txt", "2" * 64, "Caretaker rescues children", copy_of="s1"),
    )
    q1 = Quote("q-1", "They had to be saved, that’s it.", ("s1", "s2"), speaker="Jean Dupont", outlet="Le Parisien")
    q2 = Quote(
        "q-2",
        "I didn’t think twice.",
        ("s2",),
        speaker="Jean Dupont",
        variants=(Variant("I did not think about it twice.", ("s3",)),),
    )
    q3 = Quote("q-3", "We couldn’t see anything anymore.", ("s1",), speaker=None)
    sections = (
        Section(
            "sec-1",
            None,
            (
                Block(
                    "p-1",
                    "paragraph",
                    "A caretaker climbed onto a sixth-floor ledge in Paris on Friday, "
                    "4 July 2025, and brought six people out of a burning flat.",
                    ("s1", "s2", "s3"),
                ),
                Block(
                    "p-2",
                    "paragraph",
                    "The fire broke out on the second floor; smoke filled the stairwell. "
                    "Zoë Ångström, 31, and her children were trapped — “we had nowhere to go”.",
                    ("s2",),
                ),
                Block("p-3", "quote", q1.text, q1.sources, speaker=q1.speaker, quote=q1.id),
            ),
        ),
        Section(
            "sec-2",
            "On the ledge",
            (
                Block(
                    "p-4",
                    "paragraph",
                    "He passed a baby across the gap to a man in the next building, "
                    "then a one-year-old, then two older children and two adults.",
                    ("s1", "s3"),
                ),
                Block("p-5", "quote", q2.text, q2.sources, speaker=q2.speaker, quote=q2.id),
                Block("p-6", "paragraph", "Ten people were taken to hospital for smoke inhalation.", ("s2",)),
                Block("p-7", "quote", q3.text, q3.sources, quote=q3.id),
            ),
        ),
        Section(
            "sec-3",
            "Questions",
            (
                Block("p-8", "question", "How many people did he save?", ("s1",)),
                Block("p-9", "answer", "Six: four children and two adults.", ("s1",)),
                Block("p-10", "paragraph", "The ceremony was planned for the following", ("s2",), truncated=True),
            ),
        ),
    )
    return Story(
        meta=Meta(
            title="A caretaker on a sixth-floor ledge saves six neighbours",
            slug="caretaker-ledge-rescue",
            language="en",
            dek="Four accounts of one rescue in Paris, merged: what they agree on and where they differ.",
            place="Paris",
            date="2025-07-04",
            kicker="Paris · 4 July 2025",
            summary=(
                "A caretaker climbed onto a sixth-floor ledge and brought six people out of a burning flat.",
                "Sources disagree on the age of the youngest child.",
            ),
        ),
        sources=sources,
        sections=sections,
        quotes=(q1, q2, q3),
        facts=(
            Fact("f-1", "count", "People rescued", "6", "He rescued six people.", ("s1", "s2", "s3")),
            Fact("f-2", "floor", "Floor of the flat", "6th", "a sixth-floor flat", ("s1", "s2")),
            Fact("f-3", "count", "Taken to hospital", "10", "Ten people were taken to hospital.", ("s2",)),
            Fact("f-4", "age", "Age of the rescuer", "39", "the 39-year-old", ("s1",)),
        ),
        people=(
            Person(
                "person-1", "Jean Dupont", ("s1", "s2"), variants=("Dupont", "Jean"), roles=("caretaker",), age="39"
            ),
            Person("person-2", "Zoë Ångström", ("s2",), roles=("mother",), age="31"),
        ),
        places=(Place("Paris", ("s1", "s2", "s3")),),
        conflicts=(
            Conflict(
                "c-1",
                "Age of the youngest child",
                (
                    Claim("1 month", "a 1-month-old baby", ("s1",)),
                    Claim("5 months", "a five-month-old baby", ("s2", "s3")),
                ),
            ),
            Conflict(
                "c-2",
                "Number of babies",
                (
                    Claim("four babies", "rescues four babies", ("s2",)),
                    Claim("two babies", "two babies and two older children", ("s1", "s3")),
                ),
                note="The headline of one source contradicts its own body.",
            ),
        ),
        timeline=(
            Event("Friday 4 July 2025, evening", "Fire breaks out on the second floor.", ("s2",), "2025-07-04"),
            Event("Minutes later", "The caretaker climbs onto the ledge.", ("s1", "s2")),
            Event("13 July", "He is to receive a medal.", ("s1",), "2025-07-13"),
        ),
        captions=(Caption("The caretaker on the ledge, as filmed by a neighbour.", ("s3",)),),
        dropped=(Dropped("s1", 1, "Your cart is currently empty!", "commerce boilerplate"),),
    )
