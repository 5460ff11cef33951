"""Scalekit's ``SessionService`` over the hosted pages' browser sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import grpc
from scalekit.v1.sessions import sessions_pb2 as pb
from scalekit.v1.sessions import sessions_pb2_grpc as pb_grpc

from tenantry.server.domain.pagination import page_request
from tenantry.server.grpc import convert
from tenantry.server.grpc.calls import Base, rpc
from tenantry.server.services.identity import session_records
from tenantry.server.services.identity.session_records import SessionRecord


def _times(message: Any, record: SessionRecord, ended_at: datetime | None) -> Any:
    for name, value in (
        ("created_at", record.created_at),
        ("updated_at", record.updated_at),
        ("last_active_at", record.last_active_at),
        ("absolute_expires_at", record.absolute_expires_at),
        ("idle_expires_at", record.idle_expires_at),
        ("expired_at", ended_at if record.status != "active" else None),
    ):
        stamp = convert.timestamp(value)
        if stamp is not None:
            getattr(message, name).CopyFrom(stamp)
    return message


def details(record: SessionRecord) -> Any:
    message = pb.SessionDetails(
        session_id=record.id,
        user_id=record.user_id,
        authenticated_organizations=record.authenticated_organizations,
        organization_id=record.organization_id or "",
        status=record.status,
        device=pb.DeviceDetails(user_agent=record.user_agent or ""),
    )
    return _times(message, record, record.ends_at)


def revoked(record: SessionRecord, now: datetime) -> Any:
    message = pb.RevokedSessionDetails(session_id=record.id, user_id=record.user_id, status=record.status)
    return _times(message, record, now)


class SessionService(Base, pb_grpc.SessionServiceServicer):
    @rpc
    def GetSession(self, request: Any, context: grpc.ServicerContext) -> Any:
        return details(session_records.get(self.ctx, request.session_id))

    @rpc
    def GetUserSessions(self, request: Any, context: grpc.ServicerContext) -> Any:
        paging = page_request(request.page_size or None, request.page_token or None)
        statuses = frozenset(s.lower() for s in request.filter.status)
        page = session_records.list_for_user(self.ctx, request.user_id, paging, statuses)
        return pb.UserSessionDetails(
            sessions=[details(r) for r in page.items],
            next_page_token=page.next_page_token,
            prev_page_token=page.prev_page_token,
            total_size=page.total_size,
        )

    @rpc
    def RevokeSession(self, request: Any, context: grpc.ServicerContext) -> Any:
        record = session_records.revoke(self.ctx, request.session_id)
        return pb.RevokeSessionResponse(revoked_session=revoked(record, self.ctx.clock.now()))

    @rpc
    def RevokeAllUserSessions(self, request: Any, context: grpc.ServicerContext) -> Any:
        records = session_records.revoke_all(self.ctx, request.user_id)
        now = self.ctx.clock.now()
        return pb.RevokeAllUserSessionsResponse(
            revoked_sessions=[revoked(r, now) for r in records], total_revoked=len(records)
        )


def register(server: grpc.Server, ctx: Any) -> None:
    pb_grpc.add_SessionServiceServicer_to_server(SessionService(ctx), server)
