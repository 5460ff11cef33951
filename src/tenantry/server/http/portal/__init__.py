"""The admin portal's pages (SPEC §14): a UI over the domain, SSO and directory services."""
