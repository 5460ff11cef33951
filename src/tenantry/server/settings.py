"""Deployment configuration from ``TENANTRY_*`` environment variables (see API.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENANTRY_", extra="ignore")

    database_url: str = "sqlite:///./tenantry.db"
    public_url: str = "http://127.0.0.1:8000"
    bootstrap_client_id: str | None = None
    bootstrap_client_secret: str | None = None
    api_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    # How long a server process may go on accepting an API token without looking it up again
    # (so deleting a client cuts its tokens off within this bound); 0 = look up every time.
    api_token_cache_seconds: float = Field(default=2, ge=0, le=60)
    # The claim (in ID tokens and /userinfo) that carries a user's custom attributes.
    oidc_attributes_claim: str = Field(default="custom_attributes", min_length=1, max_length=200)

    rate_limits_enabled: bool = True
    redis_url: str | None = None  # shared rate-limit counters for several server processes

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_from: str = "Tenantry <no-reply@localhost>"
    smtp_timeout_seconds: float = 10.0

    @model_validator(mode="after")
    def _tidy(self) -> Settings:
        self.public_url = self.public_url.rstrip("/")
        if bool(self.bootstrap_client_id) != bool(self.bootstrap_client_secret):
            raise ValueError("set both TENANTRY_BOOTSTRAP_CLIENT_ID and TENANTRY_BOOTSTRAP_CLIENT_SECRET, or neither")
        if self.bootstrap_client_secret is not None and len(self.bootstrap_client_secret) < 16:
            raise ValueError("TENANTRY_BOOTSTRAP_CLIENT_SECRET must be at least 16 characters")
        return self

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)
