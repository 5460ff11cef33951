"""Tenantry: self-hosted user management for multi-tenant applications."""

__version__ = "0.1.0"
