"""The JSON shape of organization domains (Scalekit's ``Domain``), for answers and events."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tenantry.server.db.models import OrganizationDomain
from tenantry.server.domain.domains import (
    DomainJoin,
    DomainType,
    VerificationMethod,
    VerificationStatus,
    challenge_name,
)


class Domain(BaseModel):
    id: str
    domain: str
    organization_id: str
    domain_type: DomainType
    verification_status: VerificationStatus
    verification_method: VerificationMethod | None
    txt_record_key: str = Field(description="The DNS name of the TXT record that proves the domain.")
    txt_record_secret: str = Field(description="The value that TXT record must hold.")
    create_time: datetime
    update_time: datetime
    verified_time: datetime | None
    last_checked_time: datetime | None


class DomainSettings(BaseModel):
    domain_join: DomainJoin = Field(
        description="off: nothing; suggest: users with a verified address on a verified domain see the "
        "organization offered on the switcher; auto: they are added when they sign in (taking a seat)."
    )
    sso_required: bool = Field(
        description="Users with an address on a verified domain may sign in only through an enabled SSO connection."
    )


def domain(row: OrganizationDomain) -> Domain:
    return Domain(
        id=row.id,
        domain=row.domain,
        organization_id=row.organization_id,
        domain_type=row.domain_type,  # type: ignore[arg-type]
        verification_status=row.verification_status,  # type: ignore[arg-type]
        verification_method=row.verification_method,  # type: ignore[arg-type]
        txt_record_key=challenge_name(row.domain),
        txt_record_secret=row.txt_record_secret,
        create_time=row.created_at,
        update_time=row.updated_at,
        verified_time=row.verified_at,
        last_checked_time=row.last_checked_at,
    )
