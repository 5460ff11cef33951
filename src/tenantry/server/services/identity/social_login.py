"""Signing in with a social or generic connection (SPEC §13): one method of the sign-in
pipeline (``login.py``), in its own module.

The provider's answer (``federation/social.py``) is checked first, outside any transaction
(network); then, in one transaction: the known identity's user, or the account linking rule
(``domain/social.py``: both sides must hold the address verified; an unverified provider
address creates, links and signs in to nothing), the SSO enforcement of the address's
organization (SPEC §11), the identity stored, events, and the session — through
``login.complete_sign_in`` with ``amr`` ``["fed"]``. A refusal is recorded as an event and
leaves nothing else behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import SocialIdentity, User
from tenantry.server.domain import social as rules
from tenantry.server.domain.attributes import Requirement
from tenantry.server.domain.errors import TenantryError
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.sso import SsoRequired
from tenantry.server.domain.types import normalize_email
from tenantry.server.observability.metrics import counts_sign_in
from tenantry.server.services.commands import UserProfileInput
from tenantry.server.services.directory import environment
from tenantry.server.services.federation import signin, social
from tenantry.server.services.federation.social import SocialAnswer
from tenantry.server.services.identity import login
from tenantry.server.services.identity.users import new_user
from tenantry.server.services.integration import actors, events
from tenantry.server.services.membership import ledger

AMR = ["fed"]  # RFC 8176 has no value for "a federated identity provider"; "fed" is the usual one


@dataclass(frozen=True)
class SignedIn:
    session_token: str
    user_id: str
    next_url: str
    created_user: bool
    linked: bool


@counts_sign_in("social")
def sign_in(ctx: Context, connection_id: str, params: dict[str, str], user_agent: str | None = None) -> SignedIn:
    """The callback of a social sign-in. Raises SsoRefused (a broken round trip: state,
    code, ID token), SocialSignInRefused (the linking rule) and SsoRequired."""
    answer = social.answer(ctx, connection_id, params)
    try:
        with ctx.uow() as uow:
            user_id, outcome = _sign_in(ctx, uow.session, answer)
            token = login.complete_sign_in(uow, user_id, ctx.clock.now(), user_agent, amr=AMR)
            uow.commit()
    except IntegrityError:  # the same identity or address signing in twice at once: the other one won
        raise rules.SocialSignInRefused("This sign-in raced another one for the same account. Try again.") from None
    except (rules.SocialSignInRefused, SsoRequired) as refused:
        _record_refusal(ctx, answer, refused)
        raise
    created, linked = outcome is rules.Outcome.CREATE, outcome is rules.Outcome.LINK
    return SignedIn(token, user_id, answer.next_url, created, linked)


def _sign_in(ctx: Context, session: Session, answer: SocialAnswer) -> tuple[str, rules.Outcome]:
    """The user the answer signs in (found, linked or created) and how; the caller starts the session."""
    now = ctx.clock.now()
    identity = session.scalar(
        select(SocialIdentity).where(
            SocialIdentity.connection_id == answer.connection_id, SocialIdentity.subject == answer.subject[:512]
        )
    )
    email = _address(answer.email) if identity is None else None
    existing = repo.user_by_email(session, email) if email else None
    outcome = rules.link_outcome(
        known=identity is not None,
        provider_verified=answer.email_verified and email is not None,
        account_exists=existing is not None,
        account_verified=existing is not None and existing.email_verified,
        signup_enabled=environment.load(session).signup_enabled,
    )
    if identity is not None:
        user = ledger.lock_user(session, identity.user_id)
    elif existing is not None:
        user = ledger.lock_user(session, existing.id)
    else:
        assert email is not None
        user = new_user(session, email, None, {}, _profile(answer), now, Requirement.NONE, email_checked=True)
        user.email_verified = True  # the provider vouches for the address (checked above)
        events.user_event(session, "user.created", user, now, actor=actors.user(user.id))
    signin.check_not_required_in(session, user.email)  # SPEC §11: SSO-only users cannot sign in socially
    if identity is None:
        identity = SocialIdentity(
            id=new_id("idn"),
            user_id=user.id,
            connection_id=answer.connection_id,
            provider=answer.provider,
            subject=answer.subject[:512],
            email=user.email,
            created_at=now,
            last_login_at=now,
        )
        session.add(identity)
        session.flush()
        if outcome is rules.Outcome.LINK:
            _event(session, "user.social_identity_linked", user, answer, now)
    identity.last_login_at = now
    _event(session, "user.social_login", user, answer, now)
    return user.id, outcome


def _address(raw: str | None) -> str | None:
    try:
        return normalize_email(raw or "")
    except ValueError:
        return None


def _profile(answer: SocialAnswer) -> UserProfileInput:
    """The provider's name fields that pass the profile validator; others are left out."""
    values = {}
    for name in ("given_name", "family_name", "name"):
        value = answer.claims.get(name)
        if isinstance(value, str) and value:
            try:
                UserProfileInput.model_validate({name: value})
            except ValidationError:
                continue
            values[name] = value
    return UserProfileInput.model_validate(values)


def _event(session: Session, event_type: str, user: User, answer: SocialAnswer, now: datetime) -> None:
    events.record(
        session,
        event_type,
        {"user_id": user.id, "connection_id": answer.connection_id, "provider": answer.provider},
        ordering_key=f"user:{user.id}",
        now=now,
        user_id=user.id,
        actor=actors.user(user.id),
    )


def _record_refusal(ctx: Context, answer: SocialAnswer, refused: TenantryError) -> None:
    """The audit event of a refused social sign-in (nothing else is written)."""
    with ctx.uow() as uow:
        events.record(
            uow.session,
            "user.social_login_refused",
            {
                "code": refused.code,
                "reason": refused.reason,
                "connection_id": answer.connection_id,
                "provider": answer.provider,
                "subject": answer.subject,
                "email_verified": answer.email_verified,
            },
            ordering_key=f"connection:{answer.connection_id}",
            now=ctx.clock.now(),
        )
        uow.commit()
