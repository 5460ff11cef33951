"""Dashboard administrators' TOTP authenticator (SPEC §13 "Dashboard administrators get MFA
too"): the same rules as users' (domain/mfa.py, services/identity/factors.py), kept on the
administrator's row. An administrator who set one up signs in with password and code
(``admins.login``); while the environment's ``admin_mfa_required`` is on, one without it can
reach only the set-up page (``http/admin/web.py``). The way back in after losing the phone
is ``tenantry admin reset-password`` on the server, which also removes the authenticator.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Admin
from tenantry.server.domain import mfa as rules
from tenantry.server.domain.errors import NotFound, TenantryError
from tenantry.server.services.directory import environment
from tenantry.server.services.identity import factors
from tenantry.server.services.integration import webhook_secrets


class SecondFactorNeeded(TenantryError):
    code = "second_factor_required"
    default_message = "Enter the code from your authenticator app."


def _admin(session: Session, admin_id: str) -> Admin:
    row = session.get(Admin, admin_id, with_for_update=True)
    if row is None:
        raise NotFound(f"No administrator {admin_id!r}.")
    return row


def must_enrol(session: Session, admin: Admin, required: bool | None = None) -> bool:
    """The environment requires administrators' MFA (``required``, when the caller read the
    settings already) and this one has not set it up."""
    if admin.totp_confirmed_at is not None:
        return False
    return environment.load(session).admin_mfa_required if required is None else required


def check(ctx: Context, session: Session, admin: Admin, code: str) -> None:
    """For an administrator with an authenticator: accept ``code`` (once per step), or raise
    SecondFactorNeeded (no code) / InvalidSecondFactor. The caller calls
    ``webhook_secrets.ready`` before its transaction."""
    if admin.totp_confirmed_at is None or admin.totp_secret_encrypted is None:
        return
    if not code.strip():
        raise SecondFactorNeeded()
    if not _accept(ctx, session, admin, code):
        raise rules.InvalidSecondFactor()


def _accept(ctx: Context, session: Session, admin: Admin, code: str) -> bool:
    if admin.totp_secret_encrypted is None:
        return False
    secret = webhook_secrets.decrypt(ctx, admin.id, admin.totp_secret_encrypted)
    return factors.accept_totp(session, Admin.totp_last_step, Admin.id == admin.id, secret, code, ctx.clock.now())


def begin(ctx: Context, admin_id: str) -> factors.Enrolment:
    """A new secret, unconfirmed. Raises MfaAlreadyEnrolled, NotFound."""
    secret = rules.new_totp_secret()
    sealed = webhook_secrets.encrypt(ctx, admin_id, secret)
    with ctx.uow() as uow:
        admin = _admin(uow.session, admin_id)
        if admin.totp_confirmed_at is not None:
            raise rules.MfaAlreadyEnrolled()
        admin.totp_secret_encrypted, admin.totp_last_step = sealed, None
        email, issuer = admin.email, f"{environment.load(uow.session).branding.app_name} dashboard"
        uow.commit()
    return factors.enrolment_for(secret, email, issuer)


def enrolment_of(ctx: Context, admin_id: str) -> factors.Enrolment | None:
    with ctx.uow(readonly=True) as uow:
        admin = _admin(uow.session, admin_id)
        if admin.totp_confirmed_at is not None or admin.totp_secret_encrypted is None:
            return None
        sealed, email = admin.totp_secret_encrypted, admin.email
        issuer = f"{environment.load(uow.session).branding.app_name} dashboard"
    return factors.enrolment_for(webhook_secrets.decrypt(ctx, admin_id, sealed), email, issuer)


def confirm(ctx: Context, admin_id: str, code: str) -> None:
    """Turn the authenticator on with its first code. Raises InvalidSecondFactor."""
    webhook_secrets.ready(ctx)
    with ctx.uow() as uow:
        admin = _admin(uow.session, admin_id)
        if admin.totp_confirmed_at is not None or not _accept(ctx, uow.session, admin, code):
            raise rules.InvalidSecondFactor()
        admin.totp_confirmed_at = ctx.clock.now()
        uow.commit()


def remove(ctx: Context, admin_id: str, code: str) -> None:
    """Turn the authenticator off with a fresh code. Raises InvalidSecondFactor."""
    webhook_secrets.ready(ctx)
    with ctx.uow() as uow:
        admin = _admin(uow.session, admin_id)
        if admin.totp_confirmed_at is None or not _accept(ctx, uow.session, admin, code):
            raise rules.InvalidSecondFactor()
        clear(admin)
        uow.commit()


def clear(admin: Admin) -> None:
    admin.totp_secret_encrypted = admin.totp_last_step = admin.totp_confirmed_at = None
