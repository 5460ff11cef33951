"""tenantry.OIDCClient through the whole authorization code flow against a live server."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tenantry import Client, OIDCClient
from tenantry.sdk.oidc import OIDCError
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, Api, confirm_address
from tests.oidc import conftest as oidc_fixtures
from tests.oidc.conftest import CALLBACK, PASSWORD, sign_in

browser = oidc_fixtures.browser  # the person signing in (a cookie jar)


@pytest.fixture
def sdk(site):
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as client:
        yield client


def signed_in_user(sdk: Client, browser: httpx.Client) -> tuple[str, str]:
    sdk.attributes.create("department", "Department", "string")
    signed_up = sdk.signup(
        "ada@example.com",
        PASSWORD,
        user_profile={"given_name": "Ada", "custom_attributes": {"department": "Engines"}},
        organization_name="Analytical",
    )
    confirm_address(browser, Api.login(browser), "ada@example.com", PASSWORD)  # a password alone opens nothing before
    sign_in(browser, "ada@example.com")
    return signed_up.user.id, signed_up.organization.id


def log_in(oidc: OIDCClient, browser: httpx.Client, **params: str):
    request = oidc.authorization_request(**params)
    answer = browser.get(request.url)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(CALLBACK)
    return request, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def oidc_for(site: str, sdk: Client, *, public: bool = False) -> OIDCClient:
    app, secret = sdk.applications.create("Example", [CALLBACK], public=public)
    return OIDCClient(site, app.id, secret, redirect_uri=CALLBACK)


@pytest.mark.parametrize("public", [False, True], ids=["confidential", "public"])
def test_the_code_flow_gives_validated_tokens_with_organization_roles_and_attributes(site, sdk, browser, public):
    user_id, org_id = signed_in_user(sdk, browser)
    with oidc_for(site, sdk, public=public) as oidc:
        request, params = log_in(oidc, browser)
        assert request.state == params["state"] and len(request.code_verifier) >= 43
        tokens = oidc.callback(params, request)

        assert tokens.identity is not None
        assert tokens.identity.sub == user_id and tokens.identity.organization_id == org_id
        assert tokens.identity.email == "ada@example.com" and tokens.identity.name == "Ada"
        assert tokens.identity.custom_attributes == {"department": "Engines"}
        assert tokens.identity.claims["nonce"] == request.nonce
        assert tokens.access.sub == user_id and tokens.access.roles == ["admin"]
        assert tokens.access.organization_id == org_id

        renewed = oidc.refresh(tokens.refresh_token)
        assert renewed.access.roles == ["admin"] and renewed.refresh_token != tokens.refresh_token
        with pytest.raises(OIDCError) as reused:  # a refresh token works once
            oidc.refresh(tokens.refresh_token)
        assert reused.value.error_code == "invalid_grant"
        with pytest.raises(OIDCError) as replayed:  # and so does a code
            oidc.callback(params, request)
        assert replayed.value.error_code == "invalid_grant"


def test_tokens_are_checked_for_signature_audience_nonce_and_type(site, sdk, browser):
    signed_in_user(sdk, browser)
    with oidc_for(site, sdk) as oidc, oidc_for(site, sdk) as other_app:
        request, params = log_in(oidc, browser)
        tokens = oidc.callback(params, request)
        with pytest.raises(OIDCError) as wrong_audience:
            other_app.validate_id_token(tokens.id_token)
        assert wrong_audience.value.error_code == "invalid_token"
        with pytest.raises(OIDCError):
            other_app.validate_access_token(tokens.access_token)
        with pytest.raises(OIDCError):
            oidc.validate_id_token(tokens.id_token, nonce="another nonce")
        with pytest.raises(OIDCError):  # an ID token is not an access token
            oidc.validate_access_token(tokens.id_token)
        head, payload, signature = tokens.access_token.split(".")
        forged = f"{head}.{payload}.{signature[:-4]}AAAA"
        with pytest.raises(OIDCError):
            oidc.validate_access_token(forged)

        with pytest.raises(OIDCError) as bad_state:
            oidc.callback({**params, "state": "forged"}, request)
        assert bad_state.value.error_code == "invalid_callback"
        with pytest.raises(OIDCError) as denied:
            oidc.callback({"state": request.state, "error": "access_denied"}, request)
        assert denied.value.error_code == "access_denied"


def test_keys_are_cached_and_fetched_again_after_a_rotation(site, sdk, browser):
    signed_in_user(sdk, browser)
    fetched: list[str] = []

    def counting(request: httpx.Request) -> None:
        fetched.append(request.url.path)

    with oidc_for(site, sdk) as oidc:
        oidc._http.event_hooks["request"].append(counting)
        request, params = log_in(oidc, browser)
        first = oidc.callback(params, request)
        oidc.validate_access_token(first.access_token)
        assert fetched.count("/keys") == 1

        new_kid = sdk.signing_keys.rotate()
        request, params = log_in(oidc, browser)
        second = oidc.callback(params, request)
        assert fetched.count("/keys") == 2  # the unknown kid made it fetch once more
        oidc.validate_id_token(first.id_token)  # the old key is still published
        assert fetched.count("/keys") == 2
        assert second.access.claims["sub"] == first.access.sub and new_kid


def test_prompt_none_without_a_session_reports_login_required(site, sdk):
    with oidc_for(site, sdk) as oidc, httpx.Client() as stranger:
        request = oidc.authorization_request(prompt="none")
        location = stranger.get(request.url).headers["location"]
        params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        with pytest.raises(OIDCError) as refused:
            oidc.callback(params, request)
        assert refused.value.error_code == "login_required"
