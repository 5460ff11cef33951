"""POST /oauth/token and bearer protection of /api/v1."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from tenantry.server.db.models import AccessToken
from tenantry.server.domain.secrets import digest
from tenantry.server.services.integration import clients
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, Api


def test_client_credentials_grant_returns_a_bearer_token(http):
    response = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": BOOTSTRAP_ID, "client_secret": BOOTSTRAP_SECRET},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"]
    assert response.headers["cache-control"] == "no-store"


def test_http_basic_client_authentication_is_accepted(http):
    credentials = base64.b64encode(f"{BOOTSTRAP_ID}:{BOOTSTRAP_SECRET}".encode()).decode()
    response = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {credentials}"}
    )
    assert response.status_code == 200, response.text


def test_wrong_secret_and_unknown_client_are_401_unauthenticated(http):
    for client_id, secret in [(BOOTSTRAP_ID, "wrong"), ("nobody", BOOTSTRAP_SECRET)]:
        response = http.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        )
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
        assert response.json()["error"] == "invalid_client"


def test_unsupported_grant_and_missing_fields_are_400(http):
    response = http.post("/oauth/token", data={"grant_type": "password", "client_id": BOOTSTRAP_ID})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    response = http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_argument"


def test_api_refuses_requests_without_a_valid_token(http):
    for headers in [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}]:
        response = http.get("/api/v1/organizations", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


def test_a_token_stops_working_when_it_expires(http, clock):
    headers = Api.login(http).headers
    assert http.get("/api/v1/organizations", headers=headers).status_code == 200
    clock.advance(seconds=3599)
    assert http.get("/api/v1/organizations", headers=headers).status_code == 200
    clock.advance(seconds=2)
    assert http.get("/api/v1/organizations", headers=headers).status_code == 401


def test_public_routes_need_no_token(http):
    assert http.post("/api/v1/signup", json={}).status_code == 400  # validation, not 401
    assert http.post("/api/v1/invitations:accept", json={"token": "x"}).json()["code"] == "invitation_invalid"


def test_openapi_document_lists_every_contract_route(http):
    paths = http.get("/openapi.json").json()["paths"]
    expected = {
        "/api/v1/environment/settings": {"get", "patch"},
        "/api/v1/organizations": {"get", "post"},
        "/api/v1/organizations/{organization_id}": {"get", "patch", "delete"},
        "/api/v1/organizations:external/{external_id}": {"get"},
        "/api/v1/organizations/{organization_id}/settings/usermanagement": {"get", "patch"},
        "/api/v1/organizations/{organization_id}/users": {"get", "post"},
        "/api/v1/users": {"get"},
        "/api/v1/users/{user_id}": {"get", "patch", "delete"},
        "/api/v1/users:external/{external_id}": {"get"},
        "/api/v1/memberships/organizations/{organization_id}/users/{user_id}": {"post", "patch", "delete"},
        "/api/v1/invites/organizations/{organization_id}/users/{user_id}/resend": {"patch"},
        "/api/v1/invitations:accept": {"post"},
        "/api/v1/signup": {"post"},
        "/oauth/token": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_token_cannot_be_altered(http, context):
    """Tokens are signed, not stored: changing the client, the expiry or the signature makes one worthless."""
    other = clients.create_client(context, "another")
    token = Api.login(http).headers["Authorization"].removeprefix("Bearer ")
    signed, _, tag = token.rpartition(".")
    claims = json.loads(_unb64(signed.removeprefix("tat_")))
    forged = [
        "tat_" + _b64(json.dumps({**claims, "c": other.id}).encode()) + "." + tag,
        "tat_" + _b64(json.dumps({**claims, "x": claims["x"] + 10**12}).encode()) + "." + tag,
        signed + "." + tag[:-2] + ("AA" if not tag.endswith("AA") else "BB"),
        signed + ".",
        signed,
    ]
    assert http.get("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    for value in forged:
        response = http.get("/api/v1/organizations", headers={"Authorization": f"Bearer {value}"})
        assert response.status_code == 401, value


def test_a_token_stored_before_tokens_were_signed_works_until_revoked(http, context, clock):
    """Tokens issued by an earlier release (a row each) stay good after the upgrade, until they
    expire or their client's secret is rotated."""
    client = clients.create_client(context, "upgraded")
    old_token = "tat_" + "x" * 43
    with context.uow() as uow:
        uow.session.add(
            AccessToken(
                token_hash=digest(old_token),
                client_id=client.id,
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(hours=1),
            )
        )
        uow.commit()
    headers = {"Authorization": f"Bearer {old_token}"}
    assert http.get("/api/v1/organizations", headers=headers).status_code == 200
    clients.rotate_client_secret(context, client.id)
    assert http.get("/api/v1/organizations", headers=headers).status_code == 401
