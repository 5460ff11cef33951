"""Federation (SPEC §11): SSO connections, the OIDC relying party and SAML service provider
adapters, and just-in-time provisioning through the membership ledger."""
