"""Denial of sign-in: failures count per (credential, address), so somebody else's wrong
secrets or passwords never make valid credentials answer 429. The attacker and the real
user reach the server from different addresses (X-Forwarded-For from the trusted local
proxy, as behind a reverse proxy)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tenantry.server.app import create_app
from tenantry.server.context import Context, build_context
from tenantry.server.services.identity import admins
from tests.conftest import ThreadServer
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, Api, free_port
from tests.oidc.conftest import PASSWORD, authorize, callback_params, exchange, form_token, pkce, register, sign_in

ATTACKER, OWNER = "203.0.113.7", "198.51.100.2"


@pytest.fixture
def limited_site(settings, clock, engine) -> Iterator[str]:
    port = free_port()
    served = settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}", "rate_limits_enabled": True})
    with ThreadServer(create_app(context=build_context(served, clock, engine=engine)), port) as base_url:
        yield base_url


def client_at(site: str, address: str) -> httpx.Client:
    return httpx.Client(base_url=site, timeout=30, headers={"X-Forwarded-For": address})


def test_wrong_secrets_for_a_management_client_do_not_refuse_its_real_secret(limited_site):
    with client_at(limited_site, ATTACKER) as attacker, client_at(limited_site, OWNER) as owner:
        answers = [
            attacker.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "client_id": BOOTSTRAP_ID, "client_secret": f"wrong {i}"},
            ).status_code
            for i in range(31)
        ]
        assert answers == [401] * 30 + [429]  # the guesser is slowed down ...
        real = owner.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": BOOTSTRAP_ID, "client_secret": BOOTSTRAP_SECRET},
        )
        assert real.status_code == 200, real.text  # ... the owner is not


def test_wrong_secrets_for_an_applications_client_id_do_not_refuse_real_code_exchanges(limited_site):
    with client_at(limited_site, ATTACKER) as attacker, client_at(limited_site, OWNER) as owner:
        api = Api.login(owner)
        assert api.signup("ada@example.com", PASSWORD).status_code == 201
        app = register(api)  # its client_id is public: it is in every authorization URL
        answers = [
            attacker.post(
                "/oauth/token",
                data={"grant_type": "authorization_code", "code": "made-up", "redirect_uri": "http://x/cb"},
                auth=(app.client_id, f"wrong {i}"),
            ).status_code
            for i in range(31)
        ]
        assert answers == [401] * 30 + [429]
        sign_in(owner, "ada@example.com")
        verifier, challenge = pkce()
        code = callback_params(authorize(owner, app, challenge))["code"]
        tokens = exchange(owner, app, code, verifier)
        assert tokens.status_code == 200, tokens.text


def test_wrong_passwords_for_an_administrator_do_not_lock_the_administrator_out(limited_site, context: Context):
    admins.create(context, "root@ops.example", "correct horse battery staple")

    def log_in(browser: httpx.Client, password: str) -> int:
        token = form_token(browser, "/admin/login")
        return browser.post(
            "/admin/login", data={"email": "root@ops.example", "password": password, "csrf_token": token}
        ).status_code

    with client_at(limited_site, ATTACKER) as attacker, client_at(limited_site, OWNER) as owner:
        assert [log_in(attacker, f"guess {i}") for i in range(11)] == [401] * 10 + [429]
        assert log_in(owner, "correct horse battery staple") == 303
