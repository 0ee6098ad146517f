"""GitHub (or GitHub Enterprise at other base URLs): OAuth 2 with PKCE S256, then its API.

GitHub has no id_token: the identity is ``GET /user`` (the numeric ``id`` is the subject;
``login`` and ``email`` can change) and the email is only the primary address that
``GET /user/emails`` marks verified (SECURITY OA-05); an unverified primary counts as no
email. Names come from the profile's ``name``. Scopes: ``read:user user:email``.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.requests_client import OAuth2Session

from adapters.oauth.tokens import Client, exchange_code
from adapters.oauth.transport import Budget, ProviderHttp
from application.ports.providers import (
    AuthorizationRequest,
    IdentityRejectedError,
    ProviderAnswer,
    ProviderUnavailableError,
)
from domain.social import Provider, ProviderIdentity, split_full_name, valid_subject

SCOPE = "read:user user:email"
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class GitHubClient:
    provider = Provider.GITHUB

    def __init__(
        self,
        client: Client,
        secret: str,
        base_url: str,
        api_url: str,
        http: ProviderHttp,
        timeout: float,
    ) -> None:
        self._client = client
        self._secret = secret
        self._base = base_url.rstrip("/")
        self._api = api_url.rstrip("/")
        self._http = http
        self._timeout = timeout

    def authorization_url(self, request: AuthorizationRequest) -> str:
        session = OAuth2Session(
            self._client.client_id,
            redirect_uri=self._client.redirect_uri,
            scope=SCOPE,
            code_challenge_method="S256",
        )
        url, _ = session.create_authorization_url(
            f"{self._base}/login/oauth/authorize",
            state=request.state,
            code_verifier=request.code_verifier,
        )
        return str(url)

    def identify(self, answer: ProviderAnswer) -> ProviderIdentity:
        if answer.issuer is not None and answer.issuer.rstrip("/") != self._base:
            raise IdentityRejectedError("issuer")
        budget = Budget(self._timeout)
        token = exchange_code(
            self._client,
            secret=self._secret,
            token_endpoint=f"{self._base}/login/oauth/access_token",
            code=answer.code,
            code_verifier=answer.code_verifier,
            budget=budget,
        )
        if token.access_token is None:
            raise ProviderUnavailableError("no_access_token")
        bearer = {**API_HEADERS, "Authorization": f"Bearer {token.access_token}"}
        user = self._http.get_json(f"{self._api}/user", budget, bearer)
        emails = self._http.get_json(f"{self._api}/user/emails", budget, bearer)
        subject = valid_subject(user.get("id")) if isinstance(user, dict) else None
        if subject is None or not isinstance(emails, list):
            raise ProviderUnavailableError("malformed")
        first, last = split_full_name(user.get("name"))
        return ProviderIdentity(
            provider=self.provider,
            subject=subject,
            email=_verified_primary(emails),
            first_name=first,
            last_name=last,
            access_token=token.access_token,
            scope=token.scope,
        )


def _verified_primary(emails: list[Any]) -> str | None:
    for entry in emails:
        if isinstance(entry, dict) and entry.get("primary") is True:
            email = entry.get("email")
            verified = entry.get("verified") is True
            return email if verified and isinstance(email, str) and email else None
    return None
