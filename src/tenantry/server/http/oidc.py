"""The OpenID provider's HTTP face: discovery, JWKS, authorize, token (code and refresh
grants), userinfo, revocation and RP-initiated logout. The protocol rules live in
Authlib (``oidc/provider.py``); this module adapts requests, sessions and pages."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import InsecureTransportError, OAuth2Payload
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import NotFound
from tenantry.server.domain.mfa import ACR_VALUES_SUPPORTED
from tenantry.server.http.pages.sso import sso_start_url
from tenantry.server.http.pages.web import (
    address,
    check_csrf,
    clear_session_cookie,
    context,
    current_session,
    redirect,
    render,
    session_token,
)
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.oidc.claims import SCOPES
from tenantry.server.oidc.provider import Provider, Subject
from tenantry.server.ratelimits import RateLimited
from tenantry.server.services.federation import signin
from tenantry.server.services.identity import login, sessions
from tenantry.server.services.integration import applications, signing_keys

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def provider(request: Request) -> Provider:
    found: Provider = request.app.state.provider
    return found


class _Payload(OAuth2Payload):
    def __init__(self, values: list[tuple[str, str]]) -> None:
        self._data = dict(values)
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in values:
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _StarletteRequest(OAuth2Request):
    """What Authlib needs of a request: method, URI, headers, query and form values.

    The URI is rebuilt on the public URL, so behind a TLS-terminating proxy Authlib sees
    the https address clients used."""

    def __init__(self, request: Request, public_url: str, form: dict[str, str] | None) -> None:
        query = f"?{request.url.query}" if request.url.query else ""
        super().__init__(request.method, f"{public_url}{request.url.path}{query}", headers=request.headers)
        self._args = dict(request.query_params)
        self._form = form or {}
        self.payload = _Payload(list(request.query_params.multi_items()) + list(self._form.items()))

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def _oauth_request(request: Request, form: dict[str, str] | None = None) -> OAuth2Request:
    """Raises InsecureTransportError when the public URL is plain http on a non-loopback
    host: OAuth 2.0 requires TLS (RFC 6749 §3.1), so Tenantry refuses rather than leak codes."""
    return _StarletteRequest(request, context(request).settings.public_url, form)


def _insecure() -> JSONResponse:
    error = InsecureTransportError()
    return JSONResponse(
        {
            "error": error.error,
            "error_description": "OpenID Connect needs TENANTRY_PUBLIC_URL to be https "
            "(or http on localhost / 127.0.0.1).",
        },
        status_code=400,
        headers=NO_STORE,
    )


def _response(status: int, body: Any, headers: Any, issuer: str | None = None) -> Response:
    header_map = dict(headers or [])
    location = header_map.pop("Location", None)
    if location:
        if issuer:  # RFC 9207: the client checks who answered
            location = _with(location, iss=issuer)
        return RedirectResponse(location, status_code=302, headers=header_map)
    header_map.pop("Content-Type", None)
    return JSONResponse(body, status_code=status, headers={**header_map, **NO_STORE})


def _with(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode(query + list(params.items()))))


def _without(url: str, *names: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@router.get("/.well-known/openid-configuration")
async def discovery(request: Request) -> JSONResponse:
    issuer = context(request).settings.public_url
    return JSONResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/keys",
            "end_session_endpoint": f"{issuer}/oidc/logout",
            "revocation_endpoint": f"{issuer}/oauth/revoke",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [signing_keys.ALGORITHM],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "prompt_values_supported": ["none", "login", "create", "select_account"],
            "acr_values_supported": list(ACR_VALUES_SUPPORTED),
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "acr",
                "amr",
                "email",
                "email_verified",
                "name",
                "given_name",
                "family_name",
                "picture",
                "locale",
                "oid",
                "sid",
                "roles",
                context(request).settings.oidc_attributes_claim,
            ],
            "authorization_response_iss_parameter_supported": True,
            "request_parameter_supported": False,
        }
    )


@router.get("/keys")
async def keys(request: Request) -> JSONResponse:
    body = await run_in_threadpool(signing_keys.jwks, context(request))
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


async def _error_page(request: Request, message: str) -> Response:
    return await render(
        request,
        "message.html",
        status_code=400,
        heading="This sign-in link is not valid",
        message=message,
        link="/login",
        link_text="Sign in",
    )


@router.get("/oauth/authorize")
async def authorize(request: Request) -> Response:
    """Check the request, make sure someone is signed in (and has chosen an organization),
    then redirect back to the application with a code."""
    server = provider(request)
    try:
        oauth_request = _oauth_request(request)
    except InsecureTransportError:
        return _insecure()
    params = request.query_params
    session = await current_session(request)
    end_user = Subject(session.user.id, session.organization_id, session.id, session.created_at) if session else None
    try:
        grant = await run_in_threadpool(server.get_consent_grant, oauth_request, end_user)
        client = grant.client
        if client.public and not params.get("code_challenge"):
            raise _invalid_request("public clients must use PKCE (code_challenge with S256)", grant)
        if params.get("code_challenge") and params.get("code_challenge_method", "plain") != "S256":
            raise _invalid_request("code_challenge_method must be S256", grant)
        max_age = _max_age(params.get("max_age"), grant)
    except OAuth2Error as error:
        if error.redirect_uri:
            status, body, headers = error()
            return _response(status, body, headers, issuer=server.issuer)
        return await _error_page(request, error.description or error.error)
    except ValueError:  # Authlib refuses to build an error whose text would quote `"` or `\` from the request
        return await _error_page(request, "This sign-in request is not valid (an unregistered redirect_uri?).")

    here = _path_and_query(str(request.url))
    try:
        step = await run_in_threadpool(
            login.authorize,
            context(request),
            session,
            session_token(request),
            prompt=set(params.get("prompt", "").split()),
            max_age=max_age,
            organization_hint=params.get("organization_id"),
            acr_values=params.get("acr_values"),
        )
    except NotFound:  # the session ended meanwhile, or the membership went: choose again
        step = login.ChooseOrganization()
    if isinstance(step, login.Refuse):
        status, body, headers = _refusal(grant, step)()
        return _response(status, body, headers, issuer=server.issuer)
    if isinstance(step, login.SignIn):
        back = _without(here, "prompt", "max_age")
        if step.create:
            return redirect(f"/signup?{urlencode({'next': back})}")
        connection_id = await run_in_threadpool(_sso_route, request)
        if connection_id:  # SPEC §11: the application named the organization, connection or domain
            return redirect(sso_start_url(connection_id, back, params.get("login_hint")))
        target = {"next": back}
        if params.get("login_hint"):
            target["login_hint"] = params["login_hint"]
        return redirect(f"/login?{urlencode(target)}")
    if isinstance(step, login.StepUp):  # the second-factor page comes back here
        return redirect(f"/login/mfa/step-up?{urlencode({'next': _without(here, 'prompt', 'max_age')})}")
    if isinstance(step, login.ChooseOrganization):  # the switcher comes back here with organization_id
        return redirect(f"/organizations?{urlencode({'next': _without(here, 'prompt', 'organization_id')})}")
    subject = Subject(step.user_id, step.organization_id, step.session_id, step.auth_time)
    status, body, headers = await run_in_threadpool(server.create_authorization_response, oauth_request, subject, grant)
    return _response(status, body, headers, issuer=server.issuer)


def _max_age(value: str | None, grant: Any) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise _invalid_request("max_age must be a number of seconds", grant)
    return int(value)


def _refusal(grant: Any, step: login.Refuse) -> OAuth2Error:
    error = OAuth2Error(
        description=step.description, state=grant.request.payload.state, redirect_uri=grant.redirect_uri
    )
    error.error = step.error
    return error


def _sso_route(request: Request) -> str | None:
    """The enabled SSO connection ``connection_id``, ``organization_id``, ``domain_hint`` or
    ``login_hint`` (an e-mail on a verified domain) point at, in that order of precedence."""
    params = request.query_params
    return signin.discover(
        context(request),
        connection_id=params.get("connection_id"),
        organization_id=params.get("organization_id"),
        domain_hint=params.get("domain_hint"),
        login_hint=params.get("login_hint"),
    )


def _invalid_request(description: str, grant: Any) -> OAuth2Error:
    from authlib.oauth2.rfc6749.errors import InvalidRequestError

    error = InvalidRequestError(description, state=grant.request.payload.state, redirect_uri=grant.redirect_uri)
    return error


async def token_grant(request: Request, form: dict[str, str]) -> Response:
    """``/oauth/token`` for authorization_code and refresh_token (called by http/oauth.py)."""
    server = provider(request)
    limits, client = context(request).limiter, form.get("client_id") or _basic_client_id(request)
    try:
        oauth_request = _oauth_request(request, form)
        limits.check("client_secret", address(request), client)
    except InsecureTransportError:
        return _insecure()
    except RateLimited as exc:
        return JSONResponse(
            {"error": "slow_down", "error_description": exc.message},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after), **NO_STORE},
        )
    status, body, headers = await run_in_threadpool(server.create_token_response, oauth_request)
    if status == 401:
        limits.hit("client_secret", address(request), client)
    return _response(status, body, headers)


def _basic_client_id(request: Request) -> str | None:
    from tenantry.server.http.oauth import basic_credentials

    credentials = basic_credentials(request.headers.get("authorization"))
    return credentials[0] if credentials else None


@router.post("/oauth/revoke")
async def revoke(request: Request) -> Response:
    form = {k: v for k, v in (await request.form()).multi_items() if isinstance(v, str)}
    server = provider(request)
    try:
        oauth_request = _oauth_request(request, form)
    except InsecureTransportError:
        return _insecure()
    status, body, headers = await run_in_threadpool(server.create_endpoint_response, "revocation", oauth_request)
    return _response(status, body, headers)


def _bearer_claims(request: Request) -> dict[str, Any] | None:
    """The claims of a valid access token from the Authorization header, or None."""
    ctx = context(request)
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    try:
        token = jwt.decode(header[7:].strip(), signing_keys.verification_keys(ctx), algorithms=[signing_keys.ALGORITHM])
        if token.header.get("typ") != "at+jwt":
            return None
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": ctx.settings.public_url}, exp={"essential": True}
        ).validate(token.claims)
    except (JoseError, ValueError):
        return None
    return dict(token.claims)


@router.api_route("/userinfo", methods=["GET", "POST"])
async def userinfo(request: Request) -> Response:
    claims = await run_in_threadpool(_bearer_claims, request)
    if claims is None or "openid" not in str(claims.get("scope", "")).split():
        return JSONResponse(
            {"error": "invalid_token", "error_description": "A valid access token is required."},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"', **NO_STORE},
        )
    server = provider(request)
    subject = Subject(claims["sub"], claims.get("oid"), claims.get("sid"), None)  # type: ignore[arg-type]
    try:
        info = await run_in_threadpool(server.claims_for, subject, claims["scope"])
    except Exception:
        return JSONResponse({"error": "invalid_token"}, status_code=401, headers=NO_STORE)
    return JSONResponse(info, headers=NO_STORE)


def _logout_target(request: Request, params: dict[str, str]) -> str | None:
    """Where to send the browser after signing out: a post-logout URI the application
    registered (named by id_token_hint's audience or client_id), with ``state``."""
    ctx = context(request)
    client_id = params.get("client_id")
    if params.get("id_token_hint"):
        try:
            token = jwt.decode(
                params["id_token_hint"], signing_keys.verification_keys(ctx), algorithms=[signing_keys.ALGORITHM]
            )
            audience = token.claims.get("aud")
            client_id = audience[0] if isinstance(audience, list) else audience
        except (JoseError, ValueError):
            return None
    target = params.get("post_logout_redirect_uri")
    if not client_id or not target:
        return None
    if not applications.allows_post_logout_redirect(ctx, client_id, target):
        return None
    return _with(target, state=params["state"]) if params.get("state") else target


@router.get("/oidc/logout")
async def logout_page(request: Request) -> Response:
    """RP-initiated logout: asks the user to confirm (a plain link must not sign anyone out)."""
    params = dict(request.query_params)
    return await render(request, "logout.html", session=await current_session(request), params=params)


@router.post("/oidc/logout")
async def logout(request: Request) -> Response:
    form = await check_csrf(request)
    ctx = context(request)
    target = await run_in_threadpool(_logout_target, request, form)
    await run_in_threadpool(sessions.end, ctx, session_token(request))
    response = RedirectResponse(target, status_code=303) if target else redirect("/login")
    clear_session_cookie(response)
    return response
