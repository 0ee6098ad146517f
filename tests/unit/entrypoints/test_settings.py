"""Start-up configuration: what production refuses, and what the embedded default makes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from entrypoints.settings import Environment, SettingsError, load_settings

STRONG = {
    "jwt_secret": "jwt-" + "a" * 40,
    "password_pepper": "pepper-" + "b" * 40,
    "ip_hash_key": "ip-" + "c" * 40,
    "encryption_keys": "key-" + "d" * 40,
}
SECRET_NAMES = tuple(STRONG)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No BASTION_* variable and no ``.env`` from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith("BASTION_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


CHANNELS = {"smtp_url": "smtp://mail.example:587", "sms_webhook_url": "https://sms.example/hook"}


def production(tmp_path: Path, **overrides: Any) -> Any:
    values = {"env": "production", "instance_dir": tmp_path / "instance", **STRONG, **CHANNELS}
    return load_settings(**{**values, **overrides})


def refusal(tmp_path: Path, **overrides: Any) -> list[str]:
    with pytest.raises(SettingsError) as refused:
        production(tmp_path, **overrides)
    return refused.value.problems


def test_production_starts_with_strong_distinct_secrets(tmp_path: Path) -> None:
    settings = production(tmp_path)

    assert settings.env is Environment.PRODUCTION
    assert settings.secret("jwt_secret") == STRONG["jwt_secret"].encode()
    assert not (tmp_path / "instance" / "secrets.json").exists()


def test_production_refuses_every_missing_secret_by_name_and_generates_none(
    tmp_path: Path,
) -> None:
    problems = refusal(tmp_path, **dict.fromkeys(SECRET_NAMES))

    for name in SECRET_NAMES:
        assert any(p.startswith(f"BASTION_{name.upper()}:") for p in problems), problems
    assert not (tmp_path / "instance" / "secrets.json").exists()


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_production_refuses_a_secret_shorter_than_32_bytes(tmp_path: Path, name: str) -> None:
    problems = refusal(tmp_path, **{name: "s" * 31})

    assert problems == [f"BASTION_{name.upper()}: missing or shorter than 32 bytes"]


def test_production_refuses_a_short_key_anywhere_in_the_encryption_ring(tmp_path: Path) -> None:
    problems = refusal(tmp_path, encryption_keys=f"{STRONG['encryption_keys']},too-short")

    assert problems == ["BASTION_ENCRYPTION_KEYS: missing or shorter than 32 bytes"]


def test_production_refuses_one_secret_used_for_two_purposes(tmp_path: Path) -> None:
    problems = refusal(tmp_path, ip_hash_key=STRONG["password_pepper"])

    assert len(problems) == 1
    assert "distinct" in problems[0]


def test_production_refuses_an_encryption_key_reused_as_another_secret(tmp_path: Path) -> None:
    ring = f"{'new-' + 'e' * 40},{STRONG['jwt_secret']}"

    problems = refusal(tmp_path, encryption_keys=ring)

    assert len(problems) == 1
    assert "distinct" in problems[0]


def test_production_refuses_bcrypt_rounds_below_10(tmp_path: Path) -> None:
    assert refusal(tmp_path, bcrypt_rounds=9) == [
        "BASTION_BCRYPT_ROUNDS: at least 10 in production"
    ]
    assert production(tmp_path, bcrypt_rounds=10).bcrypt_rounds == 10


def test_outside_production_cheap_bcrypt_is_allowed(tmp_path: Path) -> None:
    settings = load_settings(env="test", instance_dir=tmp_path, bcrypt_rounds=4)

    assert settings.bcrypt_rounds == 4


def test_every_problem_is_reported_at_once_naming_its_variable(tmp_path: Path) -> None:
    problems = refusal(tmp_path, access_token_ttl=5, public_url="ftp://bastion.example")

    names = sorted(p.split(":")[0] for p in problems)
    assert names == ["BASTION_ACCESS_TOKEN_TTL", "BASTION_PUBLIC_URL"]


def test_the_embedded_default_generates_secrets_once_and_reuses_them(tmp_path: Path) -> None:
    instance = tmp_path / "instance"

    first = load_settings(instance_dir=instance)
    second = load_settings(instance_dir=instance)

    path = instance / "secrets.json"
    stored = json.loads(path.read_text())
    assert first.env is Environment.DEVELOPMENT
    assert sorted(stored) == sorted(SECRET_NAMES)
    assert len(set(stored.values())) == len(SECRET_NAMES)
    for name in SECRET_NAMES:
        assert first.secret(name) == second.secret(name) == stored[name].encode()
        assert len(first.secret(name)) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_secret_set_explicitly_wins_and_only_the_missing_ones_are_generated(
    tmp_path: Path,
) -> None:
    settings = load_settings(instance_dir=tmp_path, jwt_secret=STRONG["jwt_secret"])

    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert settings.secret("jwt_secret") == STRONG["jwt_secret"].encode()
    assert sorted(stored) == sorted(set(SECRET_NAMES) - {"jwt_secret"})


def test_bastion_variables_are_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_ENV", "production")
    monkeypatch.setenv("BASTION_BCRYPT_ROUNDS", "13")
    monkeypatch.setenv("BASTION_PUBLIC_URL", "https://id.example.com/")
    for name, value in {**STRONG, **CHANNELS}.items():
        monkeypatch.setenv(f"BASTION_{name.upper()}", value)

    settings = load_settings()

    assert settings.env is Environment.PRODUCTION
    assert settings.bcrypt_rounds == 13
    assert settings.public_url == "https://id.example.com"
    assert settings.secret("ip_hash_key") == STRONG["ip_hash_key"].encode()


def test_a_bad_environment_variable_is_named_in_the_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BASTION_ACCESS_TOKEN_TTL", "not-a-number")

    with pytest.raises(SettingsError) as refused:
        load_settings(**STRONG)

    assert [p.split(":")[0] for p in refused.value.problems] == ["BASTION_ACCESS_TOKEN_TTL"]


def test_a_dot_env_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BASTION_JWT_ISSUER=from-dot-env\n")

    assert load_settings(instance_dir=tmp_path).jwt_issuer == "from-dot-env"


@pytest.mark.parametrize("name", ["smtp_url", "sms_webhook_url"])
def test_production_refuses_to_print_codes_to_the_console(tmp_path: Path, name: str) -> None:
    problems = refusal(tmp_path, **{name: None})
    assert any(f"BASTION_{name.upper()}" in p and "required" in p for p in problems)


@pytest.mark.parametrize(
    ("name", "value"), [("smtp_url", "http://mail.example"), ("sms_webhook_url", "ftp://x")]
)
def test_delivery_urls_are_checked_at_start_up(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(instance_dir=tmp_path / "instance", **{name: value})
    assert any(f"BASTION_{name.upper()}" in p for p in refused.value.problems)


def test_location_headers_need_a_trusted_proxy(tmp_path: Path) -> None:
    problems = refusal(tmp_path, geo_country_header="CF-IPCountry")

    assert any(p.startswith("BASTION_GEO_COUNTRY_HEADER:") for p in problems)
    trusted = production(tmp_path, geo_country_header="CF-IPCountry", trusted_proxies=1)
    assert trusted.location_headers == ("CF-IPCountry",)


def test_a_city_header_needs_a_country_header_and_names_must_be_header_names(
    tmp_path: Path,
) -> None:
    assert any(
        "BASTION_GEO_COUNTRY_HEADER" in p
        for p in refusal(tmp_path, geo_city_header="CF-IPCity", trusted_proxies=1)
    )
    assert any(
        p.startswith("BASTION_GEO_COUNTRY_HEADER")
        for p in refusal(tmp_path, geo_country_header="CF IPCountry\r\n", trusted_proxies=1)
    )


def test_the_geoip_database_must_exist(tmp_path: Path) -> None:
    problems = refusal(tmp_path, geoip_db=tmp_path / "GeoLite2-City.mmdb")

    assert any(p.startswith("BASTION_GEOIP_DB:") for p in problems)


def test_files_go_under_the_instance_unless_a_file_url_says_otherwise(tmp_path: Path) -> None:
    assert production(tmp_path).files_dir == tmp_path / "instance" / "files"
    absolute = production(tmp_path, storage_url=f"file://{tmp_path}/media")
    assert absolute.files_dir == tmp_path / "media"
    assert production(tmp_path, storage_url="file://instance/files").files_dir == Path(
        "instance/files"
    )
    problems = refusal(tmp_path, storage_url="s3://bucket/avatars")
    assert any(p.startswith("BASTION_STORAGE_URL:") for p in problems)


def test_the_suspicious_sign_in_threshold_is_bounded(tmp_path: Path) -> None:
    assert production(tmp_path).suspicious_trust_below == 40
    assert any(
        p.startswith("BASTION_SUSPICIOUS_TRUST_BELOW")
        for p in refusal(tmp_path, suspicious_trust_below=500)
    )


@pytest.mark.parametrize("env", ["production", "test"])
def test_only_development_reads_the_dot_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    """A developer's ``.env`` (console mail, no proxy) must not configure a deployment,
    and a deployment's settings must not reach the development server."""
    (tmp_path / ".env").write_text("BASTION_JWT_ISSUER=from-dot-env\n")
    monkeypatch.setenv("BASTION_ENV", env)

    assert production(tmp_path, env=env).jwt_issuer == "bastion"
    monkeypatch.delenv("BASTION_ENV")
    assert production(tmp_path, env=env).jwt_issuer == "bastion"


