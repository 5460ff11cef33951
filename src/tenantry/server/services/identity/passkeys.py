"""Passkeys (SPEC §13): WebAuthn discoverable credentials, registered from the profile page
and used to sign in without a password.

- The relying party is the configured public URL: its host is the RP id, its origin the
  only origin accepted.
- Every ceremony starts with a challenge that is stored as a digest, lives
  CHALLENGE_LIFETIME, is bound to the browser that asked (a digest of its secret cookie)
  and, when registering, to the signed-in session; it is deleted (committed) before the
  answer is checked, so it never serves twice, even for a failed answer.
- The authenticator's signature counter must grow at every use (unless it keeps none).
- A sign-in with a passkey ends in the one pipeline (``login.complete_sign_in``) with
  ``amr`` ``hwk`` + ``user``, and ``mfa`` when the authenticator verified the user (RFC 8176).
- Removing a passkey needs a sign-in of the last RECENT_SIGN_IN.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, StringConstraints
from sqlalchemy import delete, select
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
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Passkey, WebauthnChallenge
from tenantry.server.domain import base64url
from tenantry.server.domain.errors import NotFound, TenantryError
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.secrets import digest
from tenantry.server.domain.types import VisibleLine
from tenantry.server.observability.metrics import counts_sign_in
from tenantry.server.services.directory import environment
from tenantry.server.services.federation import signin
from tenantry.server.services.identity import login
from tenantry.server.services.identity.sessions import SessionView
from tenantry.server.services.integration import actors, events

CHALLENGE_LIFETIME = timedelta(minutes=5)
RECENT_SIGN_IN = timedelta(minutes=15)
REGISTER, LOGIN = "register", "login"
MAX_CREDENTIAL_JSON = 64 * 1024


class PasskeyRefused(TenantryError):
    code = "passkey_invalid"
    default_message = "That passkey could not be used. Try again, or sign in another way."


class PasskeysDisabled(TenantryError):
    code = "sign_in_method_disabled"
    default_message = "Passkeys are not available here."


class RecentSignInRequired(TenantryError):
    code = "recent_sign_in_required"
    default_message = "For your security, sign in again before you remove a passkey."


class PasskeyName(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), VisibleLine]


@dataclass(frozen=True)
class PasskeyView:
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    backed_up: bool


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str
    name: str


def relying_party(ctx: Context) -> RelyingParty:
    """The RP id and origin, from the configured public URL (never from the request)."""
    parts = urlsplit(ctx.settings.public_url)
    name = environment.get_settings(ctx).branding.app_name
    return RelyingParty(parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}", name)


def _enabled(ctx: Context) -> None:
    if not environment.get_settings(ctx).sign_in_methods.passkeys:
        raise PasskeysDisabled()


def _view(row: Passkey) -> PasskeyView:
    return PasskeyView(row.id, row.name, row.created_at, row.last_used_at, row.backed_up)


def _user_handle(user_id: str) -> bytes:
    return user_id.encode()


def store_challenge(
    ctx: Context,
    challenge: bytes,
    purpose: str,
    browser: str,
    *,
    user_id: str | None = None,
    session_id: str | None = None,
) -> None:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        uow.session.execute(delete(WebauthnChallenge).where(WebauthnChallenge.expires_at <= now))
        uow.session.add(
            WebauthnChallenge(
                challenge_hash=digest(bytes_to_base64url(challenge)),
                purpose=purpose,
                browser_hash=browser,
                session_id=session_id,
                user_id=user_id,
                created_at=now,
                expires_at=now + CHALLENGE_LIFETIME,
            )
        )
        uow.commit()


def client_challenge(credential: dict[str, Any]) -> bytes:
    """The challenge the browser signed, read from the answer's client data."""
    try:
        encoded = credential["response"]["clientDataJSON"]
        client_data = json.loads(base64url.decode(encoded))
        challenge = client_data["challenge"]
        return base64url.decode(challenge)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise PasskeyRefused() from exc


