"""The database: deterministic seed, private copies, snapshots, a seed that obeys its rules."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from quickturn.domains.hotel import HotelAgent, copy_database, create_database, snapshot
from quickturn.domains.hotel.db import CODE_ALPHABET, new_code, seed_version, stored_seed_version
from quickturn.domains.hotel.inventory import rooms_free
from quickturn.domains.hotel.pricing import nightly_rates
from quickturn.errors import ConfigError

SCHEMA_MD = Path(__file__).parents[2] / "src/quickturn/domains/hotel/SCHEMA.md"


def test_two_builds_give_identical_snapshots(tmp_path: Path) -> None:
    a = create_database(":memory:")
    b = create_database(tmp_path / "b.sqlite")
    snap_a, snap_b = snapshot(a), snapshot(b)
    assert snap_a == snap_b
    assert len(snap_a["bookings"]) >= 15 and len(snap_a["rates"]) > 1000


def test_copies_are_private_and_issue_the_same_codes(seed_path: Path) -> None:
    one, two = copy_database(seed_path), copy_database(seed_path)
    with one:
        one.execute("UPDATE bookings SET status = 'cancelled' WHERE code = '4K6JP4'")
        code_one = new_code(one)
    assert two.execute("SELECT status FROM bookings WHERE code = '4K6JP4'").fetchone()[0] == (
        "confirmed"
    )
    with two:
        code_two = new_code(two)
    # The counter lives in the database: every fresh copy issues the same next code.
    assert code_one == code_two
    assert len(code_one) == 6 and set(code_one) <= set(CODE_ALPHABET)
    fresh = copy_database(seed_path)
    assert fresh.execute("SELECT status FROM bookings WHERE code = '4K6JP4'").fetchone()[0] == (
        "confirmed"
    )


def test_new_codes_are_unique_across_many_issues(conn: sqlite3.Connection) -> None:
    codes = {new_code(conn) for _ in range(300)}
    assert len(codes) == 300
    seeded = {r[0] for r in conn.execute("SELECT code FROM bookings")}
    assert not codes & seeded


def test_copy_from_connection(conn: sqlite3.Connection) -> None:
    clone = copy_database(conn)
    assert snapshot(clone) == snapshot(conn)


def test_create_refuses_an_existing_file(seed_path: Path) -> None:
    before = seed_path.read_bytes()
    with pytest.raises(ConfigError, match="already exists"):
        create_database(seed_path)
    assert seed_path.read_bytes() == before


def test_copy_of_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no hotel database"):
        copy_database(tmp_path / "nope.sqlite")
    assert not (tmp_path / "nope.sqlite").exists()


def test_snapshot_covers_every_table(conn: sqlite3.Connection) -> None:
    snap = snapshot(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(snap) == tables
    assert snapshot(conn, skip=("rates",)).keys() == tables - {"rates"}


def test_seeded_totals_match_published_rates(conn: sqlite3.Connection) -> None:
    for b in conn.execute("SELECT * FROM bookings"):
        prices = nightly_rates(
            conn,
            b["room_type"],
            date.fromisoformat(b["check_in"]),
            date.fromisoformat(b["check_out"]),
            b["rate_plan"],
        )
        assert sum(prices) == b["total_usd"], b["code"]


def test_seed_never_overbooks(conn: sqlite3.Connection) -> None:
    """Recount the busiest night per type from raw rows, independent of inventory.py."""
    rooms = dict(conn.execute("SELECT room_type, COUNT(*) FROM rooms GROUP BY room_type"))
    for (room_type,) in conn.execute("SELECT code FROM room_types"):
        for (night,) in conn.execute(
            "SELECT DISTINCT date FROM rates WHERE date BETWEEN '2026-03-01' AND '2026-05-01'"
        ):
            booked = conn.execute(
                "SELECT COUNT(*) FROM bookings WHERE room_type = ? AND status IN "
                "('confirmed', 'checked_in') AND check_in <= ? AND check_out > ?",
                (room_type, night, night),
            ).fetchone()[0]
            blocked = conn.execute(
                "SELECT COALESCE(SUM(rooms), 0) FROM room_blocks WHERE room_type = ? "
                "AND start_date <= ? AND end_date > ?",
                (room_type, night, night),
            ).fetchone()[0]
            assert booked + blocked <= rooms[room_type], (room_type, night)


def test_sold_out_nights_documented_in_schema_md(conn: sqlite3.Connection) -> None:
    d = date.fromisoformat
    assert rooms_free(conn, "suite", d("2026-03-20"), d("2026-03-22")) == 0
    assert rooms_free(conn, "deluxe", d("2026-03-20"), d("2026-03-23")) == 0
    assert rooms_free(conn, "deluxe", d("2026-03-23"), d("2026-03-24")) > 0
    assert rooms_free(conn, "suite", d("2026-03-22"), d("2026-03-23")) > 0


def test_schema_md_booking_table_matches_the_seed(conn: sqlite3.Connection) -> None:
    """Scenario writers rely on SCHEMA.md: every seeded booking row there must be true."""
    rows = re.findall(
        r"^\| ([2-9A-Z]{6}) \| ([^|]+) \| (\w+) \| [^|]+ \| (\d)\+(\d) \| (\w+) \| (\w+)[^|]* \|"
        r"\s*(\d*)\s*\| (\d+) \|$",
        SCHEMA_MD.read_text("utf-8"),
        re.M,
    )
    seeded = {
        r["code"]: r
        for r in conn.execute(
            "SELECT b.*, g.name FROM bookings b JOIN guests g ON g.id = b.guest_id"
        ).fetchall()
    }
    assert len(rows) == len(seeded)
    for code, name, rtype, adults, children, plan, status, room, total in rows:
        b = seeded[code]
        assert (b["name"], b["room_type"], b["rate_plan"], b["status"]) == (
            name.strip(),
            rtype,
            plan,
            status,
        )
        assert (b["adults"], b["children"], b["total_usd"]) == (
            int(adults),
            int(children),
            int(total),
        )
        assert (b["room_number"] or "") == room


def test_stale_seed_file_is_rebuilt(agent: HotelAgent, tmp_path: Path) -> None:
    path = agent.build_seed_database(tmp_path / "hotel.sqlite")
    stale = sqlite3.connect(path)
    with stale:
        stale.execute("UPDATE meta SET value = 'old' WHERE key = 'seed_version'")
        stale.execute("DELETE FROM bookings WHERE code = '4K6JP4'")
    stale.close()
    agent.build_seed_database(path)
    fresh = copy_database(path)
    assert fresh.execute("SELECT 1 FROM bookings WHERE code = '4K6JP4'").fetchone()
    assert stored_seed_version(fresh) == seed_version()
    assert not list(tmp_path.glob("*.tmp"))
