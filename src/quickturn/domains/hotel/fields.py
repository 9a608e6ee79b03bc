"""Argument types shared by the hotel tools: their JSON schema is what the model sees.

Descriptions are terse on purpose: the 40 tool schemas are most of a small model's prompt. The
``x-ask-caller`` phrases (``ask_caller``) cost no prompt tokens (``ToolSpec.schema`` drops them):
they mark what only the caller can give and are the words the agent asks with when it is missing.
Optional arguments are ``X | SkipJsonSchema[None] = None`` so the schema says ``X`` without a
``null`` branch: "pass only what you know" is the rule the prompt gives the model.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from quickturn.domains.hotel.seed import MENU
from quickturn.tools.elicit import ask_caller

_DATE = "YYYY-MM-DD"
_TIME = "HH:MM, 24-hour"
_CODE = "6-character code"

RoomType = Annotated[
    Literal["standard", "double", "deluxe", "suite", "accessible"],
    Field(json_schema_extra=ask_caller("the room type you would like")),
]
CheckIn = Annotated[
    str, Field(description=_DATE, json_schema_extra=ask_caller("the check-in date"))
]
CheckOut = Annotated[
    str, Field(description=_DATE, json_schema_extra=ask_caller("the check-out date"))
]
Day = Annotated[str, Field(description=_DATE, json_schema_extra=ask_caller("the date"))]
Time = Annotated[str, Field(description=_TIME, json_schema_extra=ask_caller("the time"))]
Code = Annotated[
    str,
    Field(
        description=_CODE, max_length=40, json_schema_extra=ask_caller("the confirmation code")
    ),
]
GuestName = Annotated[
    str, Field(description="guest's full name", max_length=60, json_schema_extra=ask_caller())
]
# Lengths bound what a call may spend on a value (a grammar-constrained engine enforces them):
# the 0.5B wrote "550-1234567890..." for a phone the caller had not finished saying until the
# demo's 6 s deadline. Room for spoken forms ("five five five, oh one four two").
Phone = Annotated[str, Field(max_length=40, json_schema_extra=ask_caller("a phone number"))]
Email = Annotated[str, Field(max_length=80, json_schema_extra=ask_caller("an email address"))]
Room = Annotated[str, Field(description="room number, e.g. 402", json_schema_extra=ask_caller())]
Adults = Annotated[int, Field(ge=1, le=4, json_schema_extra=ask_caller("the number of adults"))]
Children = Annotated[int, Field(ge=0, le=3)]
PartySize = Annotated[int, Field(ge=1, le=20, json_schema_extra=ask_caller("the number of people"))]
Passengers = Annotated[
    int, Field(ge=1, le=20, json_schema_extra=ask_caller("the number of passengers"))
]
RatePlan = Annotated[Literal["flexible", "nonrefundable"], Field(description="default flexible")]
Department = Literal["front_desk", "reservations", "billing", "events", "security", "manager"]
ChargeCategory = Literal[
    "minibar", "restaurant", "room_service", "spa", "parking", "laundry", "phone", "damage", "other"
]
HousekeepingType = Literal[
    "towels", "toiletries", "pillows", "blanket", "cleaning", "turndown", "crib", "iron", "other"
]
Urgency = Literal["low", "normal", "urgent"]
MenuCategory = Literal["breakfast", "mains", "snacks", "desserts", "drinks"]
SpaService = Annotated[
    Literal[
        "swedish_massage", "deep_tissue_massage", "hot_stone_massage", "facial", "couples_massage"
    ],
    Field(json_schema_extra=ask_caller("the treatment you would like")),
]
ParkingKind = Annotated[
    Literal["self", "valet"],
    Field(json_schema_extra=ask_caller("whether you would like self-parking or valet")),
]
Direction = Literal["to_airport", "from_airport"]
# The menu codes go into the schema as an enum, so grammar-constrained decoding can only produce
# dishes that exist. They come from the seed (the menu every conversation's database holds); the
# handler still checks each code against the database.
MenuCode = Annotated[str, Field(json_schema_extra={"enum": sorted(code for code, *_ in MENU)})]


# One line of a room-service order. No docstring: pydantic would put it in the schema.
class OrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: MenuCode
    quantity: Annotated[int, Field(ge=1, le=10)] = 1
