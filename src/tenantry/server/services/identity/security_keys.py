"""Security keys (SPEC §13): WebAuthn credentials a user registers as a *second factor*,
asked for after the password instead of a TOTP or recovery code.

- Registration: from the profile page (a sign-in of the last RECENT_SIGN_IN, like other
  changes to one's factors), or during a sign-in that must enrol a second factor. A
  non-discoverable credential is fine and user verification is discouraged: the password
  is the other factor. The user's first factor comes with recovery codes.
- Use: ``navigator.credentials.get`` with ``allowCredentials`` = the user's keys; an answer
  counts only when signed by one of *that user's* keys, for this RP id and origin, for a
  live challenge of this browser and user (of this session on the profile page), with a
  counter that moved on. The ceremonies' plumbing (challenges, RP, parsing) is the
  passkeys' (services/identity/passkeys.py); the keys live in their own table, so the
  passwordless passkey sign-in can never accept one.
- Events: ``user.mfa_enrolled`` / ``user.mfa_used`` / ``user.mfa_removed`` with
  ``factor.method`` ``security_key``, as for TOTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers import parse_registration_credential_json as parse_registration
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import SecurityKey
from tenantry.server.domain import mfa as rules
from tenantry.server.domain.errors import NotFound
from tenantry.server.domain.ids import new_id
from tenantry.server.services.identity import factors
from tenantry.server.services.identity.passkeys import (
    CHALLENGE_LIFETIME,
    RECENT_SIGN_IN,
    PasskeyName,
    PasskeyRefused,
    RecentSignInRequired,
    client_challenge,
    consume_challenge,
    parse_answer,
    raw_id,
    relying_party,
    store_challenge,
    transports_of,
)
from tenantry.server.services.identity.sessions import SessionView

# What a challenge serves for: adding a key on the profile page or while signing in, and
# answering with one at the second-factor step or to confirm a change on the profile page.
ADD, ENROL, SIGN_IN, CONFIRM = "key_add", "key_enrol", "key_sign_in", "key_confirm"


@dataclass(frozen=True)
class SecurityKeyView:
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class Answer:
    """A key's answer to a challenge that was live and is now spent, for ``user_id``."""

    user_id: str
    challenge: bytes
    credential: AuthenticationCredential

    def accepted(self, ctx: Context, session: Session, user_id: str) -> bool:
        """As a ``factors.Proof``: signed by one of the user's keys (see ``check``)."""
        return check(ctx, session, user_id, self)


def _user_handle(user_id: str) -> bytes:
    # Not the passkeys' handle (the bare user id): an authenticator that keeps every
    # credential resident replaces the one it holds for the same RP and user handle, and
    # adding a security key must not silently wipe the user's passkey on that device.
    return f"2fa:{user_id}".encode()


def _view(row: SecurityKey) -> SecurityKeyView:
    return SecurityKeyView(row.id, row.name, row.created_at, row.last_used_at)


def list_for_user(ctx: Context, user_id: str) -> list[SecurityKeyView]:
    with ctx.uow(readonly=True) as uow:
        rows = uow.session.scalars(
            select(SecurityKey).where(SecurityKey.user_id == user_id).order_by(SecurityKey.created_at, SecurityKey.id)
        )
        return [_view(r) for r in rows]


def recent(ctx: Context, session: SessionView) -> bool:
    return ctx.clock.now() - session.created_at <= RECENT_SIGN_IN


# --- registration ------------------------------------------------------------------------


def registration_options(ctx: Context, user_id: str, browser: str, *, session: SessionView | None = None) -> str:
    """Options for ``navigator.credentials.create`` (JSON): any credential, discoverable or
    not, user verification discouraged, none of the user's keys again. ``session``: from
    the profile page (needs a recent sign-in), else during a sign-in that enrols. Raises
    MfaDisabled, RecentSignInRequired."""
    if session is not None and not recent(ctx, session):
        raise RecentSignInRequired("For your security, sign in again before you add a security key.")
    rp = relying_party(ctx)
    with ctx.uow(readonly=True) as uow:
        if factors.policy(uow.session) is rules.MfaPolicy.OFF:
            raise rules.MfaDisabled()
        user = repo.user(uow.session, user_id)
        email, name = user.email, user.name or user.email
        known = uow.session.scalars(select(SecurityKey.credential_id).where(SecurityKey.user_id == user_id)).all()
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=_user_handle(user_id),
        user_name=email,
        user_display_name=name,
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.DISCOURAGED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=raw_id(c)) for c in known],
    )
    purpose, session_id = (ADD, session.id) if session is not None else (ENROL, None)
    store_challenge(ctx, options.challenge, purpose, browser, user_id=user_id, session_id=session_id)
    return options_to_json(options)


@dataclass(frozen=True)
class NewKey:
    """A checked registration, to be kept by ``keep`` in the caller's transaction."""

    credential_id: str
    public_key: bytes
    sign_count: int
    transports: list[str] | None
    name: str


