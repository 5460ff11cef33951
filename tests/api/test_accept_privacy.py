"""The public ``POST /api/v1/invitations:accept`` answers with the invitee's own profile and the
one membership at stake, never the application's private fields (issue 15 item 8), and
accepting never erases what an existing user saved (item 11)."""

from __future__ import annotations

from typing import Any

from tests.helpers import Api

PASSWORD = "a long and unusual passphrase"


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_anywhere(v)}
    return set()


def test_accept_shows_no_private_field_of_the_application(api: Api):
    secret = {"stripe_customer": "cus_SECRET", "plan": "enterprise"}
    org = api.org("Acme", external_id="crm-42", metadata=secret)
    other = api.org("Hidden Partner")
    signed_up = api.signup("ann@example.com", PASSWORD).json()["user"]
    patched = api.patch(
        f"/api/v1/users/{signed_up['id']}", json={"external_id": "emp-7", "metadata": {"salary_band": "B3"}}
    )
    assert patched.status_code == 200, patched.text
    api.user_in(other["id"], "ann@example.com", invite=False)
    api.user_in(org["id"], "ann@example.com")

    response = api.accept(api.invitation_token("ann@example.com"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert not {"metadata", "external_id", "created_by_user_id"} & keys_anywhere(body), body
    assert "SECRET" not in response.text and "B3" not in response.text and "crm-42" not in response.text
    assert "Hidden Partner" not in response.text  # the user's other organizations are not listed
    assert body["organization"] == {
        "id": org["id"],
        "display_name": "Acme",
        "create_time": org["create_time"],
        "update_time": org["update_time"],
    }
    assert [m["organization_id"] for m in body["user"]["memberships"]] == [org["id"]]
    # The application still sees everything through its authenticated API.
    assert api.get(f"/api/v1/organizations/{org['id']}").json()["organization"]["metadata"] == secret


def test_accepting_through_the_api_never_clears_saved_values(api: Api):
    for key, kind in (("start_date", "date"), ("newsletter", "boolean")):
        definition = {"key": key, "display_name": key, "type": kind, "collect_on_signup": True}
        assert api.post("/api/v1/user-attributes", json=definition).status_code == 201
    profile = {"given_name": "Ann", "custom_attributes": {"start_date": "2024-03-01", "newsletter": True}}
    user = api.signup("ann@example.com", PASSWORD, user_profile=profile).json()["user"]
    api.user_in(api.org("Second")["id"], "ann@example.com")

    blanked = {"given_name": None, "custom_attributes": {"start_date": "", "newsletter": None}}
    response = api.accept(api.invitation_token("ann@example.com"), user_profile=blanked)
    assert response.status_code == 200, response.text
    kept = api.get(f"/api/v1/users/{user['id']}").json()["user"]["user_profile"]
    assert kept["given_name"] == "Ann"
    assert kept["custom_attributes"] == {"start_date": "2024-03-01", "newsletter": True}
