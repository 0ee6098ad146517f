"""Client addresses as stored: a keyed hash to compare and a masked prefix to show (DV-01)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from application.ports.security import NetworkHasher
from domain.sessions import NetworkInfo

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MIN_KEY_BYTES = 16
LIMITER_KEY_CHARS = 32
REMEMBERED_LIMITER_KEYS = 10_000
_DISPLAY_PREFIX = {4: 24, 6: 48}
_LIMITER_V6_PREFIX = 64


class HmacNetworkHasher(NetworkHasher):
    """No raw address leaves this class.

    IPv4-mapped IPv6 (``::ffff:203.0.113.7``) counts as the IPv4 address it carries, and an
    IPv6 zone id is dropped, so one client never gets two identities. Input that is not an
    address (a proxy bug, a spoofed header) hashes as ``"invalid"`` with prefix ``unknown``.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the IP hash key needs at least {MIN_KEY_BYTES} bytes")
        self._key = key
        self._limiter_keys: dict[str, str] = {}

    def network_of(self, ip: str) -> NetworkInfo:
        address = parse_address(ip)
        if address is None:
            return NetworkInfo(ip_hash=self._mac("invalid"), ip_prefix="unknown")
        prefix = ipaddress.ip_network((address, _DISPLAY_PREFIX[address.version]), strict=False)
        return NetworkInfo(ip_hash=self._mac(str(address)), ip_prefix=str(prefix))

    def limiter_key(self, ip: str) -> str:
        """IPv6 clients get a whole /64 each, so one host cannot rotate through addresses.
        Remembered per address: the API-wide limit asks on every request."""
        known = self._limiter_keys.get(ip)
        if known is None:
            if len(self._limiter_keys) >= REMEMBERED_LIMITER_KEYS:
                self._limiter_keys.clear()
            known = self._limiter_keys[ip] = self._limiter_key(ip)
        return known

    def _limiter_key(self, ip: str) -> str:
        address = parse_address(ip)
        if address is None:
            part = "invalid"
        elif isinstance(address, ipaddress.IPv4Address):
            part = str(address)
        else:
            part = str(ipaddress.ip_network((address, _LIMITER_V6_PREFIX), strict=False))
        return self._mac("limiter:" + part)[:LIMITER_KEY_CHARS]

    def _mac(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()


def parse_address(ip: str) -> Address | None:
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        return ipaddress.IPv6Address(int(address))
    return address
