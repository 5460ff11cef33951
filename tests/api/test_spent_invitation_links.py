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


def test_links_that_went_with_their_organization_show_the_same_no_longer_valid_page(http: TestClient, api: Api):
    """An invitation link and a portal link (and a portal session opened with it) of a
    deleted organization get the pages any dead link gets: clear, and nothing about the
    organization, nor whether it ever existed."""
    from tests.sso.portal.helpers import new_link, open_portal

    org = api.org("Initech Confidential")["id"]
    api.user_in(org, "pat@example.com")
    invitation = api.invitation_token("pat@example.com")
    opened_link, unopened_link = new_link(api, org), new_link(api, org)
    assert open_portal(http, opened_link).status_code == 303
    assert http.get("/portal").status_code == 200
    assert api.delete(f"/api/v1/organizations/{org}").status_code == 200

    page = http.get("/invitations/accept", params={"token": invitation})
    assert page.status_code == 400 and "This invitation was withdrawn" in page.text, page.text
    assert api.accept(invitation).json()["code"] == "invitation_invalid"
    session = http.get("/portal")  # the session opened before: its link is gone
    assert http.get("/portal").status_code == 401  # and its cookie went with that page
    never = http.get("/portal/open", params={"token": "ptl_" + "x" * 40})
    for dead in (session, open_portal(http, unopened_link), open_portal(http, opened_link)):
        assert (dead.status_code, _message_of(dead.text)) == (never.status_code, _message_of(never.text)), dead.text
    for answer in (page, never, session):
        assert "Initech" not in answer.text and "@example.com" not in answer.text
    assert "no longer" in never.text


def _message_of(html: str) -> str:
    """The page's heading and text, without what differs per request (CSRF token, nonces)."""
    import re

    main = re.search(r"<main.*?</main>", html, re.S)
    return re.sub(r'value="[^"]*"|nonce="[^"]*"', "", main.group(0) if main else html)