def test_the_header_deadline_is_positive_and_bounded(tmp_path: Path) -> None:
    assert production(tmp_path).header_timeout == 10
    for bad in (0, 301):
        assert any(
            p.startswith("BASTION_HEADER_TIMEOUT") for p in refusal(tmp_path, header_timeout=bad)
        )


@pytest.mark.parametrize("token", ["", "short-token"])
def test_a_metrics_token_set_but_empty_or_short_is_refused(tmp_path: Path, token: str) -> None:
    """Empty, it would match a request with no ``Authorization`` header at all."""
    problems = refusal(tmp_path, metrics_token=token)
    assert any(p.startswith("BASTION_METRICS_TOKEN:") for p in problems)
    assert production(tmp_path, metrics_token="m" * 32).metrics_token is not None


def test_webauthn_defaults_serve_the_development_server(tmp_path: Path) -> None:
    settings = load_settings(instance_dir=tmp_path)

    assert (settings.webauthn_rp_id, settings.webauthn_rp_name) == ("localhost", "Bastion")
    assert settings.webauthn_origin_list == ("http://localhost:8000",)


@pytest.mark.parametrize(
    ("origins", "problem"),
    [
        ("https://auth.example.com/login", "not scheme://host[:port]"),
        ("https://evil.test", "is not on example.com"),
        ("ftp://auth.example.com", "not scheme://host[:port]"),
        ("http://auth.example.com", "must be https in production"),
        (" , ", "at least one origin"),
    ],
)
def test_webauthn_origins_are_exact_on_the_rp_and_https_in_production(
    tmp_path: Path, origins: str, problem: str
) -> None:
    problems = refusal(tmp_path, webauthn_rp_id="example.com", webauthn_origins=origins)

    assert any(p.startswith("BASTION_WEBAUTHN_ORIGINS") and problem in p for p in problems)