def consume_challenge(
    ctx: Context, challenge: bytes, purpose: str, browser: str, *, session_id: str | None = None
) -> str | None:
    """Delete the live challenge of this browser (and session); returns its user id. Raises
    PasskeyRefused when there is none: unknown, used, expired, or another browser's."""
    now = ctx.clock.now()
    key = digest(bytes_to_base64url(challenge))
    with ctx.uow() as uow:
        row = uow.session.get(WebauthnChallenge, key, with_for_update=True)
        usable = (
            row is not None
            and row.purpose == purpose
            and row.browser_hash == browser
            and row.session_id == session_id
            and row.expires_at > now
        )
        user_id = row.user_id if row is not None else None
        deleted = uow.session.execute(delete(WebauthnChallenge).where(WebauthnChallenge.challenge_hash == key)).rowcount  # type: ignore[attr-defined]
        uow.commit()
    if not usable or not deleted:
        raise PasskeyRefused()
    return user_id


def parse_answer(text: str) -> dict[str, Any]:
    if len(text) > MAX_CREDENTIAL_JSON:
        raise PasskeyRefused()
    try:
        credential = json.loads(text)
    except ValueError as exc:
        raise PasskeyRefused() from exc
    if not isinstance(credential, dict):
        raise PasskeyRefused()
    return credential


# --- registration (profile page) -------------------------------------------------------


def registration_options(ctx: Context, session: SessionView, browser: str) -> str:
    """The options for ``navigator.credentials.create`` (JSON): a discoverable credential,
    user verification preferred, none of the user's passkeys again."""
    _enabled(ctx)
    rp = relying_party(ctx)
    with ctx.uow(readonly=True) as uow:
        known = uow.session.scalars(select(Passkey.credential_id).where(Passkey.user_id == session.user.id)).all()
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=_user_handle(session.user.id),
        user_name=session.user.email,
        user_display_name=str(session.user.profile.get("name") or session.user.email),
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=raw_id(c)) for c in known],
    )
    store_challenge(ctx, options.challenge, REGISTER, browser, user_id=session.user.id, session_id=session.id)
    return options_to_json(options)


def raw_id(credential_id: str) -> bytes:
    return base64url.decode(credential_id)


def register(ctx: Context, session: SessionView, browser: str, credential_json: str, name: str) -> PasskeyView:
    """Check the authenticator's answer and keep the new passkey. Raises PasskeyRefused,
    InvalidArgument-like ValidationError (name), PasskeysDisabled."""
    _enabled(ctx)
    label = PasskeyName.model_validate({"name": name or "Passkey"}).name
    credential = parse_answer(credential_json)
    challenge = client_challenge(credential)
    if consume_challenge(ctx, challenge, REGISTER, browser, session_id=session.id) != session.user.id:
        raise PasskeyRefused()
    rp = relying_party(ctx)
    try:
        verified = verify_registration_response(
            credential=parse_registration(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRefused() from exc
    now = ctx.clock.now()
    credential_id = bytes_to_base64url(verified.credential_id)
    with ctx.uow() as uow:
        user = repo.user(uow.session, session.user.id, for_update=True)
        if uow.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)) is not None:
            raise PasskeyRefused("This passkey is already registered.")
        row = Passkey(
            id=new_id("pky"),
            user_id=user.id,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=transports_of(credential),
            aaguid=verified.aaguid,
            backed_up=verified.credential_backed_up,
            name=label,
            created_at=now,
            last_used_at=None,
        )
        uow.session.add(row)
        _event(uow.session, "user.passkey_registered", user, row, now)
        uow.commit()
        return _view(row)


def transports_of(credential: dict[str, Any]) -> list[str] | None:
    found = credential.get("response", {}).get("transports")
    return [str(t)[:32] for t in found[:8]] if isinstance(found, list) else None


def _event(session: Session, event_type: str, user: Any, row: Passkey, now: datetime) -> None:
    events.user_event(
        session, event_type, user, now, actor=actors.user(user.id), passkey={"id": row.id, "name": row.name}
    )


