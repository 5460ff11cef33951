"""A minimal application that signs its users in through Tenantry with OpenID Connect,
using Authlib's stock Starlette client configured only with the discovery URL, a client
id and a secret. It shows who signed in, their organization and their roles.

    pip install authlib httpx itsdangerous starlette uvicorn joserfc
    TENANTRY_URL=http://127.0.0.1:8000 CLIENT_ID=app_... CLIENT_SECRET=tas_... \
        uvicorn --factory examples.oidc_app:from_env --port 5000

Register it first: tenantry apps create --name Example --redirect-uri http://127.0.0.1:5000/callback \
    --post-logout-redirect-uri http://127.0.0.1:5000/
"""

from __future__ import annotations

import html
import os
import secrets

from authlib.integrations.starlette_client import OAuth
from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route


def create_app(tenantry_url: str, client_id: str, client_secret: str, secret_key: str) -> Starlette:
    oauth = OAuth()
    oauth.register(
        "tenantry",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{tenantry_url}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
    )

    async def home(request: Request) -> HTMLResponse:
        user = request.session.get("user")
        if not user:
            return HTMLResponse('<h1>Example app</h1><a href="/login">Sign in with Tenantry</a>')
        rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in user.items())
        return HTMLResponse(f'<h1>Signed in</h1><table id="user">{rows}</table><a href="/logout">Sign out</a>')

    async def login(request: Request) -> RedirectResponse:
        return await oauth.tenantry.authorize_redirect(request, str(request.url_for("callback")))

    async def callback(request: Request) -> RedirectResponse:
        token = await oauth.tenantry.authorize_access_token(request)  # checks state, PKCE, ID token, nonce
        claims = token["userinfo"]
        metadata = await oauth.tenantry.load_server_metadata()
        keys = KeySet.import_key_set(await oauth.tenantry.fetch_jwk_set())
        access = jwt.decode(token["access_token"], keys, algorithms=["RS256"]).claims
        assert access["iss"] == metadata["issuer"]
        request.session["user"] = {
            "email": claims["email"],
            "name": claims.get("name", ""),
            "organization": claims.get("oid", ""),
            "roles": ", ".join(access.get("roles", [])),
            "attributes": claims.get("custom_attributes", {}),
        }
        request.session["id_token"] = token["id_token"]
        return RedirectResponse("/")

    async def logout(request: Request) -> RedirectResponse:
        metadata = await oauth.tenantry.load_server_metadata()
        id_token = request.session.pop("id_token", "")
        request.session.clear()
        target = (
            f"{metadata['end_session_endpoint']}?id_token_hint={id_token}&post_logout_redirect_uri={request.base_url}"
        )
        return RedirectResponse(target)

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/login", login),
            Route("/callback", callback, name="callback"),
            Route("/logout", logout),
        ]
    )
    app.add_middleware(SessionMiddleware, secret_key=secret_key)
    return app


def from_env() -> Starlette:
    return create_app(
        os.environ["TENANTRY_URL"],
        os.environ["CLIENT_ID"],
        os.environ["CLIENT_SECRET"],
        os.environ.get("EXAMPLE_SECRET_KEY", secrets.token_urlsafe(32)),
    )
