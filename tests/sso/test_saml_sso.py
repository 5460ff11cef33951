"""SAML 2.0 sign-in through SimpleSAMLphp (a real IdP nobody here wrote), and the service
provider's refusals: tampered, unsigned, wrapped, replayed, misdirected and unsolicited answers."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.helpers import Api
from tests.interop.saml_idp import USERS_DOMAIN, SamlIdp
from tests.sso.flows import org_with_domain, path_of


def saml_connection(api: Api, http: TestClient, org_id: str, saml: SamlIdp, **config: Any) -> dict[str, Any]:
    body = {"type": "SAML", "provider": "CUSTOM", "saml_config": {"idp_metadata_url": saml.metadata_url, **config}}
    created = api.post(f"/api/v1/organizations/{org_id}/connections", json={"connection": body})
    assert created.status_code == 201, created.text
    connection = created.json()["connection"]
    assert connection["status"] == "COMPLETED"
    assert api.patch(f"/api/v1/organizations/{org_id}/connections/{connection['id']}:enable").status_code == 200
    metadata = http.get(path_of(connection["saml_config"]["sp_metadata_url"]))
    assert metadata.status_code == 200 and "AssertionConsumerService" in metadata.text
    saml.trust_sp(metadata.text)
    return dict(connection)


def idp_answer(http: TestClient, saml: SamlIdp, connection: dict[str, Any], username: str) -> dict[str, str]:
    to_idp = http.get(f"/sso/start?connection_id={connection['id']}&next=/organizations", follow_redirects=False)
    assert to_idp.status_code == 303, to_idp.text
    assert "SAMLRequest=" in to_idp.headers["location"]
    return saml.log_in(to_idp.headers["location"], username)


def post_acs(http: TestClient, connection: dict[str, Any], answer: dict[str, str], **changes: str):  # type: ignore[no-untyped-def]
    form = {k: v for k, v in {**answer, **changes}.items() if k != "action" and v is not None}
    return http.post(f"/sso/saml/{connection['id']}/acs", data=form, follow_redirects=False)


def users_with(api: Api, email: str) -> list[dict[str, Any]]:
    return [u for u in api.get("/api/v1/users", params={"page_size": 100}).json()["users"] if u["email"] == email]


def xml_of(answer: dict[str, str]) -> str:
    return base64.b64decode(answer["SAMLResponse"]).decode()


def encoded(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def test_jit_through_simplesamlphp_and_the_second_new_user_sees_the_full_page(
    api: Api, http: TestClient, saml: SamlIdp
) -> None:
    org = org_with_domain(api, domain=USERS_DOMAIN)
    connection = saml_connection(api, http, org["id"], saml)
    api.patch(
        f"/api/v1/organizations/{org['id']}/connections/{connection['id']}",
        json={"connection": {"group_roles": {"admins": ["admin"]}}},
    )
    api.limit(org["id"], 1)  # one free seat
    answer = idp_answer(http, saml, connection, "alice")
    assert urlsplit(answer["action"]).path == f"/sso/saml/{connection['id']}/acs"
    signed_in = post_acs(http, connection, answer)
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == "/organizations"
    [alice] = users_with(api, f"alice@{USERS_DOMAIN}")
    [membership] = alice["memberships"]
    assert membership["provisioning_method"] == "sso_jit" and [r["name"] for r in membership["roles"]] == ["admin"]
    assert alice["user_profile"]["given_name"] == "Alice" and alice["email_verified"] is True
    http.cookies.clear()
    refused = post_acs(http, connection, idp_answer(http, saml, connection, "bob"))
    assert refused.status_code == 409
    assert "Acme&#39;s organization is full" in refused.text
    assert users_with(api, f"bob@{USERS_DOMAIN}") == []


def test_tampered_unsigned_and_wrapped_responses_are_refused(api: Api, http: TestClient, saml: SamlIdp) -> None:
    org = org_with_domain(api, domain=USERS_DOMAIN)
    connection = saml_connection(api, http, org["id"], saml)
    variants = {
        "tampered attribute": lambda xml: xml.replace(f"carol@{USERS_DOMAIN}", f"alice@{USERS_DOMAIN}"),
        "signatures removed": lambda xml: re.sub(r"<ds:Signature.*?</ds:Signature>", "", xml, flags=re.DOTALL),
        "wrapped": _wrapped,
    }
    for why, bend in variants.items():
        answer = idp_answer(http, saml, connection, "carol")  # its own request, RelayState and InResponseTo
        bent = bend(xml_of(answer))
        assert bent != xml_of(answer), why
        refused = post_acs(http, connection, answer, SAMLResponse=encoded(bent))
        assert refused.status_code == 400, why
        assert users_with(api, f"alice@{USERS_DOMAIN}") == [], why
        assert users_with(api, f"carol@{USERS_DOMAIN}") == [], why
    assert post_acs(http, connection, idp_answer(http, saml, connection, "carol")).status_code == 303  # control


def _wrapped(genuine: str) -> str:
    """XML signature wrapping: a forged, unsigned assertion placed before the signed one."""
    assertion = re.search(r"<saml:Assertion .*?</saml:Assertion>", genuine, flags=re.DOTALL)
    assert assertion
    forged = re.sub(r"<ds:Signature.*?</ds:Signature>", "", assertion.group(0), flags=re.DOTALL)
    forged = re.sub(r'ID="[^"]+"', 'ID="_forged"', forged, count=1).replace("carol@", "alice@")
    return genuine.replace(assertion.group(0), forged + assertion.group(0))


def test_replayed_misdirected_mismatched_and_unsolicited_answers_are_refused(
    api: Api, http: TestClient, saml: SamlIdp
) -> None:
    org = org_with_domain(api, domain=USERS_DOMAIN)
    connection = saml_connection(api, http, org["id"], saml)
    first = idp_answer(http, saml, connection, "dave")
    second = idp_answer(http, saml, connection, "dave")
    # InResponseTo: the answer to the first request, with the second request's RelayState
    assert post_acs(http, connection, first, RelayState=second["RelayState"]).status_code == 400
    # IdP-initiated (no RelayState) is off by default
    assert post_acs(http, connection, first, RelayState=None).status_code == 400  # type: ignore[arg-type]
    # another connection's ACS: wrong audience, recipient and destination
    misdirected = idp_answer(http, saml, connection, "dave")
    other = saml_connection(api, http, org["id"], saml)
    other_state = http.get(f"/sso/start?connection_id={other['id']}", follow_redirects=False)
    relay = parse_qs(urlsplit(other_state.headers["location"]).query)["RelayState"][0]
    assert post_acs(http, other, misdirected, RelayState=relay).status_code == 400
    assert users_with(api, f"dave@{USERS_DOMAIN}") == []
    saml.trust_sp(http.get(path_of(connection["saml_config"]["sp_metadata_url"])).text)
    # the genuine answer works once; the same assertion again is a replay
    third = idp_answer(http, saml, connection, "dave")
    assert post_acs(http, connection, third).status_code == 303
    api.patch(
        f"/api/v1/organizations/{org['id']}/connections/{connection['id']}",
        json={"connection": {"saml_config": {"idp_initiated_enabled": True}}},
    )
    http.cookies.clear()
    replayed = post_acs(http, connection, third, RelayState=None)  # type: ignore[arg-type]
    assert replayed.status_code == 400 and "already used" in replayed.text


@pytest.mark.parametrize(("shift_minutes", "status"), [(0, 303), (-10, 400), (10, 400)])
def test_expired_or_not_yet_valid_assertions_are_refused(
    api: Api, http: TestClient, saml: SamlIdp, monkeypatch: pytest.MonkeyPatch, shift_minutes: int, status: int
) -> None:
    """The SP's clock moved 10 minutes (the IdP's assertions live 5): too early, or expired."""
    import time

    from saml2 import time_util

    org = org_with_domain(api, domain=USERS_DOMAIN)
    connection = saml_connection(api, http, org["id"], saml)
    answer = idp_answer(http, saml, connection, "dave")
    real_gmtime, shifted = time.gmtime, time.time() + shift_minutes * 60
    monkeypatch.setattr(time_util.time, "gmtime", lambda *a: real_gmtime(a[0] if a and a[0] is not None else shifted))
    assert post_acs(http, connection, answer).status_code == status
    monkeypatch.undo()
    assert len(users_with(api, f"dave@{USERS_DOMAIN}")) == (1 if status == 303 else 0)
