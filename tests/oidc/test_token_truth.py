"""Token truth (SPEC §3): whatever ends what a refresh token stands for ends the token at
once, a refresh never names an organization the user left, families have an absolute end,
and a replayed authorization code revokes what it issued (RFC 6749 §4.1.2)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tenantry.server.services.identity import admins
from tenantry.server.services.membership import lifecycle
from tests.oidc.conftest import (
    PASSWORD,
    App,
    authorize,
    callback_params,
    exchange,
    form_token,
    pkce,
    refresh,
    register,
    sign_in,
    verify,
)
from tests.pages.conftest import latest_email, link_in


@dataclass
class Signed:
    app: App
    user_id: str
    org_id: str
    refresh_token: str
    code: str
    verifier: str


def signed_in(site_api, browser: httpx.Client, rp: httpx.Client, email: str) -> Signed:
    user = site_api.signup(email, PASSWORD, organization={"display_name": "Initech"}).json()
    app = register(site_api)
    sign_in(browser, email)
    verifier, challenge = pkce()
    code = callback_params(authorize(browser, app, challenge))["code"]
    tokens = exchange(rp, app, code, verifier)
    assert tokens.status_code == 200, tokens.text
    return Signed(app, user["user"]["id"], user["organization"]["id"], tokens.json()["refresh_token"], code, verifier)


def refused(rp: httpx.Client, app: App, token: str) -> None:
    answer = refresh(rp, app, token)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_grant"


def test_a_password_reset_ends_every_refresh_token(site_api, browser, rp, site):
    s = signed_in(site_api, browser, rp, "reset@example.com")
    with httpx.Client(base_url=site, timeout=30) as other:  # someone at another browser
        other.post(
            "/forgot-password",
            data={"email": "reset@example.com", "csrf_token": form_token(other, "/forgot-password")},
        )
        path = link_in(latest_email(site_api, "reset@example.com", "reset_password"))
        token = path.split("token=")[1]
        answer = other.post(
            "/reset-password",
            data={"token": token, "password": "another long passphrase", "csrf_token": form_token(other, path)},
        )
        assert answer.status_code == 303, answer.text
    refused(rp, s.app, s.refresh_token)


def test_sign_out_everywhere_ends_every_refresh_token(site_api, browser, rp, site, context):
    s = signed_in(site_api, browser, rp, "everywhere@example.com")
    admins.create(context, "root@ops.example", "correct horse battery staple")
    with httpx.Client(base_url=site, timeout=30) as admin:
        signed = admin.post(
            "/admin/login",
            data={
                "email": "root@ops.example",
                "password": "correct horse battery staple",
                "csrf_token": form_token(admin, "/admin/login"),
            },
        )
        assert signed.status_code == 303, signed.text
        page = f"/admin/users/{s.user_id}"
        ended = admin.post(f"{page}/sessions/end", data={"csrf_token": form_token(admin, page)})
        assert ended.status_code == 303, ended.text
    refused(rp, s.app, s.refresh_token)


@pytest.mark.parametrize("ending", ["remove", "deactivate", "delete_user", "delete_organization"])
def test_ending_the_membership_ends_its_refresh_tokens_at_once(site_api, browser, rp, context, ending):
    s = signed_in(site_api, browser, rp, f"{ending}@example.com")
    if ending == "remove":
        gone = site_api.delete(f"/api/v1/memberships/organizations/{s.org_id}/users/{s.user_id}")
        assert gone.status_code in (200, 204), gone.text
    elif ending == "deactivate":  # no HTTP surface yet: the use case the dashboard and SCIM will call
        # Another admin first: the last one cannot be deactivated (409 last_admin).
        keeper = site_api.add_user(
            s.org_id, "keeper@example.com", invite=False, membership={"roles": [{"name": "admin"}]}
        )
        assert keeper.status_code == 201, keeper.text
        lifecycle.deactivate(context, s.org_id, s.user_id)
    elif ending == "delete_user":
        assert site_api.delete(f"/api/v1/users/{s.user_id}").status_code in (200, 204)
    else:
        assert site_api.delete(f"/api/v1/organizations/{s.org_id}").status_code in (200, 204)
    refused(rp, s.app, s.refresh_token)


def test_a_new_organization_keeps_the_tokens_naming_another(site_api, browser, rp):
    """Only the tokens naming the ended membership end."""
    s = signed_in(site_api, browser, rp, "two@example.com")
    other = site_api.org("Other")["id"]
    assert site_api.add_user(other, "two@example.com", invite=False).status_code in (200, 201)
    gone = site_api.delete(f"/api/v1/memberships/organizations/{other}/users/{s.user_id}")
    assert gone.status_code in (200, 204)
    kept = refresh(rp, s.app, s.refresh_token)
    assert kept.status_code == 200, kept.text
    assert verify(rp, kept.json()["access_token"])["oid"] == s.org_id


def test_a_family_ends_after_its_absolute_lifetime_however_often_it_is_used(site_api, browser, rp, clock):
    s = signed_in(site_api, browser, rp, "family@example.com")
    token = s.refresh_token
    for _ in range(4):  # used every 20 days: never idle for its 30-day idle bound
        clock.advance(days=20)
        answer = refresh(rp, s.app, token)
        assert answer.status_code == 200, answer.text
        token = answer.json()["refresh_token"]
    clock.advance(days=11)  # 91 days after the sign-in
    refused(rp, s.app, token)


def test_a_replayed_code_revokes_what_it_issued(site_api, browser, rp):
    s = signed_in(site_api, browser, rp, "replay@example.com")
    again = exchange(rp, s.app, s.code, s.verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    refused(rp, s.app, s.refresh_token)
