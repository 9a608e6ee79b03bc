"""Which slot keeps which flow prefix (pure planning, no model)."""

from __future__ import annotations

from quickturn.llm.llama_slot import assign_slots


def test_a_slot_already_holding_a_prefix_keeps_it() -> None:
    cached = [[9, 9], [1, 2, 3, 4], []]
    plan = assign_slots(cached, [[5, 6], [1, 2, 3]])
    assert plan == {1: 1, 0: 0}


def test_prefixes_go_to_distinct_slots_and_extra_ones_get_none() -> None:
    plan = assign_slots([[], []], [[1], [2], [3]])
    assert plan == {0: 0, 1: 1}
    assert 2 not in plan
