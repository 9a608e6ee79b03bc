"""Whole caller conversations replayed by the latency lab.

Each script is what one caller says, turn by turn, to a hotel front desk; the assistant side is
whatever the endpoint answers, appended to the history so the prefix grows as it does in a real
call. Lines are short and spoken-style (no markdown, contractions, self-corrections), and the
scripts mix small talk, look-ups that need tools, and requests that change a booking.
"""

from __future__ import annotations

from dataclasses import dataclass

from quickturn.errors import ConfigError


@dataclass(frozen=True)
class Conversation:
    id: str
    user_turns: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.id:
            raise ConfigError("a conversation needs an id")
        if not self.user_turns or any(not t.strip() for t in self.user_turns):
            raise ConfigError(f"conversation {self.id!r} needs non-empty user turns")


SCRIPTS: tuple[Conversation, ...] = (
    Conversation(
        "new-booking",
        (
            "Hi, I'd like to book a room for next weekend, please.",
            "Arriving Friday the twelfth and leaving Sunday, two adults.",
            "What's the difference between the double and the king room?",
            "Okay, let's go with the king. Does that include breakfast?",
            "Great. The name is Maria Lopez, L-O-P-E-Z.",
            "My email is maria.lopez at example dot com.",
            "Can you confirm the total price with taxes?",
            "Perfect, thanks. That's all for now.",
        ),
    ),
    Conversation(
        "change-dates",
        (
            "Hello, I have a reservation and I need to change the dates.",
            "The confirmation number is H K four five nine two.",
            "We were supposed to arrive on the third, but now it's the fifth.",
            "Same number of nights, so checking out on the eighth instead.",
            "Is there a fee for changing it?",
            "Alright, go ahead and make the change.",
            "Can you send me the updated confirmation by email?",
        ),
    ),
    Conversation(
        "late-checkout-and-spa",
        (
            "Hi, I'm in room four twelve. Could I get a late checkout tomorrow?",
            "Two o'clock would be ideal. Is that possible?",
            "And is the spa open tonight?",
            "Book me a sixty minute massage around seven if there's a slot.",
            "Actually, make it seven thirty instead.",
            "Charge it to the room, please.",
        ),
    ),
    Conversation(
        "cancel-and-refund",
        (
            "Hi there. I need to cancel my booking, something came up.",
            "It's under the name David Chen, arriving on the twentieth.",
            "Will I get a full refund? I booked the flexible rate, I think.",
            "How long does the refund take to show up on my card?",
            "Okay. Could you also check if you have anything free in March instead?",
            "Never mind, I'll call back when I know my plans. Thanks for your help.",
        ),
    ),
    Conversation(
        "accessibility-and-parking",
        (
            "Good evening. My father uses a wheelchair, do you have accessible rooms?",
            "Does the bathroom have a roll-in shower?",
            "We'd be driving. Is there parking at the hotel, and how much is it?",
            "Is the parking covered? It's supposed to snow.",
            "Please book the accessible queen room for the fourteenth, one night.",
            "The guest name is Robert Hughes. Could you add a note about the wheelchair?",
            "Thank you, that's very kind.",
        ),
    ),
)


def scripted_conversations(count: int, turns: int | None = None) -> list[Conversation]:
    """``count`` conversations cycling through SCRIPTS, each cut to at most ``turns`` turns.

    Cycled copies get distinct ids so an engine with per-conversation cache affinity treats them
    as different callers.
    """
    if count < 1:
        raise ConfigError("the benchmark needs at least one conversation")
    if turns is not None and turns < 1:
        raise ConfigError("turns must be >= 1")
    out: list[Conversation] = []
    for i in range(count):
        script = SCRIPTS[i % len(SCRIPTS)]
        lap = i // len(SCRIPTS)
        cid = script.id if lap == 0 else f"{script.id}-{lap + 1}"
        lines = script.user_turns if turns is None else script.user_turns[:turns]
        out.append(Conversation(cid, lines))
    return out
