"""Shared test fixtures: the golden-file helper and the sample story."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from storykit.model import Story
from tests.sample_story import sample_story

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"

# CI machines are shared and slow at times: a deadline would make property tests flaky
settings.register_profile("storykit", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("storykit")


def pytest_configure(config: pytest.Config) -> None:
    # The libraries' parsed data (storykit.libcache) goes to a folder of this run, not the user's
    # cache: the first use in the run is a miss, later ones are hits, so both paths are exercised.
    os.environ.setdefault("STORYKIT_CACHE_DIR", tempfile.mkdtemp(prefix="storykit-test-cache-"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", help="rewrite golden files (review the diff before committing)"
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, bytes], None]:
    """Compare bytes with tests/golden/<name>, or rewrite it with --update-goldens."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, data: bytes) -> None:
        path = ROOT / "tests" / "golden" / name
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        assert data == path.read_bytes(), (
            f"{name} differs from its golden file; rerun with --update-goldens and review the diff"
        )

    return check


@pytest.fixture
def story() -> Story:
    """The hand-built sample story."""
    return sample_story()


@pytest.fixture(scope="session")
def sample_edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample sources built once per test run, every format."""
    from storykit.formats import FORMATS, Options
    from storykit.layouts import load_layout
    from storykit.pipeline import build

    out = tmp_path_factory.mktemp("edition")
    build([SEEDS], out, list(FORMATS), load_layout(), Options(), use_cache=False)
    return out
