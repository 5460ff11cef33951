"""Security headers on every response (pure ASGI: no per-request overhead beyond a dict).

The CSP allows no inline script or style, no plugins and no framing (a response may set its
own: the embedded admin portal allows the registered applications' origins to frame it, and
then gets no ``X-Frame-Options``). It sets no
``form-action``: browsers apply it to every redirect after a form post, and a sign-in
form's redirect chain must end at the application's registered redirect URI (another
origin). The Referrer-Policy keeps tokens in our URLs (invitation, reset links) from
leaking to other sites.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CSP.encode()),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = _COMMON + ([(b"strict-transport-security", b"max-age=31536000")] if hsts else [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = dict(message.get("headers", []))
                present = set(own)
                if b"frame-ancestors 'none'" not in own.get(b"content-security-policy", b"frame-ancestors 'none'"):
                    present.add(b"x-frame-options")  # a page that may be framed (the embedded portal)
                message["headers"] = list(message.get("headers", [])) + [
                    header for header in self.headers if header[0] not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
