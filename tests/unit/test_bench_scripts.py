"""The benchmark scripts start, and the bulk seeder writes rows the server reads back as
it would its own (so a schema change cannot silently break bench/scale.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.once  # tests/conftest.py: the PostgreSQL pass leaves it to the SQLite one

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "script",
    [
        "throughput",
        "scale",
        "contended",
        "profile",
        "startup",
        "observability",
        "hostile_inputs",
        "seat_model",
        "sso_sign_in",
        "enumeration_timing",
        "ceilings",
        "roles_tokens",
        "scim_sync",
    ],
)
def test_bench_script_starts(script):
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{script}", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


BETTER_AUTH = ROOT / "bench" / "node" / "better_auth"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_better_auth_server_parses():
    result = subprocess.run(
        ["node", "--check", str(BETTER_AUTH / "server.mjs")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(
    not (BETTER_AUTH / "node_modules" / "better-auth").is_dir() or shutil.which("wrk") is None,
    reason="the better-auth reference is not installed (npm ci --prefix bench/node/better_auth) or wrk is missing",
)
def test_better_auth_reference_counts_its_invitations(tmp_path, monkeypatch):
    """bench.ceilings' better-auth server seeds an owner and an organization, and the wrk
    scenario's invitations come back 200 (each a fresh address) and count as done work."""
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.ceilings import better_auth_server
    from bench.common import wrk

    with better_auth_server(str(tmp_path / "better_auth.db")) as (server, seed):
        variables = {"COOKIE": seed["cookie"], "ORIGIN": seed["origin"], "ORGANIZATION": seed["organizationId"]}
        result = wrk(server, "better_auth_invite", expect=200, duration=1, connections=2, variables=variables)
    assert result.ok > 0
    assert (result.bad, result.first_bad) == (0, "")
    assert result.server_cpu_s > 0


def test_seeded_rows_read_back_through_the_api(database_url, api, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.seed import seed

    seeded = seed(database_url, users=200, organizations=11)  # into this worker's emptied test database
    big = api.get(f"/api/v1/organizations/{seeded.big_organization}/users", params={"page_size": "5"}).json()
    assert big["total_size"] == seeded.big_members == 20
    assert big["users"][0]["memberships"][0]["membership_status"] == "ACTIVE"
    seats = api.get(f"/api/v1/organizations/{seeded.big_organization}/settings/usermanagement").json()
    assert seats["seats_used"] == 20
    small = api.get(f"/api/v1/organizations/{seeded.small_organization}/users").json()
    assert small["total_size"] == 18  # 180 other users over 10 organizations
    found = api.get("/api/v1/users", params={"custom_attributes.badge": "B0000007"}).json()
    assert [user["email"] for user in found["users"]] == ["user7@example.com"]
    assert api.get(f"/api/v1/users/{seeded.sample_users[3]}").status_code == 200
