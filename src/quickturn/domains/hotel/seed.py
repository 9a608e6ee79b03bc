"""The deterministic seed: the hotel as it stands on HOTEL_TODAY (2026-03-14, 10:00).

Hand-written rows (not random) so scenario writers can name guests, rooms and codes; the only
generated values are confirmation codes, which come from ``db.new_code`` in insertion order.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

from quickturn.domains.hotel.db import HOTEL_TODAY, RATES_UNTIL, new_code, seed_version
from quickturn.domains.hotel.pricing import nightly_rates, seed_rate

ROOM_TYPES = (
    # code, name, beds, capacity, size_sqm, description
    (
        "standard",
        "Standard Queen",
        "one queen bed",
        2,
        22,
        "City or courtyard view, work desk, rain shower.",
    ),
    (
        "double",
        "Double Double",
        "two double beds",
        4,
        28,
        "Two double beds, good for families, city view.",
    ),
    (
        "deluxe",
        "Deluxe King",
        "one king bed",
        3,
        32,
        "Harbor view, sofa bed for one child, bathtub.",
    ),
    (
        "suite",
        "Harbor Suite",
        "king bed and sofa bed",
        4,
        55,
        "Separate living room, harbor balcony, bathtub.",
    ),
    (
        "accessible",
        "Accessible Queen",
        "one queen bed",
        2,
        26,
        "Roll-in shower, grab bars, lowered fixtures, step-free.",
    ),
)

# number prefix per type: floor 1 accessible, 2 standard, 3 double, 4 deluxe, 5 suite.
ROOM_COUNTS = (
    ("accessible", 1, 3),
    ("standard", 2, 12),
    ("double", 3, 10),
    ("deluxe", 4, 8),
    ("suite", 5, 4),
)

GUESTS = (
    (1, "Maria Garcia", "+1 415 555 0142", "maria.garcia@example.com"),
    (2, "James Whitaker", "+1 212 555 0187", "j.whitaker@example.com"),
    (3, "Aiko Tanaka", "+81 90 5555 0123", "aiko.tanaka@example.jp"),
    (4, "Daniel Garcia", "+1 305 555 0199", "dgarcia@example.com"),
    (5, "Priya Raman", "+44 20 7946 0321", "priya.raman@example.co.uk"),
    (6, "Thomas Becker", "+49 30 5555 0178", "t.becker@example.de"),
    (7, "Olivia Chen", "+1 604 555 0134", "olivia.chen@example.ca"),
    (8, "Samuel Okafor", "+234 801 555 0166", "sam.okafor@example.com"),
    (9, "Emma Larsson", "+46 8 555 0190", "emma.larsson@example.se"),
    (10, "Robert Miller", "+1 617 555 0111", "rmiller@example.com"),
    (11, "Sofia Rossi", "+39 06 5555 0155", "sofia.rossi@example.it"),
    (12, "Kevin O'Brien", "+353 1 555 0177", "kevin.obrien@example.ie"),
    (13, "Hannah Schmidt", "+49 89 5555 0102", "hannah.schmidt@example.de"),
    (14, "Lucas Martin", "+33 1 5555 0148", "lucas.martin@example.fr"),
)

# guest_id, room_type, check_in, check_out, adults, children, plan, status, room, paid, created_on
BOOKINGS = (
    (
        9,
        "double",
        "2026-03-11",
        "2026-03-14",
        2,
        0,
        "flexible",
        "checked_in",
        "307",
        0,
        "2026-02-20",
    ),
    (
        2,
        "deluxe",
        "2026-03-12",
        "2026-03-16",
        2,
        0,
        "flexible",
        "checked_in",
        "402",
        229,
        "2026-01-30",
    ),
    (
        3,
        "standard",
        "2026-03-13",
        "2026-03-15",
        1,
        0,
        "nonrefundable",
        "checked_in",
        "204",
        -1,
        "2026-02-02",
    ),
    (
        10,
        "accessible",
        "2026-03-13",
        "2026-03-17",
        1,
        0,
        "flexible",
        "checked_in",
        "102",
        0,
        "2026-03-01",
    ),
    (
        8,
        "suite",
        "2026-03-14",
        "2026-03-18",
        2,
        2,
        "flexible",
        "checked_in",
        "501",
        0,
        "2026-02-11",
    ),
    (5, "double", "2026-03-15", "2026-03-17", 2, 1, "flexible", "confirmed", None, 0, "2026-02-25"),
    (1, "deluxe", "2026-03-20", "2026-03-23", 2, 0, "flexible", "confirmed", None, 0, "2026-02-14"),
    (7, "suite", "2026-03-20", "2026-03-22", 2, 0, "flexible", "confirmed", None, 0, "2026-02-18"),
    (11, "suite", "2026-03-20", "2026-03-22", 2, 1, "flexible", "confirmed", None, 0, "2026-02-22"),
    (12, "suite", "2026-03-19", "2026-03-22", 2, 0, "flexible", "confirmed", None, 0, "2026-03-02"),
    (
        13,
        "suite",
        "2026-03-20",
        "2026-03-22",
        2,
        2,
        "nonrefundable",
        "confirmed",
        None,
        -1,
        "2026-03-05",
    ),
    (
        6,
        "standard",
        "2026-03-28",
        "2026-03-30",
        1,
        0,
        "nonrefundable",
        "confirmed",
        None,
        -1,
        "2026-03-08",
    ),
    (
        4,
        "standard",
        "2026-04-02",
        "2026-04-05",
        1,
        0,
        "flexible",
        "confirmed",
        None,
        0,
        "2026-03-10",
    ),
    (
        14,
        "deluxe",
        "2026-04-10",
        "2026-04-14",
        2,
        0,
        "nonrefundable",
        "confirmed",
        None,
        -1,
        "2026-03-11",
    ),
    (
        1,
        "standard",
        "2025-11-02",
        "2025-11-05",
        1,
        0,
        "flexible",
        "checked_out",
        None,
        -1,
        "2025-10-01",
    ),
    (6, "double", "2026-03-14", "2026-03-15", 2, 0, "flexible", "cancelled", None, 0, "2026-03-01"),
)

ROOM_BLOCKS = (
    ("deluxe", "2026-03-20", "2026-03-23", 7, "Northwind Tech conference group block"),
    ("double", "2026-04-20", "2026-04-25", 2, "bathroom renovation, rooms 309 and 310"),
)

# seats, area
RESTAURANT_TABLES = (
    (2, "window"),
    (2, "window"),
    (2, "window"),
    (2, "main"),
    (2, "main"),
    (2, "terrace"),
    (4, "main"),
    (4, "main"),
    (4, "main"),
    (4, "window"),
    (4, "terrace"),
    (4, "terrace"),
    (6, "main"),
    (6, "private"),
    (8, "private"),
)

MENU = (
    ("club_sandwich", "Club sandwich with fries", 19, "mains"),
    ("caesar_salad", "Caesar salad", 16, "mains"),
    ("cheeseburger", "Harbor cheeseburger with fries", 22, "mains"),
    ("fish_chips", "Fish and chips", 24, "mains"),
    ("margherita_pizza", "Margherita pizza", 18, "mains"),
    ("vegan_bowl", "Vegan grain bowl", 17, "mains"),
    ("tomato_soup", "Tomato soup with bread", 11, "snacks"),
    ("fries", "Basket of fries", 8, "snacks"),
    ("continental_breakfast", "Continental breakfast", 24, "breakfast"),
    ("full_breakfast", "Full cooked breakfast", 29, "breakfast"),
    ("chocolate_cake", "Chocolate cake", 10, "desserts"),
    ("fruit_plate", "Seasonal fruit plate", 12, "desserts"),
    ("sparkling_water", "Sparkling water, large", 6, "drinks"),
    ("orange_juice", "Fresh orange juice", 7, "drinks"),
    ("house_red", "Bottle of house red wine", 42, "drinks"),
    ("champagne", "Bottle of champagne", 95, "drinks"),
)

SPA_SERVICES = (
    ("swedish_massage", "Swedish massage", 60, 120, 1),
    ("deep_tissue_massage", "Deep tissue massage", 60, 140, 1),
    ("hot_stone_massage", "Hot stone massage", 90, 175, 1),
    ("facial", "Signature facial", 45, 95, 1),
    ("couples_massage", "Couples massage", 60, 260, 2),
)

LOST_AND_FOUND = (
    ("black umbrella with a wooden handle", "lobby", "2026-03-10"),
    ("grey Dell laptop charger", "business center", "2026-03-11"),
    ("blue silk scarf", "Lantern Room restaurant", "2026-03-12"),
    ("gold wedding ring", "spa changing room", "2026-03-13"),
    ("pink stuffed rabbit toy", "pool area", "2026-03-13"),
    ("Kindle e-reader in a green cover", "room 212", "2026-03-08"),
    ("Ray-Ban sunglasses, black frame", "pool area", "2026-03-09"),
    ("silver iPhone with a cracked case", "taxi stand by the entrance", "2026-03-14"),
)

LOYALTY = (
    ("HL100234", 1, "gold", 18450, "2021-06-02"),
    ("HL100871", 2, "platinum", 52300, "2019-09-15"),
    ("HL101502", 7, "silver", 6200, "2024-01-20"),
    ("HL101877", 12, "member", 950, "2025-11-30"),
)


def seed_database(conn: sqlite3.Connection) -> None:
    conn.executemany(
        "INSERT INTO meta(key, value) VALUES (?, ?)",
        [
            ("hotel", "Harbor Light Hotel"),
            ("today", HOTEL_TODAY.isoformat()),
            ("code_seq", "0"),
            ("member_seq", "0"),
            ("seed_version", seed_version()),
        ],
    )
    conn.executemany("INSERT INTO room_types VALUES (?, ?, ?, ?, ?, ?)", ROOM_TYPES)
    rooms = []
    for room_type, floor, count in ROOM_COUNTS:
        for i in range(1, count + 1):
            view = (
                "harbor"
                if room_type in ("deluxe", "suite") or i % 3 == 0
                else ("city" if i % 3 == 1 else "courtyard")
            )
            # Pets stay on the ground floor and the standard floor's courtyard side only.
            pet = 1 if (floor == 2 and i > 9) else 0
            rooms.append((f"{floor}{i:02d}", room_type, floor, view, pet))
    conn.executemany("INSERT INTO rooms VALUES (?, ?, ?, ?, ?)", rooms)
    _seed_rates(conn)
    conn.executemany(
        "INSERT INTO room_blocks(room_type, start_date, end_date, rooms, reason) "
        "VALUES (?, ?, ?, ?, ?)",
        ROOM_BLOCKS,
    )
    conn.executemany("INSERT INTO guests VALUES (?, ?, ?, ?)", GUESTS)
    codes = _seed_bookings(conn)
    _seed_stays(conn, codes)
    _seed_services(conn)


def _seed_rates(conn: sqlite3.Connection) -> None:
    rows = []
    # From a month back so past stays can be priced too.
    day = date(2025, 10, 1)
    while day <= RATES_UNTIL:
        for room_type, *_ in ROOM_TYPES:
            rows.append((room_type, day.isoformat(), seed_rate(room_type, day)))
        day += timedelta(days=1)
    conn.executemany("INSERT INTO rates VALUES (?, ?, ?)", rows)


def _seed_bookings(conn: sqlite3.Connection) -> list[str]:
    codes = []
    for guest, room_type, ci, co, adults, children, plan, status, room, paid, created in BOOKINGS:
        total = sum(
            nightly_rates(conn, room_type, date.fromisoformat(ci), date.fromisoformat(co), plan)
        )
        code = new_code(conn)
        codes.append(code)
        conn.execute(
            "INSERT INTO bookings(code, guest_id, room_type, room_number, check_in, check_out,"
            " adults,"
            " children, rate_plan, status, total_usd, paid_usd, created_on, cancelled_on)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                code,
                guest,
                room_type,
                room,
                ci,
                co,
                adults,
                children,
                plan,
                status,
                total,
                total if paid < 0 else paid,
                created,
                "2026-03-09" if status == "cancelled" else None,
            ),
        )
    return codes


def _seed_stays(conn: sqlite3.Connection, codes: list[str]) -> None:
    larsson, whitaker, tanaka, miller, okafor, raman, garcia = codes[:7]
    conn.executemany(
        "INSERT INTO special_requests(booking_code, request, created_on) VALUES (?, ?, ?)",
        [
            (whitaker, "extra pillows and a quiet room away from the elevator", "2026-01-30"),
            (garcia, "celebrating a wedding anniversary", "2026-02-14"),
            (raman, "baby crib in the room", "2026-02-25"),
        ],
    )
    conn.executemany(
        "INSERT INTO charges(booking_code, date, category, description, amount_usd) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (larsson, "2026-03-11", "restaurant", "Dinner at the Lantern Room", 96),
            (larsson, "2026-03-12", "spa", "Swedish massage", 120),
            (larsson, "2026-03-13", "laundry", "Laundry service", 18),
            (whitaker, "2026-03-12", "minibar", "Minibar", 14),
            (whitaker, "2026-03-12", "parking", "Valet parking", 40),
            (whitaker, "2026-03-13", "parking", "Valet parking", 40),
            (whitaker, "2026-03-13", "restaurant", "Dinner at the Lantern Room", 86),
            (tanaka, "2026-03-13", "room_service", "Room service", 32),
        ],
    )
    conn.execute(
        "INSERT INTO parking_reservations(booking_code, license_plate, kind, start_date, end_date,"
        " price_usd, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (whitaker, "7XKL392", "valet", "2026-03-12", "2026-03-16", 160, "confirmed"),
    )
    conn.execute(
        "INSERT INTO wakeup_calls(room_number, date, time, status) VALUES (?, ?, ?, ?)",
        ("402", "2026-03-15", "06:30", "scheduled"),
    )
    conn.execute(
        "INSERT INTO housekeeping_requests(room_number, request_type, quantity, notes, status,"
        " created_on) VALUES (?, ?, ?, ?, ?, ?)",
        ("501", "crib", 1, "for the baby", "open", "2026-03-14"),
    )
    conn.execute(
        "INSERT INTO maintenance_requests(room_number, issue, urgency, status, created_on)"
        " VALUES (?, ?, ?, ?, ?)",
        ("204", "bathroom sink drains slowly", "normal", "open", "2026-03-13"),
    )
    conn.execute(
        "INSERT INTO room_service_orders(room_number, items, total_usd, notes, status, created_on)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            "204",
            json.dumps(
                [{"item": "tomato_soup", "quantity": 1}, {"item": "club_sandwich", "quantity": 1}]
            ),
            30,
            None,
            "placed",
            "2026-03-13",
        ),
    )


def _seed_services(conn: sqlite3.Connection) -> None:
    conn.executemany("INSERT INTO restaurant_tables(seats, area) VALUES (?, ?)", RESTAURANT_TABLES)
    conn.executemany("INSERT INTO menu_items VALUES (?, ?, ?, ?)", MENU)
    conn.executemany("INSERT INTO spa_services VALUES (?, ?, ?, ?, ?)", SPA_SERVICES)
    conn.executemany(
        "INSERT INTO lost_and_found(description, location, date, status) VALUES (?, ?, ?, 'held')",
        LOST_AND_FOUND,
    )
    conn.executemany("INSERT INTO loyalty_members VALUES (?, ?, ?, ?, ?)", LOYALTY)
    # Tonight (Saturday) is busy: no table for 3 to 5 people from 18:30 to 20:30.
    reservations = [
        ("James Whitaker", "+1 212 555 0187", "2026-03-14", "19:00", 2, 1, "anniversary"),
        ("Ana Souza", "+55 11 5555 0101", "2026-03-14", "19:30", 4, 7, None),
        ("Mark Evans", "+1 202 555 0133", "2026-03-14", "19:30", 3, 8, None),
        ("Li Wei", "+86 10 5555 0188", "2026-03-14", "20:00", 4, 9, None),
        ("Grace Kim", "+1 213 555 0170", "2026-03-14", "19:00", 4, 10, "window please"),
        ("Peter Novak", "+420 2 5555 0144", "2026-03-14", "19:30", 4, 11, None),
        ("Jonas Berg", "+47 22 555 0119", "2026-03-14", "20:00", 4, 12, None),
        ("Rahul Mehta", "+91 22 5555 0166", "2026-03-14", "19:30", 6, 13, None),
        ("Chloe Dubois", "+33 4 5555 0122", "2026-03-14", "19:00", 5, 14, "birthday cake"),
        ("Maria Garcia", "+1 415 555 0142", "2026-03-21", "19:30", 2, 2, "anniversary dinner"),
    ]
    for name, phone, day, time, size, table, notes in reservations:
        conn.execute(
            "INSERT INTO restaurant_reservations VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'confirmed')",
            (new_code(conn), name, phone, day, time, size, table, notes),
        )
    spa = [
        ("Emma Larsson", "+46 8 555 0190", "307", "hot_stone_massage", "2026-03-14", "14:00", 175),
        (
            "Samuel Okafor",
            "+234 801 555 0166",
            "501",
            "couples_massage",
            "2026-03-15",
            "10:00",
            260,
        ),
    ]
    for name, phone, room, service, day, time, price in spa:
        conn.execute(
            "INSERT INTO spa_appointments(code, guest_name, phone, room_number, service_code, date,"
            " time, price_usd, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'confirmed')",
            (new_code(conn), name, phone, room, service, day, time, price),
        )
    conn.execute(
        "INSERT INTO transport_bookings(code, kind, guest_name, phone, date, time, pickup_location,"
        " destination, passengers, vehicle, flight_number, price_usd, status)"
        " VALUES (?, 'airport_transfer', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'confirmed')",
        (
            new_code(conn),
            "Emma Larsson",
            "+46 8 555 0190",
            "2026-03-14",
            "13:00",
            "hotel entrance",
            "Harbor City International Airport",
            2,
            "sedan",
            "SK 938",
            65,
        ),
    )
