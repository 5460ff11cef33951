"""The provisioning log's read model (SPEC §12 and §14): one SCIM write of a directory and
how it ended, as the dashboard and the customers' admin portal show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tenantry.server.db.models import DirectoryOperation

# already_provisioned: a create of a user the directory had already pushed (answered 200
# with that user; nothing created)
SUCCESSES = ("created", "already_provisioned", "replaced", "updated", "deleted")  # in the order shown


@dataclass(frozen=True)
class ProvisioningOperation:
    id: str
    organization_id: str
    directory_id: str
    directory_name: str
    method: str
    resource_type: str
    resource_id: str | None
    subject: str | None
    status: int
    outcome: str  # created | already_provisioned | replaced | updated | deleted, or the refusal's stable code
    message: str | None
    create_time: datetime

    @property
    def succeeded(self) -> bool:
        return self.outcome in SUCCESSES


def operation(row: DirectoryOperation, directory_name: str) -> ProvisioningOperation:
    return ProvisioningOperation(
        id=row.id,
        organization_id=row.organization_id,
        directory_id=row.directory_id,
        directory_name=directory_name,
        method=row.method,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        subject=row.subject,
        status=row.status,
        outcome=row.outcome,
        message=row.message,
        create_time=row.created_at,
    )
