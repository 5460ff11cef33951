"""The SCIM 2.0 service (RFC 7644) of each directory, under ``/scim/v2/{directory_id}``:
its own error bodies (``urn:ietf:params:scim:api:messages:2.0:Error``) and content type."""
