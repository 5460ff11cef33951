"""The social identities linked to a user (SPEC §13), as the profile page lists them, and
unlinking one: refused when it was the user's last way to sign in of their own
(``domain/social.may_unlink``), recorded as ``user.social_identity_unlinked``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Passkey, SocialConnection, SocialIdentity, UserIdentity
from tenantry.server.domain import social as rules
from tenantry.server.domain.errors import NotFound
from tenantry.server.services.integration import events


@dataclass(frozen=True)
class LinkedIdentity:
    id: str
    provider: str  # GOOGLE | MICROSOFT | GITHUB | CUSTOM
    provider_name: str  # in words: "Google", or a generic connection's name
    email: str  # the address the provider vouched for when it was linked
    linked_at: datetime
    last_used_at: datetime


def list_for_user(ctx: Context, user_id: str) -> list[LinkedIdentity]:
    """The user's linked social identities, oldest first. Raises NotFound (user)."""
    with ctx.uow(readonly=True) as uow:
        repo.user(uow.session, user_id)
        rows = uow.session.execute(
            select(SocialIdentity, SocialConnection.ui_button_title)
            .join(SocialConnection, SocialConnection.id == SocialIdentity.connection_id)
            .where(SocialIdentity.user_id == user_id)
            .order_by(SocialIdentity.created_at, SocialIdentity.id)
        )
        return [
            LinkedIdentity(
                row.id,
                row.provider,
                rules.provider_name(row.provider, title),
                row.email,
                row.created_at,
                row.last_login_at,
            )
            for row, title in rows
        ]


def unlink(ctx: Context, user_id: str, identity_id: str) -> None:
    """Remove one of the user's linked identities: that provider no longer signs them in.
    Raises NotFound (not theirs, or already unlinked) and LastSignInMethod."""
    with ctx.uow() as uow:
        session = uow.session
        user = repo.user(session, user_id, for_update=True)  # one unlink at a time: the count holds
        identity = session.scalar(
            select(SocialIdentity).where(SocialIdentity.id == identity_id, SocialIdentity.user_id == user_id)
        )
        if identity is None:
            raise NotFound("That sign-in method is not linked to your account.")
        count = select(func.count())
        others = (
            session.scalar(
                count.select_from(SocialIdentity).where(
                    SocialIdentity.user_id == user_id, SocialIdentity.id != identity_id
                )
            )
            or 0
        )
        others += session.scalar(count.select_from(UserIdentity).where(UserIdentity.user_id == user_id)) or 0
        passkeys = session.scalar(count.select_from(Passkey).where(Passkey.user_id == user_id)) or 0
        has_password = user.password_hash is not None
        if not rules.may_unlink(has_password=has_password, passkeys=passkeys, other_identities=others):
            raise rules.LastSignInMethod()
        now = ctx.clock.now()
        events.user_event(
            session,
            "user.social_identity_unlinked",
            user,
            now,
            social_identity={"id": identity.id, "connection_id": identity.connection_id, "provider": identity.provider},
        )
        session.delete(identity)
        uow.commit()
