"""Reading a domain's challenge TXT record with dnspython.

``TENANTRY_DNS_NAMESERVERS`` (``host[:port]``, comma-separated) points the lookups at given
servers instead of the system's; the tests use it for a loopback server. dnspython is
imported at the first lookup (issue 17: it is slow to import, and few starts need it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenantry.server.settings import Settings

if TYPE_CHECKING:
    import dns.resolver


class LookupFailed(Exception):
    """The name servers did not answer (timeout, SERVFAIL): no verdict either way."""


def _resolver(settings: Settings) -> dns.resolver.Resolver:
    import dns.resolver

    configured = [part.strip() for part in settings.dns_nameservers.split(",") if part.strip()]
    resolver = dns.resolver.Resolver(configure=not configured)
    if configured:
        resolver.nameservers = []
        for entry in configured:
            host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
            resolver.nameservers.append(host or entry)
            if port:
                resolver.port = int(port)
    resolver.lifetime = settings.dns_timeout_seconds
    resolver.timeout = settings.dns_timeout_seconds
    return resolver


def txt_values(settings: Settings, name: str) -> list[str]:
    """Every TXT string at ``name`` (a record's strings joined, as RFC 7208 reads them); empty
    when the name or the record does not exist. Raises LookupFailed when no answer came."""
    import dns.exception
    import dns.resolver

    try:
        answer = _resolver(settings).resolve(name, "TXT", raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.LifetimeTimeout) as exc:
        raise LookupFailed(f"no answer for {name}: {type(exc).__name__}") from None
    if answer.rrset is None:
        return []
    return [b"".join(record.strings).decode("utf-8", errors="replace") for record in answer.rrset]
