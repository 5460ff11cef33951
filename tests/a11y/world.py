"""A populated environment for the accessibility scans: every kind of record a page can
show (organizations full and not, members in every status, attributes of every type,
an application, an API client, a webhook with a delivery, e-mails of every kind), and
the values that fill each page's path parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tenantry.server.context import Context
from tenantry.server.db.models import Passkey, SecurityKey, SocialIdentity
from tenantry.server.domain.ids import new_id
from tenantry.server.services.identity import admins, login, magic_links, mail_requests
from tenantry.server.services.integration import clients
from tenantry.server.services.membership import requests
from tests.helpers import Api
from tests.pages.conftest import code_in, latest_email, link_in

ADMIN_EMAIL = "root@ops.example"
ADMIN_PASSWORD = "correct horse battery staple"
OWNER = "owner@acmerobotics.com"
PASSWORD = "a long and unusual passphrase"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
MAGIC_LINK = re.compile(r"(/login/link\?token=[A-Za-z0-9_\-]+)")

ATTRIBUTES = [
    {
        "key": "department",
        "display_name": "Department",
        "type": "string",
        "collect_on_signup": True,
        "description": "Where you work",
        "user_editable": True,
    },
    {
        "key": "plan",
        "display_name": "Plan",
        "type": "enum",
        "options": ["free", "pro"],
        "required": True,
        "collect_on_signup": True,
        "user_editable": True,
    },
    {
        "key": "newsletter",
        "display_name": "Newsletter",
        "type": "boolean",
        "collect_on_signup": True,
        "user_editable": True,
    },
    {"key": "employee_number", "display_name": "Employee number", "type": "integer", "user_editable": False},
]


@dataclass
class World:
    parameters: dict[str, list[str]]  # path parameter -> the values to visit it with
    extra_urls: list[str]  # pages reached only with a query (tokens), visited as a user would
    user_cookie: str  # the signed-in owner's session token
    setup_url: str | None
    notes: dict[str, Any] = field(default_factory=dict)
    screen_names: dict[str, str] = field(default_factory=dict)  # a visited URL -> its scene's name


def _passkey(context: Context, user_id: str) -> None:
    """A passkey on the owner's profile page (its list, rename and remove forms)."""
    now = context.clock.now()
    with context.uow() as uow:
        uow.session.add(
            Passkey(
                id=new_id("pky"),
                user_id=user_id,
                credential_id="axe-credential",
                public_key=b"not used",
                sign_count=0,
                transports=["internal"],
                aaguid=None,
                backed_up=True,
                name="Work laptop",
                created_at=now,
                last_used_at=now,
            )
        )
        uow.commit()


def _linked_identity(context: Context, user_id: str, connection_id: str) -> None:
    """A GitHub account linked to the owner: the profile page's linked accounts and their Unlink."""
    now = context.clock.now()
    with context.uow() as uow:
        uow.session.add(
            SocialIdentity(
                id=new_id("idn"),
                user_id=user_id,
                connection_id=connection_id,
                provider="GITHUB",
                subject="axe-1",
                email=OWNER,
                created_at=now,
                last_login_at=now,
            )
        )
        uow.commit()


def _security_key(context: Context, user_id: str) -> str:
    """A security key on the owner's two-step verification page (its list, rename, and the
    removal page that asks for a fresh second factor)."""
    now = context.clock.now()
    key_id = new_id("key")
    with context.uow() as uow:
        uow.session.add(
            SecurityKey(
                id=key_id,
                user_id=user_id,
                credential_id="axe-security-key",
                public_key=b"not used",
                sign_count=0,
                transports=["usb"],
                name="Blue key",
                created_at=now,
                last_used_at=None,
            )
        )
        uow.commit()
    return key_id


