"""Test helpers that go through the public HTTP API only (no hand-inserted rows)."""

from __future__ import annotations

import re
import socket
from datetime import datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient

BOOTSTRAP_ID = "test-bootstrap-client"
BOOTSTRAP_SECRET = "test-bootstrap-secret-0123456789"
PUBLIC_URL = "http://tenantry.test"


def when(value: str) -> datetime:
    """An API timestamp (``…Z``) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is a problem object of the contract with this status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], list)
    return dict(body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


TOKEN_IN_LINK = re.compile(r"/invitations/accept\?token=([A-Za-z0-9_\-]+)")


def token_for(http: TestClient | httpx.Client, client_id: str = BOOTSTRAP_ID, secret: str = BOOTSTRAP_SECRET) -> str:
    response = http.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


class Api:
    """Thin wrapper: every call carries the bearer token; helpers for common set-ups."""

    def __init__(self, http: TestClient | httpx.Client, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    @classmethod
    def login(cls, http: TestClient | httpx.Client) -> Api:
        return cls(http, token_for(http))

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """Send with the token; when tests move the clock past its expiry, get a new one."""
        response = self.http.request(method, path, headers=self.headers, **kw)
        if response.status_code == 401 and path.startswith("/api/v1/"):
            self.headers = {"Authorization": f"Bearer {token_for(self.http)}"}
            response = self.http.request(method, path, headers=self.headers, **kw)
        return response

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self._send("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self._send("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self._send("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self._send("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self._send("DELETE", path, **kw)

    # --- set-ups -------------------------------------------------------------------

    def settings(self, **changes: Any) -> dict[str, Any]:
        response = self.patch("/api/v1/environment/settings", json=changes)
        assert response.status_code == 200, response.text
        return dict(response.json()["settings"])

    def org(self, display_name: str = "Acme", **fields: Any) -> dict[str, Any]:
        response = self.post("/api/v1/organizations", json={"display_name": display_name, **fields})
        assert response.status_code == 201, response.text
        return dict(response.json()["organization"])

    def limit(self, org_id: str, max_allowed_users: int | None) -> dict[str, Any]:
        response = self.patch(
            f"/api/v1/organizations/{org_id}/settings/usermanagement",
            json={"settings": {"max_allowed_users": max_allowed_users}},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def seats_used(self, org_id: str) -> int:
        response = self.get(f"/api/v1/organizations/{org_id}/settings/usermanagement")
        assert response.status_code == 200, response.text
        return int(response.json()["seats_used"])

    def add_user(self, org_id: str, email: str, *, invite: bool = True, **fields: Any) -> httpx.Response:
        """POST /organizations/{id}/users; returns the raw response (tests check refusals)."""
        return self.post(
            f"/api/v1/organizations/{org_id}/users",
            params={"send_invitation_email": str(invite).lower()},
            json={"email": email, **fields},
        )

    def user_in(self, org_id: str, email: str, *, invite: bool = True, **fields: Any) -> dict[str, Any]:
        response = self.add_user(org_id, email, invite=invite, **fields)
        assert response.status_code == 201, response.text
        return dict(response.json()["user"])

    def invitation_token(self, email: str) -> str:
        """The token in the newest invitation e-mail to ``email`` (read from the outbox)."""
        response = self.get("/api/v1/emails", params={"to": email, "page_size": 100})
        assert response.status_code == 200, response.text
        invitations = [e for e in response.json()["emails"] if e["kind"] == "invitation"]
        assert invitations, f"no invitation e-mail to {email}"
        match = TOKEN_IN_LINK.search(invitations[-1]["text"])
        assert match, invitations[-1]["text"]
        return match.group(1)

    def accept(self, token: str, **fields: Any) -> httpx.Response:
        return self.http.post("/api/v1/invitations:accept", json={"token": token, **fields})

    def membership(self, user: dict[str, Any], org_id: str) -> dict[str, Any]:
        response = self.get(f"/api/v1/users/{user['id']}")
        assert response.status_code == 200, response.text
        found = [m for m in response.json()["user"]["memberships"] if m["organization_id"] == org_id]
        assert found, f"{user['email']} has no membership in {org_id}"
        return dict(found[0])

    def signup(
        self, email: str, password: str = "correct horse battery", *, verified: bool = True, **fields: Any
    ) -> httpx.Response:
        """POST /api/v1/signup; then (``verified``) the owner confirms the address as on the
        hosted pages, since a password alone never signs an unproved address in (SPEC §3)."""
        response = self.http.post("/api/v1/signup", json={"email": email, "password": password, **fields})
        if verified and response.status_code == 201:
            confirm_address(self.http, self, email, password)
        return response


class _HeldRole:
    """Matches a role as memberships show it (Scalekit's ``{id, name, display_name}``) by name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, dict) and other.get("name") == self.name and {"id", "display_name"} <= set(other)

    def __repr__(self) -> str:
        return f"role({self.name!r})"


def held_roles(*names: str) -> list[_HeldRole]:
    """``membership["roles"] == held_roles("admin")``."""
    return [_HeldRole(name) for name in names]


def confirm_address(http: TestClient | httpx.Client, api: Api, email: str, password: str) -> None:
    """Verify the address of an account signed up with ``password`` as its owner does: sign
    in, then type the code e-mailed to it on the "Check your e-mail" page. (An account never
    verified loses its password to the first proof of address from outside it: SPEC §3.)
    Leaves ``http``'s cookies as they were."""
    saved = dict(http.cookies)
    http.cookies.clear()
    form = re.compile(r'name="csrf_token" value="([^"]+)"')
    token = form.search(http.get("/login").text).group(1)  # type: ignore[union-attr]
    signed_in = http.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert signed_in.status_code in (200, 303), signed_in.text
    emails = api.get("/api/v1/emails", params={"to": email, "page_size": 100}).json()["emails"]
    code = re.search(r"\b(\d{6})\b", [e for e in emails if e["kind"] == "verify_email"][-1]["text"]).group(1)  # type: ignore[union-attr]
    token = form.search(http.get("/verify-email").text).group(1)  # type: ignore[union-attr]
    verified = http.post("/verify-email", data={"code": code, "csrf_token": token}, follow_redirects=False)
    assert verified.status_code == 303, verified.text
    # Signed out again: the confirmation leaves no browser session of its own behind.
    profile = http.get("/profile", follow_redirects=False)
    if profile.status_code == 200:  # not held at a second step the test's policy asks for
        token = form.search(profile.text).group(1)  # type: ignore[union-attr]
        assert http.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    http.cookies.clear()
    http.cookies.update(saved)
