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


def test_opening_bars_bar_what_starts_or_begins_a_text_and_scan_the_vocabulary_once() -> None:
    from quickturn.llm.llama_slot import OpeningBars

    vocab = ["{", '{"', " {\n", "`", "```", "Sure", " Har", "H", "Hello", "<", "x{"]

    class Vocab:
        detokenized = 0

        def n_vocab(self) -> int:
            return len(vocab)

        def detokenize(self, ids: list[int]) -> bytes:
            Vocab.detokenized += 1
            return vocab[ids[0]].encode()

    bars = OpeningBars(Vocab())
    barred = bars.tokens(("{", "```", "<tool_call>"))
    assert {vocab[i] for i in barred} == {"{", '{"', " {\n", "`", "```", "<"}
    assert {vocab[i] for i in bars.tokens(("Harbor Light",))} == {" Har", "H"}
    assert bars.tokens(("{", "```", "<tool_call>")) is barred  # kept, not scanned again
    assert Vocab.detokenized == len(vocab)  # the vocabulary's text was read once
    assert bars.tokens(("  ",)) == frozenset()
