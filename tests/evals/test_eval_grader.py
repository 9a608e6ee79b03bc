"""Grader on hand-written database states and tool calls: cases that must pass and must fail."""

from __future__ import annotations

from typing import Any

import pytest

from quickturn.errors import ConfigError
from quickturn.evals.grader import GradeOptions, grade, match_value, table_diff
from quickturn.evals.scenarios import parse_scenario
from quickturn.tools.types import ToolCall

SEED: dict[str, list[dict[str, Any]]] = {
    "bookings": [
        {
            "code": "AAA111",
            "guest": "Ann Lee",
            "nights": 2,
            "status": "confirmed",
            "created_on": "x",
        },
        {
            "code": "BBB222",
            "guest": "Bo Chan",
            "nights": 1,
            "status": "confirmed",
            "created_on": "x",
        },
    ],
    "wakeup_calls": [{"id": 1, "room": "402", "time": "06:30", "status": "scheduled"}],
    "call_events": [],
}
OPTS = GradeOptions(
    ignored=frozenset({"id", "code", "created_on"}), volatile_tables=frozenset({"call_events"})
)


def expect(**fields: Any) -> Any:
    return parse_scenario(
        {"id": "t", "title": "t", "tags": ["x", "easy"], "opening": "hi", "expect": fields},
        "test.yaml",
    ).expect


