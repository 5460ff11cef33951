from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class Application(Base):
    """An application that signs its users in through Tenantry (an OIDC relying party).

    Confidential applications (a server) hold a secret, stored as a digest; public ones
    (single-page or native apps) have none and must use PKCE.
    """

    __tablename__ = "applications"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the OAuth client_id
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # confidential | public
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    redirect_uris: Mapped[list[Any]]
    post_logout_redirect_uris: Mapped[list[Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
