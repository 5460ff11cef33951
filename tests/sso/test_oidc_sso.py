"""OIDC connections and sign-in (SPEC §11): the relying party's checks, JIT provisioning through
the seat cap, account linking only on the organization's verified domains."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey
from sqlalchemy import Engine, text

from tests.conftest import FakeClock
from tests.helpers import Api, assert_problem
from tests.sso.fake_oidc import CLIENT_SECRET, FakeOidc
from tests.sso.flows import DOMAIN, oidc_connection, org_with_domain, path_of, round_trip


def alice(**claims: Any) -> dict[str, Any]:
    return {
        "sub": "idp-alice",
        "email": f"alice@{DOMAIN}",
        "email_verified": True,
        "given_name": "Alice",
        "family_name": "Anderson",
        "groups": ["admins"],
        **claims,
    }


def users_named(api: Api, email: str) -> list[dict[str, Any]]:
    return [u for u in api.get("/api/v1/users", params={"page_size": 100}).json()["users"] if u["email"] == email]


def event_types(api: Api) -> list[str]:
    return [e["type"] for e in api.get("/api/v1/events", params={"page_size": 100}).json()["events"]]


def test_connection_by_discovery_with_its_secret_sealed(api: Api, fake_oidc: FakeOidc, engine: Engine) -> None:
    org = api.org("Acme")
    body = {
        "type": "OIDC",
        "oidc_config": {"issuer": fake_oidc.issuer, "client_id": "c1", "client_secret": CLIENT_SECRET},
    }
    created = api.post(f"/api/v1/organizations/{org['id']}/connections", json={"connection": body})
    assert created.status_code == 201, created.text
    connection = created.json()["connection"]
    oidc = connection["oidc_config"]
    assert oidc["token_uri"] == f"{fake_oidc.issuer}/token" and oidc["jwks_uri"] == f"{fake_oidc.issuer}/jwks"
    assert oidc["client_secret_set"] is True and "client_secret" not in oidc
    assert oidc["redirect_uri"].endswith(f"/sso/oidc/{connection['id']}/callback")
    assert connection["status"] == "COMPLETED" and connection["enabled"] is False
    assert connection["configuration_type"] == "DISCOVERY"
    assert CLIENT_SECRET not in created.text
    with engine.connect() as db:
        stored = db.execute(text("SELECT client_secret_encrypted FROM sso_connections")).scalar_one()
    assert CLIENT_SECRET not in stored
    path = f"/api/v1/organizations/{org['id']}/connections/{connection['id']}"
    assert api.patch(path + ":enable").json()["connection"]["enabled"] is True
    # An update may not leave an enabled connection incomplete: refused whole, nothing changes.
    emptied = {"connection": {"oidc_config": {"client_id": None}}}
    assert_problem(api.patch(path, json=emptied), 409, "failed_precondition")
    assert api.get(path).json()["connection"]["oidc_config"]["client_id"] == "c1"
    assert api.patch(path + ":disable").json()["connection"]["enabled"] is False
    patched = api.patch(path, json={"connection": {"attribute_mapping": {"custom_attributes.team": "department"}}})
    assert patched.json()["connection"]["attribute_mapping"] == {"custom_attributes.team": "department"}
    no_scopes = api.patch(path, json={"connection": {"oidc_config": {"scopes": None}}})  # null: the defaults
    assert no_scopes.json()["connection"]["oidc_config"]["scopes"] == ["openid", "email", "profile"], no_scopes.text
    assert [c["id"] for c in api.get(f"/api/v1/organizations/{org['id']}/connections").json()["connections"]] == [
        connection["id"]
    ]
    types = event_types(api)
    for kind in ("created", "enabled", "disabled", "updated"):
        assert f"organization.connection_{kind}" in types
    assert api.delete(path).status_code == 200
    assert_problem(api.get(path), 404, "not_found")


def test_bad_connections_are_refused(api: Api, fake_oidc: FakeOidc) -> None:
    org = api.org("Acme")
    path = f"/api/v1/organizations/{org['id']}/connections"

    def create(**connection: Any) -> httpx.Response:
        return api.post(path, json={"connection": connection})

    wrong = create(type="OIDC", oidc_config={"issuer": fake_oidc.issuer + "/other", "client_id": "c"})
    assert assert_problem(wrong, 400, "invalid_argument")["details"][0]["code"] == "discovery_failed"
    metadata_service = create(type="OIDC", oidc_config={"issuer": "http://169.254.169.254", "client_id": "c"})
    assert assert_problem(metadata_service, 400, "invalid_argument")["details"][0]["code"] == "discovery_failed"
    assert_problem(create(type="OIDC", attribute_mapping={"password": "x"}), 400, "invalid_argument")
    assert_problem(create(type="OIDC", default_roles=["emperor"]), 400, "invalid_argument")
    assert_problem(create(type="SAML", saml_config={"idp_metadata_xml": "<nope/>"}), 400, "invalid_argument")
    draft = create(type="OIDC", oidc_config={"client_id": "c"})
    assert draft.json()["connection"]["status"] == "DRAFT"
    assert_problem(api.patch(f"{path}/{draft.json()['connection']['id']}:enable"), 409, "failed_precondition")
    assert_problem(api.get("/api/v1/organizations/org_nope/connections"), 404, "not_found")


def test_first_sign_in_provisions_the_user_and_membership(api: Api, http: TestClient, fake_oidc: FakeOidc) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc, group_roles={"admins": ["admin"]})
    fake_oidc.user = alice()
    to_idp = http.get(f"/sso/start?connection_id={connection['id']}&next=/organizations", follow_redirects=False)
    query = parse_qs(urlsplit(to_idp.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    back = httpx.get(to_idp.headers["location"], follow_redirects=False)
    done = http.get(path_of(back.headers["location"]), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/organizations"
    assert "tenantry_session" in http.cookies
    assert fake_oidc.token_requests[-1]["code_verifier"]
    [user] = users_named(api, f"alice@{DOMAIN}")
    assert user["email_verified"] is True
    assert user["user_profile"]["given_name"] == "Alice"
    [membership] = [m for m in user["memberships"] if m["organization_id"] == org["id"]]
    assert membership["provisioning_method"] == "sso_jit"
    assert membership["membership_status"] == "ACTIVE"
    assert [r["name"] for r in membership["roles"]] == ["admin"]
    assert "user.sso_login" in event_types(api)
    # the second sign-in finds the identity: no new user, no new membership
    http.cookies.clear()
    assert round_trip(http, f"/sso/start?connection_id={connection['id']}").status_code == 303
    assert len(users_named(api, f"alice@{DOMAIN}")) == 1
    assert api.seats_used(org["id"]) == 1


def test_a_full_organization_refuses_with_its_page_and_writes_nothing(
    api: Api, http: TestClient, fake_oidc: FakeOidc
) -> None:
    api.settings(organization_meta_name={"singular": "Workspace", "plural": "Workspaces"})
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    api.limit(org["id"], 1)
    api.user_in(org["id"], f"boss@{DOMAIN}", invite=False)
    fake_oidc.user = alice()
    refused = round_trip(http, f"/sso/start?connection_id={connection['id']}")
    assert refused.status_code == 409
    assert "Acme&#39;s workspace is full — ask your administrator" in refused.text
    assert users_named(api, f"alice@{DOMAIN}") == []
    assert "tenantry_session" not in http.cookies
    assert api.seats_used(org["id"]) == 1
    events = api.get("/api/v1/events", params={"page_size": 100}).json()["events"]
    [refusal] = [e for e in events if e["type"] == "user.sso_provisioning_refused"]
    assert refusal["data"]["email"] == f"alice@{DOMAIN}"
    assert refusal["data"]["code"] == "organization_user_limit_reached"


def test_an_existing_user_on_the_verified_domain_is_linked(api: Api, http: TestClient, fake_oidc: FakeOidc) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    other = api.org("Elsewhere")
    existing = api.user_in(other["id"], f"alice@{DOMAIN}", invite=False)
    fake_oidc.user = alice()
    assert round_trip(http, f"/sso/start?connection_id={connection['id']}").status_code == 303
    [user] = users_named(api, f"alice@{DOMAIN}")
    assert user["id"] == existing["id"]
    assert {m["organization_id"] for m in user["memberships"]} == {org["id"], other["id"]}


def test_an_address_outside_the_verified_domains_is_never_linked_or_created(
    api: Api, http: TestClient, fake_oidc: FakeOidc
) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    victim = api.user_in(api.org("Elsewhere")["id"], "ceo@victim-corp.com", invite=False)
    fake_oidc.user = alice(sub="idp-mallory", email="ceo@victim-corp.com")
    refused = round_trip(http, f"/sso/start?connection_id={connection['id']}")
    assert refused.status_code == 400
    assert "not on a verified domain" in refused.text
    user = api.get(f"/api/v1/users/{victim['id']}").json()["user"]
    assert org["id"] not in {m["organization_id"] for m in user["memberships"]}
    assert "tenantry_session" not in http.cookies


BENDS: list[tuple[dict[str, Any], str]] = [
    ({"overrides": {"nonce": "another-nonce"}}, "nonce"),
    ({"overrides": {"iss": "http://127.0.0.1:1/evil"}}, "issuer"),
    ({"overrides": {"aud": "someone-else"}}, "audience"),
    ({"overrides": {"aud": ["tenantry-rp", "someone-else"]}}, "azp missing with several audiences"),
    ({"overrides": {"exp": 1_000_000}}, "expired"),
    ({"overrides": {"iat": None}}, "no iat"),
    ({"sign_with_other_key": True}, "signature"),
]


def test_bad_id_tokens_are_refused(api: Api, http: TestClient, fake_oidc: FakeOidc) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    fake_oidc.user = alice()
    for bend, why in BENDS:
        fake_oidc.overrides, fake_oidc.sign_with_other_key = {}, False
        for name, value in bend.items():
            setattr(fake_oidc, name, value)
        refused = round_trip(http, f"/sso/start?connection_id={connection['id']}")
        assert refused.status_code == 400, why
        assert users_named(api, f"alice@{DOMAIN}") == [], why
        assert "tenantry_session" not in http.cookies, why
    fake_oidc.overrides, fake_oidc.sign_with_other_key = {}, False
    assert round_trip(http, f"/sso/start?connection_id={connection['id']}").status_code == 303  # control


def test_state_is_single_use_bound_to_its_connection_and_the_issuer_is_checked(
    api: Api, http: TestClient, fake_oidc: FakeOidc
) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    second = oidc_connection(api, org["id"], fake_oidc)
    fake_oidc.user = alice()
    to_idp = http.get(f"/sso/start?connection_id={connection['id']}", follow_redirects=False)
    callback = path_of(httpx.get(to_idp.headers["location"], follow_redirects=False).headers["location"])
    assert http.get(callback.replace(connection["id"], second["id"]), follow_redirects=False).status_code == 400
    assert http.get(callback.replace("state=", "state=x"), follow_redirects=False).status_code == 400
    assert users_named(api, f"alice@{DOMAIN}") == []
    assert http.get(callback, follow_redirects=False).status_code == 303  # the genuine answer still works once
    http.cookies.clear()
    assert http.get(callback, follow_redirects=False).status_code == 400  # replayed
    # an answer naming another issuer (RFC 9207 mix-up) is refused, and burns its state
    to_idp = http.get(f"/sso/start?connection_id={connection['id']}", follow_redirects=False)
    callback = path_of(httpx.get(to_idp.headers["location"], follow_redirects=False).headers["location"])
    forged_iss = callback.replace("iss=", "iss=http%3A%2F%2Fevil.example%2F&x=")
    assert http.get(forged_iss, follow_redirects=False).status_code == 400
    assert http.get(callback, follow_redirects=False).status_code == 400


def test_a_disabled_connection_cannot_start_or_finish(api: Api, http: TestClient, fake_oidc: FakeOidc) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    fake_oidc.user = alice()
    to_idp = http.get(f"/sso/start?connection_id={connection['id']}", follow_redirects=False)
    api.patch(f"/api/v1/organizations/{org['id']}/connections/{connection['id']}:disable")
    callback = path_of(httpx.get(to_idp.headers["location"], follow_redirects=False).headers["location"])
    assert http.get(callback, follow_redirects=False).status_code == 400
    assert http.get(f"/sso/start?connection_id={connection['id']}", follow_redirects=False).status_code == 400
    assert users_named(api, f"alice@{DOMAIN}") == []


def test_the_test_button_shows_attributes_and_signs_nobody_in(api: Api, http: TestClient, fake_oidc: FakeOidc) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    api.patch(f"/api/v1/organizations/{org['id']}/connections/{connection['id']}:disable")
    fake_oidc.user = alice(department="Research")
    shown = round_trip(http, path_of(connection["test_connection_uri"]))
    assert shown.status_code == 200
    assert "Research" in shown.text and f"alice@{DOMAIN}" in shown.text
    assert users_named(api, f"alice@{DOMAIN}") == []


@pytest.mark.once  # the keys' memory is per process, whatever the database
def test_the_providers_keys_are_fetched_once_and_again_when_it_rotates_them(
    api: Api, http: TestClient, fake_oidc: FakeOidc, clock: FakeClock
) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    start = f"/sso/start?connection_id={connection['id']}"
    fake_oidc.user = alice()
    assert round_trip(http, start).status_code == 303
    fake_oidc.user = alice(sub="idp-bob", email=f"bob@{DOMAIN}")
    assert round_trip(http, start).status_code == 303
    assert fake_oidc.jwks_requests == 1  # two sign-ins, one JWKS fetch
    # The provider rotates: a token naming a key id Tenantry has not seen makes one fetch.
    fake_oidc.key = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    assert round_trip(http, start).status_code == 303
    assert fake_oidc.jwks_requests == 2
    # A key the provider does not publish is refused, after the one fetch that could find it.
    fake_oidc.other_key, fake_oidc.sign_with_other_key = RSAKey.generate_key(2048, parameters={"kid": "k3"}), True
    assert round_trip(http, start).status_code == 400
    assert fake_oidc.jwks_requests == 3
    fake_oidc.sign_with_other_key = False
    assert round_trip(http, start).status_code == 303 and fake_oidc.jwks_requests == 3
    clock.advance(minutes=11)  # remembered keys go stale
    assert round_trip(http, start).status_code == 303 and fake_oidc.jwks_requests == 4
