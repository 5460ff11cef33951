"""Step-by-step set-up guides per identity provider: what to click and what to paste where.

Steps name our values by key (``{acs_url}``, ``{entity_id}``, ``{metadata_url}``,
``{redirect_uri}``); the page shows those values beside the guide with copy buttons.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guide:
    key: str
    name: str
    provider: str  # the connection's ``provider``
    protocol: str  # SAML | OIDC
    steps: tuple[str, ...]
    metadata_hint: str


_SAML_ATTRIBUTES = "Send the attributes email, firstName, lastName and groups (the user's groups)."

GUIDES: tuple[Guide, ...] = (
    Guide(
        "okta",
        "Okta",
        "OKTA",
        "SAML",
        (
            "In the Okta Admin Console open Applications → Applications → Create App Integration; choose SAML 2.0.",
            "Name the application, then on Configure SAML paste the ACS URL into “Single sign-on URL” and the "
            "Entity ID into “Audience URI (SP Entity ID)”.",
            "Name ID format: EmailAddress. Application username: Email.",
            "Attribute Statements: email → user.email, firstName → user.firstName, lastName → user.lastName. "
            "Group Attribute Statements: groups, filter “Matches regex” .*",
            "Finish, then assign the people or groups who may sign in (Assignments tab).",
            "On the Sign On tab copy the “Metadata URL” and paste it below.",
        ),
        "Okta: Sign On tab → Metadata URL.",
    ),
    Guide(
        "entra",
        "Microsoft Entra ID",
        "MICROSOFT_AD",
        "SAML",
        (
            "In the Microsoft Entra admin center open Enterprise applications → New application → Create your own "
            "application (“Integrate any other application you don't find in the gallery”).",
            "Open Single sign-on → SAML. In Basic SAML Configuration paste the Entity ID into “Identifier "
            "(Entity ID)” and the ACS URL into “Reply URL (Assertion Consumer Service URL)”.",
            "In Attributes & Claims keep the e-mail claims; add a group claim (Security groups) if roles "
            "should follow groups.",
            "Assign the users and groups who may sign in (Users and groups).",
            "In SAML Certificates copy the “App Federation Metadata Url” and paste it below.",
        ),
        "Entra ID: SAML Certificates → App Federation Metadata Url.",
    ),
    Guide(
        "google",
        "Google Workspace",
        "GOOGLE",
        "SAML",
        (
            "In the Google Admin console open Apps → Web and mobile apps → Add app → Add custom SAML app.",
            "Name the app. On “Google Identity Provider details” choose Download metadata (an XML file): "
            "upload it below.",
            "On “Service provider details” paste the ACS URL into “ACS URL” and the Entity ID into “Entity ID”; "
            "Name ID format EMAIL, Name ID “Basic Information > Primary email”.",
            "Attribute mapping: First name → firstName, Last name → lastName; Group membership → groups.",
            "Turn the app ON for the organizational units or groups who may sign in.",
        ),
        "Google Workspace gives no metadata URL: upload the downloaded file or paste its XML.",
    ),
    Guide(
        "jumpcloud",
        "JumpCloud",
        "JUMPCLOUD",
        "SAML",
        (
            "In the JumpCloud Admin Portal open SSO Applications → Add New Application → Custom Application; "
            "choose “Manage Single Sign-On (SSO)” with SAML 2.0.",
            "Paste the Entity ID into “SP Entity ID” and the ACS URL into “ACS URLs”; choose an IdP Entity ID.",
            "SAMLSubject NameID: email. " + _SAML_ATTRIBUTES,
            "Bind the user groups who may sign in (User Groups tab), then save.",
            "Export the IdP metadata (Export Metadata) and upload it below.",
        ),
        "JumpCloud: the application's Export Metadata file.",
    ),
    Guide(
        "onelogin",
        "OneLogin",
        "ONELOGIN",
        "SAML",
        (
            "In OneLogin open Applications → Add App and choose “SAML Custom Connector (Advanced)”.",
            "On Configuration paste the Entity ID into “Audience (EntityID)”, the ACS URL into “Recipient” and "
            "“ACS (Consumer) URL”, and a validator such as .* into “ACS (Consumer) URL Validator”.",
            "SAML signature element: Assertion. On Parameters add email, firstName, lastName and groups.",
            "Give the application to the users or roles who may sign in.",
            "On SSO copy the “Issuer URL” (the metadata URL) and paste it below.",
        ),
        "OneLogin: SSO tab → Issuer URL.",
    ),
    Guide(
        "adfs",
        "ADFS",
        "ADFS",
        "SAML",
        (
            "In AD FS Management open Relying Party Trusts → Add Relying Party Trust (claims aware).",
            "Choose “Import data about the relying party published online” and enter the Metadata URL — or "
            "enter the data manually: the Entity ID as identifier and the ACS URL as SAML 2.0 SSO service URL.",
            "Access control policy: permit the groups who may sign in.",
            "Claim issuance policy: send LDAP attributes — E-Mail-Addresses → email, Given-Name → firstName, "
            "Surname → lastName, Token-Groups - Unqualified Names → groups; transform E-mail into Name ID.",
            "Paste https://<your ADFS host>/FederationMetadata/2007-06/FederationMetadata.xml below.",
        ),
        "ADFS: https://<your ADFS host>/FederationMetadata/2007-06/FederationMetadata.xml",
    ),
    Guide(
        "saml",
        "Another SAML 2.0 identity provider",
        "CUSTOM",
        "SAML",
        (
            "Create a SAML 2.0 application (service provider) in your identity provider.",
            "Give it our metadata URL, or enter the Entity ID and the ACS URL (HTTP-POST binding) by hand.",
            "Sign the assertions; send the e-mail address as Name ID. " + _SAML_ATTRIBUTES,
            "Paste your identity provider's metadata URL below, or upload its metadata file.",
        ),
        "Your identity provider's SAML metadata (URL or XML).",
    ),
    Guide(
        "oidc",
        "Another OpenID Connect provider",
        "CUSTOM",
        "OIDC",
        (
            "Create an OpenID Connect web application (authorization code flow) in your identity provider.",
            "Add the Redirect URI as its sign-in redirect (callback) URL.",
            "Allow the scopes openid, email and profile; add a groups claim if roles should follow groups.",
            "Paste the issuer URL (the address before /.well-known/openid-configuration), the client ID and the "
            "client secret below.",
        ),
        "The issuer URL, client ID and client secret of the application you created.",
    ),
)
BY_KEY = {guide.key: guide for guide in GUIDES}
BY_PROVIDER = {(guide.provider, guide.protocol): guide for guide in GUIDES}


def guide_for(provider: str, protocol: str) -> Guide:
    """The guide of a connection: its provider's, else the generic one of its protocol."""
    return BY_PROVIDER.get((provider, protocol)) or BY_KEY["oidc" if protocol == "OIDC" else "saml"]
