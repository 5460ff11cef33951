"""Domain join (SPEC §10): `suggest` offers the organization on the switcher, `auto` adds the
user at sign-in; only verified addresses, always through the seat cap."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import Api, assert_problem
from tests.oidc.conftest import PASSWORD, form_token

DOMAIN = "acme-widgets.com"


def org_with_domain(api: Api, join: str, name: str = "Acme") -> dict[str, Any]:
    org = api.org(name)
    created = api.post(f"/api/v1/organizations/{org['id']}/domains", json={"domain": {"domain": DOMAIN}}).json()
    verified = api.patch(
        f"/api/v1/organizations/{org['id']}/domains/{created['domain']['id']}:verify",
        json={"verification_method": "ADMIN"},
    )
    assert verified.status_code == 200, verified.text
    patched = api.patch(f"/api/v1/organizations/{org['id']}/settings/domains", json={"settings": {"domain_join": join}})
    assert patched.status_code == 200, patched.text
    return org


def verified_user(api: Api, email: str) -> dict[str, Any]:
    """A user with a verified address and PASSWORD, member of an unrelated organization."""
    home = api.org(f"Home of {email}")
    user = api.user_in(home["id"], email)
    assert api.accept(api.invitation_token(email), password=PASSWORD).status_code == 200
    return user


def sign_in(http: TestClient, email: str) -> None:
    response = http.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": form_token(http, "/login")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def memberships(api: Api, user_id: str) -> dict[str, dict[str, Any]]:
    user = api.get(f"/api/v1/users/{user_id}").json()["user"]
    return {m["organization_id"]: m for m in user["memberships"]}


def test_auto_adds_a_verified_user_at_sign_in(api: Api, http: TestClient) -> None:
    org = org_with_domain(api, "auto")
    user = verified_user(api, f"dana@{DOMAIN}")
    outsider = verified_user(api, "erin@elsewhere-co.com")
    sign_in(http, f"dana@{DOMAIN}")
    joined = memberships(api, user["id"])[org["id"]]
    assert joined["membership_status"] == "ACTIVE"
    assert joined["provisioning_method"] == "domain"
    assert [r["name"] for r in joined["roles"]] == ["member"]
    http.cookies.clear()
    sign_in(http, "erin@elsewhere-co.com")
    assert org["id"] not in memberships(api, outsider["id"])


def test_an_unverified_address_is_never_joined(api: Api, http: TestClient) -> None:
    org = org_with_domain(api, "auto")
    assert api.signup(f"mallory@{DOMAIN}", PASSWORD, verified=False).status_code == 201  # never proves the address
    user = api.get("/api/v1/users", params={"page_size": 100}).json()["users"]
    mallory = next(u for u in user if u["email"] == f"mallory@{DOMAIN}")
    sign_in(http, f"mallory@{DOMAIN}")
    assert org["id"] not in memberships(api, mallory["id"])
    assert f"/organizations/{org['id']}/join-by-domain" not in http.get("/organizations").text


def test_a_full_organization_is_skipped_at_sign_in(api: Api, http: TestClient) -> None:
    org = org_with_domain(api, "auto")
    api.limit(org["id"], 1)
    api.user_in(org["id"], "boss@acme-widgets.com", invite=False)
    user = verified_user(api, f"dana@{DOMAIN}")
    sign_in(http, f"dana@{DOMAIN}")
    assert org["id"] not in memberships(api, user["id"])
    assert api.seats_used(org["id"]) == 1


def test_suggest_offers_the_organization_on_the_switcher(api: Api, http: TestClient) -> None:
    org = org_with_domain(api, "suggest")
    user = verified_user(api, f"dana@{DOMAIN}")
    sign_in(http, f"dana@{DOMAIN}")
    assert org["id"] not in memberships(api, user["id"])  # offered, not added
    page = http.get("/organizations")
    assert f"/organizations/{org['id']}/join-by-domain" in page.text
    api.limit(org["id"], 1)
    api.user_in(org["id"], "boss@acme-widgets.com", invite=False)
    full = http.post(
        f"/organizations/{org['id']}/join-by-domain",
        data={"csrf_token": form_token(http, "/organizations")},
        follow_redirects=False,
    )
    assert full.status_code == 409
    assert "maximum number of users" in full.text
    api.limit(org["id"], 2)
    joined = http.post(
        f"/organizations/{org['id']}/join-by-domain",
        data={"csrf_token": form_token(http, "/organizations")},
        follow_redirects=False,
    )
    assert joined.status_code == 303
    assert memberships(api, user["id"])[org["id"]]["provisioning_method"] == "domain"


def test_off_offers_nothing_and_the_join_route_refuses(api: Api, http: TestClient) -> None:
    org = org_with_domain(api, "off")
    user = verified_user(api, f"dana@{DOMAIN}")
    sign_in(http, f"dana@{DOMAIN}")
    assert "join-by-domain" not in http.get("/organizations").text
    refused = http.post(
        f"/organizations/{org['id']}/join-by-domain",
        data={"csrf_token": form_token(http, "/organizations")},
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert org["id"] not in memberships(api, user["id"])
    assert_problem(api.get(f"/api/v1/organizations/{org['id']}/domains/x"), 404, "not_found")


def test_the_switcher_says_full_instead_of_offering_a_join_that_would_be_refused(api: Api, http: TestClient) -> None:
    """Decided on the stored counts: a full domain organization, and an invitation into an
    organization whose limit was lowered below its seats (SPEC §2), show "full", no Join;
    an invitation into an organization that is merely full keeps its Join (it holds its seat)."""
    offered = org_with_domain(api, "suggest")
    api.limit(offered["id"], 1)
    api.user_in(offered["id"], f"boss@{DOMAIN}", invite=False)
    user = verified_user(api, f"dana@{DOMAIN}")
    over, exact = api.org("Over"), api.org("Exact")
    for org in (over, exact):
        api.user_in(org["id"], "owner@example.com", invite=False)
        api.limit(org["id"], 2)
        assert api.add_user(org["id"], f"dana@{DOMAIN}").status_code == 201  # pending: full at 2 of 2
    api.limit(over["id"], 1)  # lowered below the seats in use
    sign_in(http, f"dana@{DOMAIN}")

    page = http.get("/organizations").text
    assert f"/organizations/{offered['id']}/join-by-domain" not in page
    assert f"/organizations/{over['id']}/join" not in page
    assert f"/organizations/{exact['id']}/join" in page
    assert page.count("data-full") == 2 and "This organization is full" in page
    # the ledger still decides at join time
    refused = http.post(f"/organizations/{over['id']}/join", data={"csrf_token": form_token(http, "/organizations")})
    assert refused.status_code == 409
    assert memberships(api, user["id"])[over["id"]]["membership_status"] == "PENDING_INVITE"
