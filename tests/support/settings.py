"""Settings for tests: cheap bcrypt, explicit secrets, generous limits unless asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from entrypoints.settings import Settings, load_settings

TEST_SECRETS = {
    "jwt_secret": "test-jwt-secret-0123456789abcdef0123456789",
    "password_pepper": "test-pepper-0123456789abcdef0123456789abcd",
    "ip_hash_key": "test-ip-key-0123456789abcdef0123456789abcde",
    "encryption_keys": "test-encryption-key-0123456789abcdef01234567",
}


def test_settings(instance: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "instance_dir": instance,
        "database_url": f"sqlite:///{instance}/bastion.db",
        "bcrypt_rounds": 4,
        "rate_limit_scale": 1000,
        "public_url": "https://bastion.example",
        **TEST_SECRETS,
    }
    values.update(overrides)
    return load_settings(**values)
