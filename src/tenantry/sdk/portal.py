"""Admin portal links (SPEC §14): a link to hand to an organization's IT administrator, who
sets up SSO, directory sync and domains there without an account."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tenantry.sdk.calls import Call, many, nothing, one
from tenantry.sdk.models import Model
from tenantry.sdk.resources import Resource


class PortalLink(Model):
    id: str
    organization_id: str
    location: str  # the link: only in the answer of ``create``
    features: list[str]
    embeddable: bool
    state: str
    expire_time: datetime
    create_time: datetime
    revoke_time: datetime | None = None


def _links(organization_id: str) -> str:
    return f"/api/v1/organizations/{organization_id}/portal_links"


class PortalLinks(Resource):
    def create(
        self,
        organization_id: str,
        *,
        features: Iterable[str] | None = None,
        expires_in_days: int | None = None,
        embeddable: bool = False,
    ) -> PortalLink:
        """A link valid ``expires_in_days`` (7 by default, at most 30) for the ``features``
        named (``sso``, ``directory_sync``, ``domains``; all by default). ``embeddable``: a
        link to open at once in a frame of the application (5 minutes, single use)."""
        body: dict[str, Any] = {"embeddable": embeddable}
        if features is not None:
            body["features"] = list(features)
        if expires_in_days is not None:
            body["expires_in_days"] = expires_in_days
        return self._r.run(Call("POST", _links(organization_id), one(PortalLink, "link"), json=body))

    def list(self, organization_id: str) -> list[PortalLink]:
        return self._r.run(Call("GET", _links(organization_id), many(PortalLink, "links")))

    def revoke(self, organization_id: str, link_id: str) -> None:
        """Revoke a link: the portal sessions opened with it end at once."""
        return self._r.run(Call("DELETE", f"{_links(organization_id)}/{link_id}", nothing))

    def revoke_all(self, organization_id: str) -> None:
        return self._r.run(Call("DELETE", _links(organization_id), nothing))


__all__ = ["PortalLink", "PortalLinks"]
