"""Which redirect URIs an application may register (OAuth 2.0 Security BCP, RFC 9700 §2.1;
native apps, RFC 8252 §7): https anywhere, http only to the loopback interface, or a
private-use scheme in reverse-domain form. No fragments. Matching is exact."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def check_redirect_uri(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError("not a valid URI") from exc
    if parts.fragment or "#" in value:
        raise ValueError("a redirect URI must not have a fragment")
    scheme = parts.scheme.lower()
    if scheme == "https" and parts.hostname:
        return value
    if scheme == "http" and parts.hostname in _LOOPBACK:
        return value
    if "." in scheme and scheme not in ("http", "https") and (parts.path or parts.netloc):
        return value  # com.example.app:/callback
    raise ValueError("use https, http on localhost / 127.0.0.1, or a reverse-domain private scheme")


RedirectUri = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048), AfterValidator(check_redirect_uri)
]
