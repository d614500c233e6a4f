"""Address limits: the prefix a limit counts (an IPv4 /32 or an IPv6 /64 by default), the wider blocks, and the
limit as a poll definition gives it."""

from __future__ import annotations

import ipaddress
from typing import Any

from chalicelib.core.errors import InvalidPoll
from chalicelib.core.poll import DEFAULT_BLOCK_LIMITS, AddressBlock, AddressLimit, Allowance

MAX_WINDOW_VOTES = 1_000_000
MAX_WINDOW_MINUTES = 1440
ADDRESS_BLOCKS = tuple(block.value for block in AddressBlock)


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Parse an address (an IPv4-mapped IPv6 address is the IPv4 address it carries); None when it is not one."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped  # ::ffff:192.0.2.1 is the IPv4 address it carries
    return parsed


def address_prefix(address: str, v4_bits: int, v6_bits: int) -> str:
    """Return the network an address belongs to, as text ("2001:db8::/64"); an unparsable address is its own bucket."""
    parsed = _parsed(address)
    if parsed is None:
        return "other:" + address.strip()[:64]
    bits = v4_bits if parsed.version == 4 else v6_bits
    return str(ipaddress.ip_network(f"{parsed}/{bits}", strict=False))


def block_of(address: str, block: AddressBlock) -> str | None:
    """Return the block of that width an address is in ("192.0.2.0/24"); None for another IP version or no address."""
    parsed = _parsed(address)
    if parsed is None or parsed.version != block.version:
        return None
    return str(ipaddress.ip_network(f"{parsed}/{block.bits}", strict=False))


def surge_block(address: str) -> str | None:
    """Return the block a surge is watched over: an IPv4 address's /24, an IPv6 address's /48 (None: no address)."""
    parsed = _parsed(address)
    if parsed is None:
        return None
    return block_of(str(parsed), AddressBlock.IPV4_24 if parsed.version == 4 else AddressBlock.IPV6_48)


def _whole(field: str, value: Any, high: int) -> int:
    """Validate a whole number from 1 to `high` (not a boolean)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high:
        raise InvalidPoll(field, f"must be an integer from 1 to {high}")
    return value


def _allowance(field: str, value: Any) -> Allowance:
    """Validate one window's allowance: {"votes", "minutes"}."""
    if not isinstance(value, dict):
        raise InvalidPoll(field, 'must be an object {"votes", "minutes"}')
    unknown = set(value) - {"votes", "minutes"}
    if unknown:
        raise InvalidPoll(f"{field}.{sorted(unknown)[0]}", "unknown field")
    votes = _whole(f"{field}.votes", value.get("votes"), MAX_WINDOW_VOTES)
    return Allowance(votes, _whole(f"{field}.minutes", value.get("minutes"), MAX_WINDOW_MINUTES))


def _blocks(value: Any) -> dict[AddressBlock, Allowance]:
    """Validate the wider blocks' allowances: an object naming some blocks (a block left out or null has none)."""
    if not isinstance(value, dict):
        raise InvalidPoll("address_limit.blocks", f"must be an object with any of {', '.join(ADDRESS_BLOCKS)}")
    unknown = set(value) - set(ADDRESS_BLOCKS)
    if unknown:
        raise InvalidPoll(f"address_limit.blocks.{sorted(unknown)[0]}", "unknown block")
    return {
        AddressBlock(name): _allowance(f"address_limit.blocks.{name}", given)
        for name, given in value.items()
        if given is not None
    }


def parse_address_limit(value: Any, current: AddressLimit | None = None) -> AddressLimit | None:
    """Validate an address limit: null (none) or {"votes", "minutes", "blocks"?}; without blocks, the current limit's
    (a change of a poll that has one) or the defaults."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidPoll("address_limit", 'must be null or an object {"votes", "minutes", "blocks"}')
    unknown = set(value) - {"votes", "minutes", "blocks"}
    if unknown:
        raise InvalidPoll(f"address_limit.{sorted(unknown)[0]}", "unknown field")
    own = _allowance("address_limit", {k: v for k, v in value.items() if k != "blocks"})
    kept = DEFAULT_BLOCK_LIMITS if current is None else current.blocks
    blocks = _blocks(value["blocks"]) if "blocks" in value else dict(kept)
    return AddressLimit(own.votes, own.minutes, blocks=blocks)
