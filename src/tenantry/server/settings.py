"""Deployment configuration from ``TENANTRY_*`` environment variables (see API.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenantry.server.domain.egress import AllowList, parse_allow_list


class Settings(BaseSettings):
    # An empty variable counts as unset (compose files pass ${VAR:-} through as "").
    model_config = SettingsConfigDict(env_prefix="TENANTRY_", extra="ignore", env_ignore_empty=True)

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
    # A refresh-token family (every token rotated from one code exchange) ends this many days
    # after the exchange, however often it is used: the user signs in again then.
    refresh_token_family_days: int = Field(default=90, ge=1, le=3650)

    rate_limits_enabled: bool = True
    redis_url: str | None = None  # shared rate-limit counters for several server processes

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_from: str = "Tenantry <no-reply@localhost>"
    smtp_timeout_seconds: float = 10.0
    # A failure that may pass (server down, 4xx) is tried again after a doubling, jittered delay
    smtp_max_attempts: int = Field(default=8, ge=1, le=50)
    smtp_retry_base_seconds: float = Field(default=30.0, gt=0, le=3600)

    # Events and webhooks (README "Events and webhooks")
    worker_enabled: bool = True  # `tenantry serve` also runs the webhook worker
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    worker_sweep_seconds: float = Field(default=30.0, gt=0, le=3600)  # looks for expired invitations
    worker_concurrency: int = Field(default=8, ge=1, le=64)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0, le=3600)
    # base64 of 32 bytes; encrypts webhook signing secrets at rest (else a key kept in the database)
    webhook_encryption_key: str | None = None
    # Key of the digests of short e-mailed codes (6-digit sign-in and verification codes), kept
    # outside the database so a copy of it does not give the codes away. TENANTRY_CODE_KEY (any
    # string of 32+ characters; use it when several hosts serve one database), else the file
    # TENANTRY_CODE_KEY_FILE, created with mode 600 on first start (default: tenantry.key next
    # to a SQLite database file, else in the working directory).
    code_key: str | None = Field(default=None, min_length=32)
    code_key_file: str | None = None
    # Intranet webhook targets (SSRF guard, domain/egress.py): comma-separated IP addresses,
    # CIDR ranges and host names that may be private, loopback or link-local. Empty: public only.
    webhook_allowed_targets: str = ""

    # SSO (SPEC §11): identity providers' URLs (discovery, token, JWKS, SAML metadata) are called
    # through the same SSRF guard as webhooks; these hosts/addresses/CIDRs may be private or loopback
    # (an intranet ADFS or Keycloak). Same syntax as TENANTRY_WEBHOOK_ALLOWED_TARGETS.
    sso_allowed_targets: str = ""
    sso_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # SAML: clock skew tolerated on NotBefore / NotOnOrAfter (SPEC §11: at most 3 minutes)
    saml_clock_skew_seconds: int = Field(default=60, ge=0, le=180)

    # Request bodies (http/body_limit.py): refused with 413 payload_too_large above these.
    max_api_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    max_form_body_bytes: int = Field(default=64 * 1024, ge=1024, le=64 * 1024 * 1024)

    # Invitations sent per rolling hour (services/membership/sending.py); 0 = no limit. Members
    # inviting from the hosted pages are bounded per inviter and per organization; the
    # application (management API) and administrators (dashboard) by their own, higher bound.
    invitations_per_inviter_per_hour: int = Field(default=20, ge=0, le=1_000_000)
    invitations_per_organization_per_hour: int = Field(default=50, ge=0, le=1_000_000)
    api_invitations_per_organization_per_hour: int = Field(default=1000, ge=0, le=1_000_000)

    # Organization domains (SPEC §10): DNS servers for the TXT challenge (host[:port], comma-separated;
    # empty = the system's), how long one lookup may take, and how often the worker re-checks pending ones.
    dns_nameservers: str = ""
    dns_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    domain_check_interval_seconds: float = Field(default=600.0, ge=1, le=7 * 86400)

    # Operations (README "Operations", docs/production.md)
    log_format: Literal["text", "json"] = "text"  # json: one object a line, with the request id
    metrics_enabled: bool = True  # GET /metrics (Prometheus)
    metrics_token: str | None = Field(default=None, min_length=16)  # when set, /metrics wants this bearer token
    # Addresses whose X-Forwarded-For/-Proto are believed (uvicorn's forwarded_allow_ips): the
    # reverse proxy's. Comma-separated addresses or networks, or "*" (only when nothing else can reach us).
    trusted_proxies: str = "127.0.0.1"
    # On SIGTERM: stop accepting, let requests in flight finish for at most this long, then exit.
    shutdown_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Scalekit's gRPC API on the HTTP port (SPEC §15, docs/scalekit.md), with the extra
    # tenantry[scalekit] installed. TLS on that port uses this certificate and key (PEM files);
    # without them, a self-signed development certificate kept in the database.
    grpc_enabled: bool = True
    tls_cert_file: str | None = None
    tls_key_file: str | None = None

    @model_validator(mode="after")
    def _tidy(self) -> Settings:
        if self.public_url.endswith("/"):  # (assigning marks the field as set: see listening_on)
            self.public_url = self.public_url.rstrip("/")
        if bool(self.bootstrap_client_id) != bool(self.bootstrap_client_secret):
            raise ValueError("set both TENANTRY_BOOTSTRAP_CLIENT_ID and TENANTRY_BOOTSTRAP_CLIENT_SECRET, or neither")
        if self.bootstrap_client_secret is not None and len(self.bootstrap_client_secret) < 16:
            raise ValueError("TENANTRY_BOOTSTRAP_CLIENT_SECRET must be at least 16 characters")
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError("TENANTRY_WEBHOOK_LEASE_SECONDS must exceed TENANTRY_WEBHOOK_TIMEOUT_SECONDS")
        parse_allow_list(self.webhook_allowed_targets)  # a typo fails at start-up, not at delivery
        parse_allow_list(self.sso_allowed_targets)
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ValueError("set both TENANTRY_TLS_CERT_FILE and TENANTRY_TLS_KEY_FILE, or neither")
        return self

    def listening_on(self, host: str, port: int) -> Settings:
        """These settings for a server on ``host:port``: without TENANTRY_PUBLIC_URL the public
        URL (the base of every link and the OIDC issuer) is that address, so what the server
        prints and signs points back at it. A wildcard host is reached here as loopback."""
        if "public_url" in self.model_fields_set:
            return self
        reachable = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
        if ":" in reachable:
            reachable = f"[{reachable}]"
        return self.model_copy(update={"public_url": f"http://{reachable}:{port}"})

    @property
    def https(self) -> bool:
        """Whether browsers reach Tenantry over https (its public URL): cookies are then
        ``Secure``, and an embedded admin portal (cookies in another site's frame) can work."""
        return self.public_url.startswith("https://")

    @property
    def webhook_allow_list(self) -> AllowList:
        return parse_allow_list(self.webhook_allowed_targets)

    @property
    def sso_allow_list(self) -> AllowList:
        return parse_allow_list(self.sso_allowed_targets)

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)
