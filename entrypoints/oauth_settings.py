"""The checks on the social sign-in settings, reported with the others at start-up.

A provider is on when its client id is set, and then needs the rest of its credentials:
a client secret (Google, GitHub) or the team id, key id and an EC P-256 private key in
PEM (Apple, whose client secret Bastion signs itself). Provider URLs must be https; plain
http is accepted only for a loopback host (127.0.0.0/8, ::1, localhost) and never in
production, so tests and local fakes can stand in for a provider without ever turning
TLS off for a real one. ``BASTION_REDIRECT_ALLOWLIST`` must parse, and in production
lists https prefixes only (but for loopback hosts).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

if TYPE_CHECKING:
    from entrypoints.settings import Settings

_PRODUCTION = "production"


def oauth_problems(settings: Settings) -> list[str]:
    return (
        _credential_problems(settings)
        + _apple_problems(settings)
        + _url_problems(settings)
        + _allowlist_problems(settings)
    )


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _credential_problems(settings: Settings) -> list[str]:
    problems = []
    for name in ("google", "github"):
        client_id = getattr(settings, f"oauth_{name}_client_id")
        if client_id and getattr(settings, f"oauth_{name}_client_secret") is None:
            problems.append(
                f"BASTION_OAUTH_{name.upper()}_CLIENT_SECRET: required with its client id"
            )
    return problems


def _apple_problems(settings: Settings) -> list[str]:
    if not settings.oauth_apple_client_id:
        return []
    problems = [
        f"BASTION_OAUTH_APPLE_{name.upper()}: required with the Apple client id"
        for name in ("team_id", "key_id")
        if not getattr(settings, f"oauth_apple_{name}")
    ]
    if settings.oauth_apple_private_key is None:
        return [*problems, "BASTION_OAUTH_APPLE_PRIVATE_KEY: required with the Apple client id"]
    try:
        key = load_pem_private_key(settings.apple_private_key_pem, password=None)
    except (OSError, ValueError, TypeError):
        key = None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        problems.append(
            "BASTION_OAUTH_APPLE_PRIVATE_KEY: not an EC P-256 private key in PEM (or a file of one)"
        )
    return problems


def _url_problems(settings: Settings) -> list[str]:
    urls = {
        "BASTION_OAUTH_GOOGLE_METADATA_URL": settings.oauth_google_metadata_url,
        "BASTION_OAUTH_APPLE_METADATA_URL": settings.oauth_apple_metadata_url,
        "BASTION_OAUTH_GITHUB_BASE_URL": settings.oauth_github_base_url,
        "BASTION_OAUTH_GITHUB_API_URL": settings.oauth_github_api_url,
    }
    production = settings.env == _PRODUCTION
    problems = []
    for name, url in urls.items():
        parts = urlsplit(url)
        plain_allowed = not production and loopback(parts.hostname or "")
        if not parts.hostname or parts.scheme not in {"https", "http"}:
            problems.append(f"{name}: not an absolute http(s) URL")
        elif parts.scheme == "http" and not plain_allowed:
            problems.append(
                f"{name}: must be https (http only for loopback hosts, not in production)"
            )
    return problems


def _allowlist_problems(settings: Settings) -> list[str]:
    try:
        targets = settings.redirect_targets
    except ValueError as error:
        return [f"BASTION_REDIRECT_ALLOWLIST: {error}"]
    if settings.env != _PRODUCTION:
        return []
    return [
        f"BASTION_REDIRECT_ALLOWLIST: {target.scheme}://{target.host} must be https in production"
        for target in targets
        if target.scheme != "https" and not loopback(target.host.strip("[]"))
    ]
