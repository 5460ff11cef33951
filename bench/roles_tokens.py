"""Token issuance with a large role catalogue (issue 19): 200 permissions, 50 roles in one
inheritance chain (role k grants 4 permissions and extends role k-1), a member holding the
top role, so the access token carries 50 roles' worth of expanded permissions (all 200).
Compared with a member holding the plain ``member`` role (no permissions).

Each figure is one refresh-token grant at ``POST /oauth/token`` (the access token, with its
``roles`` and ``permissions`` claims computed by one recursive query, signed), in process
through the ASGI app, on SQLite or PostgreSQL.

    python -m bench.roles_tokens [--rounds 200] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, Api
from tests.oidc.conftest import authorize, callback_params, exchange, pkce, refresh, register, sign_in

from bench.common import header

PASSWORD = "a long and unusual passphrase"


def setup(api: Api, permissions: int, roles: int) -> None:
    for p in range(permissions):
        assert api.post("/api/v1/permissions", json={"permission": {"name": f"perm:{p:03d}"}}).status_code == 201
    per_role = permissions // roles
    for r in range(roles):
        body = {
            "name": f"role_{r:02d}",
            "display_name": f"Role {r}",
            "permissions": [f"perm:{p:03d}" for p in range(r * per_role, (r + 1) * per_role)],
        }
        if r:
            body["extends"] = f"role_{r - 1:02d}"
        assert api.post("/api/v1/roles", json={"role": body}).status_code == 201


def issue(client: TestClient, api: Api, email: str, role: str, org_id: str, rounds: int) -> tuple[list[float], int]:
    user = api.signup(email, PASSWORD).json()["user"]
    added = api.post(
        f"/api/v1/memberships/organizations/{org_id}/users/{user['id']}",
        params={"send_invitation_email": "false"},
        json={"roles": [{"name": role}]},
    )
    assert added.status_code == 201, added.text
    app = register(api)
    client.cookies.clear()
    sign_in(client, email)
    verifier, challenge = pkce()
    tokens = exchange(
        client, app, callback_params(authorize(client, app, challenge, organization_id=org_id))["code"], verifier
    ).json()
    keys = KeySet.import_key_set(client.get("/keys").json())
    claims = jwt.decode(tokens["access_token"], keys).claims
    token, times = tokens["refresh_token"], []
    for _ in range(rounds):
        began = time.perf_counter()
        answer = refresh(client, app, token)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, answer.text
        token = answer.json()["refresh_token"]
    return times, len(claims.get("permissions", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--roles", type=int, default=50)
    parser.add_argument("--permissions", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()

    from tenantry.server.app import create_app
    from tenantry.server.context import build_context
    from tenantry.server.db.engine import create_db_engine
    from tenantry.server.db.migrate import upgrade
    from tenantry.server.domain.clock import SystemClock
    from tenantry.server.settings import Settings

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'roles.db'}"
        engine = create_db_engine(url)
        upgrade(engine)
        settings = Settings(
            database_url=url,
            public_url="http://127.0.0.1",
            bootstrap_client_id=BOOTSTRAP_ID,
            bootstrap_client_secret=BOOTSTRAP_SECRET,
            smtp_host=None,
            rate_limits_enabled=False,
        )
        context = build_context(settings, SystemClock(), engine=engine)
        with TestClient(create_app(context=context), base_url="http://127.0.0.1", follow_redirects=False) as client:
            api = Api.login(client)
            org_id = api.org("Bench")["id"]
            began = time.perf_counter()
            setup(api, args.permissions, args.roles)
            header("roles_tokens: token issuance with a large role catalogue")
            print(
                f"catalogue: {args.permissions} permissions, {args.roles} roles chained, "
                f"set up in {time.perf_counter() - began:.1f} s"
            )
            for label, email, role in (
                ("plain member (0 permissions)", "plain@example.com", "member"),
                (f"top of {args.roles}-role chain", "heavy@example.com", f"role_{args.roles - 1:02d}"),
            ):
                times, carried = issue(client, api, email, role, org_id, args.rounds)
                times.sort()
                print(
                    f"{label}: {carried} permissions in the token; "
                    f"refresh grant p50 {statistics.median(times):.2f} ms, "
                    f"p95 {times[int(len(times) * 0.95) - 1]:.2f} ms, mean {statistics.fmean(times):.2f} ms "
                    f"over {args.rounds}"
                )
        engine.dispose()


if __name__ == "__main__":
    main()
