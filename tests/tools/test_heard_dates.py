"""Spoken dates resolved against the agent's today, and a call's unsaid dates replaced by them."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from quickturn.tools.heard_dates import (
    count_of,
    date_fields,
    dates_in,
    fix_dates,
    fix_times,
    said_now,
    times_in,
)
from quickturn.tools.types import ToolCall

TODAY = date(2026, 3, 14)  # a Saturday


@pytest.mark.parametrize(
    ("line", "dates"),
    [
        ("A table for four on Thursday the 19th at 7 pm.", ["2026-03-19"]),
        ("From March 20 to the 22nd.", ["2026-03-20", "2026-03-22"]),
        ("from March twentieth to the twenty-second", ["2026-03-20", "2026-03-22"]),
        ("the 20th of March", ["2026-03-20"]),
        ("dinner tomorrow", ["2026-03-15"]),
        ("tonight at 7:30", ["2026-03-14"]),
        ("next Friday", ["2026-03-20"]),
        ("on Saturday", ["2026-03-21"]),  # said on a Saturday: the coming one
        ("on the 2nd", ["2026-04-02"]),  # passed this month: the next
        ("In May, May 3rd.", ["2026-05-03"]),
        ("January 5", ["2027-01-05"]),  # passed this year: the next
        ("the second room please", []),
        ("I may be late, I need two nights", []),
    ],
)
def test_spoken_dates_resolve_to_the_days_callers_mean(line: str, dates: list[str]) -> None:
    assert [d.isoformat() for d in dates_in(line, TODAY)] == dates


TABLE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "date": {"type": "string", "description": "YYYY-MM-DD"},
        "party_size": {"type": "integer"},
    },
    "required": ["date", "party_size"],
}
STAY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "check_in": {"type": "string", "format": "date"},
        "check_out": {"type": "string", "description": "YYYY-MM-DD"},
        "guests": {"type": "integer"},
    },
    "required": ["check_in", "check_out"],
}


def said(*lines: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": line} for line in lines]


def test_date_fields_are_found_by_format_or_pattern() -> None:
    assert date_fields(STAY) == ["check_in", "check_out"]
    assert date_fields(TABLE) == ["date"]


def test_a_date_the_caller_never_said_becomes_the_one_they_did() -> None:
    # The 0.5B wrote today's date for "Thursday the 19th".
    call = ToolCall("c1", "reserve", {"date": "2026-03-14", "party_size": 4})
    history = said("A table for four on Thursday the 19th at 7 pm.")
    assert fix_dates(TABLE, call, history, TODAY).arguments["date"] == "2026-03-19"
    left_out = ToolCall("c1", "reserve", {"party_size": 4})
    assert fix_dates(TABLE, left_out, history, TODAY).arguments["date"] == "2026-03-19"


def test_dates_the_caller_said_or_a_tool_returned_are_kept() -> None:
    right = ToolCall("c1", "book", {"check_in": "2026-03-20", "check_out": "2026-03-22"})
    history = said("March 20 to the 22nd, please.", "Two of us.")
    assert fix_dates(STAY, right, history, TODAY) == right
    booked = [{"role": "tool", "content": json.dumps({"check_in": "2026-04-01"})}]
    moved = ToolCall("c2", "book", {"check_in": "2026-04-01", "check_out": "2026-03-22"})
    assert fix_dates(STAY, moved, [*history, *booked], TODAY) == moved


def test_a_range_is_filled_in_order_and_ambiguity_changes_nothing() -> None:
    wrong = ToolCall("c1", "book", {"check_in": "2026-03-14", "check_out": "2026-03-15"})
    history = said("I'd like to come on the 22nd and leave March 25.")
    fixed = fix_dates(STAY, wrong, history, TODAY).arguments
    assert (fixed["check_in"], fixed["check_out"]) == ("2026-03-22", "2026-03-25")
    one_said = said("Arriving on the 22nd.")
    assert fix_dates(STAY, wrong, one_said, TODAY) == wrong  # two to fix, one date said
    assert fix_dates(STAY, wrong, said("Two nights please."), TODAY) == wrong


@pytest.mark.parametrize(
    ("line", "times"),
    [
        ("Can I check out at one in the afternoon instead?", ["13:00"]),
        ("seven thirty p.m. please", ["19:30"]),
        ("at noon", ["12:00"]),
        ("19:30", ["19:30"]),
        ("a massage at 4 pm and a table at 8 pm", ["16:00", "20:00"]),
        ("at seven", []),  # morning or evening: the model's to decide
        ("around eleven", []),
    ],
)
def test_spoken_times_are_read_only_when_the_hour_is_certain(line: str, times: list[str]) -> None:
    assert [t.strftime("%H:%M") for t in times_in(line)] == times


def test_a_time_the_caller_did_not_say_becomes_the_one_they_did() -> None:
    late = {"type": "object", "properties": {"time": {"type": "string", "description": "HH:MM"}}}
    history = said("Can I check out at one in the afternoon instead?")
    wrong = ToolCall("c1", "late", {"time": "14:00, 24-hour"})
    assert fix_times(late, wrong, history).arguments == {"time": "13:00"}
    right = ToolCall("c1", "late", {"time": "13:00"})
    assert fix_times(late, right, history) == right
    two = said("At 4 pm or 5 pm.")
    assert fix_times(late, wrong, two) == wrong  # two times said: ambiguous


def test_the_dates_and_time_a_line_gives_beyond_doubt_are_written_before_decoding() -> None:
    late = {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "time": {"type": "string", "description": "HH:MM"},
        },
        "required": ["code", "time"],
    }
    assert said_now(STAY, said("Leaving the 22nd, arriving March 20."), TODAY) == {
        "check_in": "2026-03-20", "check_out": "2026-03-22"
    }
    assert said_now(late, said("Can I check out at one in the afternoon?"), TODAY) == {
        "time": "13:00"
    }
    # Only the latest line counts, and only as many dates as the tool's required date fields.
    assert said_now(STAY, said("From March 20 to the 22nd.", "Two adults."), TODAY) == {}
    assert said_now(STAY, said("Arriving March 20."), TODAY) == {}
    assert said_now(TABLE, said("Friday or Saturday at 7 pm?"), TODAY) == {}


def test_a_count_said_before_what_it_counts_is_read() -> None:
    assert count_of("A double room for two adults, please.", "adults") == 2
    assert count_of("2 adults and one child", "children") == 1
    assert count_of("three nights", "nights") == 3
    assert count_of("two adults, or maybe three adults", "adults") is None  # unsure
    assert count_of("a table for four", "party_size") is None
    stay = {**STAY, "properties": {**STAY["properties"],
                                   "adults": {"type": "integer", "minimum": 1, "maximum": 4}},
            "required": ["check_in", "check_out", "adults"]}
    assert said_now(stay, said("For two adults."), TODAY) == {"adults": 2}
    assert said_now(stay, said("For nine adults."), TODAY) == {}  # past the schema's maximum
