"""Address prefixes: the unit an address limit counts (an IPv4 /32 or an IPv6 /64 by default)."""

from __future__ import annotations

import ipaddress


def address_prefix(address: str, v4_bits: int, v6_bits: int) -> str:
    """Return the network an address belongs to, as text ("2001:db8::/64"); an unparsable address is its own bucket."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return "other:" + address.strip()[:64]
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped  # ::ffff:192.0.2.1 is the IPv4 address it carries
    bits = v4_bits if parsed.version == 4 else v6_bits
    return str(ipaddress.ip_network(f"{parsed}/{bits}", strict=False))
