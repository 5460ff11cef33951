"""The seat invariant (SPEC §2, services/membership/ledger.py), in SQL of its own rather than
the ledger's: every organization's counter equals its memberships holding a seat; every
active membership holds one and no inactive one does. Checked after every test that uses
the database (tests/conftest.py) and after every injected fault (tests/faults)."""

from __future__ import annotations

from sqlalchemy import Engine, text

SEAT_DRIFT = text(
    "SELECT o.id, o.seats_held, (SELECT count(*) FROM memberships m "
    "WHERE m.organization_id = o.id AND m.holds_seat) AS held FROM organizations o"
)
SEATLESS = text(
    "SELECT m.organization_id, m.user_id, m.deactivated_at FROM memberships m WHERE "
    "(m.accepted_at IS NOT NULL AND m.deactivated_at IS NULL AND NOT m.holds_seat) "
    "OR (m.deactivated_at IS NOT NULL AND m.holds_seat)"
)


def seat_invariant_violations(engine: Engine) -> list[str]:
    """What breaks the seat invariant in the database now (empty when it holds)."""
    with engine.connect() as connection:
        counters = connection.execute(SEAT_DRIFT).all()
        seatless = connection.execute(SEATLESS).all()
    found = [
        f"organization {r.id}: seats_held {r.seats_held}, held {r.held}" for r in counters if r.seats_held != r.held
    ]
    found += [
        f"membership of {r.user_id} in {r.organization_id}: "
        + ("inactive and holding a seat" if r.deactivated_at is not None else "active without a seat")
        for r in seatless
    ]
    return found
