"""Shared fixtures. Model-backed fixtures live with the tests that need them."""

from __future__ import annotations

from pathlib import Path

import pytest

from quickturn.assets import ModelPaths, default_cache_dir


@pytest.fixture(scope="session")
def model_paths() -> ModelPaths:
    """Bundled models. Joined model files are cached in the user's quickturn cache, as in use."""
    return ModelPaths(default_cache_dir())


@pytest.fixture(scope="session")
def qwen_path(model_paths: ModelPaths) -> Path:
    return model_paths.qwen_0_5b()
