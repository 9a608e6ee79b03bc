"""The Harbor Light Hotel database: schema, deterministic seed, per-conversation copies, snapshots.

Everything is derived from ``HOTEL_TODAY``/``HOTEL_NOW`` (never the wall clock) so a conversation
replayed tomorrow sees the same rooms, prices and booking codes. New codes come from a counter
stored in the database itself, so two copies of the same database issue the same codes in the same
order and an eval run is reproducible end to end.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from quickturn.errors import ConfigError

HOTEL_TODAY = date(2026, 3, 14)
# The hotel's clock for same-day checks ("a taxi at 09:00 today" is in the past).
HOTEL_NOW = datetime(2026, 3, 14, 10, 0)
# Rates are published up to and including this night.
RATES_UNTIL = date(2026, 12, 31)

# No I, O, 0 or 1: codes are read aloud and typed from speech.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
_CODE_TABLES = (
    ("bookings", "code"),
    ("restaurant_reservations", "code"),
    ("spa_appointments", "code"),
    ("transport_bookings", "code"),
)


def _schema_sql() -> str:
    return resources.files("quickturn.domains.hotel").joinpath("schema.sql").read_text("utf-8")


def seed_version() -> str:
    """A fingerprint of the schema and the seed code: a cached seed file with another version is
    stale (built by an older quickturn) and must be rebuilt, never silently reused."""
    package = resources.files("quickturn.domains.hotel")
    digest = hashlib.sha256()
    for name in ("schema.sql", "seed.py", "pricing.py", "db.py"):
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def stored_seed_version(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'seed_version'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def connect(path: Path | str) -> sqlite3.Connection:
    """Open a database with the settings every hotel module expects (Row rows, foreign keys).

    ``check_same_thread=False`` lets a caller build the copy on one thread and run the tools on
    another (an executor); a connection still belongs to one conversation and is never used
    concurrently.
    """
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def create_database(path: Path | str) -> sqlite3.Connection:
    """Create the schema and the deterministic seed at ``path`` (":memory:" allowed).

    Refuses an existing non-empty file rather than silently mixing two hotels.
    """
    # Imported here: seed imports pricing which imports this module's constants.
    from quickturn.domains.hotel.seed import seed_database

    if str(path) != ":memory:" and Path(path).exists() and Path(path).stat().st_size > 0:
        raise ConfigError(f"{path} already exists; create_database needs a new file")
    conn = connect(path)
    with conn:
        conn.executescript(_schema_sql())
        seed_database(conn)
    return conn


def copy_database(
    src: sqlite3.Connection | Path | str, dst: Path | str = ":memory:"
) -> sqlite3.Connection:
    """A private copy for one conversation, via SQLite's backup API (~1 ms for this database).

    Build the seed once (``create_database(file)``), then copy it per conversation.
    """
    if isinstance(src, sqlite3.Connection):
        source, close_source = src, False
    else:
        if not Path(src).exists():
            raise ConfigError(f"no hotel database at {src}")
        source, close_source = connect(src), True
    try:
        dest = connect(dst)
        source.backup(dest)
    finally:
        if close_source:
            source.close()
    return dest


def table_names(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def snapshot(
    conn: sqlite3.Connection, *, skip: tuple[str, ...] = ()
) -> dict[str, list[dict[str, Any]]]:
    """All rows of all tables (ordered by primary key) for graders and determinism checks."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in table_names(conn):
        if name in skip:
            continue
        cur = conn.execute(f'SELECT * FROM "{name}" ORDER BY 1')
        cols = [d[0] for d in cur.description]
        out[name] = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    return out


def _meta_next(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    value = int(row[0]) if row else 0
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, str(value + 1)),
    )
    return value


def new_code(conn: sqlite3.Connection) -> str:
    """The next confirmation code (unique across bookings, tables, spa and transport)."""
    while True:
        seq = _meta_next(conn, "code_seq")
        # A str seed is hashed with SHA-512 by `random`, so this is stable across processes.
        rng = random.Random(f"harbor-light-{seq}")
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = any(
            conn.execute(f"SELECT 1 FROM {table} WHERE {col} = ?", (code,)).fetchone()
            for table, col in _CODE_TABLES
        )
        if not taken:
            return code


def new_member_id(conn: sqlite3.Connection) -> str:
    seq = _meta_next(conn, "member_seq")
    return f"HL{102000 + seq}"
