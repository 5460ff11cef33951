"""Zero serious or critical axe-core violations on every hosted page, dashboard page and
e-mail, at a desktop and a phone viewport, with a light and a dark brand colour.

Pages are found by walking the app's routes, so a page added later is scanned without
editing this file; a path parameter nobody has a value for fails the test and says where
to add one (``world.py``). Pages reached only with a token, and pages after a refused
form, are listed below. Set TENANTRY_AXE_REPORT=<file> to write every violation found.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page

from tenantry.server.app import create_app
from tenantry.server.domain.colours import TEXT, contrast
from tenantry.server.services.identity import admins
from tests.a11y.axe import Violation, scan
from tests.a11y.world import ADMIN_EMAIL, ADMIN_PASSWORD, World, build
from tests.security.conftest import for_machines, routes

pytestmark = pytest.mark.once  # tests/conftest.py: the PostgreSQL pass leaves it to the SQLite one

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
BRAND_COLOURS = {"light": "#facc15", "dark": "#1e1b4b"}
NOT_PAGES = {
    "/branding.css",
    "/.well-known/openid-configuration",
    "/keys",
    "/userinfo",
    "/healthz",
    "/sso/saml/{connection_id}/metadata",  # the SP's metadata: XML for identity providers
}
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "tenantry" / "server" / "templates"
PARAMETER = re.compile(r"\{(\w+)\}")


def page_routes(app: FastAPI) -> list[str]:
    """Every GET route a browser opens (not the API, not machine documents)."""
    return sorted(
        {path for path, methods, api in routes(app) if "GET" in methods and not api and not for_machines(path)}
        - NOT_PAGES
    )


def concrete(path: str, world: World) -> list[str]:
    """``path`` with each combination of its parameters' values. Fails for an unknown one."""
    names = PARAMETER.findall(path)
    missing = [name for name in names if name not in world.parameters]
    assert not missing, f"{path}: give {missing} a value in tests/a11y/world.py so this page is scanned"
    paths = [path]
    for name in names:
        paths = [p.replace("{" + name + "}", value, 1) for p in paths for value in world.parameters[name]]
    return paths


# Refused forms: the error summary, field errors and their links are scanned too.
def _submit(button: str, **fill: str) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        for label, value in fill.items():
            page.locator(f"[name='{label}']").first.fill(value)
        page.get_by_role("button", name=button, exact=True).first.click()
        page.wait_for_load_state()

    return act


def _then(*acts: Callable[[Page], None]) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        for each in acts:
            each(page)

    return act


SUBMISSIONS: list[tuple[str, str, Callable[[Page], None]]] = [  # (persona, path, action)
    ("visitor", "/login", _submit("Sign in", email="owner@acmerobotics.com", password="wrong password")),
    ("visitor", "/signup", _submit("Create account")),
    ("visitor", "/forgot-password", _submit("Send the link", email="not an address")),
    ("user", "/organizations/new", _submit("Create workspace")),
    ("user", "/profile", _submit("Save", phone_number="not a phone")),
    ("user", "/profile/mfa", _submit("Set up an authenticator app")),  # the QR code and key
    (
        "user",
        "/profile/mfa",
        _then(_submit("Set up an authenticator app"), _submit("Turn on two-step verification", code="1")),
    ),
    ("admin", "/admin/mfa", _submit("Set up an authenticator app")),
    ("admin", "/admin/configuration", _submit("Save branding", **{"branding.primary_color": "blue"})),
    ("admin", "/admin/configuration", _submit("Save expiry", invitation_expiry="0")),
    ("admin", "/admin/organizations", _submit("Create workspace")),
    ("admin", "/admin/attributes/new", _submit("Create attribute", key="Bad Key")),
    ("admin", "/admin/users?q=nosuch%3Dvalue", lambda page: None),
    ("visitor", "/portal/domains", _submit("Add domain")),
    ("visitor", "/portal/directories", _submit("Create directory", name="Okta")),  # the token, shown once
]


