"""A link that stopped working says why on its page: used, replaced by a newer invitation,
or withdrawn; never the address or the organization (issue 16). The API keeps its code."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tenantry.server.services.membership import spent_links
from tests.helpers import Api


def test_a_dead_invitation_link_says_why_and_nothing_more(http: TestClient, api: Api):
    org = api.org("Globex Secret Project")["id"]
    replaced_user = api.user_in(org, "rita@example.com")
    replaced = api.invitation_token("rita@example.com")
    assert api.patch(f"/api/v1/invites/organizations/{org}/users/{replaced_user['id']}/resend").status_code == 200
    revoked_user = api.user_in(org, "vic@example.com")
    revoked = api.invitation_token("vic@example.com")
    assert api.delete(f"/api/v1/memberships/organizations/{org}/users/{revoked_user['id']}").status_code == 200
    api.user_in(org, "uma@example.com")
    used = api.invitation_token("uma@example.com")
    assert api.accept(used, password="a long enough passphrase").status_code == 200

    headings = {
        used: "This invitation was already accepted",
        replaced: "A newer invitation replaced this one",
        revoked: "This invitation was withdrawn",
        "x" * 43: "This invitation link is not valid",
    }
    for token, heading in headings.items():
        page = http.get("/invitations/accept", params={"token": token})
        assert page.status_code == 400
        assert heading in page.text, page.text
        assert "Globex" not in page.text and "@example.com" not in page.text  # nothing for a stranger
        answer = api.accept(token)
        assert answer.status_code == 400 and answer.json()["code"] == "invitation_invalid"


def test_the_reason_is_forgotten_after_the_longest_an_invitation_lives(http: TestClient, api: Api, context, clock):
    org = api.org()["id"]
    user = api.user_in(org, "old@example.com")
    token = api.invitation_token("old@example.com")
    assert api.delete(f"/api/v1/memberships/organizations/{org}/users/{user['id']}").status_code == 200
    clock.advance(days=91)
    assert spent_links.forget_old(context) >= 1  # what the worker's sweep does (other tests' rows too)
    assert "This invitation link is not valid" in http.get("/invitations/accept", params={"token": token}).text
