"""The story model, its JSON codec and its schema."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storykit import codec
from storykit.errors import StoryFileError
from storykit.model import Block, Meta, Section, Source, Story
from tests.conftest import ROOT


def test_round_trip_gives_an_equal_story(story: Story) -> None:
    assert codec.loads(codec.dumps(story)) == story


def test_dump_is_stable_bytes(story: Story) -> None:
    assert codec.dumps(story) == codec.dumps(codec.loads(codec.dumps(story)))


def test_committed_schema_matches_the_model() -> None:
    committed = (ROOT / "schema" / "story.schema.json").read_bytes()
    assert committed == codec.schema_json(), "run: storykit schema > schema/story.schema.json"


def test_story_json_validates_against_the_schema(story: Story) -> None:
    jsonschema.Draft202012Validator.check_schema(codec.schema())
    jsonschema.validate(json.loads(codec.dumps(story)), codec.schema())


def test_schema_rejects_an_unknown_block_kind(story: Story) -> None:
    data = json.loads(codec.dumps(story))
    data["sections"][0]["blocks"][0]["kind"] = "poem"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, codec.schema())


def test_model_is_immutable(story: Story) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        story.meta.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "expected a JSON object"),
        (b'{"meta": {"title": "t", "slug": "s"}, "sources": [], "sections": [], "extra": 1}', "unknown field"),
        (b'{"meta": {"title": 3, "slug": "s"}, "sources": [], "sections": []}', "should be a string"),
    ],
)
def test_bad_story_file_names_the_file(raw: bytes, problem: str) -> None:
    with pytest.raises(StoryFileError) as info:
        codec.loads(raw, "edited/story.json")
    assert "edited/story.json" in info.value.line()
    assert problem in info.value.line()


def test_independent_counts_copies_once(story: Story) -> None:
    assert story.independent(("s1", "s3")) == 1
    assert story.independent(("s1", "s2", "s3")) == 2


texts = st.text(min_size=1, max_size=40)


@given(title=texts, body=st.lists(texts, min_size=1, max_size=5))
def test_round_trip_of_generated_stories(title: str, body: list[str]) -> None:
    src = Source("s1", "a.txt", "f" * 64, title)
    blocks = tuple(Block(f"p-{i}", "paragraph", t, ("s1",)) for i, t in enumerate(body))
    made = Story(Meta(title, "slug"), (src,), (Section("sec-1", None, blocks),))
    assert codec.loads(codec.dumps(made)) == made
    jsonschema.validate(json.loads(codec.dumps(made)), codec.schema())
