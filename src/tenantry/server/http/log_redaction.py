"""Keep secrets out of logs. Links in e-mails carry single-use tokens in their query string
(invitations, password resets) and RP-initiated logout carries an ID token: the access log
would keep them all. Authlib logs whole token requests at DEBUG."""

from __future__ import annotations

import logging
import re

SECRET_PARAMETERS = ("token", "id_token_hint", "code", "code_verifier", "client_secret", "refresh_token")
_IN_QUERY = re.compile(r"([?&](?:%s)=)[^&\s\"]*" % "|".join(SECRET_PARAMETERS))  # noqa: UP031
REDACTED = "[redacted]"


def redact(text: str) -> str:
    if "=" not in text:  # the access log's every line: no parameter, nothing to search (issue 18)
        return text
    return _IN_QUERY.sub(rf"\g<1>{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message arguments (uvicorn's access log passes the path as one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Idempotent: call once the server's logging is configured (uvicorn configures it at start)."""
    for name in ("uvicorn.access", "uvicorn.error", "tenantry"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactSecrets) for existing in logger.filters):
            logger.addFilter(RedactSecrets())
    logging.getLogger("authlib").setLevel(max(logging.INFO, logging.getLogger("authlib").level))
