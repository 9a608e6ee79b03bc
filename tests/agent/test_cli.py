"""The entry point lists every subcommand, even one whose module fails to import."""

from __future__ import annotations

import pytest

from quickturn import cli


def test_every_subcommand_is_registered() -> None:
    parser = cli.build_parser()
    help_text = parser.format_help()
    for name, _module in cli.COMMANDS:
        assert name in help_text
    assert "unavailable" not in help_text


def test_a_broken_subcommand_is_listed_with_its_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, ("lab", "quickturn.no_such_module")))
    assert "lab" in cli.build_parser().format_help()
    assert cli.main(["lab", "--runs", "3"]) == 2
    err = capsys.readouterr().err
    assert "quickturn lab: unavailable: quickturn.no_such_module failed to import" in err
    assert "ModuleNotFoundError" in err
