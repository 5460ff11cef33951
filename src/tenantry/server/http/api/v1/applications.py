from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from tenantry.server.http.api.v1 import routers
from tenantry.server.http.api.v1.schemas import Paged
from tenantry.server.http.deps import Ctx
from tenantry.server.services.integration import applications, signing_keys
from tenantry.server.services.integration.applications import ApplicationView, CreateApplication, UpdateApplication

router = routers.protected("applications")


class Application(BaseModel):
    id: str  # the OAuth client_id
    name: str
    type: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    create_time: datetime
    update_time: datetime


class ApplicationEnvelope(BaseModel):
    application: Application


class ApplicationWithSecret(ApplicationEnvelope):
    client_secret: str | None


class ApplicationList(Paged):
    applications: list[Application]


class RotatedKey(BaseModel):
    kid: str


def _out(view: ApplicationView) -> Application:
    return Application(**vars(view))


@router.post("/applications", status_code=201, response_model=ApplicationWithSecret)
def create_application(ctx: Ctx, body: CreateApplication) -> ApplicationWithSecret:
    """Register an OpenID Connect application. `confidential` ones get a `client_secret`,
    shown only in this answer; `public` ones (browser or native apps) get none and must use PKCE."""
    created = applications.create(ctx, body)
    return ApplicationWithSecret(application=_out(created.application), client_secret=created.client_secret)


@router.get("/applications", response_model=ApplicationList)
def list_applications(ctx: Ctx) -> ApplicationList:
    views = applications.list_all(ctx)
    return ApplicationList(
        applications=[_out(v) for v in views], next_page_token="", prev_page_token="", total_size=len(views)
    )


@router.get("/applications/{application_id}", response_model=ApplicationEnvelope)
def get_application(ctx: Ctx, application_id: str) -> ApplicationEnvelope:
    return ApplicationEnvelope(application=_out(applications.get(ctx, application_id)))


@router.patch("/applications/{application_id}", response_model=ApplicationEnvelope)
def update_application(ctx: Ctx, application_id: str, body: UpdateApplication) -> ApplicationEnvelope:
    return ApplicationEnvelope(application=_out(applications.update(ctx, application_id, body)))


@router.post("/applications/{application_id}:rotate-secret", response_model=ApplicationWithSecret)
def rotate_application_secret(ctx: Ctx, application_id: str) -> ApplicationWithSecret:
    """A new `client_secret` (shown once); the old one stops working at once."""
    rotated = applications.rotate_secret(ctx, application_id)
    return ApplicationWithSecret(application=_out(rotated.application), client_secret=rotated.client_secret)


@router.delete("/applications/{application_id}")
def delete_application(ctx: Ctx, application_id: str) -> dict[str, object]:
    applications.delete_(ctx, application_id)
    return {}


@router.post("/signing-keys:rotate", response_model=RotatedKey)
def rotate_signing_key(ctx: Ctx) -> RotatedKey:
    """Sign new tokens with a fresh key; the old one stays in /keys until its tokens expired."""
    return RotatedKey(kid=signing_keys.rotate(ctx))
