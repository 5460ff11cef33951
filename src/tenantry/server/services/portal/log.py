"""The admin portal's log (SPEC §14): the organization's single sign-on sign-ins and
refusals, directory provisioning, domain and connection set-up, and portal link use —
what a customer's IT administrator needs to set up and troubleshoot, newest first.

Deliberately not the audit log: other application events (membership changes made by the
application, webhooks, settings, sign-ins by password) are the application's business, and
an entry is projected to a few plain fields here (never the event's raw data) so that
nothing meant for the application — tokens, secrets, metadata — can reach the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tenantry.server.context import Context
from tenantry.server.domain.pagination import PageRequest
from tenantry.server.services.integration import event_log
from tenantry.server.services.provisioning import log as provisioning_log
from tenantry.server.services.read_models.provisioning_log import ProvisioningOperation

# What each event the portal shows is called there.
EVENTS: dict[str, str] = {
    "user.sso_login": "Signed in with single sign-on",
    "user.sso_login_refused": "Single sign-on refused",
    "user.sso_provisioning_refused": "Single sign-on refused: no free seat",
    "organization.domain_created": "Domain added",
    "organization.domain_updated": "Domain changed",
    "organization.domain_verified": "Domain verified",
    "organization.domain_deleted": "Domain removed",
    "organization.connection_created": "SSO connection created",
    "organization.connection_updated": "SSO connection changed",
    "organization.connection_enabled": "SSO connection turned on",
    "organization.connection_disabled": "SSO connection turned off",
    "organization.connection_deleted": "SSO connection deleted",
    "directory.created": "Directory created",
    "directory.updated": "Directory changed",
    "directory.deleted": "Directory deleted",
    "directory.secret_created": "Directory token issued",
    "directory.user_refused": "Provisioning refused",
    "organization.portal_link_created": "Portal link created",
    "organization.portal_link_opened": "Portal link opened",
    "organization.portal_link_revoked": "Portal link revoked",
}
ACTORS = {"ADMIN": "an administrator", "API_CLIENT": "the application", "USER": "the user", "SYSTEM": "Tenantry"}


@dataclass(frozen=True)
class LogEntry:
    time: datetime
    kind: str  # the event type, or "directory.operation" for a SCIM write
    what: str
    subject: str  # whom or what it is about: an e-mail, a domain, a connection, a directory
    by: str
    refused: bool
    detail: str | None  # why it was refused, in plain words


def entries(ctx: Context, organization_id: str, link_id: str, size: int) -> list[LogEntry]:
    """The organization's latest ``size`` entries, newest first. Raises NotFound."""
    found = event_log.list_page(
        ctx,
        PageRequest(size=size),
        event_log.EventFilter(types=tuple(EVENTS), organization_id=organization_id),
        newest_first=True,
    ).items
    labels = event_log.labels(ctx, found)
    operations = provisioning_log.page(ctx, organization_id, PageRequest(size=size)).items
    merged = [_of_event(event, labels, link_id) for event in found] + [_of_operation(op) for op in operations]
    return sorted(merged, key=lambda entry: entry.time, reverse=True)[:size]


def _of_event(event: dict[str, Any], labels: dict[str, str], link_id: str) -> LogEntry:
    data = event["data"] or {}
    kind = event["type"]
    refused = kind.endswith("_refused")
    what = EVENTS[kind]
    if kind == "user.sso_login_refused" and data.get("test"):
        what = "Connection test refused"
    return LogEntry(
        time=datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")),
        kind=kind,
        what=what,
        subject=_subject(event, data, labels),
        by=_by(event["actor"], link_id),
        refused=refused,
        detail=_detail(data, refused),
    )


def _detail(data: dict[str, Any], refused: bool) -> str | None:
    if refused:
        return str(data.get("message") or data.get("code") or "") or None
    dropped = data.get("dropped_attributes")  # values from the IdP the attribute rules refused
    return f"Not valid, so not saved: {', '.join(map(str, dropped))}" if isinstance(dropped, list) and dropped else None


def _subject(event: dict[str, Any], data: dict[str, Any], labels: dict[str, str]) -> str:
    for key, field in (("domain", "domain"), ("directory", "name"), ("portal_link", "id")):
        if isinstance(data.get(key), dict):
            return str(data[key].get(field) or "")
    if isinstance(data.get("connection"), dict):
        connection = data["connection"]
        return f"{connection.get('provider', '')} {connection.get('type', '')} ({connection.get('id', '')})".strip()
    if event["user_id"]:
        return labels.get(event["user_id"], event["user_id"])
    if isinstance(data.get("user"), dict):  # a SCIM user that was refused
        who = data["user"]
        return str(who.get("user_name") or next(iter(who.get("emails") or []), "") or who.get("external_id") or "")
    return str(data.get("email") or data.get("connection_id") or "")


def _by(actor: dict[str, Any], link_id: str) -> str:
    if actor["type"] == "PORTAL_LINK":
        return "this portal" if actor["id"] == link_id else "another portal link"
    return ACTORS.get(actor["type"], "")


def _of_operation(op: ProvisioningOperation) -> LogEntry:
    return LogEntry(
        time=op.create_time,
        kind="directory.operation",
        what=f"Directory {op.resource_type.lower()} {op.outcome if op.succeeded else 'refused'}",
        subject=op.subject or op.resource_id or "",
        by=f"directory {op.directory_name}",
        refused=not op.succeeded,
        detail=None if op.succeeded else (op.message or op.outcome),
    )
