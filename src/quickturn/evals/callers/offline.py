"""A deterministic caller that plays a scenario by keyword rules; no model, no network.

It only reveals a fact when the agent asks for it, so an agent that never asks for the phone
number never gets one. Its decisions, in priority order for each agent turn:

1. the agent says goodbye, or the caller already said its last line -> hang up;
2. the agent asks for facts the scenario has -> answer them all;
3. the agent names a price and the scenario reacts to prices -> that reaction (once);
4. the agent asks to confirm -> a pending correction step, else yes/no per the scenario;
5. the agent asks "anything else?" -> the next step, else "that's all, goodbye";
6. anything else -> the next step, else a short "no, thank you" (and hang up after a few).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quickturn.errors import ConfigError
from quickturn.evals.scenarios import Scenario, Step

# (pattern over one question sentence, fact keys it asks for, in the order they are given)
_FACT_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(p, re.IGNORECASE), keys)
    for p, keys in (
        (r"\bname\b|who am i speaking|whom am i speaking|under whose", ("name", "guest_name")),
        (r"phone|contact number|mobile|reach you", ("phone",)),
        (r"e-?mail", ("email",)),
        (
            r"\bdates?\b|when (will|would|are|do) you (be )?(arriv|check|stay|com)",
            ("check_in", "check_out", "nights"),
        ),
        (r"check[- ]?in|arriv", ("check_in",)),
        (r"check[- ]?out|depart|leaving", ("check_out",)),
        (r"how many nights|how long", ("nights",)),
        (
            r"how many (guests|people|persons|adults)|party size|number of (guests|people)|"
            r"\bguests\b|for how many",
            ("guests",),
        ),
        (r"(type|kind) of (a )?room|room type|which room would", ("room_type",)),
        (r"room number|which room|what room", ("room",)),
        (
            r"(reservation|booking|confirmation) (number|code|id|reference)|"
            r"reference (number|code)",
            ("reservation",),
        ),
        (r"what time|which time|what hour|\bwhen\b", ("time",)),
        (r"what day|which day|what date|which date|\bwhen\b", ("date",)),
        (
            r"where (to|would you like to go|are you going|do you need to go)|destination",
            ("destination",),
        ),
        (r"pick ?up", ("pickup", "pickup_time")),
        (
            r"describe|description|what (did you|have you) (lose|lost|leave|left)|"
            r"what (item|was it)",
            ("item",),
        ),
        (r"what (is|'s) (the )?(problem|issue|wrong)|describe the (problem|issue)", ("issue",)),
    )
)
_RULE_KEYS = frozenset(k for _, keys in _FACT_RULES for k in keys)
_REQUEST = re.compile(
    r"\b(could|can|may|would) (you|i) (please )?(have|get|give|tell|provide|spell|confirm|share)|"
    r"please (tell|provide|give|spell|share|let me know)|\bi (will|'ll) need\b|\bi need your\b",
    re.IGNORECASE,
)
_CONFIRM = re.compile(
    r"\b(shall|should) i\b|would you like (me )?to|do you want (me )?to|is (that|this) "
    r"(correct|right|ok|okay|alright)|\bconfirm\b|\bproceed\b|go ahead|is that (fine|good)|"
    r"does that (work|sound)|would that (work|be)|want me to",
    re.IGNORECASE,
)
_PRICE = re.compile(
    r"[$€£]\s?\d|\d+(\.\d+)?\s?(dollars|euros?|pounds|usd|eur)\b|per night|\bfee\b|"
    r"\bcharge\b|\bcosts?\b|\bprice\b|\brate\b",
    re.IGNORECASE,
)
_ANYTHING_ELSE = re.compile(
    r"anything else|something else|help you with (anything|something)|is there more|"
    r"can i help with",
    re.IGNORECASE,
)
# The agent asks for the caller's business again (a greeting repeated, a lost thread).
_HOW_CAN_I_HELP = re.compile(
    r"how (can|may|could) i (help|assist)|what can i do for you", re.IGNORECASE
)
_GOODBYE = re.compile(
    r"\bgood ?bye\b|\bbye\b|have a (nice|great|good|wonderful) (day|stay|evening|night|trip)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.?!]+[.?!]*")


@dataclass(frozen=True)
class OfflineCallerOptions:
    max_turns: int = 14
    # Unhelpful agent turns in a row (nothing asked, nothing left to say) before hanging up.
    max_idle_turns: int = 2

    def __post_init__(self) -> None:
        if self.max_turns < 1:
            raise ConfigError("max_turns must be >= 1")
        if self.max_idle_turns < 1:
            raise ConfigError("max_idle_turns must be >= 1")


def _label(key: str) -> str:
    return key.replace("_", " ")


_FACT_PHRASES = {
    "name": "My name is {}.",
    "guest_name": "My name is {}.",
    "phone": "My phone number is {}.",
    "email": "My email is {}.",
    "room": "I'm in room {}.",
    "check_in": "Arriving {}.",
    "check_out": "Leaving {}.",
    "nights": "{} nights.",
    "guests": "We are {} guests.",
    "reservation": "The code is {}.",
    "date": "On {}.",
    "time": "At {}.",
}


def _say_fact(key: str, value: str) -> str:
    template = _FACT_PHRASES.get(key)
    if template is not None:
        return template.format(value)
    return f"{_label(key).capitalize()}: {value}."


def questions(agent_text: str) -> list[str]:
    """Sentences of the agent's turn that ask for something."""
    out = []
    for sentence in _SENTENCE.findall(agent_text):
        s = sentence.strip()
        if s and (s.endswith("?") or _REQUEST.search(s)):
            out.append(s)
    return out


