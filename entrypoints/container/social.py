"""The social sign-in providers this deployment has a client id for, built from settings.
Each gets its own callback (``{public_url}/api/v1/auth/oauth/{provider}/callback``), so
an answer meant for one provider cannot be delivered to another's (SECURITY OA-04)."""

from __future__ import annotations

from collections.abc import Callable

from adapters.oauth.apple_secret import AppleClientSecret
from adapters.oauth.discovery import Discovery
from adapters.oauth.github import GitHubClient
from adapters.oauth.id_tokens import IdTokenVerifier
from adapters.oauth.jwks import KeySetCache
from adapters.oauth.oidc import APPLE, GOOGLE, OidcClient, OidcProfile
from adapters.oauth.providers import ConfiguredProviders, ProviderClient
from adapters.oauth.tokens import Client
from adapters.oauth.transport import Budget, ProviderHttp
from entrypoints.settings import Settings

OAUTH_PATH = "/api/v1/auth/oauth/{provider}"


def build_providers(settings: Settings) -> ConfiguredProviders:
    http = ProviderHttp()
    clients: list[ProviderClient] = []
    if settings.oauth_google_client_id:
        secret = settings.secret("oauth_google_client_secret").decode()
        google_id, metadata = settings.oauth_google_client_id, settings.oauth_google_metadata_url
        clients.append(_oidc(settings, GOOGLE, google_id, metadata, lambda: secret, http))
    if settings.oauth_apple_client_id:
        clients.append(_apple(settings, http))
    if settings.oauth_github_client_id:
        clients.append(
            GitHubClient(
                _client(settings, "github", settings.oauth_github_client_id),
                settings.secret("oauth_github_client_secret").decode(),
                settings.oauth_github_base_url,
                settings.oauth_github_api_url,
                http,
                settings.oauth_timeout,
            )
        )
    return ConfiguredProviders(clients)


def authorize_url(settings: Settings) -> str:
    """Bastion's own authorize endpoint, ``{provider}`` left to fill."""
    return f"{settings.public_url}{OAUTH_PATH}/authorize"


def _client(settings: Settings, provider: str, client_id: str) -> Client:
    callback = settings.public_url + OAUTH_PATH.format(provider=provider) + "/callback"
    return Client(client_id=client_id, redirect_uri=callback)


def _oidc(
    settings: Settings,
    profile: OidcProfile,
    client_id: str,
    metadata_url: str,
    secret: Callable[[], str],
    http: ProviderHttp,
    discovery: Discovery | None = None,
) -> OidcClient:
    discovery = discovery or Discovery(metadata_url, http, settings.oauth_timeout)

    def fetch_keys(budget: Budget) -> object:
        return http.get_json(discovery.metadata(budget).jwks_uri, budget)

    verifier = IdTokenVerifier(KeySetCache(fetch_keys), client_id)
    client = _client(settings, profile.provider.value, client_id)
    return OidcClient(profile, client, secret, discovery, verifier, settings.oauth_timeout)


def _apple(settings: Settings, http: ProviderHttp) -> OidcClient:
    discovery = Discovery(settings.oauth_apple_metadata_url, http, settings.oauth_timeout)
    secret = AppleClientSecret(
        team_id=settings.oauth_apple_team_id,
        key_id=settings.oauth_apple_key_id,
        client_id=settings.oauth_apple_client_id,
        private_key_pem=settings.apple_private_key_pem,
        audience=lambda: discovery.metadata().issuer,
    )
    return _oidc(
        settings,
        APPLE,
        settings.oauth_apple_client_id,
        settings.oauth_apple_metadata_url,
        secret.current,
        http,
        discovery,
    )
