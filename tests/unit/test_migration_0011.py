"""Migration 0011: sign-in and verification codes still open under the old, unkeyed digest
are ended (they would never match the keyed digest), reset links are left alone, and
memberships get the column for the address as the inviter typed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text

from tenantry.server.db.engine import create_db_engine
from tenantry.server.db.migrate import upgrade


def test_open_codes_are_ended_and_reset_links_kept(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0010")
    now = datetime.now(UTC)
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO users (id, email, email_key, email_verified, metadata, custom_attributes, "
                "created_at, updated_at) VALUES ('usr_1', 'a@example.com', 'a@example.com', 0, '{}', '{}', :now, :now)"
            ),
            {"now": now},
        )
        for row_id, purpose in (("otc_login", "login"), ("otc_verify", "verify"), ("otc_reset", "reset")):
            db.execute(
                text(
                    "INSERT INTO email_codes (id, user_id, purpose, secret_hash, attempts, created_at, expires_at) "
                    "VALUES (:id, 'usr_1', :purpose, :hash, 0, :now, :later)"
                ),
                {"id": row_id, "purpose": purpose, "hash": "0" * 64, "now": now, "later": now + timedelta(minutes=10)},
            )

    upgrade(engine)

    with engine.connect() as db:
        ended = dict(db.execute(text("SELECT id, consumed_at IS NOT NULL FROM email_codes")).all())
    assert ended == {"otc_login": True, "otc_verify": True, "otc_reset": False}
    assert "invited_email" in {c["name"] for c in inspect(engine).get_columns("memberships")}
    engine.dispose()