def _mail(context: Context, kind: str, data: str = "") -> None:
    """An e-mail to the owner asked for as the hosted pages ask, and written at once."""
    mail_requests.ask(context, kind, OWNER, data)
    mail_requests.resolve_due(context)


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def build(api: Api, context: Context, clock: Any, brand_colour: str) -> World:
    setup = admins.setup_token(context)
    setup_url = f"/admin/setup?token={setup}" if setup else None
    api.settings(
        organization_meta_name={"singular": "Workspace", "plural": "Workspaces"},
        branding={"app_name": "Acme Cloud", "primary_color": brand_colour},  # before any e-mail is sent
        mfa="optional",  # the profile offers two-step verification (its pages are scanned)
    )
    # The owner: signed up, verified, admin of Acme; invited to Globex (pending) and Initech (expired).
    owner = _ok(
        api.signup(
            OWNER,
            PASSWORD,
            organization={"display_name": "Acme Robotics"},
            user_profile={"given_name": "Ada", "family_name": "Lovelace"},
        ),
        201,
    )
    owner_id, acme = owner["user"]["id"], owner["organization"]["id"]
    login.send_verification_code(context, owner_id)
    login.verify_email(context, owner_id, code_in(latest_email(api, OWNER, "verify_email")))

    initech = api.org("Initech")
    api.user_in(
        initech["id"], OWNER, membership={"roles": [{"name": "member"}], "inviter_email": "boss@initech.example"}
    )
    api.user_in(
        acme, "grace@acmerobotics.com", invite=False, user_profile={"given_name": "Grace", "family_name": "Hopper"}
    )
    api.user_in(acme, "late@acmerobotics.com")  # will expire
    expired_token = api.invitation_token("late@acmerobotics.com")
    clock.advance(days=20)
    globex = api.org("Globex")
    api.user_in(globex["id"], OWNER, membership={"roles": [{"name": "admin"}], "inviter_email": "hank@globex.example"})
    api.user_in(acme, "linus@acmerobotics.com", membership={"roles": [{"name": "member"}], "inviter_email": OWNER})
    pending_token = api.invitation_token("linus@acmerobotics.com")
    api.limit(acme, 3)  # full: Ada, Grace, Linus (pending)
    # Full House: full, with a pending invitation that the lowered limit now refuses (SPEC §2).
    full = api.org("Full House")
    api.limit(full["id"], 2)
    api.user_in(full["id"], "first@fullhouse.example", invite=False)
    api.user_in(full["id"], "blocked@fullhouse.example")
    blocked_token = api.invitation_token("blocked@fullhouse.example")
    api.limit(full["id"], 1)

    # Password reset, login code and "account exists" e-mails.
    _mail(context, mail_requests.PASSWORD_RESET)
    reset_path = link_in(latest_email(api, OWNER, "reset_password"))
    _mail(context, mail_requests.LOGIN_CODE)
    # A magic link opened in another browser than the one that asked: the page shows the code.
    api.settings(sign_in_methods={"magic_link": True})
    _mail(context, mail_requests.MAGIC_LINK, magic_links.request_data("another browser"))
    magic_path = MAGIC_LINK.search(latest_email(api, OWNER, "login_code")).group(1)  # type: ignore[union-attr]
    _passkey(context, owner_id)
    _mail(context, mail_requests.ACCOUNT_EXISTS)
    requests.request_new(context, expired_token)  # the expired invitee asks its admins for a new one

    for attribute in ATTRIBUTES:  # after the users: a required one would refuse them
        _ok(api.post("/api/v1/user-attributes", json=attribute), 201)
    application = _ok(
        api.post("/api/v1/applications", json={"name": "Portal", "redirect_uris": ["https://app.example/cb"]}), 201
    )
    client = clients.create_client(context, "billing")
    hook = _ok(api.post("/api/v1/webhooks", json={"url": "https://hooks.example/in"}), 201)["webhook"]
    api.org("Hooli")  # an event after the webhook exists: a delivery
    delivery = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["deliveries"][0]

    # An OIDC connection given its endpoints (nothing to fetch): its callback page shows errors.
    endpoints = {f"{name}_uri": f"https://idp.example/{name}" for name in ("authorize", "token", "jwks")}
    connection = _ok(
        api.post(
            f"/api/v1/organizations/{acme}/connections",
            json={"connection": {"type": "OIDC", "provider": "OKTA", "oidc_config": {"client_id": "axe", **endpoints}}},
        ),
        201,
    )["connection"]

    # A pending domain (its TXT record shows) and a directory whose SCIM writes fill the log.
    domain = _ok(api.post(f"/api/v1/organizations/{acme}/domains", json={"domain": {"domain": "acme-axe.com"}}), 201)
    directory = _ok(api.post(f"/api/v1/organizations/{acme}/directories", json={"directory_provider": "OKTA"}), 201)
    directory_id = directory["directory"]["id"]
    secret = _ok(api.post(f"/api/v1/organizations/{acme}/directories/{directory_id}/secrets"), 201)
    scim = {"Authorization": f"Bearer {secret['plain_secret']}", "Content-Type": "application/scim+json"}
    pushed = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "", "active": True}
    for user_name in ("pat@acme-axe.com", "not an address"):  # one provisioned, one refused
        api.http.post(f"/scim/v2/{directory_id}/Users", headers=scim, json={**pushed, "userName": user_name})
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "engineering"}
    api.http.post(f"/scim/v2/{directory_id}/Groups", headers=scim, json=group)  # its role on the directory's page
    # A social connection (GitHub's preset endpoints: nothing to fetch): the log-in page shows its button.
    github = {"connection": {"provider": "GITHUB", "oauth_config": {"client_id": "axe"}}}
    social = _ok(api.post("/api/v1/connections", json=github), 201)["connection"]
    _ok(api.patch(f"/api/v1/connections/{social['id']}:enable"), 200)
    _linked_identity(context, owner_id, social["id"])
    # The admin portal: a pending domain and a directory to show, and a link the visitor opens.
    _ok(api.post(f"/api/v1/organizations/{acme}/domains", json={"domain": {"domain": "acmerobotics.com"}}), 201)
    _ok(api.post(f"/api/v1/organizations/{acme}/directories", json={"name": "Okta"}), 201)
    portal_link = _ok(api.post(f"/api/v1/organizations/{acme}/portal_links", json={}), 201)["link"]["location"]
    # A query of their own: the route walk scanned these paths without a session (the page asking for the link).
    paths = ["/portal/domains", "/portal/sso", f"/portal/sso/{connection['id']}", "/portal/directories", "/portal/log"]
    portal_pages = [f"{path}?session=open" for path in paths]

    admin = admins.create(context, ADMIN_EMAIL, ADMIN_PASSWORD)
    login.open_session(context, owner_id, PHONE, acme)  # another session, with its own "Sign out"
    token = login.open_session(context, owner_id, "axe", acme)
    security_key_id = _security_key(context, owner_id)  # after the session: with a factor, sign-in asks for it
    return World(
        parameters={
            "organization_id": [acme],
            "user_id": [owner_id],
            "key": ["plan"],
            "application_id": [application["application"]["id"]],
            "client_id": [client.id],
            "webhook_id": [hook["id"]],
            "delivery_id": [delivery["id"]],
            "admin_id": [admin.id],
            "action": ["delete", "rotate"],
            "connection_id": [connection["id"]],
            "domain_id": [domain["domain"]["id"]],
            "directory_id": [directory_id],
            "key_id": [security_key_id],
        },
        extra_urls=[
            f"/invitations/accept?token={pending_token}",
            f"/invitations/accept?token={expired_token}",
            f"/invitations/accept?token={blocked_token}",
            reset_path,
            magic_path,
            "/portal/open?token=" + portal_link.split("token=", 1)[1],
            *portal_pages,  # in the portal session the link opened
            "/organizations?next=/oauth/authorize",
        ],
        user_cookie=token,
        setup_url=setup_url,
        notes={"acme": acme, "owner_id": owner_id},
        screen_names={
            f"/invitations/accept?token={pending_token}": "/invitations/accept?token=pending",
            f"/invitations/accept?token={expired_token}": "/invitations/accept?token=expired",
            f"/invitations/accept?token={blocked_token}": "/invitations/accept?token=blocked",
            f"/organizations/{acme}/members": "/organizations/{organization_id}/members",
            f"/admin/organizations/{acme}": "/admin/organizations/{organization_id}",
            f"/admin/users/{owner_id}": "/admin/users/{user_id}",
            "/": "/organizations",
            f"/admin/organizations/{acme}/domains": "/admin/organizations/{organization_id}/domains",
            f"/admin/organizations/{acme}/connections": "/admin/organizations/{organization_id}/connections",
            f"/admin/organizations/{acme}/connections/{connection['id']}": (
                "/admin/organizations/{organization_id}/connections/{connection_id}"
            ),
            f"/admin/organizations/{acme}/directories/{directory_id}": (
                "/admin/organizations/{organization_id}/directories/{directory_id}"
            ),
            f"/admin/organizations/{acme}/provisioning": "/admin/organizations/{organization_id}/provisioning",
            **{page: page.split("?")[0] for page in portal_pages},
            f"/portal/sso/{connection['id']}?session=open": "/portal/sso/{connection_id}",
        },
    )