def test_production_takes_https_origins_on_the_rp_or_below_it(tmp_path: Path) -> None:
    settings = production(
        tmp_path,
        webauthn_rp_id="example.com",
        webauthn_origins="https://example.com, https://auth.example.com:8443",
    )

    assert settings.webauthn_origin_list == ("https://example.com", "https://auth.example.com:8443")


def test_the_rp_id_is_a_bare_lower_case_host(tmp_path: Path) -> None:
    problems = refusal(tmp_path, webauthn_rp_id="https://Example.com")

    assert any(p.startswith("BASTION_WEBAUTHN_RP_ID") for p in problems)


def test_providers_are_off_and_the_console_is_the_default_redirect(tmp_path: Path) -> None:
    settings = load_settings(instance_dir=tmp_path, public_url="https://id.example")
    shipped = production(tmp_path, public_url="https://id.example")

    assert settings.oauth_google_client_id == settings.oauth_apple_client_id == ""
    hosts = [(t.scheme, t.host, t.port, t.path) for t in settings.redirect_targets]
    assert hosts == [
        ("https", "id.example", 443, "/account/"),
        ("http", "localhost", 8000, "/"),
    ]
    assert [t.path for t in shipped.redirect_targets] == ["/account/"]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"oauth_google_client_id": "g"}, "BASTION_OAUTH_GOOGLE_CLIENT_SECRET: required"),
        ({"oauth_github_client_id": "h"}, "BASTION_OAUTH_GITHUB_CLIENT_SECRET: required"),
        ({"oauth_apple_client_id": "a"}, "BASTION_OAUTH_APPLE_TEAM_ID: required"),
        ({"oauth_apple_client_id": "a"}, "BASTION_OAUTH_APPLE_PRIVATE_KEY: required"),
        (
            {"oauth_apple_client_id": "a", "oauth_apple_private_key": "/no/such/key.p8"},
            "BASTION_OAUTH_APPLE_PRIVATE_KEY: not an EC P-256",
        ),
        ({"oauth_github_api_url": "http://api.github.example"}, "must be https"),
        ({"oauth_google_metadata_url": "accounts.google.com"}, "not an absolute"),
        ({"redirect_allowlist": "https://app.example.com/cb?x=1"}, "BASTION_REDIRECT_ALLOWLIST"),
        ({"redirect_allowlist": "app.example.com"}, "BASTION_REDIRECT_ALLOWLIST"),
    ],
)
def test_provider_settings_are_checked_at_start_up(
    tmp_path: Path, overrides: dict[str, str], problem: str
) -> None:
    assert any(problem in p for p in refusal(tmp_path, **overrides))


def test_plain_http_to_a_provider_only_for_loopback_and_never_in_production(
    tmp_path: Path,
) -> None:
    local = {"oauth_github_base_url": "http://127.0.0.1:9999", "redirect_allowlist": ""}

    assert load_settings(instance_dir=tmp_path, **local).oauth_github_base_url.startswith("http:")
    with pytest.raises(SettingsError, match="BASTION_OAUTH_GITHUB_BASE_URL: must be https"):
        production(tmp_path, **local)
    with pytest.raises(SettingsError, match=r"BASTION_REDIRECT_ALLOWLIST: http://app\.example"):
        production(tmp_path, redirect_allowlist="http://app.example/cb")


def test_the_apple_key_is_read_from_pem_text_or_a_file(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    key_file = tmp_path / "AuthKey.p8"
    key_file.write_text(pem)
    apple = {"oauth_apple_client_id": "a", "oauth_apple_team_id": "T", "oauth_apple_key_id": "K"}

    as_text = load_settings(instance_dir=tmp_path, oauth_apple_private_key=pem, **apple)
    as_file = load_settings(instance_dir=tmp_path, oauth_apple_private_key=str(key_file), **apple)

    assert as_text.apple_private_key_pem.strip() == as_file.apple_private_key_pem.strip()