def checked_registration(
    ctx: Context, user_id: str, browser: str, credential_json: str, name: str, *, session: SessionView | None = None
) -> NewKey:
    """Spend the challenge and check the authenticator's answer to it (before the caller's
    transaction). Raises SecurityKeyRefused, RecentSignInRequired, ValidationError (name)."""
    if session is not None and not recent(ctx, session):
        raise RecentSignInRequired("For your security, sign in again before you add a security key.")
    label = PasskeyName.model_validate({"name": name or "Security key"}).name
    purpose, session_id = (ADD, session.id) if session is not None else (ENROL, None)
    try:
        credential = parse_answer(credential_json)
        challenge = client_challenge(credential)
        if consume_challenge(ctx, challenge, purpose, browser, session_id=session_id) != user_id:
            raise PasskeyRefused()
        rp = relying_party(ctx)
        verified = verify_registration_response(
            credential=parse_registration(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (PasskeyRefused, WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise rules.SecurityKeyRefused() from exc
    return NewKey(
        bytes_to_base64url(verified.credential_id),
        verified.credential_public_key,
        verified.sign_count,
        transports_of(credential),
        label,
    )


def keep(ctx: Context, session: Session, user_id: str, key: NewKey) -> list[str]:
    """In the caller's transaction: keep the checked key; returns the recovery codes when it
    is the user's first factor (shown once), else none. Raises SecurityKeyRefused (a
    credential registered already)."""
    if session.scalar(select(SecurityKey.id).where(SecurityKey.credential_id == key.credential_id)) is not None:
        raise rules.SecurityKeyRefused("This security key is already registered.")
    codes = factors.first_factor_codes(ctx, session, user_id)
    now = ctx.clock.now()
    row = SecurityKey(
        id=new_id("key"),
        user_id=user_id,
        credential_id=key.credential_id,
        public_key=key.public_key,
        sign_count=key.sign_count,
        transports=key.transports,
        name=key.name,
        created_at=now,
        last_used_at=None,
    )
    session.add(row)
    factors.event(session, "user.mfa_enrolled", user_id, now, method=factors.SECURITY_KEY, key=_described(row))
    return codes


def add(ctx: Context, session: SessionView, browser: str, credential_json: str, name: str) -> list[str]:
    """The profile page adds a key for the signed-in user; returns recovery codes when it is
    their first factor. Raises SecurityKeyRefused, RecentSignInRequired, ValidationError."""
    key = checked_registration(ctx, session.user.id, browser, credential_json, name, session=session)
    with ctx.uow() as uow:
        repo.user(uow.session, session.user.id, for_update=True)
        codes = keep(ctx, uow.session, session.user.id, key)
        uow.commit()
    return codes


def _described(row: SecurityKey) -> dict[str, Any]:
    return {"id": row.id, "name": row.name}


# --- use ---------------------------------------------------------------------------------


def assertion_options(ctx: Context, user_id: str, browser: str, *, session: SessionView | None = None) -> str:
    """Options for ``navigator.credentials.get`` (JSON) naming the user's keys. ``session``:
    to confirm a change on the profile page, else at the second-factor step. Raises
    SecurityKeyRefused (the user has none)."""
    with ctx.uow(readonly=True) as uow:
        rows = uow.session.scalars(select(SecurityKey).where(SecurityKey.user_id == user_id)).all()
        allowed = [PublicKeyCredentialDescriptor(id=raw_id(r.credential_id)) for r in rows]
    if not allowed:
        raise rules.SecurityKeyRefused("You have no security key.")
    options = generate_authentication_options(
        rp_id=relying_party(ctx).id,
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.DISCOURAGED,
    )
    purpose, session_id = (CONFIRM, session.id) if session is not None else (SIGN_IN, None)
    store_challenge(ctx, options.challenge, purpose, browser, user_id=user_id, session_id=session_id)
    return options_to_json(options)


def answer(
    ctx: Context, user_id: str, browser: str, credential_json: str, *, session: SessionView | None = None
) -> Answer:
    """Spend the live challenge this browser got for ``user_id`` (and ``session``) and parse
    the answer (before the caller's transaction). Raises SecurityKeyRefused."""
    purpose, session_id = (CONFIRM, session.id) if session is not None else (SIGN_IN, None)
    try:
        credential = parse_answer(credential_json)
        challenge = client_challenge(credential)
        if consume_challenge(ctx, challenge, purpose, browser, session_id=session_id) != user_id:
            raise PasskeyRefused()
        return Answer(user_id, challenge, parse_authentication_credential_json(credential))
    except (PasskeyRefused, WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise rules.SecurityKeyRefused() from exc


def check(ctx: Context, session: Session, user_id: str, given: Answer) -> bool:
    """In the caller's transaction: whether ``given`` answers a challenge of ``user_id``,
    signed by one of their keys for this RP id and origin, with a counter that moved on;
    records the use (counter, time, event)."""
    if given.user_id != user_id:
        return False
    credential_id = bytes_to_base64url(given.credential.raw_id)
    row = session.scalar(
        select(SecurityKey)
        .where(SecurityKey.credential_id == credential_id, SecurityKey.user_id == user_id)
        .with_for_update()
    )
    if row is None:
        return False
    handle = given.credential.response.user_handle
    if handle is not None and handle != _user_handle(user_id):
        return False
    rp = relying_party(ctx)
    try:
        verified = verify_authentication_response(
            credential=given.credential,
            expected_challenge=given.challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=row.public_key,
            credential_current_sign_count=row.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return False
    now = ctx.clock.now()
    row.sign_count = verified.new_sign_count
    row.last_used_at = now
    factors.event(session, "user.mfa_used", user_id, now, method=factors.SECURITY_KEY, key=_described(row))
    return True


# --- the profile page's list -------------------------------------------------------------


def rename(ctx: Context, user_id: str, key_id: str, name: str) -> SecurityKeyView:
    """Raises NotFound (not the user's key), ValidationError (the name)."""
    label = PasskeyName.model_validate({"name": name}).name
    with ctx.uow() as uow:
        row = uow.session.get(SecurityKey, key_id, with_for_update=True)
        if row is None or row.user_id != user_id:
            raise NotFound("You have no such security key.")
        row.name = label
        uow.commit()
        return _view(row)
