"""lookup_policy finds the right handbook section for the questions callers ask."""

from __future__ import annotations

import pytest

from quickturn.domains.hotel.policy import PolicyBook, parse_sections
from quickturn.errors import ConfigError

from .desk import Desk

QUESTIONS = [
    ("Can I bring my dog?", "Pet policy"),
    ("what time is check out", "Check-out time"),
    ("when can we check in", "Check-in time"),
    ("how much is parking", "Parking prices"),
    ("is breakfast included", "Breakfast"),
    ("do you have a crib for the baby", "Cribs and extra beds"),
    ("how much does it cost to cancel", "Cancellation policy"),
    ("how much is the shuttle to the airport", "Airport transfer"),
    ("can I smoke on the balcony", "Smoking policy"),
    ("wheelchair accessible room", "Accessible rooms"),
    ("what are the spa opening hours", "Spa hours and rules"),
    ("wifi password", "Wi-Fi"),
    ("I left my phone in the room", "Lost and found"),
    ("is there a gym", "Fitness center"),
    ("do you take american express", "Accepted payment"),
    ("how big is the deposit hold on my card", "Deposit and incidentals"),
    ("the neighbours are too loud", "Quiet hours and noise"),
    ("can I stay in the room until 2pm", "Late check-out"),
    ("is the restaurant open on monday", "Restaurant hours"),
    ("are there any hidden fees or taxes", "Taxes and fees"),
    ("how do I earn points", "Loyalty programme"),
    ("can you charge my electric car", "Electric car charging"),
    ("do kids stay free", "Children"),
    ("I need a gluten free meal", "Dietary needs"),
]


@pytest.mark.parametrize(("question", "title"), QUESTIONS)
async def test_lookup_policy_finds_the_section(desk: Desk, question: str, title: str) -> None:
    out = await desk.ok("lookup_policy", question=question)
    assert out["topic"] == title
    assert "Keywords" not in out["policy"] and len(out["policy"]) < 800


async def test_policy_answers_agree_with_tool_prices(desk: Desk) -> None:
    """The handbook must state the same numbers the tools charge."""
    parking = await desk.ok("check_parking", check_in="2026-04-01", check_out="2026-04-02")
    text = (await desk.ok("lookup_policy", question="parking price"))["policy"]
    assert f"{parking['self_per_night_usd']} dollars" in text
    assert f"{parking['valet_per_night_usd']}\ndollars" in text or (
        f"{parking['valet_per_night_usd']} dollars" in text
    )
    transfer = (await desk.ok("lookup_policy", question="airport transfer price"))["policy"]
    assert "65 dollars" in transfer and "95 dollars" in transfer


def test_handbook_structure() -> None:
    book = PolicyBook.load()
    assert len(book.sections) >= 40
    titles = [s.title for s in book.sections]
    assert len(titles) == len(set(titles))
    assert all(s.keywords for s in book.sections)


def test_parse_sections_and_bad_section() -> None:
    md = "# T\n\n## One\nKeywords: a, b\nBody one.\n\n## Two\nBody\ntwo.\n"
    one, two = parse_sections("x.md", md)
    assert (one.title, one.keywords, one.body) == ("One", "a, b", "Body one.")
    assert two.body == "Body two."
    with pytest.raises(ConfigError, match="needs a title and a body"):
        parse_sections("x.md", "## Empty\n\n")
