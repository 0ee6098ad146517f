from __future__ import annotations

import hashlib
import hmac

import pytest

from adapters.security.network import HmacNetworkHasher

KEY = b"ip-hash-key-for-tests-0123456789"


@pytest.fixture
def hasher() -> HmacNetworkHasher:
    return HmacNetworkHasher(KEY)


def test_ipv4_is_a_keyed_hash_and_a_24_prefix(hasher: HmacNetworkHasher) -> None:
    info = hasher.network_of("203.0.113.77")
    assert info.ip_prefix == "203.0.113.0/24"
    assert info.ip_hash == hmac.new(KEY, b"203.0.113.77", hashlib.sha256).hexdigest()
    assert info.ip_hash != hashlib.sha256(b"203.0.113.77").hexdigest()


def test_ipv6_is_masked_to_48_bits_and_normalised(hasher: HmacNetworkHasher) -> None:
    info = hasher.network_of("2001:DB8:1:2:0:0:0:5")
    assert info.ip_prefix == "2001:db8:1::/48"
    assert info == hasher.network_of("2001:db8:1:2::5")
    assert info == hasher.network_of(" 2001:db8:1:2::5%eth0 ")


def test_ipv4_mapped_ipv6_counts_as_the_ipv4_address(hasher: HmacNetworkHasher) -> None:
    assert hasher.network_of("::ffff:203.0.113.77") == hasher.network_of("203.0.113.77")
    assert hasher.limiter_key("::ffff:203.0.113.77") == hasher.limiter_key("203.0.113.77")


@pytest.mark.parametrize("garbage", ["", "not-an-ip", "203.0.113.300", "1.2.3.4, 5.6.7.8"])
def test_invalid_input_hashes_as_invalid_with_an_unknown_prefix(
    hasher: HmacNetworkHasher, garbage: str
) -> None:
    info = hasher.network_of(garbage)
    assert info.ip_prefix == "unknown"
    assert info.ip_hash == hmac.new(KEY, b"invalid", hashlib.sha256).hexdigest()


def test_the_key_changes_every_output() -> None:
    one, other = HmacNetworkHasher(KEY), HmacNetworkHasher(b"another-ip-key-0123456789abcdefg")
    assert one.network_of("203.0.113.77").ip_hash != other.network_of("203.0.113.77").ip_hash
    assert one.limiter_key("203.0.113.77") != other.limiter_key("203.0.113.77")


def test_limiter_keys_group_ipv6_by_64_and_ipv4_by_address(hasher: HmacNetworkHasher) -> None:
    key = hasher.limiter_key("2001:db8:1:2::5")
    assert len(key) == 32
    assert int(key, 16) >= 0
    assert hasher.limiter_key("2001:db8:1:2:ffff::1") == key
    assert hasher.limiter_key("2001:db8:1:3::5") != key
    assert hasher.limiter_key("203.0.113.7") != hasher.limiter_key("203.0.113.8")
    assert hasher.limiter_key("203.0.113.7") not in hasher.network_of("203.0.113.7").ip_hash


@pytest.mark.parametrize("ip", ["203.0.113.77", "2001:db8:1:2::5", "::ffff:198.51.100.9"])
def test_no_raw_address_appears_in_any_output(hasher: HmacNetworkHasher, ip: str) -> None:
    info = hasher.network_of(ip)
    outputs = (info.ip_hash, info.ip_prefix, hasher.limiter_key(ip))
    host = ip.rsplit(":", 1)[-1] if "." in ip else ip
    assert all(host not in output for output in outputs)


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        HmacNetworkHasher(b"short")
