"""Directory sync (SPEC §12): directories, their bearer tokens, and the SCIM 2.0 Users and
Groups an identity provider pushes into them, provisioned through the membership ledger."""
