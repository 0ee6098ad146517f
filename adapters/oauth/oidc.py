"""Google and Apple: OpenID Connect providers found through their discovery documents.

Google: scope ``openid email profile``, PKCE S256 and a nonce; its email counts only when
``email_verified`` is true; names from ``given_name``/``family_name``. Apple: scope
``name email``, ``response_mode=form_post`` (it posts the answer), a nonce; its client
secret is the ES256 JWT Bastion signs; ``email_verified`` comes as a boolean or the
string ``"true"``; names come only in the first authorization's ``user`` form field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authlib.integrations.requests_client import OAuth2Session

from adapters.oauth.discovery import Discovery
from adapters.oauth.id_tokens import IdTokenVerifier
from adapters.oauth.tokens import Client, exchange_code
from adapters.oauth.transport import Budget
from application.ports.providers import (
    AuthorizationRequest,
    IdentityRejectedError,
    ProviderAnswer,
    ProviderUnavailableError,
)
from domain.social import (
    Provider,
    ProviderIdentity,
    apple_user_names,
    profile_name,
    valid_subject,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OidcProfile:
    """What sets one OIDC provider apart from another."""

    provider: Provider
    scope: str
    pkce: bool
    form_post: bool


GOOGLE = OidcProfile(
    provider=Provider.GOOGLE, scope="openid email profile", pkce=True, form_post=False
)
APPLE = OidcProfile(provider=Provider.APPLE, scope="name email", pkce=False, form_post=True)


class OidcClient:
    def __init__(
        self,
        profile: OidcProfile,
        client: Client,
        secret: Callable[[], str],
        discovery: Discovery,
        verifier: IdTokenVerifier,
        timeout: float,
    ) -> None:
        self.provider = profile.provider
        self._profile = profile
        self._client = client
        self._secret = secret
        self._discovery = discovery
        self._verifier = verifier
        self._timeout = timeout

    def authorization_url(self, request: AuthorizationRequest) -> str:
        metadata = self._discovery.metadata()
        session = OAuth2Session(
            self._client.client_id,
            redirect_uri=self._client.redirect_uri,
            scope=self._profile.scope,
            code_challenge_method="S256" if self._profile.pkce else None,
        )
        extra = {"response_mode": "form_post"} if self._profile.form_post else {}
        url, _ = session.create_authorization_url(
            metadata.authorization_endpoint,
            state=request.state,
            code_verifier=request.code_verifier if self._profile.pkce else None,
            nonce=request.nonce,
            **extra,
        )
        return str(url)

    def identify(self, answer: ProviderAnswer) -> ProviderIdentity:
        budget = Budget(self._timeout)
        metadata = self._discovery.metadata(budget)
        if answer.issuer is not None and answer.issuer != metadata.issuer:
            raise IdentityRejectedError("issuer")
        token = exchange_code(
            self._client,
            secret=self._secret(),
            token_endpoint=metadata.token_endpoint,
            code=answer.code,
            code_verifier=answer.code_verifier if self._profile.pkce else None,
            budget=budget,
        )
        if token.id_token is None:
            raise ProviderUnavailableError("no_id_token")
        claims = self._verifier.verify(
            token.id_token, issuer=metadata.issuer, nonce=answer.nonce, budget=budget
        )
        subject = valid_subject(claims.get("sub"))
        if subject is None:
            raise IdentityRejectedError("claims")
        first, last = self._names(claims, answer)
        return ProviderIdentity(
            provider=self.provider,
            subject=subject,
            email=_verified_email(claims),
            first_name=first,
            last_name=last,
            access_token=token.access_token,
            scope=token.scope,
        )

    def _names(self, claims: dict[str, Any], answer: ProviderAnswer) -> tuple[str, str]:
        if self.provider is Provider.APPLE:
            return apple_user_names(answer.apple_user)
        return profile_name(claims.get("given_name")), profile_name(claims.get("family_name"))


def _verified_email(claims: dict[str, Any]) -> str | None:
    """The email only when the provider says it is verified (Apple says so as a string)."""
    email, verified = claims.get("email"), claims.get("email_verified")
    if not isinstance(email, str) or not email:
        return None
    return email if verified is True or verified == "true" else None
