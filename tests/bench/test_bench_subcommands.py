"""`quickturn bench` subcommands: the old flags still mean `bench llm`, every sub-benchmark is
registered, a module not built yet is skipped and a broken one is never hidden."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from quickturn.bench import command, llm_command
from quickturn.cli import build_parser


def test_plain_bench_is_the_llm_mode() -> None:
    parser = build_parser()
    old = parser.parse_args(["bench", "--embedded", "--conversations", "2"])
    assert old.func is llm_command.run_command and old.embedded and old.conversations == 2
    new = parser.parse_args(["bench", "llm", "--embedded", "--conversations", "3"])
    assert new.func is llm_command.run_command and new.conversations == 3


def test_every_lab_benchmark_is_registered() -> None:
    parser = build_parser()
    for name in ("load", "a2a", "soak", "ablate"):
        args = parser.parse_args(["bench", name])
        assert args.bench_command == name
        assert args.func.__module__ == f"quickturn.bench.{name}_command"


def test_missing_module_is_skipped_but_a_broken_one_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "labfake"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "broken.py").write_text("import labfake_dependency_that_is_not_there\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert command.load_subcommand("labfake.not_written_yet") is None
    with pytest.raises(ModuleNotFoundError, match="labfake_dependency_that_is_not_there"):
        command.load_subcommand("labfake.broken")
    for name in ("labfake", "labfake.broken"):
        sys.modules.pop(name, None)


def test_a_broken_benchmark_stays_listed_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = tmp_path / "labfake2"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "broken.py").write_text("import labfake2_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(command, "SUBCOMMANDS", (
        *command.SUBCOMMANDS, ("broken", "labfake2.broken"), ("later", "labfake2.later")))
    parser = build_parser()
    args = parser.parse_args(["bench", "broken"])
    assert args.func(args) == 2
    assert "labfake2_missing_dependency" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["bench", "later"])  # not written yet: simply absent
    for name in ("labfake2", "labfake2.broken"):
        sys.modules.pop(name, None)


def test_turn_taking_and_stt_chunking_are_registered_by_name() -> None:
    names = dict(command.SUBCOMMANDS)
    assert names["turns"] == "quickturn.bench.turn_taking"
    assert names["stt"] == "quickturn.bench.stt_chunking"