class OfflineCaller:
    """Plays one scenario once. Not thread-safe; one instance per conversation."""

    def __init__(self, scenario: Scenario, options: OfflineCallerOptions = OfflineCallerOptions()):
        self._scenario = scenario
        self._options = options
        self._pending: list[Step] = list(scenario.steps)
        self._turns = 0
        self._idle = 0
        self._said_goodbye = False
        self._price_reacted = False
        self._given: set[str] = set()
        self._repeated_opening = False

    def opening(self) -> str:
        return self._scenario.opening

    async def respond(self, agent_text: str) -> str | None:
        self._turns += 1
        if self._said_goodbye or self._turns > self._options.max_turns:
            return None
        if _GOODBYE.search(agent_text) and not self._has_step("lull"):
            return None
        return self._decide(agent_text)

    def _has_step(self, *whens: str) -> bool:
        return any(s.when in whens for s in self._pending)

    def _take_step(self, *whens: str) -> str | None:
        for i, step in enumerate(self._pending):
            if step.when in whens:
                del self._pending[i]
                return step.say
        return None

    def _facts_asked(self, asked: list[str]) -> list[str]:
        facts = self._scenario.facts
        keys: list[str] = []
        for sentence in asked:
            found: list[str] = []
            for pattern, candidates in _FACT_RULES:
                if pattern.search(sentence):
                    found.extend(k for k in candidates if k in facts)
            # A fact the rules do not know, asked by its own key words ("dietary needs").
            for k in facts:
                if k not in _RULE_KEYS and all(
                    re.search(rf"\b{re.escape(w)}", sentence, re.IGNORECASE) for w in k.split("_")
                ):
                    found.append(k)
            if _CONFIRM.search(sentence):
                # "Shall I book it under the name Ann Lee?" confirms a fact already given; it
                # asks for a yes, not for the name again (else the call loops).
                found = [k for k in found if k not in self._given]
            keys.extend(k for k in found if k not in keys)
        self._given.update(keys)
        return [_say_fact(k, facts[k]) for k in keys]

    def _goodbye(self) -> str:
        self._said_goodbye = True
        return "No, that's all. Thank you, goodbye."

    def _decide(self, agent_text: str) -> str | None:
        asked = questions(agent_text)
        facts = self._facts_asked(asked)
        if facts:
            self._idle = 0
            return " ".join(facts)
        reactions = self._scenario.reactions
        if _PRICE.search(agent_text):
            step = self._take_step("price")
            if step is not None:
                return step
            if not self._price_reacted and reactions.price != "accept":
                self._price_reacted = True
                if reactions.price == "ask_cheaper":
                    return "Hmm, that's a bit much. Is there anything cheaper?"
                self._said_goodbye = True
                return "No, that's too expensive for me. I'll leave it, thank you. Goodbye."
        if any(_CONFIRM.search(q) for q in asked):
            self._idle = 0
            step = self._take_step("confirm")
            if step is not None:
                return step
            return "Yes, please go ahead." if reactions.confirm else "No, please don't."
        if any(_ANYTHING_ELSE.search(q) for q in asked) or _ANYTHING_ELSE.search(agent_text):
            step = self._take_step("anything_else", "lull")
            return step if step is not None else self._goodbye()
        if _HOW_CAN_I_HELP.search(agent_text):
            step = self._take_step("lull", "anything_else")
            if step is not None:
                return step
            if not self._repeated_opening:
                # A real caller whose request went unheard says it again, once.
                self._repeated_opening = True
                return f"Sorry, as I said: {self._scenario.opening}"
            return self._goodbye()
        step = self._take_step("lull")
        if step is not None:
            self._idle = 0
            return step
        self._idle += 1
        if self._idle > self._options.max_idle_turns:
            return None
        if asked:
            return "No, thank you."
        return self._goodbye()
