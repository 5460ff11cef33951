"""Security headers on every response (added by the one edge middleware, http/edge.py).

The CSP allows no inline script or style, no plugins and no framing (a response may set its
own: the embedded admin portal allows the registered applications' origins to frame it, and
then gets no ``X-Frame-Options``). It sets no
``form-action``: browsers apply it to every redirect after a form post, and a sign-in
form's redirect chain must end at the application's registered redirect URI (another
origin). The Referrer-Policy keeps tokens in our URLs (invitation, reset links) from
leaking to other sites.
"""

from __future__ import annotations

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
_HSTS = (b"strict-transport-security", b"max-age=31536000")
_OURS = frozenset(name for name, _ in [*_COMMON, _HSTS])


def headers_for(*, hsts: bool) -> list[tuple[bytes, bytes]]:
    return _COMMON + ([_HSTS] if hsts else [])


def completed(headers: list[tuple[bytes, bytes]], ours: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A response's headers plus each of ``ours`` it did not set itself."""
    if not any(name in _OURS for name, _ in headers):
        return [*headers, *ours]  # the usual case: a response that sets none of them
    own = dict(headers)
    present = set(own)
    if b"frame-ancestors 'none'" not in own.get(b"content-security-policy", b"frame-ancestors 'none'"):
        present.add(b"x-frame-options")  # a page that may be framed (the embedded portal)
    return [*headers, *(header for header in ours if header[0] not in present)]
