"""Name resolution: map only what unambiguously means one declared tool."""

from __future__ import annotations

from typing import Any

import pytest

from quickturn.tools.repair_names import ToolIndex


def tools(*names: str) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": n}} for n in names]


HOTEL = ToolIndex(
    tools(
        "check_availability",
        "create_booking",
        "get_booking",
        "cancel_booking",
        "lookup_policy",
        "create_room_booking",
    )
)


@pytest.mark.parametrize(
    "written, fuzzy, expected",
    [
        ("get_booking", False, "get_booking"),
        ("GetBooking", False, "get_booking"),
        ("get-booking", False, "get_booking"),
        ("functions.get_booking", False, None),  # strict: bare name(...) in prose
        ("functions.get_booking", True, "get_booking"),
        ("availability", True, "check_availability"),
        ("book_room", True, "create_room_booking"),  # word match: book~booking, room
        ("chek_availabilty", True, "check_availability"),  # typo
        ("booking", True, None),  # in four tools
        ("create_bookin", True, "create_booking"),  # cut off: contained in one name only
        ("create", True, None),  # contained in two names
        ("get", True, None),  # too short to mean anything
        ("send_email", True, None),
        ("policy", True, "lookup_policy"),
        ("", True, None),
    ],
)
def test_resolve(written: str, fuzzy: bool, expected: str | None) -> None:
    assert HOTEL.resolve(written, fuzzy=fuzzy) == expected


PRICED = ToolIndex(
    [
        {
            "type": "function",
            "function": {
                "name": name,
                "parameters": {
                    "type": "object",
                    "properties": {k: {"type": "string"} for k in props},
                    "required": [props[0]],
                },
            },
        }
        for name, props in [
            ("quote_price", ["room_type", "nights"]),
            ("get_booking", ["code"]),
            ("cancel_booking", ["code", "reason"]),
            ("create_booking", ["guest_name", "room_type"]),
            ("lookup_policy", ["topic"]),
        ]
    ]
)


@pytest.mark.parametrize(
    "written, arg_keys, expected",
    [
        ("get_room_price", ["room_type", "nights"], "quote_price"),  # shares "price", args fit
        ("get_room_price", ["code"], None),  # shares "price" but the arguments do not fit
        ("get_room_price", None, None),  # arguments unknown: no guess
        ("lookup_booking", ["code"], None),  # fits get_booking AND cancel_booking
        ("booking", ["guest_name", "room_type"], "create_booking"),  # narrows containment
        ("booking", ["code"], None),
        ("get_price", ["topic"], None),  # "get" alone links nothing
        ("send_email", ["topic"], None),  # args fit lookup_policy but no shared word
        # "book" is a prefix of "booking" (shared with three tools); only one fits the args.
        ("book_double_room", ["guest_name", "room_type"], "create_booking"),
        ("book_double_room", ["code"], None),  # fits get_booking AND cancel_booking
    ],
)
def test_argument_names_narrow_fuzzy_matches(
    written: str, arg_keys: list[str] | None, expected: str | None
) -> None:
    assert PRICED.resolve(written, fuzzy=True, arg_keys=arg_keys) == expected


def test_names_equal_after_normalising_are_ambiguous() -> None:
    index = ToolIndex(tools("get_booking", "getBooking"))
    assert index.resolve("get_booking", fuzzy=True) == "get_booking"
    assert index.resolve("GET-BOOKING", fuzzy=True) is None


def test_streaming_prefix_check() -> None:
    assert HOTEL.could_start_strict_name("Look")
    assert HOTEL.could_start_strict_name("get_")
    assert not HOTEL.could_start_strict_name("print")