# The main screens, saved at both sizes when TENANTRY_SCREENSHOTS=1 (the light colour's run):
# scene (persona, path without ids, what happened) -> file name in docs/screenshots/{desktop,phone}/.
SCREENS = {
    "visitor /login": "login",
    "visitor /login (refused form)": "login-refused",
    "visitor /signup": "signup",
    "visitor /signup (refused form)": "signup-refused",
    "visitor /login/code": "login-code",
    "visitor /verify-email": "verify-email",
    "visitor /forgot-password": "forgot-password",
    "visitor /invitations/accept?token=pending": "invitation",
    "visitor /invitations/accept?token=expired": "invitation-expired",
    "visitor /invitations/accept?token=blocked": "invitation-full",
    "user /organizations": "switcher",
    "user /organizations/new": "create-organization",
    "user /organizations/new (refused form)": "create-organization-refused",
    "user /organizations/{organization_id}/members": "members-full",
    "user /profile": "profile",
    "user /profile (refused form)": "profile-refused",
    "visitor /admin": "admin-login",
    "admin /admin/configuration": "admin-configuration",
    "admin /admin/configuration (refused form)": "admin-configuration-refused",
    "admin /admin/attributes": "admin-attributes",
    "admin /admin/attributes/new (refused form)": "admin-attribute-refused",
    "admin /admin/organizations": "admin-organizations",
    "admin /admin/organizations/{organization_id}": "admin-organization",
    "admin /admin/invitations": "admin-invitations",
    "admin /admin/users": "admin-users",
    "admin /admin/users/{user_id}": "admin-user",
    "admin /admin/applications": "admin-applications",
    "admin /admin/api-clients": "admin-api-clients",
    "admin /admin/webhooks": "admin-webhooks",
    "admin /admin/events": "admin-audit-log",
    "admin /admin/outbox": "admin-outbox",
    "e-mail invitation": "email-invitation",
    "user /profile/mfa": "profile-two-step",
    "admin /admin/roles": "admin-roles",
    "admin /admin/mfa": "admin-mfa",
    "admin /admin/organizations/{organization_id}/domains": "admin-domains",
    "admin /admin/organizations/{organization_id}/connections": "admin-connections",
    "admin /admin/organizations/{organization_id}/connections/{connection_id}": "admin-connection",
    "admin /admin/organizations/{organization_id}/directories/{directory_id}": "admin-directory",
    "admin /admin/organizations/{organization_id}/provisioning": "admin-provisioning-log",
    "visitor /portal/domains": "portal-domains",
    "visitor /portal/sso": "portal-sso",
    "visitor /portal/sso/{connection_id}": "portal-connection-guide",
    "visitor /portal/directories": "portal-directories",
    "visitor /portal/log": "portal-log",
}
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shoot(page: Page, scene: str, viewport: str) -> None:
    name = SCREENS.get(scene)
    if name and os.environ.get("TENANTRY_SCREENSHOTS") == "1":
        (SHOTS / viewport).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / viewport / f"{name}.png"), full_page=True)


BUTTON = re.compile(r"background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})")


def buttons_readable(html: str, kind: str) -> None:
    """axe leaves an e-mail button's contrast "to review" (a background it cannot resolve in a
    mail layout), so check the colours the template wrote: text on the button reaches 4.5:1."""
    for background, text in BUTTON.findall(html):
        assert contrast(background, text) >= TEXT, (kind, background, text)


class Personas:
    """One browser context each: a visitor, the signed-in owner, the signed-in administrator."""

    def __init__(self, browser: Browser, site: str, world: World, admin_token: str) -> None:
        host = site.split("://")[1].split(":")[0]
        self.contexts: dict[str, BrowserContext] = {}
        for persona in ("visitor", "user", "admin"):
            ctx = browser.new_context(base_url=site, viewport=VIEWPORTS["desktop"])
            if persona == "user":
                ctx.add_cookies([{"name": "tenantry_session", "value": world.user_cookie, "domain": host, "path": "/"}])
            if persona == "admin":
                ctx.add_cookies([{"name": "tenantry_admin", "value": admin_token, "domain": host, "path": "/admin"}])
            self.contexts[persona] = ctx
        self.pages = {persona: ctx.new_page() for persona, ctx in self.contexts.items()}

    def close(self) -> None:
        for ctx in self.contexts.values():
            ctx.close()


