"""Lakeside Clinic's appointment line. Call it: python examples/clinic"""

from typing import Literal

from quickturn import Agent, ToolContext, tool

Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday"]


def open_slots() -> dict[str, list[str]]:
    return {"monday": ["09:00", "14:30"], "tuesday": ["10:00"], "friday": ["16:00"]}


@tool
def find_slots(ctx: ToolContext, day: Day) -> list[str]:
    """Free appointment times on a weekday.

    Args:
        day: The weekday, lower case.
    """
    return list(ctx.userdata.get(day, []))


@tool
def book(ctx: ToolContext, patient: str, day: Day, time: str) -> str:
    """Book a free slot for a patient.

    Args:
        patient: The patient's full name.
        day: The weekday, lower case.
        time: A free time from find_slots, as HH:MM.
    """
    if time not in ctx.userdata.get(day, []):
        raise ValueError(f"{time} on {day} is not free; free: {ctx.userdata.get(day, [])}")
    ctx.userdata[day].remove(time)
    return f"booked {patient} on {day} at {time}"


@tool
def goodbye(ctx: ToolContext) -> str:
    """End the call once the caller has nothing else."""
    ctx.end_call("caller is done")
    return "say goodbye now"


agent = Agent(
    "You book appointments for Lakeside Clinic. Check find_slots before you book. "
    "When the caller is done, call goodbye. Keep replies short.",
    tools=[find_slots, book, goodbye],
    greeting="Lakeside Clinic, how can I help?",
    name="clinic",
)
