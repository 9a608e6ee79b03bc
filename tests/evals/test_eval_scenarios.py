"""Scenario loader: the bundled hotel scenarios, and clear errors for broken files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from quickturn.errors import ConfigError
from quickturn.evals.hotel import scenarios_dir
from quickturn.evals.scenarios import DIFFICULTIES, load_file, load_scenarios, select

# Feature classes the brief asks the set to cover.
FEATURES = (
    "booking",
    "modification",
    "cancellation",
    "restaurant",
    "spa",
    "transport",
    "wakeup",
    "housekeeping",
    "maintenance",
    "invoice",
    "lost-and-found",
    "policy",
    "correction",
    "multi-task",
    "refusal",
    "out-of-scope",
    "volunteered-info",
    "no-change",
)


def test_bundled_scenarios_load_and_cover_every_class() -> None:
    scenarios = load_scenarios([scenarios_dir()])
    assert len(scenarios) >= 100
    tags = Counter(t for s in scenarios for t in s.tags)
    for feature in FEATURES:
        assert tags[feature] >= 2, f"too few scenarios tagged {feature}"
    for level in DIFFICULTIES:
        assert tags[level] >= 10, f"too few {level} scenarios"
    assert len({s.id for s in scenarios}) == len(scenarios)


def test_bundled_scenarios_name_real_tables_and_tools() -> None:
    from quickturn.domains.hotel.db import create_database, table_names
    from quickturn.domains.hotel.tools import build_hotel_tools

    conn = create_database(":memory:")
    tables = set(table_names(conn))
    tools = set(build_hotel_tools(conn).names)
    conn.close()
    for s in load_scenarios([scenarios_dir()]):
        for row in (*s.expect.must_exist, *s.expect.must_not_exist):
            assert row.table in tables, f"{s.id}: unknown table {row.table}"
        if s.expect.unchanged != "all":
            assert set(s.expect.unchanged) <= tables, s.id
        for act in (*s.expect.required_actions, *s.expect.forbidden_actions):
            assert act.tool in tools, f"{s.id}: unknown tool {act.tool}"


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = """
id: ok-1
title: A fine scenario
tags: [booking, easy]
opening: Hello
facts: {name: Ann Lee, check_in: 2026-04-01, guests: 2}
steps: [I want a room., {say: "Actually two nights.", when: confirm}]
reactions: {confirm: yes, price: ask_cheaper}
expect:
  must_exist: [{table: bookings, new: true, where: {check_in: 2026-04-01}}]
  required_actions: [create_booking, {tool: get_rates, args: {room_type: double}}]
"""


def test_good_file_parses_fields(tmp_path: Path) -> None:
    [s] = load_file(write(tmp_path, GOOD))
    assert s.facts == {"name": "Ann Lee", "check_in": "2026-04-01", "guests": "2"}
    assert s.steps[1].when == "confirm"
    assert s.reactions.price == "ask_cheaper"
    assert s.difficulty == "easy"
    assert s.expect.required_actions[0].tool == "create_booking"
    assert s.expect.required_actions[1].args == {"room_type": "double"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("tags: [booking, easy]", "tags: [booking]"), "tags: needs exactly one difficulty"),
        (("tags: [booking, easy]", "tags: [easy]"), "tags: needs a feature tag"),
        (("opening: Hello", "opening: ''"), "opening: must be a non-empty string"),
        (
            ("reactions: {confirm: yes, price: ask_cheaper}", "reactions: {price: haggle}"),
            "reactions.price",
        ),
        (("when: confirm", "when: later"), r"steps\[1\].when"),
        (("where: {check_in", "wher: {check_in"), r"expect.must_exist\[0\]: unknown field"),
        (("id: ok-1", "id: Bad Id"), "id: use lowercase"),
        (("title: A fine scenario", "titel: x"), "unknown field"),
        (("{room_type: double}", "{room_type: {approx: double}}"), "operators must be among"),
    ],
)
def test_errors_name_file_scenario_and_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    bad = GOOD.replace(*change)
    assert bad != GOOD
    path = write(tmp_path, bad)
    with pytest.raises(ConfigError, match=message) as info:
        load_file(path)
    assert str(path) in str(info.value)


def test_scenario_without_checks_is_refused(tmp_path: Path) -> None:
    text = "id: x\ntitle: x\ntags: [policy, easy]\nopening: hi\nexpect: {}\n"
    with pytest.raises(ConfigError, match="expect: must state at least one check"):
        load_file(write(tmp_path, text))


def test_invalid_yaml_and_duplicates_and_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_file(write(tmp_path, "id: [unclosed", "broken.yaml"))
    d = tmp_path / "dir"
    d.mkdir()
    write(d, GOOD, "a.yaml")
    write(
        d,
        "scenarios:\n"
        + "\n".join(
            "  " + line if i else "- " + line.strip()
            for i, line in enumerate(GOOD.strip().splitlines())
        ),
        "b.yaml",
    )
    with pytest.raises(ConfigError, match="duplicate scenario id 'ok-1'"):
        load_scenarios([d])
    with pytest.raises(ConfigError, match="no such scenario file"):
        load_scenarios([tmp_path / "missing"])


def test_select_by_tag_id_and_all(tmp_path: Path) -> None:
    scenarios = load_file(write(tmp_path, GOOD))
    assert select(scenarios, "booking") == scenarios
    assert select(scenarios, "ok-1,nothing") == scenarios
    assert select(scenarios, "all") == scenarios
    with pytest.raises(ConfigError, match="no scenario matches"):
        select(scenarios, "spa")
