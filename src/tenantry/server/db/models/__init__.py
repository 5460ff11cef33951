"""One table per module; importing this package registers them all on ``Base.metadata``."""

from tenantry.server.db.models.access_token import AccessToken
from tenantry.server.db.models.admin import Admin
from tenantry.server.db.models.admin_session import AdminSession
from tenantry.server.db.models.admin_setup_token import AdminSetupToken
from tenantry.server.db.models.api_client import ApiClient
from tenantry.server.db.models.application import Application
from tenantry.server.db.models.authorization_code import AuthorizationCode
from tenantry.server.db.models.browser_session import BrowserSession
from tenantry.server.db.models.directory import Directory
from tenantry.server.db.models.directory_group import DirectoryGroup, DirectoryGroupMember
from tenantry.server.db.models.directory_operation import DirectoryOperation
from tenantry.server.db.models.directory_user import DirectoryUser
from tenantry.server.db.models.email import EmailRecord
from tenantry.server.db.models.email_code import EmailCode
from tenantry.server.db.models.environment import EnvironmentSettingsRow
from tenantry.server.db.models.event import Event
from tenantry.server.db.models.login_lockout import LoginLockout
from tenantry.server.db.models.membership import Membership
from tenantry.server.db.models.mfa_factor import MfaFactor
from tenantry.server.db.models.organization import Organization
from tenantry.server.db.models.organization_domain import OrganizationDomain
from tenantry.server.db.models.passkey import Passkey, WebauthnChallenge
from tenantry.server.db.models.pending_sign_in import PendingSignIn
from tenantry.server.db.models.pending_sign_up import PendingSignUp
from tenantry.server.db.models.portal_link import PortalLink
from tenantry.server.db.models.recovery_code import RecoveryCode
from tenantry.server.db.models.refresh_token import RefreshToken
from tenantry.server.db.models.role import MembershipRole, Permission, Role, RolePermission
from tenantry.server.db.models.saml_assertion import SamlAssertionSeen
from tenantry.server.db.models.security_key import SecurityKey
from tenantry.server.db.models.server_secret import ServerSecret
from tenantry.server.db.models.signing_key import SigningKey
from tenantry.server.db.models.social_connection import SocialConnection, SocialIdentity
from tenantry.server.db.models.spent_invitation_link import SpentInvitationLink
from tenantry.server.db.models.sso_connection import SsoConnection
from tenantry.server.db.models.sso_request import SsoRequest
from tenantry.server.db.models.user import User
from tenantry.server.db.models.user_attribute import UserAttribute
from tenantry.server.db.models.user_identity import UserIdentity
from tenantry.server.db.models.webhook_attempt import WebhookAttempt
from tenantry.server.db.models.webhook_delivery import WebhookDelivery
from tenantry.server.db.models.webhook_endpoint import WebhookEndpoint

__all__ = [
    "AccessToken",
    "Admin",
    "AdminSession",
    "AdminSetupToken",
    "ApiClient",
    "Application",
    "AuthorizationCode",
    "BrowserSession",
    "Directory",
    "DirectoryGroup",
    "DirectoryGroupMember",
    "DirectoryOperation",
    "DirectoryUser",
    "EmailCode",
    "EmailRecord",
    "EnvironmentSettingsRow",
    "Event",
    "LoginLockout",
    "Membership",
    "MembershipRole",
    "MfaFactor",
    "Organization",
    "OrganizationDomain",
    "Passkey",
    "PendingSignIn",
    "PendingSignUp",
    "Permission",
    "PortalLink",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "RolePermission",
    "SamlAssertionSeen",
    "SecurityKey",
    "ServerSecret",
    "SigningKey",
    "SocialConnection",
    "SocialIdentity",
    "SpentInvitationLink",
    "SsoConnection",
    "SsoRequest",
    "User",
    "UserAttribute",
    "UserIdentity",
    "WebauthnChallenge",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
