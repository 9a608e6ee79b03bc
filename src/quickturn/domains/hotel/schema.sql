-- Harbor Light Hotel: one SQLite database per conversation.
-- Money is whole US dollars (INTEGER); dates are ISO 'YYYY-MM-DD' text; times are 'HH:MM' text.
-- Availability is never stored: it is derived from rooms, room_blocks and bookings.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE room_types (
    code        TEXT PRIMARY KEY,          -- standard | double | deluxe | suite | accessible
    name        TEXT NOT NULL,
    beds        TEXT NOT NULL,
    capacity    INTEGER NOT NULL,          -- adults + children
    size_sqm    INTEGER NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE rooms (
    number    TEXT PRIMARY KEY,
    room_type TEXT NOT NULL REFERENCES room_types(code),
    floor     INTEGER NOT NULL,
    view      TEXT NOT NULL,               -- harbor | city | courtyard
    pet_friendly INTEGER NOT NULL DEFAULT 0
);

-- Nightly rate of the flexible plan; the non-refundable plan is 10 % cheaper (see pricing.py).
CREATE TABLE rates (
    room_type TEXT NOT NULL REFERENCES room_types(code),
    date      TEXT NOT NULL,
    rate_usd  INTEGER NOT NULL,
    PRIMARY KEY (room_type, date)
);

-- Rooms taken out of sale (group allotments, renovation) for the nights start_date..end_date-1.
CREATE TABLE room_blocks (
    id         INTEGER PRIMARY KEY,
    room_type  TEXT NOT NULL REFERENCES room_types(code),
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    rooms      INTEGER NOT NULL,
    reason     TEXT NOT NULL
);

CREATE TABLE guests (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL,
    phone TEXT,
    email TEXT
);

CREATE TABLE bookings (
    code          TEXT PRIMARY KEY,        -- 6 characters, e.g. HX4K2P
    guest_id      INTEGER NOT NULL REFERENCES guests(id),
    room_type     TEXT NOT NULL REFERENCES room_types(code),
    room_number   TEXT REFERENCES rooms(number),  -- set once checked in
    check_in      TEXT NOT NULL,
    check_out     TEXT NOT NULL,
    adults        INTEGER NOT NULL,
    children      INTEGER NOT NULL DEFAULT 0,
    rate_plan     TEXT NOT NULL,           -- flexible | nonrefundable
    status        TEXT NOT NULL,           -- confirmed | checked_in | checked_out | cancelled
    total_usd     INTEGER NOT NULL,        -- room charges for the whole stay
    paid_usd      INTEGER NOT NULL DEFAULT 0,
    cancellation_fee_usd INTEGER NOT NULL DEFAULT 0,
    early_checkin_time TEXT,               -- 'HH:MM' when an early check-in was granted
    late_checkout_time TEXT,               -- 'HH:MM' when a late check-out was granted
    created_on    TEXT NOT NULL,
    cancelled_on  TEXT
);

CREATE TABLE special_requests (
    id           INTEGER PRIMARY KEY,
    booking_code TEXT NOT NULL REFERENCES bookings(code),
    request      TEXT NOT NULL,
    created_on   TEXT NOT NULL
);

CREATE TABLE restaurant_tables (
    id    INTEGER PRIMARY KEY,
    seats INTEGER NOT NULL,
    area  TEXT NOT NULL                    -- window | main | terrace | private
);

-- A reservation holds its table for two hours.
CREATE TABLE restaurant_reservations (
    code       TEXT PRIMARY KEY,
    guest_name TEXT NOT NULL,
    phone      TEXT NOT NULL,
    date       TEXT NOT NULL,
    time       TEXT NOT NULL,
    party_size INTEGER NOT NULL,
    table_id   INTEGER NOT NULL REFERENCES restaurant_tables(id),
    notes      TEXT,
    status     TEXT NOT NULL               -- confirmed | cancelled
);

CREATE TABLE menu_items (
    code      TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    price_usd INTEGER NOT NULL,
    category  TEXT NOT NULL                -- breakfast | mains | snacks | desserts | drinks
);

CREATE TABLE room_service_orders (
    id          INTEGER PRIMARY KEY,
    room_number TEXT NOT NULL REFERENCES rooms(number),
    items       TEXT NOT NULL,             -- JSON list of {"item": code, "quantity": n}
    total_usd   INTEGER NOT NULL,
    notes       TEXT,
    status      TEXT NOT NULL,             -- placed
    created_on  TEXT NOT NULL
);

CREATE TABLE spa_services (
    code         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    duration_min INTEGER NOT NULL,
    price_usd    INTEGER NOT NULL,
    rooms_needed INTEGER NOT NULL          -- a couples massage uses both treatment rooms
);

CREATE TABLE spa_appointments (
    code         TEXT PRIMARY KEY,
    guest_name   TEXT NOT NULL,
    phone        TEXT,
    room_number  TEXT REFERENCES rooms(number),
    service_code TEXT NOT NULL REFERENCES spa_services(code),
    date         TEXT NOT NULL,
    time         TEXT NOT NULL,
    price_usd    INTEGER NOT NULL,
    status       TEXT NOT NULL,            -- confirmed | cancelled
    cancellation_fee_usd INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE transport_bookings (
    code            TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,         -- taxi | airport_transfer
    guest_name      TEXT NOT NULL,
    phone           TEXT NOT NULL,
    date            TEXT NOT NULL,
    time            TEXT NOT NULL,
    pickup_location TEXT NOT NULL,
    destination     TEXT NOT NULL,
    passengers      INTEGER NOT NULL,
    vehicle         TEXT NOT NULL,         -- taxi | sedan | van
    flight_number   TEXT,
    price_usd       INTEGER,               -- NULL for metered taxis
    status          TEXT NOT NULL,         -- confirmed | cancelled
    cancellation_fee_usd INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE wakeup_calls (
    id          INTEGER PRIMARY KEY,
    room_number TEXT NOT NULL REFERENCES rooms(number),
    date        TEXT NOT NULL,
    time        TEXT NOT NULL,
    status      TEXT NOT NULL              -- scheduled | cancelled
);

CREATE TABLE housekeeping_requests (
    id           INTEGER PRIMARY KEY,
    room_number  TEXT NOT NULL REFERENCES rooms(number),
    request_type TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    notes        TEXT,
    status       TEXT NOT NULL,            -- open
    created_on   TEXT NOT NULL
);

CREATE TABLE maintenance_requests (
    id          INTEGER PRIMARY KEY,
    room_number TEXT NOT NULL REFERENCES rooms(number),
    issue       TEXT NOT NULL,
    urgency     TEXT NOT NULL,             -- low | normal | urgent
    status      TEXT NOT NULL,             -- open
    created_on  TEXT NOT NULL
);

-- Extras posted to a stay (room nights are bookings.total_usd, not rows here).
CREATE TABLE charges (
    id           INTEGER PRIMARY KEY,
    booking_code TEXT NOT NULL REFERENCES bookings(code),
    date         TEXT NOT NULL,
    category     TEXT NOT NULL,
    description  TEXT NOT NULL,
    amount_usd   INTEGER NOT NULL
);

CREATE TABLE lost_and_found (
    id          INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    location    TEXT NOT NULL,
    date        TEXT NOT NULL,
    status      TEXT NOT NULL              -- held | returned
);

CREATE TABLE lost_item_reports (
    id          INTEGER PRIMARY KEY,
    guest_name  TEXT NOT NULL,
    phone       TEXT NOT NULL,
    description TEXT NOT NULL,
    where_lost  TEXT NOT NULL,
    date_lost   TEXT NOT NULL,
    status      TEXT NOT NULL,             -- open
    created_on  TEXT NOT NULL
);

CREATE TABLE parking_reservations (
    id            INTEGER PRIMARY KEY,
    booking_code  TEXT NOT NULL REFERENCES bookings(code),
    license_plate TEXT NOT NULL,
    kind          TEXT NOT NULL,           -- self | valet
    start_date    TEXT NOT NULL,
    end_date      TEXT NOT NULL,
    price_usd     INTEGER NOT NULL,
    status        TEXT NOT NULL            -- confirmed
);

CREATE TABLE loyalty_members (
    member_id TEXT PRIMARY KEY,            -- HL + 6 digits
    guest_id  INTEGER NOT NULL REFERENCES guests(id),
    tier      TEXT NOT NULL,               -- member | silver | gold | platinum
    points    INTEGER NOT NULL,
    joined_on TEXT NOT NULL
);

-- Hand-offs to staff and call endings, recorded for graders.
CREATE TABLE call_events (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,              -- transfer_to_human | end_call
    department TEXT,
    reason     TEXT NOT NULL,
    summary    TEXT
);