@pytest.fixture
def report() -> Iterator[list[dict[str, object]]]:
    entries: list[dict[str, object]] = []
    yield entries
    target = os.environ.get("TENANTRY_AXE_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            for entry in entries:
                out.write(json.dumps(entry) + "\n")


@pytest.mark.parametrize("colour", list(BRAND_COLOURS))
def test_no_serious_or_critical_axe_violations(
    colour, site, site_api, context, clock, browser, report, record_property
):
    started = time.monotonic()
    world = build(site_api, context, clock, BRAND_COLOURS[colour])
    # The light colour runs every rule; the dark one re-runs the rules a colour can change.
    colour_only = colour != "light"
    personas = Personas(browser, site, world, admins.login(context, ADMIN_EMAIL, ADMIN_PASSWORD))
    violations: list[Violation] = []
    scans = 0
    timing = {"axe": 0.0, "goto": 0.0}
    seen: set[tuple[str, str]] = set()

    def scan_both(page: Page, scene: str, shot: str = "") -> None:
        nonlocal scans
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            if not colour_only:
                shoot(page, shot or scene, name)
            t0 = time.monotonic()
            violations.extend(scan(page, f"{scene} @ {name}", colour_only=colour_only))
            timing["axe"] += time.monotonic() - t0
            scans += 1
        page.set_viewport_size(VIEWPORTS["desktop"])

    try:
        visits: list[tuple[str, str]] = []
        for path in page_routes(create_app(context=context)):
            for url in concrete(path, world):
                visits += [("admin" if url.startswith("/admin") else "user", url), ("visitor", url)]
        visits += [("visitor", url) for url in world.extra_urls] + [("user", url) for url in world.extra_urls[-1:]]
        if world.setup_url:
            visits.append(("visitor", world.setup_url))
        for persona, url in visits:
            page = personas.pages[persona]
            t0 = time.monotonic()
            response = page.goto(url)
            timing["goto"] += time.monotonic() - t0
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            # Pages that send a visitor to a log-in page are that log-in page: scan it once.
            key = (persona, page.url.split("?")[0] if response.request.redirected_from else page.url)
            if key in seen:
                continue
            seen.add(key)
            scan_both(page, f"{persona} {url}", f"{persona} {world.screen_names.get(url, url)}")
        for persona, url, act in SUBMISSIONS:
            page = personas.pages[persona]
            page.goto(url)
            act(page)
            scan_both(page, f"{persona} {url} (refused form)")
        # Every e-mail template, as a mail client shows its HTML.
        sent = {e["kind"]: e for e in site_api.get("/api/v1/emails", params={"page_size": 100}).json()["emails"]}
        kinds = {p.stem for p in (TEMPLATES / "email").glob("*.html") if not p.stem.startswith("_")}
        assert kinds <= set(sent), f"no sample of e-mail kinds {kinds - set(sent)}: send one in tests/a11y/world.py"
        mail = personas.pages["visitor"]
        for kind in sorted(kinds):
            mail.set_content(sent[kind]["html"])
            scan_both(mail, f"e-mail {kind}")
            buttons_readable(sent[kind]["html"], kind)
    finally:
        personas.close()

    seconds = time.monotonic() - started
    record_property("reliability: axe scans", scans)
    report.extend(
        [{"colour": colour, "scans": scans, "seconds": round(seconds, 1), "pages": len(seen), **timing}]
        + [{"colour": colour, **v.__dict__} for v in violations]
    )
    assert not violations, f"{len(violations)} serious/critical axe violations:\n" + "\n".join(
        v.line() for v in violations
    )
