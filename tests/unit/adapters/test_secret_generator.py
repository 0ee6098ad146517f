from __future__ import annotations

import pytest

from adapters.security.secrets import SystemSecretGenerator


def test_tokens_are_url_safe_unique_and_carry_the_requested_entropy() -> None:
    generator = SystemSecretGenerator()
    tokens = {generator.token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(t) == 43 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)
    assert len(generator.token(48)) == 64


def test_tokens_below_128_bits_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        SystemSecretGenerator().token(8)


def test_numeric_codes_are_zero_padded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "adapters.security.secrets.secrets.randbelow", lambda bound: 42 if bound == 10**6 else -1
    )
    assert SystemSecretGenerator().numeric_code() == "000042"


def test_numeric_codes_cover_the_whole_range() -> None:
    codes = [SystemSecretGenerator().numeric_code(2) for _ in range(3000)]
    assert all(len(c) == 2 and c.isdigit() for c in codes)
    assert len(set(codes)) == 100


def test_random_bytes_have_the_asked_length_and_at_least_16() -> None:
    generator = SystemSecretGenerator()
    assert len(generator.random_bytes(64)) == 64
    assert generator.random_bytes(32) != generator.random_bytes(32)
    with pytest.raises(ValueError, match="16"):
        generator.random_bytes(8)