# --- sign-in (log-in page) ---------------------------------------------------------------


def authentication_options(ctx: Context, browser: str) -> str:
    """The options for ``navigator.credentials.get`` (JSON): no credential named, so the
    browser offers the passkeys it holds for this site (discoverable credentials)."""
    _enabled(ctx)
    options = generate_authentication_options(
        rp_id=relying_party(ctx).id,
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    store_challenge(ctx, options.challenge, LOGIN, browser)
    return options_to_json(options)


def amr_of(user_verified: bool) -> list[str]:
    """RFC 8176: a key held by an authenticator, the user present, and with user
    verification (PIN or biometrics on the device) a second factor: ``mfa``."""
    return ["hwk", "user", "mfa"] if user_verified else ["hwk", "user"]


@counts_sign_in("passkey")
def sign_in(ctx: Context, browser: str, credential_json: str, user_agent: str | None = None) -> str:
    """A session token for a valid answer to this browser's live challenge, signed by a
    registered passkey whose counter moved on. Raises PasskeyRefused, PasskeysDisabled,
    SsoRequired."""
    _enabled(ctx)
    credential = parse_answer(credential_json)
    challenge = client_challenge(credential)
    consume_challenge(ctx, challenge, LOGIN, browser)
    try:
        parsed = parse_authentication_credential_json(credential)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRefused() from exc
    credential_id = bytes_to_base64url(parsed.raw_id)
    with ctx.uow(readonly=True) as uow:
        row = uow.session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))
        email = repo.user(uow.session, row.user_id).email if row is not None else None
    if row is None or email is None:
        raise PasskeyRefused()
    handle = parsed.response.user_handle
    if handle is not None and handle != _user_handle(row.user_id):
        raise PasskeyRefused()
    signin.check_not_required(ctx, email)  # SPEC §11: an SSO-only domain signs in at its provider
    rp = relying_party(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = uow.session.get(Passkey, row.id, with_for_update=True)
        if row is None:
            raise PasskeyRefused()
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                credential_public_key=row.public_key,
                credential_current_sign_count=row.sign_count,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
            raise PasskeyRefused() from exc
        row.sign_count = verified.new_sign_count
        row.backed_up = verified.credential_backed_up
        row.last_used_at = now
        user = repo.user(uow.session, row.user_id)
        _event(uow.session, "user.passkey_login", user, row, now)
        token = login.complete_sign_in(uow, user.id, now, user_agent, amr=amr_of(verified.user_verified))
        uow.commit()
    return token


# --- the profile page's list -------------------------------------------------------------


def list_for_user(ctx: Context, user_id: str) -> list[PasskeyView]:
    with ctx.uow(readonly=True) as uow:
        rows = uow.session.scalars(select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at))
        return [_view(r) for r in rows]


def _own(session: Session, user_id: str, passkey_id: str) -> Passkey:
    row = session.get(Passkey, passkey_id, with_for_update=True)
    if row is None or row.user_id != user_id:
        raise NotFound("You have no such passkey.")
    return row


def rename(ctx: Context, user_id: str, passkey_id: str, name: str) -> PasskeyView:
    """Raises NotFound (not the user's passkey), ValidationError (the name)."""
    label = PasskeyName.model_validate({"name": name}).name
    with ctx.uow() as uow:
        row = _own(uow.session, user_id, passkey_id)
        row.name = label
        uow.commit()
        return _view(row)


def remove(ctx: Context, session: SessionView, passkey_id: str) -> None:
    """Raises RecentSignInRequired unless the session signed in within RECENT_SIGN_IN,
    NotFound (not the user's passkey)."""
    now = ctx.clock.now()
    if now - session.created_at > RECENT_SIGN_IN:
        raise RecentSignInRequired()
    with ctx.uow() as uow:
        row = _own(uow.session, session.user.id, passkey_id)
        user = repo.user(uow.session, session.user.id)
        _event(uow.session, "user.passkey_removed", user, row, now)
        uow.session.delete(row)
        uow.commit()
