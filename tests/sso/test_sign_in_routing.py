"""Home-realm discovery and SSO enforcement (SPEC §11): the hosted log-in sends addresses on a
verified domain to their identity provider; `/oauth/authorize` routes by `connection_id`,
`organization_id`, `domain_hint` and `login_hint`; an SSO-required domain refuses other methods."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tenantry.server.context import Context
from tenantry.server.domain.sso import SsoRequired
from tenantry.server.services.identity import login
from tenantry.server.settings import Settings
from tests.helpers import Api
from tests.oidc.conftest import CALLBACK, PASSWORD, App, exchange, form_token, pkce, register, verify
from tests.sso.fake_oidc import FakeOidc
from tests.sso.flows import DOMAIN, oidc_connection, org_with_domain, round_trip


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """OAuth needs an https or loopback public URL; the in-process client reaches it by path."""
    return settings.model_copy(update={"public_url": "http://127.0.0.1:8765"})


def authorize(http: TestClient, app: App, challenge: str, **params: str):  # type: ignore[no-untyped-def]
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid email",
        "state": "st4te",
        "nonce": "n0nce",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **params,
    }
    return http.get("/oauth/authorize", params=query, follow_redirects=False)


def test_the_log_in_page_sends_a_verified_domain_to_its_identity_provider(
    api: Api, http: TestClient, fake_oidc: FakeOidc
) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    token = form_token(http, "/login")
    sent = http.post(
        "/login", data={"email": f"Alice@{DOMAIN}", "password": "", "csrf_token": token}, follow_redirects=False
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(f"/sso/start?connection_id={connection['id']}")
    e_mail_first = http.post("/login/sso", data={"email": f"bob@{DOMAIN}", "csrf_token": token}, follow_redirects=False)
    assert e_mail_first.headers["location"].startswith("/sso/start?")
    unknown = http.post("/login/sso", data={"email": "bob@no-sso.com", "csrf_token": token}, follow_redirects=False)
    assert unknown.status_code == 400 and "not set up for this address" in unknown.text
    assert 'formaction="/login/sso"' in http.get("/login").text


def test_authorize_routes_to_the_connection_and_finishes_with_a_code(
    api: Api, http: TestClient, fake_oidc: FakeOidc
) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    app = register(api)
    hints = {
        "connection_id": connection["id"],
        "organization_id": org["id"],
        "domain_hint": DOMAIN,
        "login_hint": f"alice@{DOMAIN}",
    }
    for hint, value in hints.items():
        routed = authorize(http, app, pkce()[1], **{hint: value})
        assert routed.status_code == 303, (hint, routed.text)
        assert routed.headers["location"].startswith(f"/sso/start?connection_id={connection['id']}"), hint
    verifier, challenge = pkce()
    to_sso = authorize(http, app, challenge, connection_id=connection["id"])
    start = to_sso.headers["location"]
    fake_oidc.user = {"sub": "idp-alice", "email": f"alice@{DOMAIN}", "email_verified": True}
    back = round_trip(http, start)
    assert back.status_code == 303
    finished = http.get(back.headers["location"], follow_redirects=False)
    assert finished.status_code == 302, finished.text
    assert finished.headers["location"].startswith(CALLBACK)
    code = parse_qs(urlsplit(finished.headers["location"]).query)["code"][0]
    tokens = exchange(http, app, code, verifier)
    assert tokens.status_code == 200, tokens.text
    # SPEC §11: tokens say how the user signed in
    claims = verify(http, tokens.json()["id_token"], amr=["fed"], sso_connection_id=connection["id"])
    assert claims["oid"] == org["id"]
    verify(http, tokens.json()["access_token"], amr=["fed"], sso_connection_id=connection["id"])


def test_authorize_without_sso_hints_goes_to_the_log_in_page(api: Api, http: TestClient, fake_oidc: FakeOidc) -> None:
    org = org_with_domain(api)
    oidc_connection(api, org["id"], fake_oidc)
    app = register(api)
    _, challenge = pkce()
    plain = authorize(http, app, challenge, login_hint="someone@no-sso.com")
    assert plain.headers["location"].startswith("/login?")


def test_an_sso_required_domain_refuses_passwords_and_codes(api: Api, context: Context, fake_oidc: FakeOidc) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    other = api.org("Elsewhere")
    api.user_in(other["id"], f"carol@{DOMAIN}")
    assert api.accept(api.invitation_token(f"carol@{DOMAIN}"), password=PASSWORD).status_code == 200
    assert login.login_with_password(context, f"carol@{DOMAIN}", PASSWORD)  # allowed while SSO is optional
    api.patch(f"/api/v1/organizations/{org['id']}/settings/domains", json={"settings": {"sso_required": True}})
    with pytest.raises(SsoRequired):
        login.login_with_password(context, f"carol@{DOMAIN}", PASSWORD)
    with pytest.raises(SsoRequired):
        login.login_with_code(context, f"carol@{DOMAIN}", "123456")
    api.patch(f"/api/v1/organizations/{org['id']}/connections/{connection['id']}:disable")
    assert login.login_with_password(context, f"carol@{DOMAIN}", PASSWORD)  # no enabled connection: not locked out
