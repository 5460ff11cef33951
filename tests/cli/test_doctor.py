"""`tenantry doctor` recounts seats from the memberships: after a restore or a hand edit it
reports the drift (exit 1), repairs it with --repair, and then finds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.cli.test_cli import tenantry

pytestmark = pytest.mark.live


def test_doctor_reports_and_repairs_seat_drift(database_url, engine, api):
    org = api.org("Drifting")["id"]
    api.limit(org, 3)
    api.user_in(org, "carol@example.com", invite=False)
    api.user_in(org, "dave@example.com")  # pending: holds a seat too
    clean = tenantry(database_url, "doctor")
    assert clean.returncode == 0, clean.stderr
    assert "agree" in clean.stdout

    with engine.begin() as connection:  # what a restore of a torn backup can leave behind
        connection.execute(text("UPDATE organizations SET seats_held = 0 WHERE id = :id"), {"id": org})
        connection.execute(
            text("UPDATE memberships SET holds_seat = :no WHERE organization_id = :id AND accepted_at IS NOT NULL"),
            {"id": org, "no": False},
        )
    found = tenantry(database_url, "doctor")
    assert found.returncode == 1, found.stdout
    assert org in found.stdout and "--repair" in found.stdout
    assert api.seats_used(org) == 0  # the stored count is what was restored

    repaired = tenantry(database_url, "doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "Repaired 1" in repaired.stdout
    assert tenantry(database_url, "doctor").returncode == 0
    assert api.seats_used(org) == 2
    # The repaired count is the real one: the third seat is free, the fourth is not.
    assert api.user_in(org, "erin@example.com", invite=False)
    refused = api.post(f"/api/v1/organizations/{org}/users", json={"email": "frank@example.com"})
    assert refused.status_code == 409 and refused.json()["code"] == "organization_user_limit_reached"