def with_rows(**tables: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out = {k: list(v) for k, v in SEED.items()}
    out.update(tables)
    return out


def call(name: str, **args: Any) -> ToolCall:
    return ToolCall("c1", name, args)


NEW_BOOKING = {
    "code": "ZZZ999",
    "guest": "Cy Park",
    "nights": 3,
    "status": "confirmed",
    "created_on": "y",
}


def test_new_row_passes_regardless_of_order_ids_and_timestamps() -> None:
    final = with_rows(bookings=[NEW_BOOKING, *reversed(SEED["bookings"])])
    exp = expect(
        must_exist=[
            {"table": "bookings", "new": True, "where": {"guest": "cy park", "nights": "3"}}
        ],
        unchanged=["wakeup_calls"],
    )
    g = grade(exp, SEED, final, [], OPTS)
    assert g.passed, g.failures
    assert [r["guest"] for r in g.diff["bookings"].added] == ["Cy Park"]
    assert "code" not in g.diff["bookings"].added[0]


def test_seeded_row_does_not_count_as_new() -> None:
    exp = expect(must_exist=[{"table": "bookings", "new": True, "where": {"guest": "Ann Lee"}}])
    assert not grade(exp, SEED, SEED, [], OPTS).passed
    # Without `new`, the seeded row satisfies it.
    exp_any = expect(must_exist=[{"table": "bookings", "where": {"guest": "Ann Lee"}}])
    assert grade(exp_any, SEED, SEED, [], OPTS).passed


def test_updated_row_counts_as_new_and_old_version_as_removed() -> None:
    cancelled = dict(SEED["bookings"][0], status="cancelled")
    final = with_rows(bookings=[cancelled, SEED["bookings"][1]])
    exp = expect(
        must_exist=[
            {"table": "bookings", "new": True, "where": {"guest": "Ann Lee", "status": "cancelled"}}
        ],
        must_not_exist=[
            {"table": "bookings", "where": {"guest": "Bo Chan", "status": "cancelled"}}
        ],
    )
    g = grade(exp, SEED, final, [], OPTS)
    assert g.passed, g.failures
    assert g.diff["bookings"].removed[0]["status"] == "confirmed"


def test_must_not_exist_fails_when_row_present() -> None:
    final = with_rows(bookings=[*SEED["bookings"], NEW_BOOKING])
    exp = expect(must_not_exist=[{"table": "bookings", "new": True, "where": {"guest": "Cy Park"}}])
    g = grade(exp, SEED, final, [], OPTS)
    assert not g.passed
    assert g.failures[0].kind == "must_not_exist"
    assert "1 found" in g.failures[0].detail


def test_unchanged_all_ignores_volatile_tables_but_not_others() -> None:
    exp = expect(unchanged="all")
    logged = with_rows(call_events=[{"id": 1, "kind": "end_call", "reason": "done"}])
    assert grade(exp, SEED, logged, [], OPTS).passed
    moved = with_rows(
        wakeup_calls=[{"id": 1, "room": "402", "time": "07:00", "status": "scheduled"}]
    )
    g = grade(exp, SEED, moved, [], OPTS)
    assert not g.passed
    assert [c.detail for c in g.failures] == [
        "wakeup_calls changed: 1 row(s) added/updated, 1 removed/replaced"
    ]


def test_duplicate_row_is_a_change() -> None:
    # Multiset, not set: booking the same thing twice is not "the same state".
    final = with_rows(bookings=[*SEED["bookings"], dict(SEED["bookings"][0], code="NEW123")])
    assert not grade(expect(unchanged=["bookings"]), SEED, final, [], OPTS).passed


def test_count_is_exact() -> None:
    final = with_rows(bookings=[*SEED["bookings"], NEW_BOOKING, dict(NEW_BOOKING, code="Q")])
    one = expect(
        must_exist=[{"table": "bookings", "new": True, "count": 1, "where": {"guest": "Cy Park"}}]
    )
    two = expect(
        must_exist=[{"table": "bookings", "new": True, "count": 2, "where": {"guest": "Cy Park"}}]
    )
    assert not grade(one, SEED, final, [], OPTS).passed
    assert grade(two, SEED, final, [], OPTS).passed


def test_required_and_forbidden_actions_with_argument_subsets() -> None:
    exp = expect(
        required_actions=[{"tool": "cancel_booking", "args": {"booking_code": "aaa111"}}],
        forbidden_actions=["create_booking"],
    )
    ok = grade(
        exp,
        SEED,
        SEED,
        [
            call("quote_cancellation", booking_code="AAA111"),
            call("cancel_booking", booking_code="AAA111"),
        ],
        OPTS,
    )
    assert ok.passed, ok.failures
    wrong_args = grade(exp, SEED, SEED, [call("cancel_booking", booking_code="BBB222")], OPTS)
    assert [c.kind for c in wrong_args.failures] == ["required_action"]
    forbidden = grade(
        exp,
        SEED,
        SEED,
        [call("cancel_booking", booking_code="AAA111"), call("create_booking", guest_name="x")],
        OPTS,
    )
    assert [c.kind for c in forbidden.failures] == ["forbidden_action"]


def test_unknown_table_is_a_config_error_not_a_pass() -> None:
    exp = expect(must_not_exist=[{"table": "bokings", "where": {"guest": "x"}}])
    with pytest.raises(ConfigError, match="bokings"):
        grade(exp, SEED, SEED, [], OPTS)


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        ("Anna Schmidt", "anna schmidt ", True),
        (2, "2", True),
        (2, 3, False),
        ({"contains": "peanut"}, "Severe PEANUT allergy", True),
        ({"contains": "peanut"}, None, False),
        ({"one_of": ["sedan", "van"]}, "Van", True),
        ({"gte": "2026-03-15", "lte": "2026-03-16"}, "2026-03-16", True),
        ({"gte": "2026-03-15"}, "2026-03-14", False),
        ({"gte": 100}, 99, False),
        ({"not": "cancelled"}, "confirmed", True),
        ({"is_null": True}, None, True),
        ({"is_null": False}, None, False),
        (None, None, True),
        (None, "x", False),
        (True, 1, True),
    ],
)
def test_match_value(expected: Any, actual: Any, ok: bool) -> None:
    assert match_value(expected, actual) is ok


def test_table_diff_is_order_invariant() -> None:
    rows = [{"id": i, "v": i % 3} for i in range(6)]
    d = table_diff(rows, list(reversed(rows)), OPTS)
    assert not d.added and not d.removed


def test_agent_says_and_never_says_on_transcripts() -> None:
    exp = expect(agent_says=["1008", ["free", "no charge"]], agent_never_says=["402"])
    said = "Your room total is $1,008. Late check-out is free for gold members."
    assert grade(exp, SEED, SEED, [], OPTS, agent_text=said).passed
    leaked = said + " Mr. Whitaker is in room 402."
    g = grade(exp, SEED, SEED, [], OPTS, agent_text=leaked)
    assert [c.kind for c in g.failures] == ["agent_never_says"]
    vague = "Your total is about a thousand dollars; there may be a fee."
    g = grade(exp, SEED, SEED, [], OPTS, agent_text=vague)
    assert [c.kind for c in g.failures] == ["agent_says", "agent_says"]
