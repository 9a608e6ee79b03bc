"""The keyword router: a route is picked from the caller's words only when they leave no doubt."""

from __future__ import annotations

import pytest

from quickturn.agent.keyword_router import KeywordRouter, stems
from quickturn.errors import ConfigError

ROUTES = {
    "start_rooms": ("book a room", "suite", "nights"),
    "start_services": ("towels", "wake-up call", "broken", "room service"),
    "start_dining": ("restaurant", "table for", "room service"),
    "start_changes": ("my booking", "cancel my stay"),
}


def test_stems_drop_function_words_and_fold_plurals() -> None:
    assert stems("Could we get two more Towels?") == ("two", "more", "towel")
    assert stems("a wake-up call") == ("wake", "up", "call")


def test_a_line_naming_one_request_picks_it() -> None:
    router = KeywordRouter(ROUTES)
    assert router.pick("Hi, could we get two more towels in room 501?") == "start_services"
    assert router.pick("Please set a wake-up call for six.") == "start_services"
    assert router.pick("I'd like to book a room for two nights.") == "start_rooms"
    assert router.pick("Something came up, I need to cancel my stay.") == "start_changes"


def test_a_phrase_needs_all_its_words_in_any_order() -> None:
    router = KeywordRouter(ROUTES)
    assert router.pick("Can I have a call at six?") is None  # "wake" and "up" missing
    assert router.pick("Up early, so a call to wake me at six.") == "start_services"


def test_no_keyword_or_a_close_second_leaves_the_choice_to_the_model() -> None:
    router = KeywordRouter(ROUTES)
    assert router.pick("What's the weather like?") is None
    # "room service" is in two routes: equal scores, no pick.
    assert router.pick("Is room service open?") is None
    # A word shared by routes weighs less than a word only one route has.
    assert router.scores("room service and a table for two")["start_dining"] > router.scores(
        "room service and a table for two"
    )["start_services"]
    assert router.pick("room service and a table for two") == "start_dining"


def test_bad_keywords_are_refused() -> None:
    with pytest.raises(ConfigError, match="list of phrases"):
        KeywordRouter({"start_x": "towels"})  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match="no content word"):
        KeywordRouter({"start_x": ("the",)})
    with pytest.raises(ConfigError, match="margin"):
        KeywordRouter(ROUTES, margin=0.5)


def test_the_last_sentence_that_names_a_route_decides() -> None:
    router = KeywordRouter(ROUTES)
    # A barge-in joins two lines: the caller goes on with what they now want.
    assert router.pick("I'd like to book a room. Sorry, could I get towels instead?") == (
        "start_services"
    )
    # A last sentence naming nothing leaves the decision to the sentence before it.
    assert router.pick("Could we get towels? It's room 501.") == "start_services"
    # A close second inside the deciding sentence still leaves the choice to the model.
    assert router.pick("I need towels. Is room service open?") is None
    # A phrase split over two sentences counts only on the whole line.
    assert router.pick("Up early tomorrow. Wake me with a call.") == "start_services"
    # Decimal points and abbreviations do not end a sentence.
    assert router.pick("A wake-up call at 6.30 a.m. please.") == "start_services"
