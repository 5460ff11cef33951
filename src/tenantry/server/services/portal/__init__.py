"""The admin portal (SPEC §14): links for customers' IT administrators, and the portal's
own reads. The portal's actions call the domain, SSO and directory services themselves."""
