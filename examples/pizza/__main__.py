"""A simulated call to the pizza agent: python examples/pizza [--llm auto|embedded|canned|URL]

The caller's lines are synthesised and spoken in real time; ``--llm canned`` answers from the
rules below (tool calls included), so the call runs without the ``llm`` extra.
"""

from pizza import Order, agent

from quickturn.agent.canned import CannedCall
from quickturn.agent.simulate import run_example
from quickturn.transport.simulated import CallerLine

CALLER = (
    CallerLine(("Hi, two large pepperoni pizzas please.",)),
    CallerLine(("That's all. My name is Sam.",)),
)
CANNED = (
    (("large",), CannedCall("add_pizza", {"size": "large", "kind": "pepperoni", "quantity": 2},
                            then="Two large pepperoni, thirty dollars. Anything else?")),
    (("sam",), CannedCall("place_order", {"name": "Sam"}, then="Thanks Sam, ready in twenty.")),
)

if __name__ == "__main__":
    raise SystemExit(run_example(agent, CALLER, CANNED, userdata=Order))
