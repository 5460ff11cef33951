from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class SsoConnection(Base):
    """An organization's SAML 2.0 or OpenID Connect identity provider (SPEC §11).

    ``config`` holds the protocol settings (OIDC issuer, endpoints and client id; SAML IdP
    metadata XML and entity id). The OIDC client secret is kept apart, encrypted
    (``services/federation/secrets.py``), never in ``config``.
    """

    __tablename__ = "sso_connections"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(8))  # OIDC | SAML
    provider: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=False)
    ui_button_title: Mapped[str | None] = mapped_column(String(200))
    config: Mapped[dict[str, Any]]
    client_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    attribute_mapping: Mapped[dict[str, Any]]
    default_roles: Mapped[list[Any]]
    group_roles: Mapped[dict[str, Any]]
    idp_initiated_enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
