"""The offline caller reveals facts only when asked and follows the scenario's steps."""

from __future__ import annotations

import pytest

from quickturn.errors import ConfigError
from quickturn.evals.callers.offline import OfflineCaller, OfflineCallerOptions, questions
from quickturn.evals.scenarios import parse_scenario

SCENARIO = parse_scenario(
    {
        "id": "c",
        "title": "caller",
        "tags": ["booking", "medium"],
        "opening": "Hi, I'd like to book a room.",
        "facts": {
            "name": "Ann Lee",
            "phone": "+1 415 555 0100",
            "check_in": "2026-04-01",
            "check_out": "2026-04-03",
            "guests": 2,
            "dietary_needs": "vegan",
        },
        "steps": [
            "A double room, please.",
            {"say": "Actually, make that three nights.", "when": "confirm"},
            {"say": "Also, can I get a late checkout?", "when": "anything_else"},
        ],
        "reactions": {"confirm": True, "price": "ask_cheaper"},
        "expect": {"required_actions": ["create_booking"]},
    },
    "inline",
)


async def test_answers_only_the_facts_asked() -> None:
    c = OfflineCaller(SCENARIO)
    assert c.opening() == "Hi, I'd like to book a room."
    reply = await c.respond("Sure. May I have your name and a phone number?")
    assert reply == "My name is Ann Lee. My phone number is +1 415 555 0100."
    reply = await c.respond("Thanks. What dates would you like?")
    assert reply is not None
    assert "2026-04-01" in reply and "2026-04-03" in reply and "Ann Lee" not in reply
    reply = await c.respond("And how many guests will be staying?")
    assert reply == "We are 2 guests."
    # A fact matched by its own key words, not by a built-in rule.
    assert await c.respond("Any dietary needs I should note?") == "Dietary needs: vegan."


async def test_statement_without_question_reveals_nothing_and_moves_on() -> None:
    c = OfflineCaller(SCENARIO)
    # No question: the caller says its next step instead of volunteering facts.
    assert await c.respond("Welcome to the Harbor Light Hotel.") == "A double room, please."


async def test_price_then_correction_then_confirm_then_second_task_then_goodbye() -> None:
    c = OfflineCaller(SCENARIO)
    assert await c.respond("A double is $179 per night. Shall I book it?") == (
        "Hmm, that's a bit much. Is there anything cheaper?"
    )
    # The price reaction is used once; the pending correction replaces the first "yes".
    assert await c.respond("The standard is $159. Shall I book that?") == (
        "Actually, make that three nights."
    )
    assert await c.respond("Three nights then. Should I go ahead?") == "Yes, please go ahead."
    assert await c.respond("Your room is booked.") == "A double room, please."
    assert await c.respond("Is there anything else I can help you with?") == (
        "Also, can I get a late checkout?"
    )
    assert await c.respond("Done. Anything else?") == "No, that's all. Thank you, goodbye."
    assert await c.respond("Goodbye!") is None


async def test_declines_when_scenario_says_no() -> None:
    s = parse_scenario(
        {
            "id": "n",
            "title": "n",
            "tags": ["cancellation", "easy"],
            "opening": "Cancel please.",
            "reactions": {"confirm": False},
            "expect": {"unchanged": "all"},
        },
        "inline",
    )
    c = OfflineCaller(s)
    assert await c.respond("That costs a fee of $179. Do you want me to cancel?") == (
        "No, please don't."
    )


async def test_goodbye_hangs_up_and_turn_limit_holds() -> None:
    c = OfflineCaller(SCENARIO, OfflineCallerOptions(max_turns=2))
    assert await c.respond("What is your name?") is not None
    assert await c.respond("What is your phone?") is not None
    assert await c.respond("And the dates?") is None
    idle = OfflineCaller(
        parse_scenario(
            {
                "id": "i",
                "title": "i",
                "tags": ["policy", "easy"],
                "opening": "Hi",
                "expect": {"unchanged": "all"},
            },
            "inline",
        ),
        OfflineCallerOptions(max_idle_turns=1),
    )
    assert await idle.respond("Would you like breakfast, sir?") == "No, thank you."
    assert await idle.respond("How about a newspaper?") is None


def test_questions_picks_question_and_request_sentences() -> None:
    text = "Your room is 402. Could you please give me your name. Great! When do you arrive?"
    assert questions(text) == ["Could you please give me your name.", "When do you arrive?"]


def test_options_are_validated() -> None:
    with pytest.raises(ConfigError):
        OfflineCallerOptions(max_turns=0)


async def test_confirmation_that_repeats_a_given_fact_gets_a_yes() -> None:
    c = OfflineCaller(SCENARIO)
    assert await c.respond("What name should I put it under?") == "My name is Ann Lee."
    assert await c.respond("Shall I book it under the name Ann Lee?") == (
        "Actually, make that three nights."
    )
    assert await c.respond("Shall I book the room for Ann Lee then?") == "Yes, please go ahead."


async def test_a_room_mentioned_in_passing_is_not_a_question_about_the_room() -> None:
    s = parse_scenario(
        {
            "id": "r",
            "title": "r",
            "tags": ["wakeup", "easy"],
            "opening": "Wake-up call please.",
            "facts": {"room": "204", "check_in_note": "late"},
            "expect": {"unchanged": "all"},
        },
        "inline",
    )
    c = OfflineCaller(s)
    assert await c.respond("Which room are you in?") == "I'm in room 204."
    # Mentions "room" and "in", but asks for a yes: no fact, and no substring match on "in".
    assert await c.respond("Should I set it for the room at 7?") == "Yes, please go ahead."


async def test_every_bundled_scenario_plays_to_a_hang_up() -> None:
    from quickturn.evals.hotel import scenarios_dir
    from quickturn.evals.scenarios import load_scenarios

    agent = [
        "How can I help?",
        "May I have your name?",
        "And your phone number?",
        "Which dates?",
        "That is 179 dollars per night. Shall I book it?",
        "Done.",
        "Is there anything else?",
        "Is there anything else I can help with?",
        "Goodbye!",
    ]
    for scenario in load_scenarios([scenarios_dir()]):
        c = OfflineCaller(scenario, OfflineCallerOptions(max_turns=30))
        replies = [await c.respond(line) for line in agent]
        assert replies[-1] is None, f"{scenario.id} did not hang up: {replies}"
        spoken = [r for r in replies if r is not None]
        assert spoken, scenario.id
        # Facts come out only when asked: the name only after the name question (unless the
        # caller volunteers it in its own lines).
        own_lines = scenario.opening + " ".join(s.say for s in scenario.steps)
        if "name" in scenario.facts and scenario.facts["name"] not in own_lines:
            assert scenario.facts["name"] not in (replies[0] or ""), scenario.id


async def test_repeated_greeting_gets_the_request_again_once_then_goodbye() -> None:
    s = parse_scenario(
        {
            "id": "g",
            "title": "g",
            "tags": ["wakeup", "easy"],
            "opening": "A wake-up call at 7.",
            "expect": {"unchanged": "all"},
        },
        "inline",
    )
    c = OfflineCaller(s)
    greeting = "Harbor Light Hotel, how can I help you?"
    assert await c.respond(greeting) == "Sorry, as I said: A wake-up call at 7."
    assert await c.respond(greeting) == "No, that's all. Thank you, goodbye."
    assert await c.respond(greeting) is None
