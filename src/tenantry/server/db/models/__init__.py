"""One table per module; importing this package registers them all on ``Base.metadata``."""

from tenantry.server.db.models.access_token import AccessToken
from tenantry.server.db.models.api_client import ApiClient
from tenantry.server.db.models.application import Application
from tenantry.server.db.models.authorization_code import AuthorizationCode
from tenantry.server.db.models.browser_session import BrowserSession
from tenantry.server.db.models.email import EmailRecord
from tenantry.server.db.models.email_code import EmailCode
from tenantry.server.db.models.environment import EnvironmentSettingsRow
from tenantry.server.db.models.login_lockout import LoginLockout
from tenantry.server.db.models.membership import Membership
from tenantry.server.db.models.organization import Organization
from tenantry.server.db.models.refresh_token import RefreshToken
from tenantry.server.db.models.server_secret import ServerSecret
from tenantry.server.db.models.signing_key import SigningKey
from tenantry.server.db.models.user import User
from tenantry.server.db.models.user_attribute import UserAttribute

__all__ = [
    "AccessToken",
    "ApiClient",
    "Application",
    "AuthorizationCode",
    "BrowserSession",
    "EmailCode",
    "EmailRecord",
    "EnvironmentSettingsRow",
    "LoginLockout",
    "Membership",
    "Organization",
    "RefreshToken",
    "ServerSecret",
    "SigningKey",
    "User",
    "UserAttribute",
]
