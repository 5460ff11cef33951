"""Organization domains (SPEC §10), on Scalekit's paths: ``/organizations/{id}/domains``,
``…/domains/{id}:verify``, and the organization's domain settings."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.domain.domains import DomainJoin, DomainType, VerificationMethod
from tenantry.server.http.api.v1 import routers
from tenantry.server.http.deps import Ctx
from tenantry.server.services.directory import domains
from tenantry.server.services.read_models.domains import Domain, DomainSettings

router = routers.protected("domains")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewDomain(_Strict):
    domain: str = Field(min_length=1, max_length=253)
    domain_type: DomainType = "ORGANIZATION_DOMAIN"


class CreateDomainBody(_Strict):
    domain: NewDomain


class DomainPatch(_Strict):
    domain_type: DomainType


class UpdateDomainBody(_Strict):
    domain: DomainPatch


class VerifyBody(_Strict):
    verification_method: VerificationMethod = Field(
        default="DNS",
        description="DNS: look for the TXT record now. ADMIN: the application verified the domain another way.",
    )


class DomainEnvelope(BaseModel):
    domain: Domain


class DomainList(BaseModel):
    domains: list[Domain]
    total_size: int
    next_page_token: str = ""


class SettingsPatch(_Strict):
    domain_join: DomainJoin | Literal["OFF", "SUGGEST", "AUTO"] | None = None
    sso_required: bool | None = None


class SettingsPatchBody(_Strict):
    settings: SettingsPatch


class SettingsEnvelope(BaseModel):
    settings: DomainSettings


PATH = "/organizations/{organization_id}/domains"


@router.post(PATH, status_code=201, response_model=DomainEnvelope)
def create_domain(ctx: Ctx, organization_id: str, body: CreateDomainBody) -> DomainEnvelope:
    """Adds a `PENDING` domain and the TXT record (`txt_record_key`, `txt_record_secret`) that proves it.
    Free-mail and disposable domains are refused (`invalid_argument`: `public_email_domain`,
    `disposable_email_domain`); a domain another organization verified is `already_exists`."""
    return DomainEnvelope(domain=domains.create(ctx, organization_id, body.domain.domain, body.domain.domain_type))


@router.get(PATH, response_model=DomainList)
def list_domains(
    ctx: Ctx, organization_id: str, domain_type: Annotated[DomainType | None, Query()] = None
) -> DomainList:
    found = domains.list_(ctx, organization_id, domain_type)
    return DomainList(domains=found, total_size=len(found))


# Declared before `/domains/{domain_id}`, which would otherwise take `dom_…:verify` as an id.
# One route per method (PATCH is Scalekit's, POST an alias): a route with a set of methods
# lists them in the OpenAPI document in hash order, different in every process.
@router.patch(PATH + "/{domain_id}:verify", response_model=DomainEnvelope, operation_id="verify_domain")
@router.post(PATH + "/{domain_id}:verify", response_model=DomainEnvelope, operation_id="verify_domain_post")
def verify_domain(ctx: Ctx, organization_id: str, domain_id: str, body: VerifyBody | None = None) -> DomainEnvelope:
    """Checks the TXT record now (`409 domain_verification_failed` when it is missing), or with
    `{"verification_method": "ADMIN"}` marks the domain verified on the application's word."""
    method = body.verification_method if body else "DNS"
    return DomainEnvelope(domain=domains.verify(ctx, organization_id, domain_id, method))


@router.get(PATH + "/{domain_id}", response_model=DomainEnvelope)
def get_domain(ctx: Ctx, organization_id: str, domain_id: str) -> DomainEnvelope:
    return DomainEnvelope(domain=domains.get(ctx, organization_id, domain_id))


@router.patch(PATH + "/{domain_id}", response_model=DomainEnvelope)
def update_domain(ctx: Ctx, organization_id: str, domain_id: str, body: UpdateDomainBody) -> DomainEnvelope:
    return DomainEnvelope(domain=domains.update(ctx, organization_id, domain_id, body.domain.domain_type))


@router.delete(PATH + "/{domain_id}")
def delete_domain(ctx: Ctx, organization_id: str, domain_id: str) -> dict[str, object]:
    domains.delete(ctx, organization_id, domain_id)
    return {}


@router.get("/organizations/{organization_id}/settings/domains", response_model=SettingsEnvelope)
def get_domain_settings(ctx: Ctx, organization_id: str) -> SettingsEnvelope:
    return SettingsEnvelope(settings=domains.get_settings(ctx, organization_id))


@router.patch("/organizations/{organization_id}/settings/domains", response_model=SettingsEnvelope)
def update_domain_settings(ctx: Ctx, organization_id: str, body: SettingsPatchBody) -> SettingsEnvelope:
    """`domain_join`: `off` | `suggest` | `auto` (upper case accepted); `sso_required`: users on a
    verified domain sign in only through the organization's enabled SSO connection."""
    changes = body.settings.model_dump(exclude_unset=True)
    if isinstance(changes.get("domain_join"), str):
        changes["domain_join"] = changes["domain_join"].lower()
    return SettingsEnvelope(settings=domains.update_settings(ctx, organization_id, changes))
