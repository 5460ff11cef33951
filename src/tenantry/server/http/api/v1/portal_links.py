"""Admin portal links (SPEC §14), on Scalekit's paths: ``/organizations/{id}/portal_links``
(``PUT`` is Scalekit's GeneratePortalLink, ``POST`` the same), list, revoke one or all."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.domain import portal
from tenantry.server.http.api.v1 import routers
from tenantry.server.http.deps import Ctx
from tenantry.server.services.portal import links
from tenantry.server.services.portal.links import LinkView

router = routers.protected("portal")
PATH = "/organizations/{organization_id}/portal_links"


class NewLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    features: list[str] | None = Field(
        default=None,
        max_length=8,
        description="Any of `sso`, `directory_sync` (Scalekit's `dir_sync`), `domains`; all when left out.",
    )
    expires_in_days: int | None = Field(
        default=None, description=f"1 to {portal.MAX_VALIDITY_DAYS}; 7 when left out. Not for embeddable links."
    )
    embeddable: bool = Field(
        default=False,
        description="A link to open at once inside the application's page: valid 5 minutes, opens once, and "
        "may be framed only by the origins of the registered applications' redirect URIs. Needs Tenantry on "
        "https (its public URL): otherwise 409 failed_precondition, since browsers keep no cookie of another "
        "site's frame over http.",
    )


class Link(BaseModel):
    id: str
    organization_id: str
    location: str = Field(description="The link to hand to the IT administrator: in the creating answer only.")
    features: list[str]
    embeddable: bool
    state: str = Field(description="active, expired or revoked.")
    expire_time: datetime
    create_time: datetime
    revoke_time: datetime | None


class LinkEnvelope(BaseModel):
    link: Link


class LinkList(BaseModel):
    links: list[Link]


def _link(view: LinkView) -> Link:
    return Link(
        id=view.id,
        organization_id=view.organization_id,
        location=view.location or "",
        features=view.features,
        embeddable=view.embeddable,
        state=view.state,
        expire_time=view.expire_time,
        create_time=view.create_time,
        revoke_time=view.revoke_time,
    )


def _create(ctx: Ctx, organization_id: str, features: list[str] | None, body: NewLink | None) -> LinkEnvelope:
    given = body or NewLink()
    wanted = (given.features or []) + (features or [])
    view = links.create(
        ctx, organization_id, wanted or None, expires_in_days=given.expires_in_days, embeddable=given.embeddable
    )
    return LinkEnvelope(link=_link(view))


@router.post(PATH, status_code=201, response_model=LinkEnvelope, operation_id="create_portal_link")
def create_portal_link(
    ctx: Ctx,
    organization_id: str,
    features: Annotated[list[str] | None, Query(max_length=8)] = None,
    body: NewLink | None = None,
) -> LinkEnvelope:
    """A link to the admin portal for this organization's IT administrator, valid 7 days by
    default (at most 30), scoped to the features asked for. `location` is shown this once."""
    return _create(ctx, organization_id, features, body)


@router.put(PATH, response_model=LinkEnvelope, operation_id="generate_portal_link")
def generate_portal_link(
    ctx: Ctx,
    organization_id: str,
    features: Annotated[list[str] | None, Query(max_length=8)] = None,
    body: NewLink | None = None,
) -> LinkEnvelope:
    """Scalekit's GeneratePortalLink: the same as `POST`, features also as `?features=sso`."""
    return _create(ctx, organization_id, features, body)


@router.get(PATH, response_model=LinkList)
def list_portal_links(ctx: Ctx, organization_id: str) -> LinkList:
    """The organization's links, newest first; `location` is empty (only its digest is kept)."""
    return LinkList(links=[_link(view) for view in links.list_(ctx, organization_id)])


@router.delete(PATH)
def revoke_portal_links(ctx: Ctx, organization_id: str) -> dict[str, object]:
    """Revoke every link of the organization: portal sessions opened with them end at once."""
    links.revoke(ctx, organization_id)
    return {}


@router.delete(PATH + "/{link_id}")
def revoke_portal_link(ctx: Ctx, organization_id: str, link_id: str) -> dict[str, object]:
    links.revoke(ctx, organization_id, link_id)
    return {}
