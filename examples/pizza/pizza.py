"""Tony's Pizza takes phone orders. Call it: python examples/pizza"""

from dataclasses import dataclass, field
from typing import Literal

from quickturn import Agent, ToolContext, tool

PRICES = {"small": 9, "medium": 12, "large": 15}


@dataclass
class Order:
    pizzas: list[str] = field(default_factory=list)
    total: int = 0
    name: str | None = None


@tool
def add_pizza(
    ctx: ToolContext,
    size: Literal["small", "medium", "large"],
    kind: Literal["margherita", "pepperoni", "veggie"],
    quantity: int = 1,
) -> str:
    """Add pizzas to the order.

    Args:
        size: Pizza size.
        kind: Which pizza.
        quantity: How many of them.
    """
    order: Order = ctx.userdata
    order.pizzas += [f"{size} {kind}"] * quantity
    order.total += PRICES[size] * quantity
    return f"order so far: {', '.join(order.pizzas)}; total {order.total} dollars"


@tool
def place_order(ctx: ToolContext, name: str) -> dict[str, object]:
    """Send the order to the kitchen once the caller confirmed it.

    Args:
        name: The caller's name, for pickup.
    """
    order: Order = ctx.userdata
    if not order.pizzas:
        raise ValueError("the order is empty")  # the model hears this as an error
    order.name = name
    return {"pickup_in_minutes": 20, "total_dollars": order.total}


agent = Agent(
    "You take pizza orders for Tony's Pizza by phone. Use add_pizza for each pizza, read the "
    "order back, then place_order with the caller's name. Keep replies short.",
    tools=[add_pizza, place_order],
    greeting="Tony's Pizza, what can I get you?",
    name="pizza",
)
