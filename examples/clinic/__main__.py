"""A simulated call to the clinic agent: python examples/clinic [--llm auto|embedded|canned|URL]

The caller's lines are synthesised and spoken in real time; ``--llm canned`` answers from the
rules below (tool calls included), so the call runs without the ``llm`` extra.
"""

from clinic import agent, open_slots

from quickturn.agent.canned import CannedCall
from quickturn.agent.simulate import run_example
from quickturn.transport.simulated import CallerLine

CALLER = (
    CallerLine(("Do you have anything on Monday?",)),
    CallerLine(("Two thirty please. The name is Maria Lopez.",)),
    CallerLine(("No, that's all, thank you.",)),
)
CANNED = (
    (("monday",), CannedCall("find_slots", {"day": "monday"}, then="Nine or two thirty.")),
    (("lopez",), CannedCall("book", {"patient": "Maria Lopez", "day": "monday", "time": "14:30"},
                            then="Booked, Monday at two thirty.")),
    (("all",), CannedCall("goodbye", then="Goodbye, take care.")),
)

if __name__ == "__main__":
    raise SystemExit(run_example(agent, CALLER, CANNED, userdata=open_slots))
