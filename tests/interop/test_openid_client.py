"""OpenID Connect conformance as a certified relying party sees it: panva's openid-client
(npm, pinned in tests/interop/node/package-lock.json, installed by scripts/test with
``npm ci``) runs discovery, the authorization code flow with PKCE, ID token and userinfo
validation, and refresh against Tenantry on loopback. The person part (the person signing
in) is an httpx client holding the session cookie.

Without Node.js the module is skipped; with Node.js but without the packages installed it
is skipped too, except under CI (``CI=true``), where that means the install step failed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.oidc.conftest import CALLBACK, PASSWORD, App, register, sign_in

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "openid_rp.mjs"
NODE = shutil.which("node")


def _missing() -> str | None:
    if NODE is None:
        return "Node.js is not installed"
    if not (NODE_DIR / "node_modules" / "openid-client").is_dir():
        return "tests/interop/node has no node_modules: run scripts/test (npm ci there)"
    return None


if NODE is not None and _missing() and os.environ.get("CI") == "true":
    pytest.fail(f"interop tests cannot run in CI: {_missing()}", pytrace=False)
pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


class NodeProcess:
    """The Node relying party: one process for the module, one JSON line per step."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [str(NODE), str(SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=NODE_DIR,
        )

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read() if self.process.stderr else "the relying party died"
        answer: dict[str, Any] = json.loads(line)
        assert answer.get("error") not in ("rp_failure", "unknown_step"), answer
        return answer

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def node() -> Iterator[NodeProcess]:
    process = NodeProcess()
    yield process
    process.close()


class RelyingParty:
    """An application using openid-client, registered with Tenantry."""

    def __init__(self, node: NodeProcess, issuer: str, app: App) -> None:
        self.node = node
        self.base = {
            "issuer": issuer,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "redirect_uri": CALLBACK,
        }

    def run(self, step: str, **values: Any) -> dict[str, Any]:
        return self.node.ask(self.base | values | {"step": step})

    def sign_in_request(self, **params: str) -> dict[str, Any]:
        return self.run("authorize", params=params)

    def callback(self, request: dict[str, Any], callback: str, **checks: Any) -> dict[str, Any]:
        return self.run(
            "callback",
            callback=callback,
            verifier=request["verifier"],
            state=request["state"],
            nonce=request["nonce"],
            **checks,
        )


def follow(person: httpx.Client, url: str) -> str:
    """Where Tenantry sends the person for an authorization request."""
    answer = person.get(url)
    assert answer.status_code in (302, 303), answer.text
    return str(answer.headers["location"])


def at_callback(location: str) -> dict[str, str]:
    assert location.startswith(CALLBACK), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def person(site: str) -> Iterator[httpx.Client]:
    """The user agent of the person signing in (its own cookies)."""
    with httpx.Client(base_url=site, timeout=30) as client:
        yield client


@pytest.fixture
def member(site_api) -> dict[str, Any]:
    answer = site_api.signup("grace@example.com", PASSWORD, organization={"display_name": "Navy"})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.fixture
def relying_party(node: NodeProcess, site: str, site_api) -> RelyingParty:
    return RelyingParty(node, site, register(site_api))


def test_code_flow_with_pkce_id_token_userinfo_and_refresh(site, member, relying_party, person):
    sign_in(person, "grace@example.com")
    request = relying_party.sign_in_request()
    assert request["url"].startswith(f"{site}/oauth/authorize?")  # from discovery
    result = relying_party.callback(request, follow(person, request["url"]))
    assert "error" not in result, result
    claims = result["claims"]
    assert claims["sub"] == member["user"]["id"]
    assert claims["email"] == "grace@example.com"
    assert claims["oid"] == member["organization"]["id"]
    assert isinstance(claims["auth_time"], int)
    assert result["userinfo"]["sub"] == claims["sub"] and result["userinfo"]["oid"] == claims["oid"]
    assert result["tokens"]["refresh_token"]

    refreshed = relying_party.run("refresh", refresh_token=result["tokens"]["refresh_token"])
    assert "error" not in refreshed, refreshed
    assert refreshed["tokens"]["access_token"] and refreshed["tokens"]["refresh_token"]
    assert refreshed["tokens"]["refresh_token"] != result["tokens"]["refresh_token"]  # rotated
    replayed = relying_party.run("refresh", refresh_token=result["tokens"]["refresh_token"])
    assert replayed["error"] == "invalid_grant"


def test_prompt_none_is_silent_sso_with_a_session_and_login_required_without(site, member, relying_party, person):
    with httpx.Client(base_url=site, timeout=30) as stranger:  # nobody signed in there
        request = relying_party.sign_in_request(prompt="none")
        refused = relying_party.callback(request, follow(stranger, request["url"]))
        assert refused["error"] == "login_required", refused

    sign_in(person, "grace@example.com")
    request = relying_party.sign_in_request(prompt="none")
    location = follow(person, request["url"])
    assert "code" in at_callback(location)  # no page shown
    result = relying_party.callback(request, location)
    assert "error" not in result, result
    assert result["claims"]["sub"] == member["user"]["id"]


def test_max_age_makes_an_old_session_sign_in_again(site, member, relying_party, person, clock):
    sign_in(person, "grace@example.com")
    first = relying_party.callback(request := relying_party.sign_in_request(), follow(person, request["url"]))
    clock.advance(seconds=600)  # the session is now ten minutes old

    request = relying_party.sign_in_request(max_age="300")
    location = follow(person, request["url"])
    assert location.startswith("/login?"), location  # re-authentication, not a code
    silent = relying_party.sign_in_request(max_age="300", prompt="none")
    assert at_callback(follow(person, silent["url"]))["error"] == "login_required"

    sign_in(person, "grace@example.com")
    back = parse_qs(urlsplit(location).query)["next"][0]
    result = relying_party.callback(request, follow(person, back), max_age=300)
    assert "error" not in result, result  # openid-client checked auth_time against max_age
    assert result["claims"]["auth_time"] >= first["claims"]["auth_time"] + 600


def test_an_organization_hint_the_user_is_not_in_is_an_error(site_api, member, relying_party, person):
    stranger = site_api.org("Somebody else's")["id"]
    sign_in(person, "grace@example.com")
    request = relying_party.sign_in_request(organization_id=stranger)
    result = relying_party.callback(request, follow(person, request["url"]))
    assert result["error"] == "access_denied", result

    own = relying_party.sign_in_request(organization_id=member["organization"]["id"])
    result = relying_party.callback(own, follow(person, own["url"]))
    assert result["claims"]["oid"] == member["organization"]["id"]
