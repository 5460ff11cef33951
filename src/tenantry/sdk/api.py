"""The resources both clients expose, bound to the client that runs their calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenantry.sdk.calls import Call, RetryPolicy, TokenState
from tenantry.sdk.configuration import Applications, Attributes, Clients, Settings, SigningKeys
from tenantry.sdk.directories import Directories
from tenantry.sdk.events import Events, Webhooks
from tenantry.sdk.mfa import Mfa
from tenantry.sdk.models import SignedUp
from tenantry.sdk.portal import PortalLinks
from tenantry.sdk.resources import (
    Emails,
    Invitations,
    Memberships,
    Organizations,
    Runner,
    Users,
    signup_call,
)
from tenantry.sdk.roles import Permissions, Roles
from tenantry.sdk.sso import Connections, Domains, SocialConnections


class ManagementApi:
    """Every operation of the management API, one method each, grouped by resource."""

    def __init__(self, runner: Runner, client_id: str, client_secret: str, retries: int, backoff: float) -> None:
        self._tokens = TokenState(client_id, client_secret)
        self._policy = RetryPolicy(retries, backoff)
        self._runner = runner
        self.organizations = Organizations(runner)
        self.users = Users(runner)
        self.memberships = Memberships(runner)
        self.roles = Roles(runner)
        self.mfa = Mfa(runner)
        self.permissions = Permissions(runner)
        self.invitations = Invitations(runner)
        self.settings = Settings(runner)
        self.attributes = Attributes(runner)
        self.applications = Applications(runner)
        self.clients = Clients(runner)
        self.signing_keys = SigningKeys(runner)
        self.emails = Emails(runner)
        self.events = Events(runner)
        self.webhooks = Webhooks(runner)
        self.domains = Domains(runner)
        self.connections = Connections(runner)
        self.social_connections = SocialConnections(runner)
        self.directories = Directories(runner)
        self.portal_links = PortalLinks(runner)

    def signup(
        self,
        email: str,
        password: str,
        *,
        user_profile: Mapping[str, Any] | None = None,
        organization_name: str | None = None,
    ) -> SignedUp:
        """Headless sign-up (public): a new user and an organization they own."""
        return self._runner.run(signup_call(email, password, user_profile, organization_name))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> Any:
        """Any API call by hand: its parsed JSON answer, or the typed error."""
        return self._runner.run(Call(method, path, params=params, json=json, form=form, auth=auth))
